"""Introductions' tables: schedules, rounds (the exactly-once claims), intros, answers and wishes.

Rounds are exactly-once claims (`bot.claims`, `storage.claims`): a round row keyed by (community,
period) is inserted with ON CONFLICT DO NOTHING before anything is planned or posted, so of any
number of processes (or a restarted one) exactly one gets it. The planned intros are written in one transaction with
the round's move to `planned`, each before its post; the platform ids are stored after. A crash
leaves the round `claimed` or `planned`; once stale, one atomic UPDATE hands it to a new owner,
who resumes the unposted intros instead of pairing again. Tables are migrated by revision 0005.

Members of an intro are kept by member row (ON DELETE CASCADE, so `forget-me` takes them) and by
platform id; `not-with` wishes and opt-in defaults are kept by platform id, like the settings.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.claims import ClaimState
from storage.claims import ClaimsTable
from storage.models import Base
from storage.sql import Id, UtcDateTime, community_fk

# Round states.
# Round states: the states of every exactly-once claim (`bot.claims`).
CLAIMED = ClaimState.CLAIMED.value  # taken; nothing planned yet (or the planner crashed)
PLANNED = ClaimState.PLANNED.value  # intros recorded; some may still wait for their post
POSTED = ClaimState.POSTED.value  # every intro of the round was posted (or given up individually)
SKIPPED = ClaimState.SKIPPED.value  # nothing to do: fewer than two members to introduce
FAILED = ClaimState.FAILED.value  # gave up (too many attempts, or superseded by a newer round)
OPEN_STATES = (CLAIMED, PLANNED)

# Follow-up ("Did you meet?") states of a posted intro.
FOLLOWUP_PENDING = "pending"
FOLLOWUP_SENDING = "sending"
FOLLOWUP_SENT = "sent"
FOLLOWUP_FAILED = "failed"


class IntroScheduleRow(Base):
    """A community's round cadence; created with the default cadence on the first opt-in."""

    __tablename__ = "intro_schedules"
    community_id: Mapped[int] = mapped_column(
        Id, ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    cadence: Mapped[str] = mapped_column(String(16))  # weekly | biweekly | monthly
    weekday: Mapped[int] = mapped_column(Integer)
    hour: Mapped[int] = mapped_column(Integer)
    minute: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Periods at or before this instant are never run (creation, cadence change, re-enable).
    schedule_since: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IntroChannelDefaultRow(Base):
    """A channel whose members are opted in unless they said otherwise."""

    __tablename__ = "intro_channel_defaults"
    community_id: Mapped[int] = mapped_column(
        Id, ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    channel_external_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IntroRoundRow(Base):
    __tablename__ = "intro_rounds"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = community_fk()
    period: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(16))  # scheduled | manual
    state: Mapped[str] = mapped_column(String(16))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    candidates: Mapped[int] = mapped_column(Integer, default=0)
    planned_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    __table_args__ = (
        UniqueConstraint("community_id", "period"),
        Index("ix_intro_rounds_state", "state", "claimed_at"),
    )


class IntroRow(Base):
    __tablename__ = "intros"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(Id, ForeignKey("intro_rounds.id", ondelete="CASCADE"))
    community_id: Mapped[int] = community_fk()
    seq: Mapped[int] = mapped_column(Integer)  # position in the round; a second planner conflicts
    size: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))  # planned | posted | failed
    score: Mapped[float] = mapped_column(Float, default=0.0)
    # The reasons and starter as JSON parts (see bot.intros.service), rendered when posted.
    explanation: Mapped[str] = mapped_column(Text, default="{}")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    conversation_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    followup_state: Mapped[str] = mapped_column(String(16), default=FOLLOWUP_PENDING)
    followup_claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    followup_claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    followup_attempts: Mapped[int] = mapped_column(Integer, default=0)
    followup_message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    followup_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    __table_args__ = (
        UniqueConstraint("round_id", "seq"),
        Index("ix_intros_followup", "state", "followup_state", "posted_at"),
        Index("ix_intros_community", "community_id", "created_at"),
    )


class IntroMemberRow(Base):
    __tablename__ = "intro_members"
    intro_id: Mapped[int] = mapped_column(
        Id, ForeignKey("intros.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        Id, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = community_fk()
    member_external_id: Mapped[str] = mapped_column(String(64))
    answer: Mapped[str | None] = mapped_column(String(8), nullable=True)  # yes | no
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    __table_args__ = (
        Index("ix_intro_members_member", "member_id"),
        Index("ix_intro_members_external", "community_id", "member_external_id"),
    )


class IntroNotWithRow(Base):
    """`intros not-with @member`: never introduce these two (either way round)."""

    __tablename__ = "intro_not_with"
    community_id: Mapped[int] = mapped_column(
        Id, ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    member_external_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    other_external_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    other_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IntroMemberStateRow(Base):
    """Per-member facts the settings row lacks: the ignored-intros streak and automatic pauses."""

    __tablename__ = "intro_member_state"
    community_id: Mapped[int] = mapped_column(
        Id, ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    member_external_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Intros before this instant do not count towards the ignored streak (reset by `intros on`).
    streak_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    auto_paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    notice_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


intro_schedules = cast(Table, IntroScheduleRow.__table__)
intro_channel_defaults = cast(Table, IntroChannelDefaultRow.__table__)
intro_rounds = cast(Table, IntroRoundRow.__table__)
ROUNDS = ClaimsTable(intro_rounds, "community_id", OPEN_STATES)
intros = cast(Table, IntroRow.__table__)
intro_members = cast(Table, IntroMemberRow.__table__)
intro_not_with = cast(Table, IntroNotWithRow.__table__)
intro_member_state = cast(Table, IntroMemberStateRow.__table__)
