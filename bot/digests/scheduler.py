"""The digest scheduler: every tick, post each digest whose period is due, exactly once.

Exactly once, across processes and restarts
-------------------------------------------
For each due (digest, period) the scheduler first *claims* it: an INSERT … ON CONFLICT DO
NOTHING of a run row keyed by (digest id, period). Only the process whose insert wins posts;
every other process (PostgreSQL) or the same file opened twice (SQLite, where write transactions
are serialised by BEGIN IMMEDIATE) sees the row and does nothing. After the outlet returns, the
platform message id is stored and the row marked posted.

Crashes and failures: a claim still in state `claimed` after `stale_claim_minutes` belongs to a
poster that crashed or failed; one atomic `UPDATE … WHERE state='claimed' AND claimed_at < stale`
re-takes it (at most `max_attempts` times in all, then it is marked failed), still only within
the grace window.

What remains at-least-once: if a process dies *after* the platform accepted the post but
*before* the message id is stored, the claim later goes stale and the digest is posted again —
no platform offers an idempotency key for channel posts (Slack has none), so that window, the
time between the platform's answer and one local UPDATE, cannot be closed from here. It is also
why a posting attempt must finish well inside `stale_claim_minutes`.

Missed periods: after downtime, the latest period is still posted if it is at most
`grace_hours` old; older ones are recorded as skipped, with the reason, and never posted.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from bot.claims import new_token
from bot.digests.model import DigestConfig, RunKind, RunState
from bot.digests.schedule import check
from bot.digests.service import DigestService, Window, service_for
from bot.model import Community
from bot.periodic import Periodic

if TYPE_CHECKING:
    from bot.app import Rhizome
    from bot.services import Services

log = logging.getLogger(__name__)

MISSED = "missed: the bot was not running within the grace window"


@dataclass(frozen=True, slots=True)
class TickOutcome:
    """What one tick did for one digest and period (tests and logs read these)."""

    digest_id: int
    period: datetime
    action: Literal["posted", "skipped", "failed", "busy", "no-outlet", "quiet"]
    message_id: str | None = None
    reason: str | None = None


class DigestScheduler(Periodic):
    """Call `tick()` from a loop (`start`) or directly (tests drive it with a FixedClock)."""

    task_name = "rhizome-digests"

    def __init__(self, services: Services, *, token: str | None = None) -> None:
        self.services = services
        self.service: DigestService = service_for(services)
        # Identifies this scheduler's claims; a restart is a new scheduler with a new token.
        self.token = token or new_token()
        self._task: asyncio.Task[None] | None = None
        self.interval = self.service.settings.tick_seconds

    async def tick(self) -> list[TickOutcome]:
        """One pass over every enabled digest; a failing digest never stops the others."""
        now = self.services.clock.now()
        outcomes: list[TickOutcome] = []
        for community, digest in await self.service.store.all_enabled():
            try:
                outcomes += await self._tick_one(community, digest, now)
            except Exception:
                log.exception("digest %s: tick failed", digest.id)
        return outcomes

    async def _tick_one(
        self, community: Community, digest: DigestConfig, now: datetime
    ) -> list[TickOutcome]:
        store = self.service.store
        settings = self.service.settings
        last = await store.last_handled(digest.id)
        floors = [t for t in (last, digest.schedule_since) if t is not None]
        due = check(digest.schedule, now, max(floors) if floors else None, settings.grace)
        stale_before = now - settings.stale
        outcomes: list[TickOutcome] = []
        for period in due.skipped:
            recorded = await store.skip(digest.id, period, MISSED, now, self.token)
            if not recorded:  # a crashed claim for it may be left: close it
                recorded = await store.give_up_stale(
                    digest.id, period, stale_before, RunState.SKIPPED, MISSED
                )
            if recorded:
                log.warning("digest %s: period %s skipped (%s)", digest.id, period, MISSED)
                outcomes.append(TickOutcome(digest.id, period, "skipped", reason=MISSED))
        if due.period is None:
            return outcomes
        period = due.period
        if self.service.outlet(community) is None:
            # Another process (the one connected to this platform) will post it.
            return [*outcomes, TickOutcome(digest.id, period, "no-outlet")]
        run_id = await store.claim(digest.id, period, RunKind.SCHEDULED, now, self.token)
        if run_id is None:
            await store.give_up_stale(
                digest.id,
                period,
                stale_before,
                RunState.FAILED,
                f"gave up after {settings.max_attempts} attempts",
                max_attempts=settings.max_attempts,
            )
            run_id = await store.take_stale(
                digest.id, period, now, stale_before, self.token, settings.max_attempts
            )
            if run_id is None:
                return outcomes  # posted, or being posted by someone else right now
            log.warning("digest %s: re-taking the stale claim for %s", digest.id, period)
        result = await self.service.post_run(
            community, digest, run_id, self.token, Window.for_period(digest.schedule, period)
        )
        action: Literal["posted", "skipped", "failed", "busy", "no-outlet", "quiet"] = (
            "quiet" if result.state == "skipped" else result.state
        )
        if action == "posted":
            log.info("digest %s: posted period %s as %s", digest.id, period, result.message_id)
        return [
            *outcomes,
            TickOutcome(digest.id, period, action, result.message_id, result.reason),
        ]


def scheduler_for(services: Services) -> DigestScheduler:
    found = services.extras.get("digest_scheduler")
    if not isinstance(found, DigestScheduler):
        found = DigestScheduler(services)
        services.extras["digest_scheduler"] = found
    return found


async def start_scheduler(rhizome: Rhizome) -> asyncio.Task[None]:
    """Start the digest loop in the running bot; cancel the task (or `stop()`) to end it."""
    return scheduler_for(rhizome.services).start()


async def run_scheduler(rhizome: Rhizome) -> None:
    """The loop as a coroutine: the feature's background work (awaited by `rhizome run`)."""
    await scheduler_for(rhizome.services).run()
