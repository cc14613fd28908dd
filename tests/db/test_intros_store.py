"""Intro storage on real databases: claims, take-overs, plans, candidates, answers, forget-me."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.app import Rhizome
from bot.intros.eligibility import eligible
from bot.model import Community
from storage import intros as t
from storage.intros import IntroStore, PlannedIntro
from tests.conftest import START
from tests.db.intros_support import COMMUNITY
from tests.factories import Chat

P = START + timedelta(hours=1)
STALE = timedelta(minutes=10)


async def setup(rhizome: Rhizome) -> tuple[IntroStore, Community, dict[str, int]]:
    chat = Chat(COMMUNITY, START - timedelta(days=1))
    names = ["ana", "ben", "cy", "dee"]
    await rhizome.ingest_many(
        chat.post(n, f"hello from {n}", mid=f"{i}.0", minutes=i) for i, n in enumerate(names)
    )
    community = await rhizome.services.repos.communities.ensure(COMMUNITY)
    ids = {}
    for n in names:
        found = await rhizome.services.repos.members.by_external_id(community.id, f"U-{n}")
        assert found is not None
        ids[n] = found.id
    return IntroStore(rhizome.services.db), community, ids


def plan(ids: dict[str, int], *groups: tuple[str, ...]) -> list[PlannedIntro]:
    return [PlannedIntro(tuple(ids[n] for n in g), 1.0, "{}") for g in groups]


def externals(ids: dict[str, int]) -> dict[int, str]:
    return {i: f"U-{n}" for n, i in ids.items()}


async def test_a_period_is_claimed_once(rhizome: Rhizome) -> None:
    store, community, _ = await setup(rhizome)
    first = await store.claim(community.id, P, "scheduled", P, "a")
    assert first is not None
    assert await store.claim(community.id, P, "scheduled", P, "b") is None
    assert await store.claim(community.id, P, "manual", P, "b") is None  # any kind: one round
    other = await store.claim(community.id, P + timedelta(days=7), "scheduled", P, "b")
    assert other is not None and other != first
    [r] = [r for r in await store.rounds(community.id) if r.id == first]
    assert (r.state, r.claimed_by, r.attempts) == ("claimed", "a", 1)


async def test_a_stale_claim_is_taken_over_by_exactly_one(rhizome: Rhizome) -> None:
    store, community, ids = await setup(rhizome)
    rid = await store.claim(community.id, P, "scheduled", P, "dead")
    assert rid is not None
    fresh = P + timedelta(minutes=5)
    assert await store.take_stale(community.id, P, fresh, fresh - STALE, "b", 3) is None
    later = P + timedelta(minutes=20)
    assert await store.take_stale(community.id, P, later, later - STALE, "b", 3) == rid
    assert await store.take_stale(community.id, P, later, later - STALE, "c", 3) is None
    # The dead owner wakes up: its plan is refused; the new owner's is recorded once.
    assert not await store.record_plan(
        rid, "dead", community.id, plan(ids, ("ana", "ben")), externals(ids), 4, later
    )
    assert await store.record_plan(
        rid, "b", community.id, plan(ids, ("ana", "ben"), ("cy", "dee")), externals(ids), 4, later
    )
    assert not await store.record_plan(
        rid, "b", community.id, plan(ids, ("ana", "cy")), externals(ids), 4, later
    )
    planned = await store.intros_of_round(rid)
    assert [sorted(x.external_id for x in i.members) for i in planned] == [
        ["U-ana", "U-ben"],
        ["U-cy", "U-dee"],
    ]
    round_ = await store.round(rid)
    assert round_ is not None and (round_.state, round_.attempts, round_.candidates) == (
        "planned",
        2,
        4,
    )


async def test_posting_marks_intros_and_closes_the_round(rhizome: Rhizome) -> None:
    store, community, ids = await setup(rhizome)
    rid = await store.claim(community.id, P, "scheduled", P, "a")
    assert rid is not None
    await store.record_plan(
        rid, "a", community.id, plan(ids, ("ana", "ben"), ("cy", "dee")), externals(ids), 4, P
    )
    first, second = await store.intros_of_round(rid)
    later = P + timedelta(minutes=3)
    assert await store.mark_posted(first.id, rid, "a", "m-1", later)
    assert (await store.round(rid)).claimed_at == later  # type: ignore[union-attr]  # heartbeat
    assert not await store.finish_round(rid, "a", P)  # one intro still waits
    assert not await store.post_failed(second.id, 3)
    assert not await store.post_failed(second.id, 3)
    assert await store.post_failed(second.id, 3)  # given up after three attempts
    assert await store.finish_round(rid, "a", P)
    states = {i.id: (i.state, i.message_id) for i in await store.intros_of_round(rid)}
    assert states == {first.id: ("posted", "m-1"), second.id: ("failed", None)}
    assert (await store.round(rid)).state == "posted"  # type: ignore[union-attr]


async def test_a_post_by_a_process_that_lost_the_round_is_recorded_but_stops_it(
    rhizome: Rhizome,
) -> None:
    store, community, ids = await setup(rhizome)
    rid = await store.claim(community.id, P, "scheduled", P, "a")
    assert rid is not None
    await store.record_plan(
        rid, "a", community.id, plan(ids, ("ana", "ben"), ("cy", "dee")), externals(ids), 4, P
    )
    later = P + timedelta(minutes=20)
    assert await store.take_stale(community.id, P, later, later - STALE, "b", 3) == rid
    first, _ = await store.intros_of_round(rid)
    # "a" was slow, not dead: its post happened, so it is recorded (b will not repeat it)…
    assert not await store.mark_posted(first.id, rid, "a", "m-1", later)  # …but a stops
    assert [i.id for i in await store.intros_of_round(rid, state="planned")] != [first.id]
    assert (await store.intro(community.id, first.id)).state == "posted"  # type: ignore[union-attr]
    assert not await store.still_ours(rid, "a") and await store.still_ours(rid, "b")


async def test_only_members_of_a_posted_intro_answer_it(rhizome: Rhizome) -> None:
    store, community, ids = await setup(rhizome)
    rid = await store.claim(community.id, P, "scheduled", P, "a")
    assert rid is not None
    await store.record_plan(rid, "a", community.id, plan(ids, ("ana", "ben")), externals(ids), 2, P)
    [intro] = await store.intros_of_round(rid)
    assert not await store.answer(community.id, intro.id, "U-ana", "yes", P)  # not posted yet
    await store.mark_posted(intro.id, rid, "a", "m-1", P)
    assert not await store.answer(community.id, intro.id, "U-cy", "yes", P)  # not in it
    other = await rhizome.services.repos.communities.ensure(type(COMMUNITY)("slack", "T2", "Other"))
    assert not await store.answer(other.id, intro.id, "U-ana", "yes", P)  # other community
    assert await store.answer(community.id, intro.id, "U-ana", "yes", P)
    assert await store.answer(community.id, intro.id, "U-ben", "no", P)
    found = await store.intro(community.id, intro.id)
    assert found is not None and found.met and found.answered
    assert {x.external_id: x.answer for x in found.members} == {"U-ana": "yes", "U-ben": "no"}
    stats = await store.stats(community.id)
    assert (stats.rounds, stats.intros, stats.answered, stats.met) == (1, 1, 1, 1)


async def test_candidates_honour_every_choice(rhizome: Rhizome) -> None:
    services = rhizome.services
    chat = Chat(COMMUNITY, START - timedelta(days=1))
    old = Chat(COMMUNITY, START - timedelta(days=200))
    await rhizome.ingest_many(
        [
            chat.post("ana", "hi", mid="1.0"),
            chat.post("ben", "hi", mid="2.0"),
            chat.post("cy", "hi", mid="3.0"),
            chat.post("dee", "hi", mid="4.0"),
            chat.post("eve", "hi", mid="5.0", channel="ops"),
            chat.post("fay", "hi", mid="6.0", channel="ops"),
            chat.post("robo", "beep", mid="7.0", bot=True, channel="ops"),
            old.post("gil", "long ago", mid="8.0", channel="ops"),
        ]
    )
    community = await services.repos.communities.ensure(COMMUNITY)
    store = IntroStore(services.db)
    settings = services.repos.settings
    cid = community.id
    for who in ("ana", "ben", "cy"):
        await settings.update(cid, f"U-{who}", START, intros=True)
    await settings.update(cid, "U-ben", START, tracking=False)  # tracking off: never paired
    await settings.update(cid, "U-cy", START, intros_paused_until=START + timedelta(days=14))
    await settings.update(cid, "U-dee", START, intros=False)
    await settings.update(cid, "U-fay", START, intros=False)  # her choice beats the default
    await settings.update(cid, "U-gil", START - timedelta(days=150), intros=True)  # inactive
    await settings.update(cid, "U-hal", START, intros=True)  # opted in, never posted yet
    await store.set_channel_default(cid, "C-ops", "ops", True, START)

    async def names(when: object = START) -> set[str]:
        since = when - timedelta(days=90)  # type: ignore[operator]
        rows = eligible(await store.candidate_facts(cid, since), when, since, True)  # type: ignore[arg-type]
        return {r.member.external_id for r in rows}

    assert await names() == {"U-ana", "U-eve"}
    assert await names(START + timedelta(days=15)) == {"U-ana", "U-cy", "U-eve"}  # pause over
    assert not await store.set_channel_default(cid, "C-ops", "ops", True, START)  # already on
    assert await store.set_channel_default(cid, "C-ops", "ops", False, START)
    assert await names() == {"U-ana"}
    assert await store.opted_in_counts(cid, START) == (5, 1)  # ana, ben, cy, gil, hal


async def test_forget_me_deletes_their_intros_and_every_wish_naming_them(rhizome: Rhizome) -> None:
    store, community, ids = await setup(rhizome)
    cid = community.id
    rid = await store.claim(cid, P, "scheduled", P, "a")
    assert rid is not None
    await store.record_plan(
        rid, "a", cid, plan(ids, ("ana", "ben"), ("cy", "dee")), externals(ids), 4, P
    )
    for intro in await store.intros_of_round(rid):
        await store.mark_posted(intro.id, rid, "a", "m", P)
    await store.add_not_with(cid, "U-ana", "U-cy", "Cy", P)
    await store.add_not_with(cid, "U-ben", "U-ana", "Ana", P)
    await store.add_not_with(cid, "U-ben", "U-cy", "Cy", P)
    await store.set_member_state(cid, "U-ana", P, streak_since=P)
    # The core deletes the member first (cascading their intro_members rows), then the hook runs.
    await rhizome.services.repos.privacy.forget(rhizome.services.tracker.store, cid, "U-ana")
    await store.forget_member(cid, "U-ana")
    left = await store.intros_of_round(rid)
    assert [sorted(x.external_id for x in i.members) for i in left] == [["U-cy", "U-dee"]]
    assert await store.not_with_of(cid, "U-ana") == []
    # Ben's wish about her named her (id and name): it goes; his other wishes stay.
    assert await store.not_with_of(cid, "U-ben") == [("U-cy", "Cy")]
    assert await store.member_state(cid, "U-ana") == t.MemberIntroState()
    async with rhizome.services.db.read() as conn:
        rows = (
            await conn.execute(
                select(func.count())
                .select_from(t.intro_members)
                .where(t.intro_members.c.member_external_id == "U-ana")
            )
        ).scalar_one()
    assert rows == 0


async def test_contacts_count_reactions_mentions_and_turns_in_public_channels(
    rhizome: Rhizome,
) -> None:
    """Beyond shared threads, people meet by reacting, mentioning and answering right after
    each other in a channel without threads (Slack before 2017, haskell-jp's flat channels).
    """
    store, community, ids = await setup(rhizome)  # ana, ben, cy, dee said hello a day ago
    chat = Chat(COMMUNITY, START)
    await rhizome.ingest_many(
        [
            # ana and ben: back and forth within minutes in #datajam
            chat.post("ana", "anyone mapping the pothole data?", mid="10.0", channel="datajam"),
            chat.post("ben", "yes, with leaflet", mid="11.0", channel="datajam", minutes=4),
            # cy reacts to dee; dee mentions ana the Slack way
            chat.react("cy", "10.0", "tada", channel="datajam", minutes=5),
            chat.post("dee", "<@U-ana|ana>: try ggmap", mid="12.0", channel="maps", minutes=90),
            # cy posts two hours after ben: no conversation
            chat.post("cy", "slides are up", mid="13.0", channel="datajam", minutes=130),
            # a thread reply is not a channel turn (threads are counted elsewhere)
            chat.post("ben", "nice", mid="14.0", channel="datajam", thread="13.0", minutes=131),
            # a private channel tells nothing
            chat.post("ana", "psst", mid="15.0", channel="secret", minutes=200, is_private=True),
            chat.post(
                "cy", "psst back", mid="16.0", channel="secret", minutes=201, is_private=True
            ),
        ]
    )
    found = await store.contacts(community.id, list(ids.values()), START - timedelta(hours=1))

    def pair(a: str, b: str) -> tuple[int, int]:
        x, y = ids[a], ids[b]
        return (x, y) if x < y else (y, x)

    assert found[pair("ana", "ben")] == 1  # one turn
    assert found[pair("ana", "cy")] == 1  # the reaction, not the private channel
    assert found[pair("ana", "dee")] == 1  # the mention
    assert pair("ben", "cy") not in found  # two hours apart; the thread reply is not a turn
    assert pair("cy", "dee") not in found
    # Only the members asked about, and only since `since` (the hellos a day ago were
    # turns within a minute of each other).
    assert await store.contacts(community.id, [ids["ana"]], START - timedelta(hours=1)) == {}
    older = await store.contacts(community.id, list(ids.values()), START - timedelta(days=2))
    assert older[pair("ana", "ben")] == 2


async def test_topic_shares_are_of_members_with_topics_and_need_enough_members(
    rhizome: Rhizome,
) -> None:
    from storage.interests.tables import member_topics

    store, community, ids = await setup(rhizome)
    rows = [
        {
            "member_id": ids[n],
            "topic": topic,
            "community_id": community.id,
            "log_score": 1.0 - 0.1 * i,  # each member's topics strongest first
        }
        for n, topics in {
            "ana": ("rust", "tokio"),
            "ben": ("rust",),
            "cy": ("rust", "postgres"),
            "dee": ("helm",),
        }.items()
        for i, topic in enumerate(topics)
    ]
    async with rhizome.services.db.write() as conn:
        await conn.execute(member_topics.insert(), rows)
    shares = await store.topic_shares(community.id, ["rust", "tokio", "figma"])
    assert shares == {"rust": 0.75, "tokio": 0.25}  # nobody holds figma: no entry
    assert await store.topic_shares(community.id, ["rust"], min_members=5) == {}
    assert await store.topic_shares(community.id, []) == {}
    # Counting only each member's strongest topic: Ana's tokio and Cy's postgres are not.
    assert await store.topic_shares(community.id, ["rust", "tokio", "postgres"], strongest=1) == {
        "rust": 0.75
    }
