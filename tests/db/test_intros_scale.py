"""A whole round at 10,000 members, end to end (opt-in query, profiles, matching, recording,
posting, follow-ups). Opt-in: `RHIZOME_TEST_SCALE=1`; it prints the timings and asserts only
that everyone is introduced exactly once (speed is reported, never asserted)."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.dialects import sqlite

from bot.clock import FixedClock
from bot.interests.profiles import Evidence, EvidenceKind, Profile, build_profile
from bot.intros.scheduler import IntroScheduler
from bot.intros.service import use_profiles
from storage import models as m
from tests.conftest import START
from tests.db.intros_support import COMMUNITY, WEEK, IntroOutlet, community, service, start
from tests.factories import Chat

MEMBERS = int(os.environ.get("RHIZOME_TEST_SCALE_MEMBERS", "10000"))
pytestmark = pytest.mark.skipif(
    not os.environ.get("RHIZOME_TEST_SCALE"), reason="set RHIZOME_TEST_SCALE=1 to run"
)


def synthetic_profiles(seed: int = 7):  # type: ignore[no-untyped-def]
    """Each member knows 3-8 of 800 topics (Zipf-ish) and asks about 0-2, with titles."""
    rng = random.Random(seed)
    topics = [f"topic {i}" for i in range(800)]
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(topics))]

    async def load(
        community_id: int, member_ids: Sequence[int], now: datetime
    ) -> Mapping[int, Profile]:
        out = {}
        for mid in member_ids:
            items = [
                Evidence(
                    EvidenceKind.SHARED,
                    ((t, 1.0),),
                    at=now - timedelta(days=rng.randint(0, 60)),
                    resource_title=f"A guide to {t}",
                    resource_url=f"https://example.org/{t.replace(' ', '-')}/{mid}",
                )
                for t in set(rng.choices(topics, weights, k=rng.randint(3, 8)))
            ]
            items += [
                Evidence(EvidenceKind.ASKED, ((t, 1.0),), at=now, snippet=f"how does {t} work?")
                for t in set(rng.choices(topics, weights, k=rng.randint(0, 2)))
            ]
            out[mid] = build_profile(mid, items, now)
        return out

    return load


async def test_a_round_of_ten_thousand_members(tmp_path: Path) -> None:
    clock = FixedClock(START)
    outlet = IntroOutlet()
    core = await start(tmp_path / "scale.db", clock, outlet)
    try:
        use_profiles(core.services, synthetic_profiles())
        chat = Chat(COMMUNITY, START - timedelta(days=3))
        t0 = time.perf_counter()
        await core.ingest_many(
            chat.post(f"m{i:05d}", "hello", mid=f"{i}.0", channel=f"ch{i % 40}")
            for i in range(MEMBERS)
        )
        c = await community(core)
        async with core.services.db.write() as conn:
            await conn.execute(
                sqlite.insert(m.member_settings).on_conflict_do_nothing(),
                [
                    {
                        "community_id": c.id,
                        "member_external_id": f"U-m{i:05d}",
                        "tracking": True,
                        "intros": True,
                        "updated_at": START,
                    }
                    for i in range(MEMBERS)
                ],
            )
        await service(core).ensure_schedule(c.id, START)
        setup = time.perf_counter() - t0

        svc = service(core)
        clock.set(START + timedelta(hours=1, seconds=1))
        t1 = time.perf_counter()
        draft = await svc.draft(c, clock.now())
        plan = time.perf_counter() - t1
        t2 = time.perf_counter()
        report = await IntroScheduler(core.services).tick()  # plans again, records, posts
        whole = time.perf_counter() - t2
        [outcome] = report.rounds
        assert outcome.action == "posted" and outcome.intros == MEMBERS // 2
        introduced = [x for ids, _ in outlet.intros() for x in ids]
        assert len(introduced) == len(set(introduced)) == MEMBERS
        clock.advance(WEEK)
        t3 = time.perf_counter()
        scheduler = IntroScheduler(core.services)
        report = await scheduler.tick()  # round 2, and the first batch of follow-ups
        followups = report.followups
        while report.followups:  # the loop sends follow-ups in batches, one per tick
            report = await scheduler.tick()
            followups += report.followups
        second = time.perf_counter() - t3
        assert followups == MEMBERS // 2
        print(
            f"\n{MEMBERS} members ({draft.method} matching): setup {setup:.1f} s; "
            f"plan (candidates, profiles, matching, reasons) {plan:.1f} s; "
            f"round 1 end to end {whole:.1f} s; round 2 and {followups} follow-ups "
            f"{second:.1f} s"
        )
    finally:
        await core.close()
