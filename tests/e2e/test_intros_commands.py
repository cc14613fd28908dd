"""`/rhizome intros …` and `/rhizome-admin intros …` end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.app import Rhizome
from bot.clock import FixedClock
from bot.commands.registry import MEMBER_GROUP, CommandContext, Invocation
from bot.documents import Document, ItemList
from bot.intros.service import use_profiles
from bot.model import Actor
from storage.audit import AuditStore
from tests.conftest import START
from tests.db.intros_support import (
    COMMUNITY,
    IntroOutlet,
    community,
    db_profiles,
    member,
    moderator,
    seed,
    service,
)

FIVE = ("ana", "ben", "cy", "dee", "eve")


@dataclass
class World:
    core: Rhizome
    outlet: IntroOutlet
    clock: FixedClock


@pytest.fixture
async def world(rhizome: Rhizome, clock: FixedClock) -> AsyncIterator[World]:
    outlet = IntroOutlet()
    rhizome.add_outlet(outlet)
    use_profiles(rhizome.services, db_profiles(rhizome.services.db))
    await seed(rhizome, START - timedelta(days=2))
    yield World(rhizome, outlet, clock)


def said(reply: object) -> str:
    return reply.document.plain()  # type: ignore[attr-defined]


async def candidates(w: World) -> set[str]:
    draft = await service(w.core).draft(await community(w.core), w.clock.now())
    return {m.external_id.removeprefix("U-") for m in draft.candidates}


async def groups(w: World) -> list[set[str]]:
    draft = await service(w.core).draft(await community(w.core), w.clock.now())
    return [{m.external_id.removeprefix("U-") for m in g.members} for g in draft.groups]


async def test_opt_in_off_pause_and_not_with_are_honoured(world: World) -> None:
    w = world
    assert await candidates(w) == set()  # off by default
    for who in FIVE:
        assert "You're in" in said(await member(w.core, who, "intros on"))
    assert await candidates(w) == set(FIVE)
    assert "are off for you" in said(await member(w.core, "eve", "intros off"))
    reply = said(await member(w.core, "dee", "intros pause 2"))
    assert "until 2026-11-16 (2 weeks)" in reply
    reply = said(await member(w.core, "ana", "intros not-with @Ben"))
    assert "never introduce you to @Ben" in reply and "not told" in reply
    # Someone not seen yet, named by a platform mention, can be avoided too.
    assert "never introduce you to @zed" in said(
        await member(w.core, "ana", "intros not-with <@UZED99|zed>")
    )
    assert "already asked" in said(await member(w.core, "ana", "intros not-with @Ben"))
    assert await candidates(w) == {"ana", "ben", "cy"}
    for g in await groups(w):
        assert not {"ana", "ben"} <= g  # never together, either way round
    draft = await service(w.core).draft(await community(w.core), w.clock.now())
    assert len(draft.groups) == 1 and len(draft.unmatched) == 1
    # A run now posts exactly what the preview showed.
    reply = said(await moderator(w.core, "intros run-now"))
    assert "1 introduction posted" in reply
    [(ids, _)] = w.outlet.intros()
    assert "U-cy" in ids and not {"U-ana", "U-ben"} <= set(ids)
    # The pause runs out; "intros on" ends it early; undo removes a not-with.
    w.clock.advance(timedelta(weeks=2, hours=1))
    assert await candidates(w) == {"ana", "ben", "cy", "dee"}
    assert "off your not-with list" in said(
        await member(w.core, "ana", "intros not-with @ben undo")
    )
    assert "was not on your not-with list" in said(
        await member(w.core, "ana", "intros not-with @ben undo")
    )
    await member(w.core, "dee", "intros pause 4")
    await member(w.core, "dee", "intros on")
    assert "dee" in await candidates(w)


async def test_tracking_off_is_never_paired_and_status_says_why(world: World) -> None:
    w = world
    for who in ("ana", "ben", "cy"):
        await member(w.core, who, "intros on")
    await member(w.core, "ben", "privacy tracking off")
    assert await candidates(w) == {"ana", "cy"}
    status = said(await member(w.core, "ben", "intros status"))
    assert "tracking is off, so you are not paired" in status
    reply = said(await member(w.core, "ben", "intros on"))
    assert "tracking is off" in reply


async def test_status_shows_choice_pause_schedule_wishes_and_intros(world: World) -> None:
    w = world
    status = said(await member(w.core, "ana", "intros status"))
    assert "You're not in the introduction rounds" in status
    for who in ("ana", "ben"):
        await member(w.core, who, "intros on")
    await member(w.core, "ana", "intros not-with @cy")
    await member(w.core, "ana", "intros pause 1")
    status = said(await member(w.core, "ana", "intros status"))
    assert "Paused until 2026-11-09" in status
    assert (
        "Rounds run every Monday at 10:00 UTC; the next is on Mon 02 Nov 2026, 10:00 UTC." in status
    )
    assert "Never introduced to: @Cy." in status
    await member(w.core, "ana", "intros on")
    await moderator(w.core, "intros run-now")
    [(_, text)] = w.outlet.intros()
    assert "@Ana shared 'Tokio tutorial'" in text
    status = said(await member(w.core, "ana", "intros status"))
    intro_id = int(status.split("#")[1].split()[0])
    assert f"did you meet? /rhizome intros met {intro_id} yes|no" in status
    await member(w.core, "ana", f"intros met {intro_id} no")
    assert "you said not yet" in said(await member(w.core, "ana", "intros status"))
    await member(w.core, "ana", "intros off")
    assert "Introductions are off" in said(await member(w.core, "ana", "intros status"))


async def test_a_moderator_opts_a_channels_members_in_by_default(world: World) -> None:
    w = world
    # The seed has Ana and Ben in #rust, Cy and Dee in #db, Eve in #ops.
    reply = said(await moderator(w.core, "intros default-on #rust"))
    assert "Members who post in #rust are opted in" in reply
    assert "Already" in said(await moderator(w.core, "intros default-on #rust"))
    assert await candidates(w) == {"ana", "ben"}
    status = said(await member(w.core, "ana", "intros status"))
    assert "because you post in #rust" in status
    await member(w.core, "ben", "intros off")  # a member's own choice beats the default
    assert await candidates(w) == {"ana"}
    await member(w.core, "cy", "intros on")
    assert "no longer opted in by default" in said(
        await moderator(w.core, "intros default-off #rust")
    )
    assert await candidates(w) == {"cy"}
    assert "was not opting" in said(await moderator(w.core, "intros default-off #rust"))
    stats = said(await moderator(w.core, "intros stats"))
    assert "Opted in: 1 (paused now: 0)" in stats
    c = await community(w.core)
    details = [e.detail for e in await AuditStore(w.core.services.db).history(c.id)]
    assert details[:2] == [
        "intros: members of #rust opted in by default: no",
        "intros: members of #rust opted in by default: yes",
    ]


async def test_cadence_preview_run_now_and_stats(world: World) -> None:
    w = world
    for who in FIVE:
        await member(w.core, who, "intros on")
    reply = said(await moderator(w.core, "intros cadence biweekly tue 14:30 europe/berlin"))
    assert "every other Tuesday at 14:30 Europe/Berlin" in reply
    assert "the next on Tue 03 Nov 2026, 14:30 CET" in reply
    preview = said(await moderator(w.core, "intros preview"))
    assert "5 members opted in and active" in preview and "1 pair and 1 trio" in preview
    assert "Ana shared 'Tokio tutorial'" in preview  # the real evidence, names as plain text
    assert "Preview only: nothing is posted" in preview
    assert w.outlet.posts == []
    assert "2 introductions posted" in said(await moderator(w.core, "intros run-now"))
    # Rounds are once a period: a second run-now is refused, and says how to insist.
    again = said(await moderator(w.core, "intros run-now"))
    assert "already ran this period" in again and "intros run-now force" in again
    assert len(w.outlet.intros()) == 2
    assert "already made" in said(await moderator(w.core, "intros run-now force"))  # same instant
    w.clock.advance(timedelta(minutes=1))
    assert "2 introductions posted" in said(await moderator(w.core, "intros run-now force"))
    pairs = [frozenset(ids) for ids, _ in w.outlet.intros()]
    assert len(pairs) == 4 and len(set(pairs)) == 4  # the second round met new people
    stats = said(await moderator(w.core, "intros stats"))
    assert "Rounds: 2" in stats and "Introductions made: 4" in stats
    assert "(by hand)" in stats
    assert "off" in said(await moderator(w.core, "intros cadence off"))
    assert "switched off" in said(await member(w.core, "ana", "intros status"))
    c = await community(w.core)
    sched = await service(w.core).store.schedule(c.id)
    assert sched is not None and not sched.enabled and sched.cadence == "biweekly"


async def test_non_moderators_are_refused_every_admin_command(world: World) -> None:
    w = world
    for who in FIVE:
        await member(w.core, who, "intros on")
    c = await community(w.core)
    before = await service(w.core).store.schedule(c.id)
    for text in (
        "intros cadence monthly",
        "intros run-now",
        "intros preview",
        "intros stats",
        "intros default-on #rust",
        "intros default-off #rust",
    ):
        reply = said(await moderator(w.core, text, "ana", admin=False))
        assert "is for moderators" in reply, text
    assert await service(w.core).store.schedule(c.id) == before
    assert await service(w.core).store.rounds(c.id) == []
    assert await service(w.core).store.channel_defaults(c.id) == []
    assert w.outlet.posts == []


async def test_bad_input_gets_a_polite_answer_and_changes_nothing(world: World) -> None:
    w = world
    await member(w.core, "ana", "intros on")
    c = await community(w.core)
    before = await service(w.core).store.schedule(c.id)
    for text, expected in (
        ("intros pause 0", "at least 1"),
        ("intros pause 99", "at most 52"),
        ("intros pause lots", "whole number"),
        ("intros met 999 yes", "I don't know an introduction #999"),
        ("intros met 1 maybe", "yes, no"),
        ("intros not-with nobody-here", "I don't know a member called “nobody-here”"),
        ("intros not-with @ana", "That's you"),
        ("intros sideways", "I don't know"),
    ):
        assert expected in said(await member(w.core, "ana", text)), text
    for text, expected in (
        ("intros cadence yearly", "weekly, biweekly, monthly, off"),
        ("intros cadence weekly funday", "'funday' is not a weekday"),
        ("intros cadence weekly mon 25:00", "not a valid time"),
        ("intros cadence weekly mon 10:00 Mars/Olympus", "Unknown timezone"),
        ("intros cadence off now", "takes nothing after it"),
        ("intros default-on #nowhere", "I don't know a channel called #nowhere"),
    ):
        assert expected in said(await moderator(w.core, text)), text
    assert await service(w.core).store.schedule(c.id) == before
    assert await service(w.core).store.not_with_of(c.id, "U-ana") == []
    settings = await w.core.services.repos.settings.get(c.id, "U-ana")
    assert settings.intros is True and settings.intros_paused_until is None


async def test_run_now_without_a_connection_or_people_says_so(rhizome: Rhizome) -> None:
    use_profiles(rhizome.services, db_profiles(rhizome.services.db))
    await seed(rhizome, START - timedelta(days=2))
    assert "can't post right now" in said(await moderator(rhizome, "intros run-now"))
    rhizome.add_outlet(IntroOutlet())
    await member(rhizome, "ana", "intros on")
    reply = said(await moderator(rhizome, "intros run-now"))
    assert "No round made: fewer than two members to introduce" in reply
    preview = said(await moderator(rhizome, "intros preview"))
    assert "Fewer than two members can be introduced" in preview


async def test_the_preview_of_an_imported_archive_shows_a_round_as_of_its_last_day(
    rhizome: Rhizome,
) -> None:
    # An archive from last year: nobody is active now, so a round now makes nothing, and the
    # preview says so; then it shows the round as of the archive's newest message, where
    # Ana and Ben (both in #rust) would have met over tokio.
    use_profiles(rhizome.services, db_profiles(rhizome.services.db))
    await seed(rhizome, START - timedelta(days=400))
    await moderator(rhizome, "intros default-on #rust")
    preview = said(await moderator(rhizome, "intros preview"))
    assert "0 members opted in and active right now; a round now would make 0 pairs" in preview
    newest = (START - timedelta(days=400)).date().isoformat()
    assert f"the newest activity is from {newest}" in preview
    assert "2 members opted in and active in the 90 days before it" in preview
    assert "a round then would make 1 pair" in preview
    assert "Ana + Ben" in preview or "Ben + Ana" in preview
    # Members active now are previewed as now, with no look back.
    await member(rhizome, "cy", "intros on")
    await member(rhizome, "dee", "intros on")
    now = said(await moderator(rhizome, "intros preview"))
    assert "2 members opted in and active right now" in now and "newest activity" not in now


async def test_forget_me_removes_intros_and_my_data_lists_them(world: World) -> None:
    w = world
    for who in FIVE:
        await member(w.core, who, "intros on")
    await member(w.core, "ana", "intros not-with @eve")
    await moderator(w.core, "intros run-now")
    ana = Actor("U-ana", "Ana")
    reply = await w.core.run_command(
        Invocation(COMMUNITY, ana, MEMBER_GROUP, text="privacy my-data")
    )
    data = json.loads(reply.files[0][1])["intros"]
    [intro] = data["introductions"]
    assert "Ben" in intro["with"] and intro["your_answer"] is None
    assert any("Tokio tutorial" in line for line in intro["why"])
    assert data["not_with"] == [{"id": "U-eve", "name": "Eve"}]
    # The "people you were introduced to" section, for /rhizome network.
    from bot.intros.feature import FEATURE as INTROS

    c = await community(w.core)
    me = await w.core.services.repos.members.by_external_id(c.id, "U-ana")
    assert me is not None
    ctx = CommandContext(w.core.services, c, ana, None, False, w.clock.now(), None)  # type: ignore[arg-type]
    [block] = await INTROS.network_blocks(ctx, me)
    assert isinstance(block, ItemList) and block.title == "People you were introduced to"
    assert "@Ben" in Document((block,)).plain()
    other = CommandContext(
        w.core.services, c, Actor("U-cy", "Cy"), None, False, w.clock.now(), None
    )  # type: ignore[arg-type]
    assert list(await INTROS.network_blocks(other, me)) == []  # nobody sees someone else's intros

    await member(w.core, "ana", "privacy forget-me confirm")
    store = service(w.core).store
    assert await store.intros_of_member(c.id, "U-ana") == []
    assert await store.intros_of_member(c.id, "U-ben") == []  # the whole group went
    assert await store.not_with_of(c.id, "U-ana") == []
    remaining = [i for r in await store.rounds(c.id) for i in await store.intros_of_round(r.id)]
    assert len(remaining) == 1 and "U-ana" not in {x.external_id for x in remaining[0].members}


async def test_saying_no_to_being_named_keeps_a_member_out_of_rounds(world: World) -> None:
    w = world
    for who in ("ana", "ben", "cy"):
        await member(w.core, who, "intros on")
    await member(w.core, "ben", "privacy profiling off")
    assert await candidates(w) == {"ana", "cy"}  # "off" wins over an earlier "intros on"
    await member(w.core, "ben", "privacy profiling on")
    assert await candidates(w) == {"ana", "ben", "cy"}
