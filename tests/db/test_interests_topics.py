"""Resource topics, members' topic scores and profiles on real databases (SQLite, PostgreSQL):
computed from what was shared and said, kept fresh incrementally, private where it must be."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import Rhizome
from bot.clock import FixedClock
from bot.config import Config
from bot.interests.profiles import EvidenceKind
from bot.interests.service import (
    document_shares,
    load_profiles,
    main_channels,
    member_interactions,
    refresh_topics,
)
from bot.model import CommunityRef, CommunityRemoved, MessagePosted
from storage import models as m
from storage.db import Database
from storage.interests import tables
from tests.conftest import START, make_config
from tests.db.interests_support import (
    OFFLINE,
    OTHER,
    SLACK,
    community_id,
    count,
    databases_chat,
    experts,
    forget,
    member_id,
    refresh,
    resource_id,
    svc,
    topics,
)
from tests.factories import Chat


@pytest.fixture
def config() -> Config:
    return make_config(**OFFLINE)


@pytest.fixture
def chat() -> Chat:
    return Chat(SLACK, START)


async def test_topics_come_from_the_messages_title_and_channel(
    rhizome: Rhizome, chat: Chat
) -> None:
    await rhizome.ingest_many(databases_chat(chat))
    cid = await refresh(rhizome)
    pg = await topics(rhizome, "https://example.org/pg-indexes")
    assert {"postgres", "index", "database"} <= set(pg)  # words, plural folded, the channel
    assert "rust" not in pg and "tokio" not in pg
    rid = await resource_id(rhizome, "https://example.org/pg-indexes")
    await rhizome.services.repos.resources.set_metadata(
        rid, "Use The Index, Luke: SQL indexing and tuning", "A guide to database performance"
    )
    await svc(rhizome).topics.recompute_resources(cid, [rid])
    assert "sql indexing" in await topics(rhizome, "https://example.org/pg-indexes")
    tokio = await topics(rhizome, "https://example.org/tokio")
    assert {"async", "rust", "async rust"} <= set(tokio)
    vocabulary = await svc(rhizome).vocabulary(cid)
    assert vocabulary.popularity["postgres"] == 1.0


async def test_experts_are_those_who_shared_and_discussed_with_true_evidence(
    rhizome: Rhizome, chat: Chat
) -> None:
    await rhizome.ingest_many(databases_chat(chat))
    cid = await refresh(rhizome)
    answer = await svc(rhizome).who_knows(cid, "Postgres")
    names = [e.member.name for e in answer.experts]
    assert names[:2] == ["Ana", "Ben"]  # the sharer first, then who answered in the thread
    assert "Cy" not in names  # asking is wanting to learn, not knowing
    ana, ben = answer.experts[0], answer.experts[1]
    assert [ev.kind for ev in ana.evidence] == [EvidenceKind.SHARED]
    assert ana.evidence[0].resource_url == "https://example.org/pg-indexes"
    assert ana.evidence[0].channel == "databases"
    assert ben.evidence[0].kind is EvidenceKind.REPLIED
    assert ben.evidence[0].snippet is not None and "Partial indexes" in ben.evidence[0].snippet
    assert (ana.shared, ben.discussed) == (1, 1)
    # Dee only reacted (a bookmark): interest, not knowledge, so she is not listed.
    assert "Dee" not in names


async def test_new_replies_are_picked_up_incrementally(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest_many(databases_chat(chat))
    cid = await refresh(rhizome)
    assert "Gus" not in await experts(rhizome, "kubernetes")
    await rhizome.ingest(
        chat.post(
            "gus",
            "We run postgres on kubernetes with an operator, kubernetes volumes were the hard part",
            mid="1.5",
            channel="databases",
            thread="1.0",
            minutes=10,
        )
    )
    report = await svc(rhizome).topics.refresh(cid, drain=False)  # one background-sized pass
    assert report.resources >= 1 and report.members >= 1
    assert "kubernetes" in await topics(rhizome, "https://example.org/pg-indexes")
    assert "Gus" in await experts(rhizome, "kubernetes")
    # Nothing new: a pass does no work.
    again = await svc(rhizome).topics.refresh(cid, drain=False)
    assert (again.resources, again.members) == (0, 0)


async def test_after_an_import_only_new_activity_is_worked_out(
    rhizome: Rhizome, chat: Chat
) -> None:
    # What `rhizome import` and `reindex` run: no sweep of unchanged rows, every new reply,
    # share and thanks by name still found, and another community's rows (whose ids fall in
    # the same range) left alone.
    await rhizome.ingest_many(databases_chat(chat))
    cid = await refresh(rhizome)
    other = Chat(OTHER, START)
    await rhizome.ingest_many(
        [
            other.post("zed", "kubernetes operators https://example.org/k8s", mid="9.0"),
            chat.post(
                "gus",
                "We run postgres on kubernetes with an operator, kubernetes volumes were the hard "
                "part",
                mid="1.5",
                channel="databases",
                thread="1.0",
                minutes=10,
            ),
            other.post("yan", "kubernetes volumes: use an operator", mid="9.1", thread="9.0"),
        ]
    )
    await rhizome.flush()
    report = await svc(rhizome).topics.refresh(cid, drain=True, sweep=False)
    assert report.resources >= 1 and report.members >= 1
    assert "kubernetes" in await topics(rhizome, "https://example.org/pg-indexes")
    assert "Gus" in await experts(rhizome, "kubernetes")
    assert "Zed" not in await experts(rhizome, "kubernetes")
    assert await topics(rhizome, "https://example.org/k8s", OTHER) == {}  # not its pass
    k8s = await resource_id(rhizome, "https://example.org/k8s", OTHER)
    assert await count(rhizome, tables.resource_topic_state, resource_id=k8s) == 0
    vocabulary = await svc(rhizome).store.vocabulary(cid, 100)
    assert "kubernetes" in {topic for topic, _, _ in vocabulary}  # popularity recounted


async def test_deleted_and_edited_messages_stop_counting(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest_many(databases_chat(chat))
    await refresh(rhizome)
    assert "Ben" in await experts(rhizome, "postgres")
    assert "Fay" in await experts(rhizome, "cancellation")
    await rhizome.ingest(chat.delete("1.1", channel="databases", minutes=20))
    await rhizome.ingest(
        chat.edit("2.1", "The chapters on pinning are excellent.", channel="rust", minutes=21)
    )
    # Before any refresh: Ben's score is stale, but his only evidence is gone, so he is not shown.
    assert "Ben" not in await experts(rhizome, "postgres")
    await refresh(rhizome)
    assert "Ben" not in await experts(rhizome, "postgres")
    assert "Fay" not in await experts(rhizome, "cancellation")
    assert "Fay" in await experts(rhizome, "pinning")
    assert "cancellation" not in await topics(rhizome, "https://example.org/tokio")


async def test_scores_decay_with_the_configured_half_life(
    database: Database, clock: FixedClock
) -> None:
    chat = Chat(SLACK, START)
    events = [
        chat.post(
            "old", "Kafka streams deep dive https://example.org/kafka-1", mid="1", channel="data"
        ),
        chat.post(
            "new",
            "Kafka consumer groups explained https://example.org/kafka-2",
            mid="2",
            channel="data",
            minutes=60 * 24 * 60,
        ),
    ]
    clock.set(START + timedelta(days=61))
    config = make_config(interests={"half_life_days": 10.0}, **OFFLINE)
    rz = await Rhizome.start(config, clock, db=database)
    try:
        await rz.ingest_many(events)
        await refresh(rz)
        assert await experts(rz, "kafka") == ["New", "Old"]
        cid = await community_id(rz)
        old_id, new_id = await member_id(rz, "old"), await member_id(rz, "new")
        profiles = await load_profiles(rz.services, cid)
        old, new = profiles[old_id].knows["kafka"], profiles[new_id].knows["kafka"]
        # Six half-lives apart: the old share is worth 1/64 of the new one.
        assert old / new == pytest.approx(2**-6, rel=0.01)
        # Declared interests never decay.
        await svc(rz).declare(
            await rz.services.repos.communities.ensure(SLACK), "U-old", "Old", ["kafka"]
        )
        again = await load_profiles(rz.services, cid, member_ids=[old_id])
        assert again[old_id].knows["kafka"] == pytest.approx(old + 2.5)
    finally:
        await rz.services.writer.stop()


def julia_links(chat: Chat) -> list[MessagePosted]:
    """40 links: every one about julia, one in ten about makie (julia is community-wide)."""
    return [
        chat.post(
            f"m{i % 7}",
            f"julia {'makie plotting' if i % 10 == 0 else 'compiler notes'} "
            f"https://example.org/post-{i}",
            mid=str(i),
            minutes=i,
        )
        for i in range(40)
    ]


async def test_a_process_without_the_corpus_still_leaves_out_the_communitys_own_subject(
    database: Database, config: Config, clock: FixedClock, chat: Chat
) -> None:
    # `julia` in every link's words is the community's own subject. A piped console script
    # (a core of its own, after `rhizome import` derived everything) has no corpus in memory:
    # it listed "julia" as a Julia member's second subject until the pass saved the words.
    events = julia_links(chat)
    first = await Rhizome.start(config, clock, db=database)
    try:
        await first.ingest_many(events)
        cid = await refresh(first)
        wide = await svc(first).community_wide(cid)  # from the corpus in memory
        assert "julia" in wide and "makie" not in wide
    finally:
        await first.services.writer.stop()
    later = await Rhizome.start(config, clock, db=database)
    try:
        assert svc(later).topics.loaded_corpus(cid) is None
        assert await svc(later).community_wide(cid) == wide  # as the pass saved them
        member = await later.services.repos.members.by_external_id(cid, "U-m0")
        assert member is not None
        known = [topic for topic, _, _ in await svc(later).known(cid, member, 10)]
        assert known and "julia" not in known
    finally:
        await later.services.writer.stop()


async def test_changing_the_half_life_recomputes_member_scores(
    rhizome: Rhizome, chat: Chat
) -> None:
    await rhizome.ingest_many(databases_chat(chat))
    cid = await refresh(rhizome)
    before = await svc(rhizome).store.member_topic_export(await member_id(rhizome, "ana"))
    rhizome.services.config = rhizome.services.config.model_copy(
        update={
            "interests": rhizome.services.config.interests.model_copy(
                update={"half_life_days": 7.0}
            )
        }
    )
    report = await svc(rhizome).topics.refresh(cid, drain=False)
    assert report.members >= 5
    after = await svc(rhizome).store.member_topic_export(await member_id(rhizome, "ana"))
    assert [t for t, _ in after] == [t for t, _ in before]
    assert after[0][1] != before[0][1]  # normalized to the epoch with another half-life


async def test_opted_out_members_have_no_profile_and_are_never_experts(
    rhizome: Rhizome, chat: Chat
) -> None:
    await rhizome.ingest_many(databases_chat(chat))
    cid = await refresh(rhizome)
    ben = await member_id(rhizome, "ben")
    assert ben in await load_profiles(rhizome.services, cid)
    await rhizome.services.repos.settings.update(cid, "U-ben", START, tracking=False)
    assert ben not in await load_profiles(rhizome.services, cid)
    assert ben not in await load_profiles(rhizome.services, cid, member_ids=[ben])
    assert "Ben" not in await experts(rhizome, "postgres")
    # With tracking off by default, only members who opted in are anyone's expert.
    rhizome.services.config = rhizome.services.config.model_copy(
        update={
            "privacy": rhizome.services.config.privacy.model_copy(
                update={"default_tracking": False}
            )
        }
    )
    assert await experts(rhizome, "postgres") == []
    await rhizome.services.repos.settings.update(cid, "U-ana", START, tracking=True)
    assert await experts(rhizome, "postgres") == ["Ana"]


async def test_profiles_keep_knowing_apart_from_wanting(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest_many(
        [
            *databases_chat(chat),
            chat.post(
                "cy",
                "Does anyone know a good intro to query planners?",
                mid="3.0",
                channel="general",
                minutes=30,
            ),
        ]
    )
    cid = await refresh(rhizome)
    cy, ana = await member_id(rhizome, "cy"), await member_id(rhizome, "ana")
    profiles = await load_profiles(rhizome.services, cid, member_ids=[cy, ana])
    assert "postgres" in profiles[cy].wants and "postgres" not in profiles[cy].knows
    assert "planner" in profiles[cy].wants  # a question with no link: its own words
    asked = profiles[cy].evidence("planner", wants=True)[0]
    assert asked.kind is EvidenceKind.ASKED and "query planners" in (asked.snippet or "")
    assert "postgres" in profiles[ana].knows and not profiles[ana].wants
    assert profiles[ana].main_channel == "databases"


@pytest.fixture
async def tracking_private(database: Database, clock: FixedClock) -> AsyncIterator[Rhizome]:
    """A core that tracks private channels (what stays private is then the code's to keep)."""
    config = make_config(tracking={"track_private_channels": True}, **OFFLINE)
    rz = await Rhizome.start(config, clock, db=database)
    yield rz
    await rz.services.writer.stop()


async def test_private_channels_never_feed_topics_or_evidence(tracking_private: Rhizome) -> None:
    rz = tracking_private
    chat = Chat(SLACK, START)
    await rz.ingest_many(
        [
            chat.post(
                "cy",
                "layoffs plan https://example.org/l",
                mid="3",
                channel="exec",
                is_private=True,
            ),
            chat.post(
                "dan", "layoffs layoffs", mid="4", channel="exec", thread="3", is_private=True
            ),
        ]
    )
    await refresh(rz)
    assert await count(rz, tables.resource_topic_state) == 1  # it was processed…
    assert "layoff" not in await topics(rz, "https://example.org/l")  # …without its words
    assert await experts(rz, "layoffs") == []
    assert "layoff" not in (await svc(rz).vocabulary(await community_id(rz))).popularity


async def test_a_link_to_a_message_is_titled_with_a_public_channel_only(
    tracking_private: Rhizome,
) -> None:
    # "Message in #releases" names where the conversation is; a private channel's name is
    # never shown to the members who see the title.
    rz = tracking_private
    chat = Chat(SLACK, START)
    to_public = "https://x.slack.com/archives/C-releases/p1616797311131000"
    to_private = "https://x.slack.com/archives/C-exec/p1616797311131001"
    await rz.ingest_many(
        [
            chat.post("ana", "1.6 is out", mid="1", channel="releases"),
            chat.post("cy", "layoffs plan", mid="2", channel="exec", is_private=True),
            chat.post("ben", f"<{to_public}>", mid="3", channel="general"),
            chat.post("ben", f"<{to_private}>", mid="4", channel="general"),
        ]
    )
    cid = await refresh(rz)
    async with rz.services.db.read() as conn:
        titles = dict(
            (
                await conn.execute(
                    select(m.resources.c.canonical_url, m.resources.c.title).where(
                        m.resources.c.community_id == cid
                    )
                )
            ).all()
        )
    assert titles[to_public] == "Message in #releases"
    assert titles[to_private] == "Slack message"


async def test_interactions_and_main_channels(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest_many(databases_chat(chat))
    cid = await refresh(rhizome)
    ana, ben, cy, eve, fay = [
        await member_id(rhizome, w) for w in ("ana", "ben", "cy", "eve", "fay")
    ]
    pairs = await member_interactions(rhizome.services, cid)
    assert pairs[(min(ana, ben), max(ana, ben))] >= 2  # Ben replied to Ana, same thread
    assert pairs[(min(ben, cy), max(ben, cy))] >= 1  # same thread
    assert (min(ana, eve), max(ana, eve)) not in pairs
    assert all(a < b for a, b in pairs)
    only = await member_interactions(rhizome.services, cid, member_ids=[ana, ben])
    assert set(only) == {(min(ana, ben), max(ana, ben))}
    channels = await main_channels(rhizome.services, cid)
    assert channels[ana] == "databases" and channels[fay] == "rust"


async def test_topics_for_digests_computes_what_is_missing(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest_many(databases_chat(chat))
    await rhizome.flush()
    cid = await community_id(rhizome)
    rid = await resource_id(rhizome, "https://example.org/tokio")
    topics_for = rhizome.services.topics_for
    assert topics_for is not None
    found = await topics_for(cid, [rid, 999_999])
    assert set(found) == {rid} and "rust" in found[rid]
    other = await community_id(rhizome, OTHER)
    assert await topics_for(other, [rid]) == {}  # another community's resource: nothing


async def test_communities_never_see_each_others_topics_or_members(
    rhizome: Rhizome, chat: Chat
) -> None:
    await rhizome.ingest_many(databases_chat(chat))
    await rhizome.ingest_many(databases_chat(Chat(OTHER, START)))
    await refresh(rhizome)
    await refresh(rhizome, OTHER)
    a = await svc(rhizome).who_knows(await community_id(rhizome), "postgres")
    b = await svc(rhizome).who_knows(await community_id(rhizome, OTHER), "postgres")
    assert {e.member.community_id for e in a.experts} == {await community_id(rhizome)}
    assert {e.member.community_id for e in b.experts} == {await community_id(rhizome, OTHER)}


async def test_the_refresh_lease_keeps_other_processes_out(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest_many(databases_chat(chat))
    await rhizome.flush()
    cid = await community_id(rhizome)
    store = svc(rhizome).store
    assert await store.claim(cid, "other-process", START, START + timedelta(minutes=2))
    report = await svc(rhizome).topics.refresh(cid, drain=True)
    assert report.more and report.resources == 0  # someone else is refreshing it
    assert not await store.claim(cid, "third", START + timedelta(minutes=1), START)
    # A lease left behind by a crashed process expires.
    assert await store.claim(
        cid, "third", START + timedelta(minutes=3), START + timedelta(minutes=5)
    )
    await store.release(cid, "third")
    await refresh_topics(rhizome.services, cid)
    assert "postgres" in await topics(rhizome, "https://example.org/pg-indexes")


async def test_a_command_does_not_wait_for_a_pass_another_process_is_making(
    rhizome: Rhizome, chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bot deriving an import holds the lease; a console command beside it had spun on the
    # lease for its whole 3 s budget, then dropped the vocabulary it had to load again.
    await rhizome.ingest_many(databases_chat(chat))
    await rhizome.flush()
    cid = await community_id(rhizome)
    service = svc(rhizome)
    assert await service.store.claim(cid, "other-process", START, START + timedelta(minutes=2))
    passes: list[object] = []
    refresh_once = service.topics.refresh

    async def counted(*args: object, **kwargs: object) -> object:
        passes.append(args)
        return await refresh_once(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service.topics, "refresh", counted)
    dropped: list[int] = []
    monkeypatch.setattr(service, "invalidate", lambda cid, **kw: dropped.append(cid))
    answer = await service.who_knows(cid, "postgres")
    assert len(passes) == 1 and dropped == []
    assert answer.behind > 0  # the reply says the answer is still being worked out


async def test_forget_me_and_purge_leave_nothing_behind(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest_many(databases_chat(chat))
    cid = await refresh(rhizome)
    ana = await member_id(rhizome, "ana")
    community = await rhizome.services.repos.communities.ensure(SLACK)
    await svc(rhizome).declare(community, "U-ana", "Ana", ["sql", "query planning"])
    assert await count(rhizome, tables.member_topics, member_id=ana) > 0
    await forget(rhizome, cid, "U-ana")
    assert await count(rhizome, tables.declared_interests, member_external_id="U-ana") == 0
    assert await count(rhizome, tables.member_topics, member_id=ana) == 0
    await refresh(rhizome)
    # Ana's resource went with her (only she shared it), and so did its topics.
    assert "postgres" not in (await svc(rhizome).vocabulary(cid)).popularity
    assert "Ana" not in await experts(rhizome, "sql")
    await rhizome.ingest(CommunityRemoved(place=chat.place(), occurred_at=chat.at(99)))
    for table in (
        tables.resource_topics,
        tables.resource_topic_state,
        tables.member_topics,
        tables.member_topic_state,
        tables.topic_stats,
        tables.declared_interests,
        tables.interest_state,
    ):
        assert await count(rhizome, table) == 0, table.name


async def test_the_background_loop_keeps_topics_fresh_until_cancelled(
    rhizome: Rhizome, chat: Chat
) -> None:
    from bot.interests.service import run_interests

    assert run_interests in rhizome.background()
    await rhizome.ingest_many(databases_chat(chat))
    task = asyncio.create_task(run_interests(rhizome))
    try:
        for _ in range(400):  # the first pass starts after 2 s; wait for it, not for a clock
            if "Ana" in await experts(rhizome, "postgres"):
                break
            await asyncio.sleep(0.025)
        assert "postgres" in await topics(rhizome, "https://example.org/pg-indexes")
        assert "Ana" in await experts(rhizome, "postgres")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert task.cancelled()


async def test_document_shares_name_the_community_wide_subject(
    rhizome: Rhizome, chat: Chat
) -> None:
    # 40 links: every one about julia, one in ten about makie. `julia` connects everyone, so
    # intros treat it as community-wide however few members keep it among their strongest.
    events = julia_links(chat)
    await rhizome.ingest_many(events)
    cid = await refresh(rhizome)
    shares = await document_shares(rhizome.services, cid, ["julia", "makie", "nowhere"])
    assert shares["julia"] > 0.9
    assert 0.05 < shares["makie"] < 0.2
    assert "nowhere" not in shares


async def test_where_everyone_keeps_things_is_nobodys_shared_interest(
    rhizome: Rhizome, chat: Chat
) -> None:
    # julialang: "You both care about github", "You both care about slack" had been intro
    # reasons. The code and chat platforms, and a host of many of the community's documents
    # (here YouTube, 12 talks), count as everywhere; a subject on one of them does not.
    talks = [
        chat.post(f"m{i % 5}", f"talk on makie https://youtube.com/watch?v=t{i}", mid=str(i))
        for i in range(12)
    ]
    repo = chat.post("m1", "makie on github https://github.com/MakieOrg/Makie.jl", mid="99")
    await rhizome.ingest_many([*talks, repo])
    cid = await refresh(rhizome)
    shares = await document_shares(
        rhizome.services, cid, ["github", "slack", "discord", "youtube", "makie"]
    )
    assert shares["github"] == shares["slack"] == shares["discord"] == shares["youtube"] == 1.0
    assert shares.get("makie", 0.0) < 1.0


async def test_a_profile_knows_which_topics_other_members_hold_too(
    rhizome: Rhizome, chat: Chat
) -> None:
    # A profile names first what others may ask about (`bot.interests.service.HELD_BY`):
    # `onslaught` from one evening's reply is held by nobody else, `makie` by three.
    await rhizome.ingest_many([chat.post(f"m{i}", "hello", mid=str(i)) for i in range(4)])
    cid = await community_id(rhizome)
    ids = [await member_id(rhizome, f"m{i}") for i in range(4)]
    held = {"makie": ids, "gpu": ids[:2], "onslaught": ids[:1]}
    async with rhizome.services.db.write() as conn:
        await conn.execute(
            tables.member_topics.insert(),
            [
                {
                    "member_id": mid,
                    "topic": topic,
                    "community_id": cid,
                    "log_score": 1.0,
                    "evidence": "",
                    "shared": 1,
                    "discussed": 0,
                }
                for topic, members in held.items()
                for mid in members
            ],
        )
    store = svc(rhizome).store
    asked = ["makie", "gpu", "onslaught", "never-heard-of"]
    assert await store.widely_held(cid, ids[0], asked, 2) == {"makie"}
    assert await store.widely_held(cid, ids[0], asked, 1) == {"makie", "gpu"}
    # m0 and m1 hold `gpu`: two others for m3, one other for m0 (never counting oneself)
    assert await store.widely_held(cid, ids[3], asked, 2) == {"makie", "gpu"}
    assert await store.widely_held(cid, ids[0], [], 2) == set()


async def test_the_communitys_own_name_is_nobodys_subject(
    database: Database, config: Config
) -> None:
    # julialang: "You both know julialang" had been an intro's reason, and `julialang` a
    # member's subject: the name of the place, not a subject of it
    own = CommunityRef("slack", "TJL", "JuliaLang")
    chat = Chat(own, START)
    rz = await Rhizome.start(config, FixedClock(START), db=database)
    try:
        await rz.ingest_many(
            [
                chat.post("m0", "JuliaLang makie tutorial https://example.org/jl-1", mid="1"),
                chat.post("m1", "JuliaLang makie recipes https://example.org/jl-2", mid="2"),
            ]
        )
        cid = await refresh(rz, own)
        assert "julialang" in await svc(rz).community_wide(cid)
        shares = await document_shares(rz.services, cid, ["julialang", "makie"])
        assert shares.get("julialang") == 1.0 and "makie" not in shares
    finally:
        await rz.services.writer.stop()


async def test_the_vocabulary_holds_what_only_answers_named(rhizome: Rhizome, chat: Chat) -> None:
    # julia: `amd gpu`, `infamous gpu` were a maintainer's topics from his answers alone, no
    # resource's; who-knows `gpu` reaches longer topics through the vocabulary, so it missed
    # him (and `idempotence` for `idempotency` on the Infrahub forum).
    await rhizome.ingest_many(databases_chat(chat))
    await rhizome.ingest_many(
        [
            chat.post("fay", "How do I get the ROCm toolkit working?", mid="9.0", channel="gpu"),
            chat.post(
                "ben",
                "Install the ROCm toolkit from AMD's repository, then the AMDGPU package "
                "finds the ROCm toolkit by itself.",
                mid="9.1",
                channel="gpu",
                thread="9.0",
                minutes=2,
            ),
        ]
    )
    cid = await refresh(rhizome)
    vocab = await svc(rhizome).vocabulary(cid)
    held = [t for t in vocab.popularity if "rocm" in t]
    assert held, "an answer's topic is part of the vocabulary"
    # after every resource's topic: suggestions and autocomplete offer links' subjects first
    assert all(vocab.popularity[t] < 1 for t in held)
    assert vocab.popularity["postgres"] >= 1
    # a forgotten member's topics leave it with them
    await forget(rhizome, cid, "U-ben")
    await refresh(rhizome)
    assert not [t for t in (await svc(rhizome).vocabulary(cid)).popularity if "rocm" in t]


async def test_a_label_that_only_refers_to_the_link_gives_way_to_its_address(
    rhizome: Rhizome, chat: Chat
) -> None:
    # julialang: "the <…sr_onthefly_logic.py|code>" had titled NetKet's file "code"
    await rhizome.ingest_many(
        [
            chat.post(
                "ana",
                "the natural gradient lives in this "
                "<https://github.com/netket/netket/blob/2abc/netket/sr/sr_onthefly_logic.py|code>",
            ),
            chat.post("ben", "see <https://github.com/fonsp/Pluto.jl|Pluto.jl>", minutes=1),
        ]
    )
    await refresh(rhizome)
    async with rhizome.services.db.read() as conn:
        titles = dict(
            (await conn.execute(select(m.resources.c.canonical_url, m.resources.c.title))).all()
        )
    assert titles["https://github.com/netket/netket/blob/2abc/netket/sr/sr_onthefly_logic.py"] == (
        "netket/netket: sr_onthefly_logic.py"
    )
    assert titles["https://github.com/fonsp/Pluto.jl"] == "Pluto.jl"  # a name stays


async def test_a_busy_members_words_are_found_in_every_nearby_bare_share(
    rhizome: Rhizome, chat: Chat
) -> None:
    # Forgetting a very active member reads the shares near each of their messages: a few
    # windows one query each, many (more than WINDOW_QUERIES) in one read of the channel.
    from storage.interests.documents import WINDOW_QUERIES, resources_reading

    n = WINDOW_QUERIES + 4
    events = [
        chat.post("ana", f"note {i} about parsers", mid=f"{i}.0", minutes=60 * i) for i in range(n)
    ]
    # a lone link five minutes after the last note reads it; one five hours later does not
    events.append(chat.post("ben", "https://example.org/near", mid="90.0", minutes=60 * n - 55))
    events.append(chat.post("ben", "https://example.org/far", mid="91.0", minutes=60 * n + 300))
    await rhizome.ingest_many(events)
    await rhizome.flush()
    cid = await community_id(rhizome)
    near = await resource_id(rhizome, "https://example.org/near")
    far = await resource_id(rhizome, "https://example.org/far")
    async with rhizome.services.db.read() as conn:
        ids = list(
            (
                await conn.execute(
                    select(m.messages.c.id)
                    .join(m.members, m.members.c.id == m.messages.c.author_id)
                    .where(m.members.c.external_id == "U-ana")
                    .order_by(m.messages.c.id)
                )
            ).scalars()
        )
        many = await conn.run_sync(resources_reading, cid, ids)  # one read of the channel
        few = await conn.run_sync(resources_reading, cid, ids[-1:])  # one window
    assert len(ids) == n
    assert near in many and far not in many
    assert near in few and far not in few
