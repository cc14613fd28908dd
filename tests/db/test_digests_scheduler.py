"""The scheduler posts each digest exactly once per period: restarts, grace, failures, races, DST."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.app import Rhizome
from bot.clock import FixedClock
from bot.digests.model import DigestConfig, RunKind, RunState
from bot.digests.schedule import parse_schedule
from bot.digests.scheduler import MISSED, DigestScheduler
from bot.digests.service import service_for
from bot.documents import Document
from bot.model import CommunityRef
from storage.db import Database
from tests.db.digests_support import (
    COMMUNITY,
    POSTGRES_URL,
    FakeOutlet,
    post,
    postgres_schema,
    start,
    utc,
)

# Mondays at 09:00 UTC.
P1 = utc(2026, 3, 9, 9)
P2 = P1 + timedelta(days=7)
P3 = P2 + timedelta(days=7)
SECOND = timedelta(seconds=1)


async def setup_digest(
    rhizome: Rhizome, *, schedule: str = "monday 09:00 UTC", since: datetime | None = None
) -> DigestConfig:
    community = await rhizome.services.repos.communities.ensure(COMMUNITY)
    svc = service_for(rhizome.services)
    digest, _ = await svc.store.upsert(
        community.id,
        "CDIGEST",
        "digest",
        False,
        schedule=parse_schedule(schedule),
        size=5,
        now=since or P1 - timedelta(days=1),
    )
    await rhizome.ingest_many(
        [post("general", "1", "ana", "https://example.com/a", P1 - timedelta(days=2))]
    )
    return digest


async def runs(rhizome: Rhizome, digest: DigestConfig) -> list[tuple[datetime, str]]:
    found = await service_for(rhizome.services).store.runs(digest.id, 50)
    return sorted((r.period, r.state.value) for r in found)


async def test_posts_once_at_the_scheduled_time(tmp_path: Path) -> None:
    clock = FixedClock(P1 - timedelta(minutes=1))
    outlet = FakeOutlet()
    rhizome = await start(tmp_path / "s.db", clock, outlet=outlet)
    try:
        digest = await setup_digest(rhizome)
        scheduler = DigestScheduler(rhizome.services)
        assert await scheduler.tick() == []
        clock.set(P1 + 10 * SECOND)
        [outcome] = await scheduler.tick()
        assert (outcome.action, outcome.period, outcome.message_id) == ("posted", P1, "msg-1")
        for _ in range(3):
            clock.advance(timedelta(seconds=30))
            assert await scheduler.tick() == []
        assert len(outlet.posts) == 1
        community, channel, document = outlet.posts[0]
        assert community == COMMUNITY and channel == "CDIGEST"
        assert "example.com/a" in document.plain()
        [run] = await service_for(rhizome.services).store.runs(digest.id)
        assert (run.state, run.message_id, run.kind) == (
            RunState.POSTED,
            "msg-1",
            RunKind.SCHEDULED,
        )
        clock.set(P2 + SECOND)
        [outcome] = await scheduler.tick()
        assert outcome.period == P2 and len(outlet.posts) == 2
    finally:
        await rhizome.close()


class CrashingOutlet(FakeOutlet):
    """Dies in the middle of posting, like a process killed between claim and post."""

    async def post(self, community: CommunityRef, channel_id: str, document: Document) -> str:
        raise asyncio.CancelledError


async def test_crash_between_claim_and_post_is_recovered_without_duplicate(
    tmp_path: Path,
) -> None:
    clock = FixedClock(P1 + 5 * SECOND)
    path = tmp_path / "crash.db"
    first = await start(path, clock, outlet=CrashingOutlet())
    digest = await setup_digest(first)
    with pytest.raises(asyncio.CancelledError):
        await DigestScheduler(first.services).tick()
    await first.close()

    outlet = FakeOutlet()
    second = await start(path, clock, outlet=outlet)  # the restarted process
    try:
        scheduler = DigestScheduler(second.services)
        clock.set(P1 + timedelta(minutes=1))
        assert await scheduler.tick() == []  # the claim is fresh: maybe still posting
        assert outlet.posts == []
        clock.set(P1 + timedelta(minutes=11))  # now it is stale
        [outcome] = await scheduler.tick()
        assert outcome.action == "posted"
        clock.advance(timedelta(minutes=30))
        assert await scheduler.tick() == []
        assert len(outlet.posts) == 1
        [run] = await service_for(second.services).store.runs(digest.id)
        assert run.state is RunState.POSTED and run.attempts == 2
    finally:
        await second.close()


async def test_missed_digest_within_grace_is_posted_late(tmp_path: Path) -> None:
    clock = FixedClock(P1 + timedelta(hours=20))  # the bot was down from before 09:00
    outlet = FakeOutlet()
    rhizome = await start(tmp_path / "g.db", clock, outlet=outlet)
    try:
        await setup_digest(rhizome)
        [outcome] = await DigestScheduler(rhizome.services).tick()
        assert (outcome.action, outcome.period) == ("posted", P1)
        assert len(outlet.posts) == 1
        # The window still ends at the scheduled time, not when it was finally posted.
        assert "9 Mar" in (outlet.posts[0][2].title or "")
    finally:
        await rhizome.close()


async def test_missed_digest_outside_grace_is_skipped_and_recorded(tmp_path: Path) -> None:
    clock = FixedClock(P1 + timedelta(hours=30))
    outlet = FakeOutlet()
    rhizome = await start(tmp_path / "late.db", clock, outlet=outlet)
    try:
        digest = await setup_digest(rhizome)
        scheduler = DigestScheduler(rhizome.services)
        [outcome] = await scheduler.tick()
        assert (outcome.action, outcome.period, outcome.reason) == ("skipped", P1, MISSED)
        assert outlet.posts == []
        assert await scheduler.tick() == []  # recorded: never reconsidered
        clock.set(P2 + SECOND)
        [outcome] = await scheduler.tick()
        assert (outcome.action, outcome.period) == ("posted", P2)
        assert await runs(rhizome, digest) == [(P1, "skipped"), (P2, "posted")]
    finally:
        await rhizome.close()


async def test_weeks_of_downtime_post_only_the_latest_period(tmp_path: Path) -> None:
    clock = FixedClock(P3 + timedelta(hours=2))
    outlet = FakeOutlet()
    rhizome = await start(tmp_path / "down.db", clock, outlet=outlet)
    try:
        digest = await setup_digest(rhizome)
        outcomes = await DigestScheduler(rhizome.services).tick()
        assert [(o.period, o.action) for o in outcomes] == [
            (P1, "skipped"),
            (P2, "skipped"),
            (P3, "posted"),
        ]
        assert len(outlet.posts) == 1
        assert await runs(rhizome, digest) == [(P1, "skipped"), (P2, "skipped"), (P3, "posted")]
    finally:
        await rhizome.close()


async def test_failed_post_is_retried_once_stale_then_given_up(tmp_path: Path) -> None:
    clock = FixedClock(P1 + SECOND)
    outlet = FakeOutlet(fail=True)
    rhizome = await start(tmp_path / "fail.db", clock, outlet=outlet)
    try:
        digest = await setup_digest(rhizome)
        store = service_for(rhizome.services).store
        scheduler = DigestScheduler(rhizome.services)
        [outcome] = await scheduler.tick()
        assert outcome.action == "failed"
        [run] = await store.runs(digest.id)
        assert run.state is RunState.CLAIMED and "platform said no" in (run.reason or "")
        clock.advance(timedelta(minutes=1))
        assert await scheduler.tick() == []  # not yet stale: no hammering
        for attempt in (2, 3):
            clock.advance(timedelta(minutes=11))
            [outcome] = await scheduler.tick()
            assert outcome.action == "failed"
            [run] = await store.runs(digest.id)
            assert run.attempts == attempt
        clock.advance(timedelta(minutes=11))
        outlet.fail = False
        assert await scheduler.tick() == []
        [run] = await store.runs(digest.id)
        assert run.state is RunState.FAILED and outlet.posts == []
        clock.set(P2 + SECOND)  # the next week is unaffected
        [outcome] = await scheduler.tick()
        assert outcome.action == "posted"
    finally:
        await rhizome.close()


async def test_failed_post_succeeds_on_retry(tmp_path: Path) -> None:
    clock = FixedClock(P1 + SECOND)
    outlet = FakeOutlet(fail=True)
    rhizome = await start(tmp_path / "retry.db", clock, outlet=outlet)
    try:
        await setup_digest(rhizome)
        scheduler = DigestScheduler(rhizome.services)
        [outcome] = await scheduler.tick()
        assert outcome.action == "failed"
        outlet.fail = False
        clock.advance(timedelta(minutes=11))
        [outcome] = await scheduler.tick()
        assert outcome.action == "posted" and len(outlet.posts) == 1
    finally:
        await rhizome.close()


async def test_without_an_outlet_nothing_is_claimed(tmp_path: Path) -> None:
    clock = FixedClock(P1 + SECOND)
    rhizome = await start(tmp_path / "none.db", clock)
    try:
        digest = await setup_digest(rhizome)
        [outcome] = await DigestScheduler(rhizome.services).tick()
        assert outcome.action == "no-outlet"
        assert await runs(rhizome, digest) == []  # another process may still post it
        outlet = FakeOutlet()
        rhizome.add_outlet(outlet)
        [outcome] = await DigestScheduler(rhizome.services).tick()
        assert outcome.action == "posted" and len(outlet.posts) == 1
    finally:
        await rhizome.close()


async def test_quiet_week_set_to_skip_posts_nothing(tmp_path: Path) -> None:
    clock = FixedClock(P1 + SECOND)
    outlet = FakeOutlet()
    rhizome = await start(tmp_path / "quiet.db", clock, outlet=outlet)
    try:
        digest = await setup_digest(rhizome)
        svc = service_for(rhizome.services)
        svc.settings = dataclasses.replace(svc.settings, quiet_week="skip")
        scheduler = DigestScheduler(rhizome.services)
        [outcome] = await scheduler.tick()
        assert outcome.action == "quiet" and outlet.posts == []
        assert await runs(rhizome, digest) == [(P1, "skipped")]
        assert await scheduler.tick() == []
    finally:
        await rhizome.close()


async def test_a_digest_turned_off_is_not_posted(tmp_path: Path) -> None:
    clock = FixedClock(P1 + SECOND)
    outlet = FakeOutlet()
    rhizome = await start(tmp_path / "off.db", clock, outlet=outlet)
    try:
        digest = await setup_digest(rhizome)
        await service_for(rhizome.services).store.update(digest.id, P1, enabled=False)
        assert await DigestScheduler(rhizome.services).tick() == []
        assert outlet.posts == []
    finally:
        await rhizome.close()


async def test_schedule_change_does_not_post_a_period_already_gone_by(tmp_path: Path) -> None:
    clock = FixedClock(P1 + timedelta(hours=2))
    outlet = FakeOutlet()
    rhizome = await start(tmp_path / "chg.db", clock, outlet=outlet)
    try:
        digest = await setup_digest(rhizome, schedule="friday 17:00 UTC")
        # Changed at 11:00 to Mondays 09:00: today's 09:00 went by before the change.
        await service_for(rhizome.services).store.update(
            digest.id, clock.now(), weekday=0, hour=9, minute=0, timezone="UTC"
        )
        assert await DigestScheduler(rhizome.services).tick() == []
        clock.set(P2 + SECOND)
        [outcome] = await DigestScheduler(rhizome.services).tick()
        assert outcome.period == P2
    finally:
        await rhizome.close()


# --- daylight saving ---------------------------------------------------------------------------


async def test_spring_forward_posts_once_when_the_clocks_jump(tmp_path: Path) -> None:
    # Sunday 29 March 2026, Berlin: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
    jump = utc(2026, 3, 29, 1)  # 03:00 CEST
    clock = FixedClock(jump - timedelta(minutes=1))
    outlet = FakeOutlet()
    rhizome = await start(tmp_path / "spring.db", clock, outlet=outlet)
    try:
        await setup_digest(rhizome, schedule="sunday 02:30 Europe/Berlin", since=utc(2026, 3, 25))
        scheduler = DigestScheduler(rhizome.services)
        assert await scheduler.tick() == []
        clock.set(jump + SECOND)
        [outcome] = await scheduler.tick()
        assert (outcome.action, outcome.period) == ("posted", jump)
        clock.set(jump + timedelta(hours=1))
        assert await scheduler.tick() == []
        assert len(outlet.posts) == 1
    finally:
        await rhizome.close()


async def test_fall_back_posts_once_at_the_first_occurrence(tmp_path: Path) -> None:
    # Sunday 25 October 2026, Berlin: 02:30 happens at 00:30 UTC (CEST) and 01:30 UTC (CET).
    first = utc(2026, 10, 25, 0, 30)
    clock = FixedClock(first + SECOND)
    outlet = FakeOutlet()
    rhizome = await start(tmp_path / "fall.db", clock, outlet=outlet)
    try:
        await setup_digest(rhizome, schedule="sunday 02:30 Europe/Berlin", since=utc(2026, 10, 20))
        scheduler = DigestScheduler(rhizome.services)
        [outcome] = await scheduler.tick()
        assert (outcome.action, outcome.period) == ("posted", first)
        clock.set(first + timedelta(hours=1, seconds=1))  # 02:30 again, now CET
        assert await scheduler.tick() == []
        assert len(outlet.posts) == 1
        clock.set(utc(2026, 11, 1, 1, 30, 1))  # next Sunday 02:30 CET
        [outcome] = await scheduler.tick()
        assert outcome.period == utc(2026, 11, 1, 1, 30)
    finally:
        await rhizome.close()


# --- several processes -------------------------------------------------------------------------


async def _race(cores: list[Rhizome], outlets: list[FakeOutlet], clock: FixedClock) -> None:
    digest = await setup_digest(cores[0])
    schedulers = [DigestScheduler(c.services) for c in cores]
    for n, period in enumerate((P1, P2, P3), 1):
        clock.set(period + SECOND)
        results = await asyncio.gather(*(s.tick() for s in schedulers))
        posted = [o for r in results for o in r if o.action == "posted"]
        assert len(posted) == 1, results
        assert sum(len(o.posts) for o in outlets) == n
    found = await service_for(cores[0].services).store.runs(digest.id)
    assert sorted((r.period, r.state) for r in found) == [
        (P1, RunState.POSTED),
        (P2, RunState.POSTED),
        (P3, RunState.POSTED),
    ]


async def test_two_processes_on_one_sqlite_file_post_once(tmp_path: Path) -> None:
    clock = FixedClock(P1 - timedelta(days=1))
    path = tmp_path / "race.db"
    outlets = [FakeOutlet(), FakeOutlet()]
    cores = [await start(path, clock, outlet=o) for o in outlets]
    try:
        await _race(cores, outlets, clock)
    finally:
        for c in cores:
            await c.close()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="RHIZOME_TEST_POSTGRES_URL is not set")
@pytest.mark.slow
async def test_several_processes_on_postgres_post_once(tmp_path: Path) -> None:
    assert POSTGRES_URL
    clock = FixedClock(P1 - timedelta(days=1))
    outlets = [FakeOutlet() for _ in range(4)]
    async with postgres_schema() as schema:
        cores: list[Rhizome] = []
        try:
            # One engine (pool) per core, as separate processes would have.
            for outlet in outlets:
                db = Database.open(POSTGRES_URL, schema=schema)
                cores.append(await start(tmp_path / "unused.db", clock, db=db, outlet=outlet))
            await _race(cores, outlets, clock)
        finally:
            for c in cores:
                await c.close()
