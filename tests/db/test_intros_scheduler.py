"""Rounds happen exactly once per community and period: restarts, crashes, races, follow-ups,
the 12-round memory, trios and the pause for members who never answer."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import Rhizome
from bot.clock import FixedClock
from bot.documents import Document
from bot.intros.scheduler import IntroScheduler
from bot.model import CommunityRef
from storage import intros as t
from storage.db import Database
from tests.conftest import START
from tests.db.digests_support import POSTGRES_URL, postgres_schema
from tests.db.intros_support import (
    WEEK,
    IntroOutlet,
    community,
    many_members,
    member,
    pairs_of,
    seed,
    service,
    start,
)

P1 = START + timedelta(hours=1)  # Monday 2 Nov 2026, 10:00 UTC: the default cadence
SECOND = timedelta(seconds=1)
FIVE = ("ana", "ben", "cy", "dee", "eve")


async def five_opted_in(core: Rhizome) -> None:
    await seed(core, START - timedelta(days=2))
    for who in FIVE:
        await member(core, who, "intros on")


async def count(core: Rhizome, table: object) -> int:
    async with core.services.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


def groups(outlet: IntroOutlet) -> list[tuple[str, ...]]:
    return sorted(tuple(sorted(ids)) for ids, _ in outlet.intros())


async def test_a_round_posts_each_group_once_with_true_evidence(tmp_path: Path) -> None:
    clock = FixedClock(START)
    outlet = IntroOutlet()
    core = await start(tmp_path / "r.db", clock, outlet)
    try:
        await five_opted_in(core)
        scheduler = IntroScheduler(core.services)
        assert (await scheduler.tick()).rounds == ()  # before 10:00
        clock.set(P1 + SECOND)
        [outcome] = (await scheduler.tick()).rounds
        assert (outcome.action, outcome.period, outcome.intros) == ("posted", P1, 2)
        for _ in range(3):
            clock.advance(timedelta(minutes=1))
            assert (await scheduler.tick()).rounds == ()
        found = groups(outlet)
        assert len(outlet.posts) == 2 and len(found) == 2
        assert sorted(len(g) for g in found) == [2, 3]  # five members: a pair and one trio
        assert sorted(itertools.chain(*found)) == sorted(f"U-{w}" for w in FIVE)
        texts = {ids: text for ids, text in outlet.intros()}
        by_member = {m: text for ids, text in texts.items() for m in ids}
        rust = by_member["U-ana"]
        assert "U-ben" in next(ids for ids in texts if "U-ana" in ids)
        assert "@Ana shared 'Tokio tutorial'" in rust
        assert "@Ben asked “how do I cancel tasks in tokio?”" in rust
        assert "Tokio tutorial <https://tokio.rs/tokio/tutorial>" in rust
        db = by_member["U-cy"]
        assert "@Cy shared 'Routine Vacuuming'" in db
        assert "@Dee asked “does anyone know how postgres WAL archiving works?”" in db
        # Both (or all three) named with real mentions, in a conversation of exactly them.
        for conv, members, topic in outlet.conversations:
            [doc] = [d for ch, d in outlet.posts if ch == conv]
            for ext in members:
                assert f"@{ext.removeprefix('U-').capitalize()}" in doc.plain()
            assert topic.startswith("Rhizome intro: ")
        svc = service(core)
        c = await community(core)
        [r] = await svc.store.rounds(c.id)
        assert (r.state, r.kind, r.candidates) == ("posted", "scheduled", 5)
        stored = await svc.store.intros_of_round(r.id)
        assert sorted(i.message_id for i in stored) == ["m-1", "m-2"]  # type: ignore[type-var]
    finally:
        await core.close()


async def test_did_you_meet_a_week_later_once_and_answers_are_recorded(tmp_path: Path) -> None:
    clock = FixedClock(START)
    outlet = IntroOutlet()
    core = await start(tmp_path / "f.db", clock, outlet)
    try:
        await five_opted_in(core)
        scheduler = IntroScheduler(core.services)
        clock.set(P1 + SECOND)
        await scheduler.tick()
        clock.set(P1 + timedelta(days=6))
        assert (await scheduler.tick()).followups == 0
        clock.set(P1 + WEEK + timedelta(minutes=5))
        report = await scheduler.tick()
        assert report.followups == 2
        assert (await scheduler.tick()).followups == 0  # never twice
        asked = outlet.followups()
        assert len(asked) == 2
        # The follow-up goes to the intro's own conversation.
        first_round = sorted(tuple(sorted(ids)) for ids, _ in outlet.intros()[:2])
        assert sorted(tuple(sorted(ids)) for ids, _ in asked) == first_round
        # Members press the buttons: the button's command runs as the presser.
        ids, doc = next((ids, d) for ids, d in asked if "U-ana" in ids)
        from bot.documents import Actions

        [actions] = [b for b in doc.blocks if isinstance(b, Actions)]
        yes = actions.buttons[0].command.removeprefix("rhizome ")
        no = actions.buttons[1].command.removeprefix("rhizome ")
        assert "Glad you met" in (await member(core, "ana", yes)).document.plain()
        other = next(x for x in ids if x != "U-ana").removeprefix("U-")
        assert "Thanks for telling me" in (await member(core, other, no)).document.plain()
        intro_id = int(yes.split()[2])
        # Someone from the other intro cannot answer this one.
        stranger = next(w for w in FIVE if f"U-{w}" not in ids)
        reply = await member(core, stranger, f"intros met {intro_id} yes")
        assert "I don't know an introduction" in reply.document.plain()
        c = await community(core)
        found = await service(core).store.intro(c.id, intro_id)
        assert found is not None
        assert found.member("U-ana").answer == "yes"  # type: ignore[union-attr]
        assert found.member(f"U-{other}").answer == "no"  # type: ignore[union-attr]
        stats = await service(core).store.stats(c.id)
        assert (stats.rounds, stats.intros, stats.followups, stats.answered, stats.met) == (
            2,  # the second Monday's round ran too
            4,
            2,
            1,
            1,
        )
    finally:
        await core.close()


class CrashAfter(IntroOutlet):
    """Dies after `ok` posts, like a process killed in the middle of a round."""

    def __init__(self, ok: int) -> None:
        super().__init__()
        self.ok = ok

    async def post(self, community: CommunityRef, channel_id: str, document: Document) -> str:
        if len(self.posts) >= self.ok:
            raise asyncio.CancelledError
        return await super().post(community, channel_id, document)


async def test_a_crash_mid_round_resumes_the_unposted_intros_without_repairing(
    tmp_path: Path,
) -> None:
    clock = FixedClock(START)
    path = tmp_path / "crash.db"
    crashing = CrashAfter(ok=1)
    first = await start(path, clock, crashing)
    await five_opted_in(first)
    clock.set(P1 + SECOND)
    with pytest.raises(asyncio.CancelledError):
        await IntroScheduler(first.services).tick()
    c = await community(first)
    [r] = await service(first).store.rounds(c.id)
    planned = {
        tuple(sorted(x.external_id for x in i.members))
        for i in await service(first).store.intros_of_round(r.id)
    }
    await first.close()
    assert r.state == "planned" and len(planned) == 2 and len(crashing.posts) == 1

    # Meanwhile Dee turns intros off: the recorded round is resumed as planned anyway.
    outlet = IntroOutlet()
    second = await start(path, clock, outlet)  # the restarted process
    try:
        await member(second, "dee", "intros off")
        scheduler = IntroScheduler(second.services)
        clock.set(P1 + timedelta(minutes=1))
        assert (await scheduler.tick()).rounds == ()  # the claim is fresh: maybe still posting
        clock.set(P1 + timedelta(minutes=11))  # now it is stale
        [outcome] = (await scheduler.tick()).rounds
        assert (outcome.action, outcome.intros) == ("posted", 1)
        clock.advance(timedelta(minutes=30))
        assert (await scheduler.tick()).rounds == ()
        everything = groups(crashing) + groups(outlet)
        assert sorted(everything) == sorted(planned)  # each planned intro exactly once
        [r] = await service(second).store.rounds(c.id)
        assert (r.state, r.attempts) == ("posted", 2)
    finally:
        await second.close()


async def test_a_claim_whose_owner_died_before_planning_is_planned_once(tmp_path: Path) -> None:
    clock = FixedClock(START)
    outlet = IntroOutlet()
    core = await start(tmp_path / "dead.db", clock, outlet)
    try:
        await five_opted_in(core)
        c = await community(core)
        assert await service(core).store.claim(c.id, P1, "scheduled", P1, "dead") is not None
        scheduler = IntroScheduler(core.services)
        clock.set(P1 + timedelta(minutes=5))
        assert (await scheduler.tick()).rounds == ()
        clock.set(P1 + timedelta(minutes=15))
        [outcome] = (await scheduler.tick()).rounds
        assert outcome.action == "posted" and len(outlet.intros()) == 2
    finally:
        await core.close()


async def test_a_failing_intro_is_retried_then_given_up_without_holding_the_others(
    tmp_path: Path,
) -> None:
    clock = FixedClock(START)
    outlet = IntroOutlet(fail_for={"U-cy"})  # Cy's account cannot be messaged
    core = await start(tmp_path / "fail.db", clock, outlet)
    try:
        await five_opted_in(core)
        scheduler = IntroScheduler(core.services)
        clock.set(P1 + SECOND)
        [outcome] = (await scheduler.tick()).rounds
        assert (outcome.action, outcome.intros) == ("partial", 1)
        for _ in range(2):
            clock.advance(timedelta(minutes=11))
            [outcome] = (await scheduler.tick()).rounds
        assert (outcome.action, outcome.intros) == ("posted", 0)  # given up on the third try
        clock.advance(timedelta(minutes=11))
        assert (await scheduler.tick()).rounds == ()
        assert len(outlet.intros()) == 1
        c = await community(core)
        [r] = await service(core).store.rounds(c.id)
        states = sorted(i.state for i in await service(core).store.intros_of_round(r.id))
        assert (r.state, states) == ("posted", ["failed", "posted"])
    finally:
        await core.close()


async def test_downtime_runs_the_missed_round_only_within_grace(tmp_path: Path) -> None:
    clock = FixedClock(START)
    outlet = IntroOutlet()
    core = await start(tmp_path / "g.db", clock, outlet)
    try:
        await five_opted_in(core)
        scheduler = IntroScheduler(core.services)
        clock.set(P1 + timedelta(hours=20))  # the bot was down at 10:00
        [outcome] = (await scheduler.tick()).rounds
        assert (outcome.action, outcome.period) == ("posted", P1)
        clock.set(P1 + WEEK + timedelta(hours=30))  # down for the whole next grace window
        assert (await scheduler.tick()).rounds == ()
        clock.set(P1 + 2 * WEEK + SECOND)
        [outcome] = (await scheduler.tick()).rounds
        assert outcome.period == P1 + 2 * WEEK
        c = await community(core)
        assert len(await service(core).store.rounds(c.id)) == 2
    finally:
        await core.close()


async def test_without_an_outlet_nothing_is_claimed(tmp_path: Path) -> None:
    clock = FixedClock(START)
    core = await start(tmp_path / "n.db", clock)
    try:
        await five_opted_in(core)
        clock.set(P1 + SECOND)
        [outcome] = (await IntroScheduler(core.services).tick()).rounds
        assert outcome.action == "no-outlet"
        assert await count(core, t.intro_rounds) == 0
    finally:
        await core.close()


@pytest.mark.slow
async def test_no_pair_meets_again_within_twelve_rounds(tmp_path: Path) -> None:
    clock = FixedClock(START)
    outlet = IntroOutlet()
    core = await start(tmp_path / "w.db", clock, outlet)
    try:
        names = await many_members(core, START - timedelta(days=1), 26)
        scheduler = IntroScheduler(core.services)
        rounds: list[set[frozenset[str]]] = []
        for n in range(13):
            clock.set(P1 + n * WEEK + SECOND)
            before = len(outlet.intros())
            report = await scheduler.tick()
            assert [o.action for o in report.rounds] == ["posted"], report
            made = [ids for ids, _ in outlet.intros()[before:]]
            assert sorted(itertools.chain(*made)) == sorted(f"U-{x}" for x in names)
            rounds.append(pairs_of(made))
            # Everyone answers, so nobody is paused for ignoring intros.
            c = await community(core)
            for ids, doc in outlet.followups():
                intro_id = int(doc.plain().split("intros met ")[1].split()[0])
                for ext in ids:
                    await service(core).store.answer(c.id, intro_id, ext, "no", clock.now())
        for i, j in itertools.combinations(range(len(rounds)), 2):
            assert j - i <= 12 and not rounds[i] & rounds[j], (i, j, rounds[i] & rounds[j])
    finally:
        await core.close()


async def test_members_who_ignore_three_intros_are_paused_and_told(tmp_path: Path) -> None:
    clock = FixedClock(START)
    outlet = IntroOutlet()
    core = await start(tmp_path / "p.db", clock, outlet)
    try:
        names = await many_members(core, START - timedelta(days=1), 8)
        keen = names[0]  # answers every follow-up; everyone else ignores them
        scheduler = IntroScheduler(core.services)
        c = await community(core)
        svc = service(core)
        for n in range(4):
            clock.set(P1 + n * WEEK + SECOND)
            [outcome] = (await scheduler.tick()).rounds
            assert outcome.action == "posted" and outcome.intros == 4
            for ids, doc in outlet.followups():
                if f"U-{keen}" in ids:
                    intro_id = int(doc.plain().split("intros met ")[1].split()[0])
                    await svc.store.answer(c.id, intro_id, f"U-{keen}", "no", clock.now())
            assert outlet.notices() == []
        # Round 5: three follow-ups each went unanswered for days; only the keen one is left.
        clock.set(P1 + 4 * WEEK + SECOND)
        [outcome] = (await scheduler.tick()).rounds
        assert outcome.action == "skipped"
        told = sorted(ids for ids, _ in outlet.notices())
        assert told == sorted((f"U-{x}",) for x in names[1:])
        assert "paused your Rhizome introductions" in outlet.notices()[0][1]
        status = (await member(core, names[1], "intros status")).document.plain()
        assert "I paused your introductions" in status and "without an answer" in status
        assert "paused" not in (await member(core, keen, "intros status")).document.plain()
        # Turning them back on resumes at once and starts the count afresh.
        await member(core, names[1], "intros on")
        draft = await svc.draft(c, clock.now())
        assert {m.external_id for m in draft.candidates} == {f"U-{keen}", f"U-{names[1]}"}
        assert draft.to_pause == ()
    finally:
        await core.close()


# --- several processes ---------------------------------------------------------------------------


async def _race(cores: list[Rhizome], outlets: list[IntroOutlet], clock: FixedClock) -> None:
    await five_opted_in(cores[0])
    schedulers = [IntroScheduler(c.services) for c in cores]
    for n in range(3):
        clock.set(P1 + n * WEEK + SECOND)
        reports = await asyncio.gather(*(s.tick() for s in schedulers))
        made = [o for r in reports for o in r.rounds if o.action == "posted"]
        assert len(made) == 1, reports
        assert sum(len(o.intros()) for o in outlets) == 2 * (n + 1)
        assert sum(r.followups for r in reports) == (2 if n else 0)
    c = await community(cores[0])
    found = await service(cores[0]).store.rounds(c.id)
    assert sorted((r.period, r.state) for r in found) == [
        (P1 + n * WEEK, "posted") for n in range(3)
    ]
    assert await count(cores[0], t.intros) == 6
    assert sum(len(o.followups()) for o in outlets) == 4


async def test_two_processes_on_one_sqlite_file_make_one_set_of_intros(tmp_path: Path) -> None:
    clock = FixedClock(START)
    path = tmp_path / "race.db"
    outlets = [IntroOutlet(), IntroOutlet()]
    cores = [await start(path, clock, o) for o in outlets]
    try:
        await _race(cores, outlets, clock)
    finally:
        for c in cores:
            await c.close()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="RHIZOME_TEST_POSTGRES_URL is not set")
@pytest.mark.slow
async def test_several_processes_on_postgres_make_one_set_of_intros(tmp_path: Path) -> None:
    assert POSTGRES_URL
    clock = FixedClock(START)
    outlets = [IntroOutlet() for _ in range(4)]
    async with postgres_schema() as schema:
        cores: list[Rhizome] = []
        try:
            for outlet in outlets:  # one engine (pool) per core, as separate processes have
                db = Database.open(POSTGRES_URL, schema=schema)
                cores.append(await start(tmp_path / "unused.db", clock, outlet, db=db))
            await _race(cores, outlets, clock)
        finally:
            for c in cores:
                await c.close()


async def test_members_who_already_talk_in_a_channel_are_introduced_to_someone_new(
    tmp_path: Path,
) -> None:
    """Ana and Ben, the two tokio people, answered each other within minutes in #rust with
    no thread: they have met, so each is introduced to someone new instead."""
    from tests.db.intros_support import COMMUNITY
    from tests.factories import Chat

    clock = FixedClock(START)
    core = await start(tmp_path / "t.db", clock, IntroOutlet())
    try:
        chat = Chat(COMMUNITY, START - timedelta(days=3))
        await core.ingest_many(
            [
                chat.post("ana", "tokio tutorial https://tokio.rs/tokio/tutorial", channel="rust"),
                chat.post(
                    "ben", "tokio select https://docs.rs/tokio/select", channel="rust", minutes=3
                ),
                chat.post("ana", "<@U-ben|ben> tokio select is neat", channel="rust", minutes=6),
                chat.post(
                    "cy", "postgres vacuum https://postgresql.org/docs", channel="db", minutes=300
                ),
                chat.post("dee", "helm charts https://helm.sh/docs/", channel="ops", minutes=600),
            ]
        )
        for who in ("ana", "ben", "cy", "dee"):
            await member(core, who, "intros on")
        draft = await service(core).draft(await community(core), clock.now())
        pairs = {frozenset(m.external_id for m in g.members) for g in draft.groups}
        assert frozenset({"U-ana", "U-ben"}) not in pairs
        assert len(pairs) == 2
    finally:
        await core.close()
