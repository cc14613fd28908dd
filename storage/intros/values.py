"""What the intro stores return: facts as dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import as_utc
from bot.model import Member
from storage.intros.tables import FOLLOWUP_PENDING

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
class IntroFacts:
    """What decides whether a member may be introduced (`bot.intros.eligibility` decides)."""

    member: Member
    tracking: bool | None  # their choice, or None for the community's default
    intros: bool | None  # on, off, or never said
    paused_until: datetime | None
    chose_at: datetime | None  # when they last changed a setting
    active: bool  # posted or reacted since the window's start
    in_default_channel: bool  # posted in a default-on channel since the window's start


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
