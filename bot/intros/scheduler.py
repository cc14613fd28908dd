"""When introduction rounds happen, and the loop that runs them (and the follow-ups) exactly once.

Cadences: weekly, every other week, or monthly (the first given weekday of each month), at a
wall-clock time in an IANA zone; daylight-saving rules are those of `bot.digests.schedule`.
A cadence names its *periods* (UTC instants); the round of a period is claimed once per
community (see `storage.intros`), so any number of processes may tick at the same time.

Each tick, per community with rounds on: stale open rounds (a crashed or failed owner) are
resumed — their unposted intros, never a new pairing — or given up when superseded; then the
latest period is claimed if it is newer than the schedule, has no round yet and is at most
`GRACE` old (after downtime, older periods are never run late). Then every "Did you meet?"
that is due is claimed and posted.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal

from bot.claims import new_token
from bot.digests.schedule import (
    WEEKDAYS,
    Schedule,
    local_instant,
    next_run,
    period_start,
    previous_period,
)
from bot.model import Community
from bot.periodic import Periodic

if TYPE_CHECKING:
    from bot.app import Rhizome
    from bot.intros.service import RoundResult
    from bot.services import Services
    from storage.intros import ScheduleRecord

log = logging.getLogger(__name__)

CADENCES = ("weekly", "biweekly", "monthly")
CadenceKind = Literal["weekly", "biweekly", "monthly"]
GRACE = timedelta(hours=24)  # a round missed by downtime still runs this long after its time
TICK_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Cadence:
    """Rounds every week, every other week or every month, on `weekday` at `hour:minute`."""

    kind: str
    weekday: int = 0
    hour: int = 10
    minute: int = 0
    tz: str = "UTC"

    def __post_init__(self) -> None:
        if self.kind not in CADENCES:
            raise ValueError(f"cadence must be weekly, biweekly or monthly, not {self.kind!r}.")
        Schedule(self.weekday, self.hour, self.minute, self.tz)  # validates the rest

    @property
    def weekly(self) -> Schedule:
        return Schedule(self.weekday, self.hour, self.minute, self.tz)

    @classmethod
    def from_record(cls, record: ScheduleRecord) -> Cadence:
        return cls(record.cadence, record.weekday, record.hour, record.minute, record.timezone)

    def values(self) -> dict[str, object]:
        return {
            "cadence": self.kind,
            "weekday": self.weekday,
            "hour": self.hour,
            "minute": self.minute,
            "timezone": self.tz,
        }

    def describe(self) -> str:
        day = WEEKDAYS[self.weekday].capitalize()
        at = f"{self.hour:02d}:{self.minute:02d} {self.tz}"
        if self.kind == "weekly":
            return f"every {day} at {at}"
        if self.kind == "biweekly":
            return f"every other {day} at {at}"
        return f"on the first {day} of each month at {at}"

    # --- periods -------------------------------------------------------------------------------
    def latest(self, now: datetime, anchor: datetime) -> datetime | None:
        """The most recent period ≤ now (None before the first one after `anchor`)."""
        if self.kind == "monthly":
            local = now.astimezone(self.weekly.zone)
            found = self._monthly(local.year, local.month)
            if found > now:
                year, month = _add_month(local.year, local.month, -1)
                found = self._monthly(year, month)
            return found
        weekly = self.weekly
        last = period_start(weekly, now)
        if self.kind == "weekly":
            return last
        first = next_run(weekly, anchor)
        if last < first:
            return None
        return last if self._weeks(first, last) % 2 == 0 else previous_period(weekly, last)

    def next_after(self, now: datetime, anchor: datetime) -> datetime:
        """The first period strictly after both `now` and `anchor`."""
        start = max(now, anchor)
        if self.kind == "monthly":
            local = start.astimezone(self.weekly.zone)
            found = self._monthly(local.year, local.month)
            if found <= start:
                year, month = _add_month(local.year, local.month, 1)
                found = self._monthly(year, month)
            return found
        weekly = self.weekly
        upcoming = next_run(weekly, start)
        if self.kind == "weekly":
            return upcoming
        first = next_run(weekly, anchor)
        if upcoming <= first:
            return first
        return upcoming if self._weeks(first, upcoming) % 2 == 0 else next_run(weekly, upcoming)

    def _weeks(self, first: datetime, later: datetime) -> int:
        zone = self.weekly.zone
        return (later.astimezone(zone).date() - first.astimezone(zone).date()).days // 7

    def _monthly(self, year: int, month: int) -> datetime:
        day = date(year, month, 1)
        day += timedelta(days=(self.weekday - day.weekday()) % 7)
        return local_instant(day, time(self.hour, self.minute), self.weekly.zone)


def _add_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


DEFAULT_CADENCE = Cadence("weekly", 0, 10, 0, "UTC")


@dataclass(frozen=True, slots=True)
class TickOutcome:
    """What one tick did for one community's round (tests and logs read these)."""

    community_id: int
    period: datetime
    action: str  # posted | skipped | partial | failed | busy | no-outlet | given-up
    intros: int = 0
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class TickReport:
    rounds: tuple[TickOutcome, ...] = ()
    followups: int = 0


class IntroScheduler(Periodic):
    """Call `tick()` from a loop (`start`) or directly (tests drive it with a FixedClock)."""

    task_name = "rhizome-intros"

    def __init__(self, services: Services, *, token: str | None = None) -> None:
        self.services = services
        # Identifies this scheduler's claims; a restart is a new scheduler with a new token.
        self.token = token or new_token()
        self.interval = TICK_SECONDS
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> TickReport:
        """One pass over every community with rounds on; one failing never stops the others."""
        from bot.intros.service import service_for

        service = service_for(self.services)
        outcomes: list[TickOutcome] = []
        for community, record in await service.store.enabled_schedules():
            try:
                outcomes += await self._tick_one(community, record)
            except Exception:
                log.exception("intros: tick failed for community %s", community.id)
        followups = 0
        try:
            followups = await service.send_followups(self.token)
        except Exception:
            log.exception("intros: follow-ups failed")
        return TickReport(tuple(outcomes), followups)

    async def _tick_one(self, community: Community, record: ScheduleRecord) -> list[TickOutcome]:
        from bot.intros.service import MAX_ATTEMPTS, STALE, service_for

        service = service_for(self.services)
        store = service.store
        now = self.services.clock.now()
        cadence = Cadence.from_record(record)
        latest = cadence.latest(now, record.schedule_since)
        if latest is not None and latest <= record.schedule_since:
            latest = None
        stale_before = now - STALE
        outcomes: list[TickOutcome] = []
        resumable = service.outlet(community) is not None
        for r in await store.open_rounds(community.id):
            if r.claimed_at >= stale_before:
                continue  # being made right now, by us or someone else
            superseded = (r.kind == "scheduled" and latest is not None and r.period < latest) or (
                r.kind != "scheduled" and now - r.period > GRACE
            )
            if superseded or r.attempts >= MAX_ATTEMPTS:
                why = "superseded by a newer round" if superseded else "too many attempts"
                if await store.give_up(r.id, stale_before, why, now):
                    log.warning("intros: round %s given up (%s)", r.id, why)
                    outcomes.append(TickOutcome(community.id, r.period, "given-up", reason=why))
                continue
            if not resumable:
                continue
            taken = await store.take_stale(
                community.id, r.period, now, stale_before, self.token, MAX_ATTEMPTS
            )
            if taken is not None:
                log.warning("intros: resuming round %s of community %s", taken, community.id)
                outcomes.append(
                    _outcome(
                        community, r.period, await service.resume(community, taken, self.token)
                    )
                )
        if latest is None or now - latest > GRACE:
            return outcomes
        if await store.round_for(community.id, latest) is not None:
            return outcomes  # done, being made, or resumed above
        if not resumable:
            # Another process (the one connected to this platform) will make it.
            return [*outcomes, TickOutcome(community.id, latest, "no-outlet")]
        result = await service.run_round(community, latest, "scheduled", self.token)
        if result.state != "busy":
            outcomes.append(_outcome(community, latest, result))
        return outcomes


def _outcome(community: Community, period: datetime, result: RoundResult) -> TickOutcome:
    return TickOutcome(community.id, period, result.state, result.posted, result.reason)


def scheduler_for(services: Services) -> IntroScheduler:
    found = services.extras.get("intro_scheduler")
    if not isinstance(found, IntroScheduler):
        found = IntroScheduler(services)
        services.extras["intro_scheduler"] = found
    return found


async def run_scheduler(rhizome: Rhizome) -> None:
    """The loop as a coroutine: the feature's background work (awaited by `rhizome run`)."""
    # Run as the scheduler's own task, so the core's closer (`stop`) ends it too.
    await scheduler_for(rhizome.services).start()
