"""Values describing configured digests, their runs and the moderators' audit trail.

Storage returns these (never ORM rows); the service, scheduler and commands consume them.
A digest is identified by the channel it posts into: a community may run several, each with its
own channel, schedule, size and scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.claims import ClaimState
from bot.digests.schedule import Schedule

# A run's state: the states of every exactly-once claim (`bot.claims`); runs are never PLANNED.
RunState = ClaimState


class RunKind(StrEnum):
    SCHEDULED = "scheduled"
    MANUAL = "manual"  # `digest now`


@dataclass(frozen=True, slots=True)
class DigestConfig:
    """One configured digest. `include` empty means every channel feeds it."""

    id: int
    community_id: int
    channel_id: str  # external id of the channel it posts into
    channel_name: str | None
    channel_private: bool
    enabled: bool
    schedule: Schedule
    size: int
    include: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    # External id -> name for the include/exclude channels, for display.
    scope_names: dict[str, str] = field(default_factory=dict, compare=False)
    # Periods at or before this instant are never posted (creation, schedule change, re-enable).
    schedule_since: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def label(self) -> str:
        return self.channel_name or self.channel_id

    def channel_label(self, external_id: str) -> str:
        return self.scope_names.get(external_id) or external_id


@dataclass(frozen=True, slots=True)
class DigestRun:
    id: int
    digest_id: int
    period: datetime
    kind: RunKind
    state: RunState
    claimed_at: datetime
    attempts: int
    posted_at: datetime | None = None
    message_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who changed which setting, when, and from what to what."""

    at: datetime
    actor_id: str
    actor_name: str | None
    action: str
    detail: str


@dataclass(frozen=True, slots=True)
class Featured:
    """A resource a posted digest featured, with the engagement it had then (repeat rule)."""

    resource_id: int
    rank: int
    engagement: float
