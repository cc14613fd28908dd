"""Introductions: schedules, rounds (the exactly-once claims), intros, answers and wishes.

The claim protocol follows `storage.digests`: a round row keyed by (community, period) is inserted
with ON CONFLICT DO NOTHING before anything is planned or posted, so of any number of processes
(or a restarted one) exactly one gets it. The planned intros are written in one transaction with
the round's move to `planned`, each before its post; the platform ids are stored after. A crash
leaves the round `claimed` or `planned`; once stale, one atomic UPDATE hands it to a new owner,
who resumes the unposted intros instead of pairing again. Tables are migrated by revision 0005.

Members of an intro are kept by member row (ON DELETE CASCADE, so `forget-me` takes them) and by
platform id; `not-with` wishes and opt-in defaults are kept by platform id, like the settings.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

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
    and_,
    case,
    delete,
    distinct,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import as_utc
from bot.model import Community, Member
from storage import models as m
from storage.db import Database
from storage.ingest import insert_ignore
from storage.interests import member_topics
from storage.models import Base, Id, UtcDateTime

CONTACT_GAP = timedelta(minutes=30)  # two messages this close in a channel are a conversation
_MENTION = re.compile(r"<@!?([^>|\s]+)(?:\|[^>]*)?>")  # Slack and Discord user mentions

# Round states.
CLAIMED = "claimed"  # taken; nothing planned yet (or the planner crashed)
PLANNED = "planned"  # intros recorded; some may still wait for their post
POSTED = "posted"  # every intro of the round was posted (or given up individually)
SKIPPED = "skipped"  # nothing to do: fewer than two members to introduce
FAILED = "failed"  # gave up (too many attempts, or superseded by a newer round)
OPEN_STATES = (CLAIMED, PLANNED)

# Follow-up ("Did you meet?") states of a posted intro.
FOLLOWUP_PENDING = "pending"
FOLLOWUP_SENDING = "sending"
FOLLOWUP_SENT = "sent"
FOLLOWUP_FAILED = "failed"


def _community_fk() -> Mapped[int]:
    return mapped_column(Id, ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)


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
    community_id: Mapped[int] = _community_fk()
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
    community_id: Mapped[int] = _community_fk()
    seq: Mapped[int] = mapped_column(Integer)  # position in the round; a second planner conflicts
    size: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))  # planned | posted | failed
    score: Mapped[float] = mapped_column(Float, default=0.0)
    # The reasons and starter as JSON parts (see bot.interests.intros), rendered when posted.
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
    community_id: Mapped[int] = _community_fk()
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
intros = cast(Table, IntroRow.__table__)
intro_members = cast(Table, IntroMemberRow.__table__)
intro_not_with = cast(Table, IntroNotWithRow.__table__)
intro_member_state = cast(Table, IntroMemberStateRow.__table__)


# --- values ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduleRecord:
    community_id: int
    cadence: str
    weekday: int
    hour: int
    minute: int
    timezone: str
    enabled: bool
    schedule_since: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RoundRecord:
    id: int
    community_id: int
    period: datetime
    kind: str
    state: str
    claimed_at: datetime
    claimed_by: str
    attempts: int
    candidates: int = 0
    planned_at: datetime | None = None
    finished_at: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class IntroMember:
    member_id: int
    external_id: str
    name: str
    answer: str | None = None
    answered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IntroRecord:
    id: int
    round_id: int
    community_id: int
    seq: int
    state: str
    score: float
    explanation: str
    members: tuple[IntroMember, ...]
    created_at: datetime
    size: int = 2
    attempts: int = 0
    conversation_id: str | None = None
    message_id: str | None = None
    posted_at: datetime | None = None
    followup_state: str = FOLLOWUP_PENDING
    followup_at: datetime | None = None
    period: datetime | None = None

    def member(self, external_id: str) -> IntroMember | None:
        return next((x for x in self.members if x.external_id == external_id), None)

    @property
    def met(self) -> bool:
        return any(x.answer == "yes" for x in self.members)

    @property
    def answered(self) -> bool:
        return any(x.answer is not None for x in self.members)


@dataclass(frozen=True, slots=True)
class PlannedIntro:
    """One group to record before posting: member ids, score and the explanation JSON."""

    member_ids: tuple[int, ...]
    score: float
    explanation: str


@dataclass(frozen=True, slots=True)
class CandidateRow:
    """A member who may be introduced, with why (explicitly, or through a default channel)."""

    member: Member
    explicit: bool


@dataclass(frozen=True, slots=True)
class MemberIntroState:
    streak_since: datetime | None = None
    auto_paused_at: datetime | None = None
    notice_sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RoundStats:
    period: datetime
    kind: str
    intros: int
    answered: int
    met: int


@dataclass(frozen=True, slots=True)
class Stats:
    rounds: int
    intros: int
    followups: int
    answered: int
    met: int
    recent: tuple[RoundStats, ...]

    @property
    def met_rate(self) -> float | None:
        return self.met / self.answered if self.answered else None


def _opt(when: datetime | None) -> datetime | None:
    return as_utc(when) if when is not None else None


def _schedule(row: Any) -> ScheduleRecord:
    return ScheduleRecord(
        community_id=row.community_id,
        cadence=row.cadence,
        weekday=row.weekday,
        hour=row.hour,
        minute=row.minute,
        timezone=row.timezone,
        enabled=bool(row.enabled),
        schedule_since=as_utc(row.schedule_since),
        updated_at=as_utc(row.updated_at),
    )


def _round(row: Any) -> RoundRecord:
    return RoundRecord(
        id=row.id,
        community_id=row.community_id,
        period=as_utc(row.period),
        kind=row.kind,
        state=row.state,
        claimed_at=as_utc(row.claimed_at),
        claimed_by=row.claimed_by,
        attempts=row.attempts,
        candidates=row.candidates or 0,
        planned_at=_opt(row.planned_at),
        finished_at=_opt(row.finished_at),
        reason=row.reason,
    )


class IntroStore:
    """Every intro read and write, scoped by community wherever a community is involved."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- schedules ----------------------------------------------------------------------------
    async def schedule(self, community_id: int) -> ScheduleRecord | None:
        st = intro_schedules
        async with self.db.read() as conn:
            row = (await conn.execute(select(st).where(st.c.community_id == community_id))).first()
        return _schedule(row) if row else None

    async def ensure_schedule(
        self, community_id: int, default: Mapping[str, Any], now: datetime
    ) -> None:
        """Create the community's schedule with the default cadence unless it has one."""
        async with self.db.write() as conn:
            await conn.execute(
                insert_ignore(conn, intro_schedules),
                [
                    {
                        "community_id": community_id,
                        **default,
                        "enabled": True,
                        "schedule_since": now,
                        "updated_at": now,
                    }
                ],
            )

    async def set_schedule(
        self, community_id: int, values: Mapping[str, Any], now: datetime
    ) -> None:
        """Set the cadence (or `enabled`); periods up to now are never run late because of it."""
        st = intro_schedules
        async with self.db.write() as conn:
            await conn.execute(
                insert_ignore(conn, st),
                [
                    {
                        "community_id": community_id,
                        "cadence": values.get("cadence", "weekly"),
                        "weekday": values.get("weekday", 0),
                        "hour": values.get("hour", 10),
                        "minute": values.get("minute", 0),
                        "timezone": values.get("timezone", "UTC"),
                        "enabled": values.get("enabled", True),
                        "schedule_since": now,
                        "updated_at": now,
                    }
                ],
            )
            await conn.execute(
                update(st)
                .where(st.c.community_id == community_id)
                .values(**values, schedule_since=now, updated_at=now)
            )

    async def enabled_schedules(self) -> list[tuple[Community, ScheduleRecord]]:
        """Every community with rounds switched on (the scheduler's work list)."""
        st, ct = intro_schedules, m.communities
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(st, ct.c.platform, ct.c.external_id, ct.c.name)
                .join(ct, ct.c.id == st.c.community_id)
                .where(st.c.enabled.is_(True))
                .order_by(st.c.community_id)
            )
            return [
                (Community(r.community_id, r.platform, r.external_id, r.name), _schedule(r))
                for r in rows
            ]

    # --- opt-in defaults and wishes -----------------------------------------------------------
    async def set_channel_default(
        self, community_id: int, channel_id: str, channel_name: str | None, on: bool, now: datetime
    ) -> bool:
        """Turn a channel's default opt-in on or off; True if that changed anything."""
        cd = intro_channel_defaults
        async with self.db.write() as conn:
            if on:
                row = (
                    await conn.execute(
                        insert_ignore(conn, cd).returning(cd.c.channel_external_id),
                        [
                            {
                                "community_id": community_id,
                                "channel_external_id": channel_id,
                                "channel_name": channel_name,
                                "created_at": now,
                            }
                        ],
                    )
                ).first()
                return row is not None
            result = await conn.execute(
                delete(cd).where(
                    cd.c.community_id == community_id, cd.c.channel_external_id == channel_id
                )
            )
            return bool(result.rowcount)

    async def channel_defaults(self, community_id: int) -> list[tuple[str, str | None]]:
        cd = intro_channel_defaults
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(cd.c.channel_external_id, cd.c.channel_name)
                .where(cd.c.community_id == community_id)
                .order_by(cd.c.channel_name, cd.c.channel_external_id)
            )
            return [(r[0], r[1]) for r in rows]

    async def default_channels_of(
        self, community_id: int, member_id: int, since: datetime
    ) -> list[str]:
        """Names of the default-on channels this member posted in since `since`."""
        cd, ch, msg = intro_channel_defaults, m.channels, m.messages
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(func.coalesce(cd.c.channel_name, ch.c.name, ch.c.external_id))
                .select_from(cd)
                .join(
                    ch,
                    and_(
                        ch.c.community_id == cd.c.community_id,
                        ch.c.external_id == cd.c.channel_external_id,
                    ),
                )
                .where(
                    cd.c.community_id == community_id,
                    ch.c.id.in_(
                        select(msg.c.channel_id).where(
                            msg.c.author_id == member_id, msg.c.posted_at >= since
                        )
                    ),
                )
                .order_by(cd.c.channel_name)
            )
            return [r[0] for r in rows]

    async def add_not_with(
        self,
        community_id: int,
        member_ext: str,
        other_ext: str,
        other_name: str | None,
        now: datetime,
    ) -> bool:
        nw = intro_not_with
        async with self.db.write() as conn:
            row = (
                await conn.execute(
                    insert_ignore(conn, nw).returning(nw.c.other_external_id),
                    [
                        {
                            "community_id": community_id,
                            "member_external_id": member_ext,
                            "other_external_id": other_ext,
                            "other_name": other_name,
                            "created_at": now,
                        }
                    ],
                )
            ).first()
        return row is not None

    async def remove_not_with(self, community_id: int, member_ext: str, other_ext: str) -> bool:
        nw = intro_not_with
        async with self.db.write() as conn:
            result = await conn.execute(
                delete(nw).where(
                    nw.c.community_id == community_id,
                    nw.c.member_external_id == member_ext,
                    nw.c.other_external_id == other_ext,
                )
            )
        return bool(result.rowcount)

    async def not_with_of(self, community_id: int, member_ext: str) -> list[tuple[str, str | None]]:
        nw = intro_not_with
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(nw.c.other_external_id, nw.c.other_name)
                .where(nw.c.community_id == community_id, nw.c.member_external_id == member_ext)
                .order_by(nw.c.created_at, nw.c.other_external_id)
            )
            return [(r[0], r[1]) for r in rows]

    async def not_with_pairs(self, community_id: int) -> list[tuple[str, str]]:
        nw = intro_not_with
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(nw.c.member_external_id, nw.c.other_external_id).where(
                    nw.c.community_id == community_id
                )
            )
            return [(r[0], r[1]) for r in rows]

    # --- member state ------------------------------------------------------------------------
    async def member_state(self, community_id: int, member_ext: str) -> MemberIntroState:
        ms = intro_member_state
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(ms).where(
                        ms.c.community_id == community_id, ms.c.member_external_id == member_ext
                    )
                )
            ).first()
        if row is None:
            return MemberIntroState()
        return MemberIntroState(
            _opt(row.streak_since), _opt(row.auto_paused_at), _opt(row.notice_sent_at)
        )

    async def member_states(self, community_id: int) -> dict[str, MemberIntroState]:
        ms = intro_member_state
        async with self.db.read() as conn:
            rows = await conn.execute(select(ms).where(ms.c.community_id == community_id))
            return {
                r.member_external_id: MemberIntroState(
                    _opt(r.streak_since), _opt(r.auto_paused_at), _opt(r.notice_sent_at)
                )
                for r in rows
            }

    async def set_member_state(
        self, community_id: int, member_ext: str, now: datetime, **values: Any
    ) -> None:
        ms = intro_member_state
        async with self.db.write() as conn:
            await conn.execute(
                insert_ignore(conn, ms),
                [
                    {
                        "community_id": community_id,
                        "member_external_id": member_ext,
                        "updated_at": now,
                    }
                ],
            )
            await conn.execute(
                update(ms)
                .where(ms.c.community_id == community_id, ms.c.member_external_id == member_ext)
                .values(updated_at=now, **values)
            )

    async def auto_pause(
        self,
        community_id: int,
        member_exts: Sequence[str],
        now: datetime,
        until: datetime,
        default_tracking: bool,
    ) -> None:
        """Pause members who ignored their last intros, in one transaction with the record."""
        if not member_exts:
            return
        st, ms = m.member_settings, intro_member_state
        async with self.db.write() as conn:
            await conn.execute(
                insert_ignore(conn, st),
                [
                    {
                        "community_id": community_id,
                        "member_external_id": ext,
                        "tracking": default_tracking,
                        "updated_at": now,
                    }
                    for ext in member_exts
                ],
            )
            await conn.execute(
                update(st)
                .where(st.c.community_id == community_id, st.c.member_external_id.in_(member_exts))
                .values(intros_paused_until=until, updated_at=now)
            )
            await conn.execute(
                insert_ignore(conn, ms),
                [
                    {"community_id": community_id, "member_external_id": ext, "updated_at": now}
                    for ext in member_exts
                ],
            )
            await conn.execute(
                update(ms)
                .where(ms.c.community_id == community_id, ms.c.member_external_id.in_(member_exts))
                .values(auto_paused_at=now, notice_sent_at=None, streak_since=now, updated_at=now)
            )

    # --- candidates ----------------------------------------------------------------------------
    async def candidates(
        self, community_id: int, now: datetime, active_since: datetime, default_tracking: bool
    ) -> list[CandidateRow]:
        """Members who may be introduced now: not bots, tracked, opted in (explicitly, or by a
        default-on channel they posted in), not paused, and active since `active_since`."""
        mt, st, msg, rx, ch = m.members, m.member_settings, m.messages, m.reactions, m.channels
        cd = intro_channel_defaults
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(
                        mt.c.id,
                        mt.c.external_id,
                        mt.c.display_name,
                        st.c.tracking,
                        st.c.intros,
                        st.c.intros_paused_until,
                        st.c.updated_at,
                    )
                    .select_from(
                        mt.outerjoin(
                            st,
                            and_(
                                st.c.community_id == mt.c.community_id,
                                st.c.member_external_id == mt.c.external_id,
                            ),
                        )
                    )
                    .where(mt.c.community_id == community_id, mt.c.is_bot.is_(False))
                    .order_by(mt.c.id)
                )
            ).all()
            active = set(
                (
                    await conn.execute(
                        select(msg.c.author_id)
                        .where(msg.c.community_id == community_id, msg.c.posted_at >= active_since)
                        .distinct()
                    )
                ).scalars()
            )
            active.update(
                (
                    await conn.execute(
                        select(rx.c.member_id)
                        .where(rx.c.community_id == community_id, rx.c.reacted_at >= active_since)
                        .distinct()
                    )
                ).scalars()
            )
            by_default = set(
                (
                    await conn.execute(
                        select(msg.c.author_id)
                        .join(ch, ch.c.id == msg.c.channel_id)
                        .join(
                            cd,
                            and_(
                                cd.c.community_id == ch.c.community_id,
                                cd.c.channel_external_id == ch.c.external_id,
                            ),
                        )
                        .where(msg.c.community_id == community_id, msg.c.posted_at >= active_since)
                        .distinct()
                    )
                ).scalars()
            )
        out: list[CandidateRow] = []
        for r in rows:
            tracking = default_tracking if r.tracking is None else bool(r.tracking)
            if not tracking:
                continue
            if r.intros_paused_until is not None and as_utc(r.intros_paused_until) > now:
                continue
            explicit = bool(r.intros)
            if r.intros is None:
                if r.id not in by_default:
                    continue
            elif not explicit:
                continue
            recently_chose = r.updated_at is not None and as_utc(r.updated_at) >= active_since
            if r.id not in active and not (explicit and recently_chose):
                continue
            out.append(
                CandidateRow(Member(r.id, community_id, r.external_id, r.display_name), explicit)
            )
        return out

    async def contacts(
        self,
        community_id: int,
        member_ids: Collection[int],
        since: datetime,
        within: timedelta = CONTACT_GAP,
    ) -> dict[tuple[int, int], int]:
        """How often two of `member_ids` were in touch in public channels since `since`,
        beyond shared threads: one reacted to the other's message, one @-mentioned the other,
        or they posted one right after the other (outside threads, within `within`), which
        is how a conversation looks in a channel without threads. Keys: (smaller, larger)."""
        wanted = set(member_ids)
        out: dict[tuple[int, int], int] = {}

        def count(a: int, b: int) -> None:
            if a != b and a in wanted and b in wanted:
                key = (a, b) if a < b else (b, a)
                out[key] = out.get(key, 0) + 1

        msg, rx, ch, mt = m.messages, m.reactions, m.channels, m.members
        public = and_(ch.c.id == msg.c.channel_id, ch.c.is_private.is_(False))
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(rx.c.member_id, msg.c.author_id)
                .select_from(rx.join(msg, msg.c.id == rx.c.message_id).join(ch, public))
                .where(rx.c.community_id == community_id, msg.c.posted_at >= since)
            )
            for reactor, author in rows:
                count(reactor, author)
            by_ext = {
                ext: mid
                for mid, ext in await conn.execute(
                    select(mt.c.id, mt.c.external_id).where(mt.c.community_id == community_id)
                )
                if mid in wanted
            }
            rows = await conn.execute(
                select(msg.c.author_id, msg.c.text)
                .select_from(msg.join(ch, public))
                .where(
                    msg.c.community_id == community_id,
                    msg.c.posted_at >= since,
                    msg.c.text.contains("<@"),
                )
            )
            for author, text in rows:
                for ext in set(_MENTION.findall(text or "")):
                    found = by_ext.get(ext)
                    if found is not None:
                        count(author, found)
            flat = or_(
                msg.c.thread_external_id.is_(None),
                msg.c.thread_external_id == msg.c.external_id,
            )
            turns = (
                select(
                    msg.c.author_id.label("author"),
                    msg.c.posted_at.label("at"),
                    func.lag(msg.c.author_id)
                    .over(partition_by=msg.c.channel_id, order_by=(msg.c.posted_at, msg.c.id))
                    .label("prev_author"),
                    func.lag(msg.c.posted_at, type_=msg.c.posted_at.type)
                    .over(partition_by=msg.c.channel_id, order_by=(msg.c.posted_at, msg.c.id))
                    .label("prev_at"),
                )
                .select_from(msg.join(ch, public))
                .where(msg.c.community_id == community_id, msg.c.posted_at >= since, flat)
                .subquery()
            )
            turn_rows = await conn.execute(
                select(turns.c.author, turns.c.at, turns.c.prev_author, turns.c.prev_at).where(
                    turns.c.prev_author.is_not(None), turns.c.prev_author != turns.c.author
                )
            )
            for author, at, prev_author, prev_at in turn_rows:
                if author in wanted and prev_author in wanted and at - prev_at <= within:
                    count(author, prev_author)
        return out

    async def topic_shares(
        self, community_id: int, topics: Collection[str], *, min_members: int = 1
    ) -> dict[str, float]:
        """Of the community's members with any known topic, the share holding each of
        `topics` among their strongest (`member_topics`, one index range per topic); nothing
        when fewer than `min_members` members have topics."""
        mt = member_topics
        wanted = sorted(set(topics))
        if not wanted:
            return {}
        async with self.db.read() as conn:
            total = (
                await conn.execute(
                    select(func.count(distinct(mt.c.member_id))).where(
                        mt.c.community_id == community_id
                    )
                )
            ).scalar_one()
            if not total or total < min_members:
                return {}
            counts: dict[str, int] = {}
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                rows = await conn.execute(
                    select(mt.c.topic, func.count())
                    .where(mt.c.community_id == community_id, mt.c.topic.in_(part))
                    .group_by(mt.c.topic)
                )
                counts.update({t: int(n) for t, n in rows})
        return {t: n / total for t, n in counts.items()}

    async def opted_in_counts(self, community_id: int, now: datetime) -> tuple[int, int]:
        """(members who turned intros on, of them paused now), for moderators' stats."""
        st = m.member_settings
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(st.c.intros_paused_until).where(
                        st.c.community_id == community_id, st.c.intros.is_(True)
                    )
                )
            ).all()
        paused = sum(1 for (p,) in rows if p is not None and as_utc(p) > now)
        return len(rows), paused

    # --- rounds: the exactly-once protocol -------------------------------------------------------
    async def claim(
        self, community_id: int, period: datetime, kind: str, now: datetime, token: str
    ) -> int | None:
        """Insert the round row for (community, period); its id if this caller won, else None."""
        rt = intro_rounds
        async with self.db.write() as conn:
            row = (
                await conn.execute(
                    insert_ignore(conn, rt).returning(rt.c.id),
                    {
                        "community_id": community_id,
                        "period": as_utc(period),
                        "kind": kind,
                        "state": CLAIMED,
                        "claimed_at": now,
                        "claimed_by": token,
                        "attempts": 1,
                        "candidates": 0,
                    },
                )
            ).first()
        return int(row[0]) if row is not None else None

    async def take_stale(
        self,
        community_id: int,
        period: datetime,
        now: datetime,
        stale_before: datetime,
        token: str,
        max_attempts: int,
    ) -> int | None:
        """Re-take a round whose owner crashed or failed (claimed or planned, not touched since
        `stale_before`); one caller wins."""
        rt = intro_rounds
        async with self.db.write() as conn:
            row = (
                await conn.execute(
                    update(rt)
                    .where(
                        rt.c.community_id == community_id,
                        rt.c.period == as_utc(period),
                        rt.c.state.in_(OPEN_STATES),
                        rt.c.claimed_at < stale_before,
                        rt.c.attempts < max_attempts,
                    )
                    .values(claimed_at=now, claimed_by=token, attempts=rt.c.attempts + 1)
                    .returning(rt.c.id)
                )
            ).first()
        return int(row[0]) if row is not None else None

    async def give_up(
        self, round_id: int, stale_before: datetime, reason: str, now: datetime
    ) -> bool:
        """Close a stale open round (too many attempts, or superseded by a newer period): the
        round is failed and its unposted intros too. False if it was not open and stale."""
        rt, it = intro_rounds, intros
        async with self.db.write() as conn:
            row = (
                await conn.execute(
                    update(rt)
                    .where(
                        rt.c.id == round_id,
                        rt.c.state.in_(OPEN_STATES),
                        rt.c.claimed_at < stale_before,
                    )
                    .values(state=FAILED, reason=reason[:2000], finished_at=now)
                    .returning(rt.c.id)
                )
            ).first()
            if row is None:
                return False
            await conn.execute(
                update(it)
                .where(it.c.round_id == round_id, it.c.state == "planned")
                .values(state="failed")
            )
        return True

    async def round(self, round_id: int) -> RoundRecord | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(intro_rounds).where(intro_rounds.c.id == round_id))
            ).first()
        return _round(row) if row else None

    async def round_for(self, community_id: int, period: datetime) -> RoundRecord | None:
        rt = intro_rounds
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(rt).where(
                        rt.c.community_id == community_id, rt.c.period == as_utc(period)
                    )
                )
            ).first()
        return _round(row) if row else None

    async def rounds(self, community_id: int, limit: int = 20) -> list[RoundRecord]:
        rt = intro_rounds
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(rt)
                .where(rt.c.community_id == community_id)
                .order_by(rt.c.period.desc(), rt.c.id.desc())
                .limit(limit)
            )
            return [_round(r) for r in rows]

    async def open_rounds(self, community_id: int) -> list[RoundRecord]:
        rt = intro_rounds
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(rt)
                .where(rt.c.community_id == community_id, rt.c.state.in_(OPEN_STATES))
                .order_by(rt.c.period)
            )
            return [_round(r) for r in rows]

    async def record_plan(
        self,
        round_id: int,
        token: str,
        community_id: int,
        planned: Sequence[PlannedIntro],
        externals: Mapping[int, str],
        candidates: int,
        now: datetime,
        reason: str | None = None,
    ) -> bool:
        """Record every intro of a round and mark it planned (skipped, with `reason`, when there
        are none), in one transaction, only while the round is still ours and unplanned.
        False: someone else owns it now."""
        rt, it, im = intro_rounds, intros, intro_members
        async with self.db.write() as conn:
            owned = (
                await conn.execute(
                    update(rt)
                    .where(rt.c.id == round_id, rt.c.state == CLAIMED, rt.c.claimed_by == token)
                    .values(
                        state=PLANNED if planned else SKIPPED,
                        planned_at=now,
                        claimed_at=now,
                        candidates=candidates,
                        finished_at=None if planned else now,
                        reason=None if planned else (reason or "nobody to introduce"),
                    )
                    .returning(rt.c.id)
                )
            ).first()
            if owned is None:
                return False
            if not planned:
                return True
            await conn.execute(
                it.insert(),
                [
                    {
                        "round_id": round_id,
                        "community_id": community_id,
                        "seq": seq,
                        "size": len(p.member_ids),
                        "state": "planned",
                        "score": p.score,
                        "explanation": p.explanation,
                        "attempts": 0,
                        "created_at": now,
                        "followup_state": FOLLOWUP_PENDING,
                        "followup_attempts": 0,
                    }
                    for seq, p in enumerate(planned)
                ],
            )
            ids = {
                seq: intro_id
                for seq, intro_id in await conn.execute(
                    select(it.c.seq, it.c.id).where(it.c.round_id == round_id)
                )
            }
            await conn.execute(
                im.insert(),
                [
                    {
                        "intro_id": ids[seq],
                        "member_id": mid,
                        "community_id": community_id,
                        "member_external_id": externals[mid],
                    }
                    for seq, p in enumerate(planned)
                    for mid in p.member_ids
                ],
            )
        return True

    async def finish_round(
        self, round_id: int, token: str, now: datetime, reason: str | None = None
    ) -> bool:
        """Close a planned round whose intros are all posted or given up."""
        rt, it = intro_rounds, intros
        async with self.db.write() as conn:
            waiting = (
                await conn.execute(
                    select(func.count()).where(it.c.round_id == round_id, it.c.state == "planned")
                )
            ).scalar_one()
            if waiting:
                return False
            result = await conn.execute(
                update(rt)
                .where(rt.c.id == round_id, rt.c.state == PLANNED, rt.c.claimed_by == token)
                .values(state=POSTED, finished_at=now, reason=reason)
            )
        return bool(result.rowcount)

    async def release(self, round_id: int, token: str, reason: str) -> None:
        """Posting failed: leave the round for a later retry, noting why."""
        rt = intro_rounds
        async with self.db.write() as conn:
            await conn.execute(
                update(rt)
                .where(rt.c.id == round_id, rt.c.state.in_(OPEN_STATES), rt.c.claimed_by == token)
                .values(reason=reason[:2000])
            )

    # --- intros -----------------------------------------------------------------------------------
    async def _records(self, conn: AsyncConnection, rows: Sequence[Any]) -> list[IntroRecord]:
        if not rows:
            return []
        im, mt = intro_members, m.members
        people: dict[int, list[IntroMember]] = {}
        ids = [r.id for r in rows]
        for part in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            for r in await conn.execute(
                select(im, mt.c.display_name)
                .join(mt, mt.c.id == im.c.member_id)
                .where(im.c.intro_id.in_(part))
                .order_by(im.c.intro_id, im.c.member_id)
            ):
                people.setdefault(r.intro_id, []).append(
                    IntroMember(
                        r.member_id,
                        r.member_external_id,
                        r.display_name or r.member_external_id,
                        r.answer,
                        _opt(r.answered_at),
                    )
                )
        out = []
        for r in rows:
            out.append(
                IntroRecord(
                    id=r.id,
                    round_id=r.round_id,
                    community_id=r.community_id,
                    seq=r.seq,
                    state=r.state,
                    score=float(r.score or 0.0),
                    explanation=r.explanation,
                    members=tuple(people.get(r.id, ())),
                    created_at=as_utc(r.created_at),
                    size=r.size,
                    attempts=r.attempts,
                    conversation_id=r.conversation_id,
                    message_id=r.message_id,
                    posted_at=_opt(r.posted_at),
                    followup_state=r.followup_state,
                    followup_at=_opt(r.followup_at),
                    period=_opt(getattr(r, "period", None)),
                )
            )
        return out

    async def intros_of_round(
        self, round_id: int, *, state: str | None = None
    ) -> list[IntroRecord]:
        it = intros
        q = select(it).where(it.c.round_id == round_id)
        if state is not None:
            q = q.where(it.c.state == state)
        async with self.db.read() as conn:
            rows = (await conn.execute(q.order_by(it.c.seq))).all()
            return await self._records(conn, rows)

    async def intro(self, community_id: int, intro_id: int) -> IntroRecord | None:
        it, rt = intros, intro_rounds
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(it, rt.c.period)
                    .join(rt, rt.c.id == it.c.round_id)
                    .where(it.c.community_id == community_id, it.c.id == intro_id)
                )
            ).all()
            found = await self._records(conn, rows)
        return found[0] if found else None

    async def intros_of_member(
        self, community_id: int, member_ext: str, limit: int | None = None
    ) -> list[IntroRecord]:
        """A member's posted intros, newest first."""
        it, im, rt = intros, intro_members, intro_rounds
        q = (
            select(it, rt.c.period)
            .join(rt, rt.c.id == it.c.round_id)
            .join(im, im.c.intro_id == it.c.id)
            .where(
                im.c.community_id == community_id,
                im.c.member_external_id == member_ext,
                it.c.state == "posted",
            )
            .order_by(it.c.created_at.desc(), it.c.id.desc())
        )
        if limit is not None:
            q = q.limit(limit)
        async with self.db.read() as conn:
            rows = (await conn.execute(q)).all()
            return await self._records(conn, rows)

    async def set_conversation(self, intro_id: int, conversation_id: str) -> None:
        it = intros
        async with self.db.write() as conn:
            await conn.execute(
                update(it)
                .where(it.c.id == intro_id, it.c.state == "planned")
                .values(conversation_id=conversation_id[:128])
            )

    async def mark_posted(
        self, intro_id: int, round_id: int, token: str, message_id: str | None, now: datetime
    ) -> bool:
        """Store the platform message id and touch the round's claim (a heartbeat, so a long
        round never looks stale). False when the round is no longer ours: stop posting."""
        it, rt = intros, intro_rounds
        async with self.db.write() as conn:
            await conn.execute(
                update(it)
                .where(it.c.id == intro_id, it.c.state == "planned")
                .values(
                    state="posted",
                    message_id=(message_id or None) and str(message_id)[:128],
                    posted_at=now,
                )
            )
            ours = (
                await conn.execute(
                    update(rt)
                    .where(rt.c.id == round_id, rt.c.claimed_by == token, rt.c.state == PLANNED)
                    .values(claimed_at=now)
                    .returning(rt.c.id)
                )
            ).first()
        return ours is not None

    async def post_failed(self, intro_id: int, max_attempts: int) -> bool:
        """Count a failed post; True when the intro is given up."""
        it = intros
        async with self.db.write() as conn:
            row = (
                await conn.execute(
                    update(it)
                    .where(it.c.id == intro_id, it.c.state == "planned")
                    .values(attempts=it.c.attempts + 1)
                    .returning(it.c.attempts)
                )
            ).first()
            if row is not None and row[0] >= max_attempts:
                await conn.execute(update(it).where(it.c.id == intro_id).values(state="failed"))
                return True
        return False

    async def still_ours(self, round_id: int, token: str) -> bool:
        rt = intro_rounds
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(rt.c.id).where(
                        rt.c.id == round_id, rt.c.claimed_by == token, rt.c.state.in_(OPEN_STATES)
                    )
                )
            ).first()
        return row is not None

    async def recent_groups(
        self, community_id: int, rounds: int
    ) -> list[tuple[RoundRecord, list[IntroRecord]]]:
        """The last `rounds` rounds that introduced anyone, oldest first, with their intros."""
        rt, it = intro_rounds, intros
        async with self.db.read() as conn:
            round_rows = (
                await conn.execute(
                    select(rt)
                    .where(
                        rt.c.community_id == community_id,
                        rt.c.id.in_(
                            select(it.c.round_id).where(
                                it.c.community_id == community_id, it.c.state != "failed"
                            )
                        ),
                    )
                    .order_by(rt.c.period.desc(), rt.c.id.desc())
                    .limit(rounds)
                )
            ).all()
            if not round_rows:
                return []
            intro_rows = (
                await conn.execute(
                    select(it, rt.c.period)
                    .join(rt, rt.c.id == it.c.round_id)
                    .where(it.c.round_id.in_([r.id for r in round_rows]), it.c.state != "failed")
                    .order_by(it.c.round_id, it.c.seq)
                )
            ).all()
            records = await self._records(conn, intro_rows)
        by_round: dict[int, list[IntroRecord]] = {}
        for rec in records:
            by_round.setdefault(rec.round_id, []).append(rec)
        return [(_round(r), by_round.get(r.id, [])) for r in reversed(round_rows)]

    async def met_pairs(self, community_id: int) -> list[tuple[int, ...]]:
        """Member ids of every intro someone answered "yes, we met" to."""
        im = intro_members
        async with self.db.read() as conn:
            met_ids = select(im.c.intro_id).where(
                im.c.community_id == community_id, im.c.answer == "yes"
            )
            rows = await conn.execute(
                select(im.c.intro_id, im.c.member_id).where(im.c.intro_id.in_(met_ids))
            )
            groups: dict[int, list[int]] = {}
            for intro_id, member_id in rows:
                groups.setdefault(intro_id, []).append(member_id)
        return [tuple(sorted(g)) for g in groups.values()]

    async def answer(
        self, community_id: int, intro_id: int, member_ext: str, answer: str, now: datetime
    ) -> bool:
        it, im = intros, intro_members
        async with self.db.write() as conn:
            result = await conn.execute(
                update(im)
                .where(
                    im.c.community_id == community_id,
                    im.c.intro_id == intro_id,
                    im.c.member_external_id == member_ext,
                    im.c.intro_id.in_(select(it.c.id).where(it.c.state == "posted")),
                )
                .values(answer=answer, answered_at=now)
            )
        return bool(result.rowcount)

    # --- follow-ups ---------------------------------------------------------------------------------
    async def due_followups(
        self,
        posted_before: datetime,
        platforms: Iterable[str],
        stale_before: datetime,
        limit: int = 200,
    ) -> list[tuple[Community, IntroRecord]]:
        """Posted intros whose "Did you meet?" is due (or whose sender crashed before
        `stale_before`), on platforms this process can post to."""
        it, ct = intros, m.communities
        platforms = list(platforms)
        if not platforms:
            return []
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(
                        it,
                        ct.c.platform,
                        ct.c.external_id.label("c_ext"),
                        ct.c.name.label("c_name"),
                    )
                    .join(ct, ct.c.id == it.c.community_id)
                    .where(
                        it.c.state == "posted",
                        or_(
                            it.c.followup_state == FOLLOWUP_PENDING,
                            and_(
                                it.c.followup_state == FOLLOWUP_SENDING,
                                it.c.followup_claimed_at < stale_before,
                            ),
                        ),
                        it.c.posted_at <= posted_before,
                        ct.c.platform.in_(platforms),
                    )
                    .order_by(it.c.posted_at, it.c.id)
                    .limit(limit)
                )
            ).all()
            records = await self._records(conn, rows)
        communities = {r.id: Community(r.community_id, r.platform, r.c_ext, r.c_name) for r in rows}
        return [(communities[rec.id], rec) for rec in records]

    async def claim_followup(
        self, intro_id: int, token: str, now: datetime, stale_before: datetime | None = None
    ) -> bool:
        """Take a follow-up (pending, or sending but abandoned before `stale_before`)."""
        it = intros
        cond = it.c.followup_state == FOLLOWUP_PENDING
        if stale_before is not None:
            cond = or_(
                cond,
                and_(
                    it.c.followup_state == FOLLOWUP_SENDING,
                    it.c.followup_claimed_at < stale_before,
                ),
            )
        async with self.db.write() as conn:
            row = (
                await conn.execute(
                    update(it)
                    .where(it.c.id == intro_id, cond)
                    .values(
                        followup_state=FOLLOWUP_SENDING,
                        followup_claimed_by=token,
                        followup_claimed_at=now,
                        followup_attempts=it.c.followup_attempts + 1,
                    )
                    .returning(it.c.id)
                )
            ).first()
        return row is not None

    async def finish_followup(
        self, intro_id: int, token: str, message_id: str | None, now: datetime
    ) -> None:
        it = intros
        async with self.db.write() as conn:
            await conn.execute(
                update(it)
                .where(
                    it.c.id == intro_id,
                    it.c.followup_state == FOLLOWUP_SENDING,
                    it.c.followup_claimed_by == token,
                )
                .values(
                    followup_state=FOLLOWUP_SENT,
                    followup_message_id=(message_id or None) and str(message_id)[:128],
                    followup_at=now,
                )
            )

    async def release_followup(self, intro_id: int, token: str, max_attempts: int) -> None:
        """A failed follow-up goes back to pending (or failed after `max_attempts`)."""
        it = intros
        async with self.db.write() as conn:
            await conn.execute(
                update(it)
                .where(
                    it.c.id == intro_id,
                    it.c.followup_state == FOLLOWUP_SENDING,
                    it.c.followup_claimed_by == token,
                )
                .values(
                    followup_state=FOLLOWUP_PENDING,
                    followup_claimed_by=None,
                )
            )
            await conn.execute(
                update(it)
                .where(
                    it.c.id == intro_id,
                    it.c.followup_state == FOLLOWUP_PENDING,
                    it.c.followup_attempts >= max_attempts,
                )
                .values(followup_state=FOLLOWUP_FAILED)
            )

    # --- stats ----------------------------------------------------------------------------------------
    async def stats(self, community_id: int, recent: int = 5) -> Stats:
        rt, it, im = intro_rounds, intros, intro_members
        async with self.db.read() as conn:
            rounds = (
                await conn.execute(
                    select(func.count(func.distinct(it.c.round_id))).where(
                        it.c.community_id == community_id, it.c.state == "posted"
                    )
                )
            ).scalar_one()
            made, followups = (
                await conn.execute(
                    select(
                        func.count(),
                        func.coalesce(
                            func.sum(case((it.c.followup_state == FOLLOWUP_SENT, 1), else_=0)), 0
                        ),
                    ).where(it.c.community_id == community_id, it.c.state == "posted")
                )
            ).one()
            per_intro = (
                select(
                    im.c.intro_id,
                    func.max(case((im.c.answer.is_not(None), 1), else_=0)).label("answered"),
                    func.max(case((im.c.answer == "yes", 1), else_=0)).label("met"),
                )
                .where(im.c.community_id == community_id)
                .group_by(im.c.intro_id)
                .subquery()
            )
            rows = (
                await conn.execute(
                    select(
                        rt.c.id,
                        rt.c.period,
                        rt.c.kind,
                        func.count(it.c.id),
                        func.coalesce(func.sum(per_intro.c.answered), 0),
                        func.coalesce(func.sum(per_intro.c.met), 0),
                    )
                    .join(it, it.c.round_id == rt.c.id)
                    .outerjoin(per_intro, per_intro.c.intro_id == it.c.id)
                    .where(rt.c.community_id == community_id, it.c.state == "posted")
                    .group_by(rt.c.id, rt.c.period, rt.c.kind)
                    .order_by(rt.c.period.desc())
                )
            ).all()
        answered = sum(int(r[4]) for r in rows)
        met = sum(int(r[5]) for r in rows)
        return Stats(
            rounds=int(rounds),
            intros=int(made),
            followups=int(followups),
            answered=answered,
            met=met,
            recent=tuple(
                RoundStats(as_utc(r[1]), r[2], int(r[3]), int(r[4]), int(r[5]))
                for r in rows[:recent]
            ),
        )

    # --- privacy ------------------------------------------------------------------------------------------
    async def forget_member(self, community_id: int, member_ext: str) -> None:
        """`forget-me`: every intro they were part of (the whole pair or trio), their not-with
        list, others' not-with wishes naming them (their id and name would otherwise outlive
        them: a member who comes back after forget-me comes back as someone new) and their
        intro state."""
        it, im, nw, ms = intros, intro_members, intro_not_with, intro_member_state
        async with self.db.write() as conn:
            theirs = select(im.c.intro_id).where(
                im.c.community_id == community_id, im.c.member_external_id == member_ext
            )
            await conn.execute(delete(it).where(it.c.id.in_(theirs)))
            # Their member row may already be gone (the core deletes it first) and with it their
            # intro_members rows: intros left with fewer members than they had were theirs too.
            counts = (
                select(im.c.intro_id, func.count().label("n"))
                .where(im.c.community_id == community_id)
                .group_by(im.c.intro_id)
                .subquery()
            )
            orphans = (
                select(it.c.id)
                .outerjoin(counts, counts.c.intro_id == it.c.id)
                .where(
                    it.c.community_id == community_id,
                    func.coalesce(counts.c.n, 0) < it.c.size,
                )
            )
            await conn.execute(delete(it).where(it.c.id.in_(orphans)))
            await conn.execute(
                delete(nw).where(
                    nw.c.community_id == community_id,
                    or_(
                        nw.c.member_external_id == member_ext, nw.c.other_external_id == member_ext
                    ),
                )
            )
            await conn.execute(
                delete(ms).where(
                    ms.c.community_id == community_id, ms.c.member_external_id == member_ext
                )
            )


__all__ = [
    "CandidateRow",
    "IntroMember",
    "IntroRecord",
    "IntroStore",
    "MemberIntroState",
    "PlannedIntro",
    "RoundRecord",
    "RoundStats",
    "ScheduleRecord",
    "Stats",
]
