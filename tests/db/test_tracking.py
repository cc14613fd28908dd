"""Tracking on real databases: shares, discussions, credit, edits, deletions, idempotency."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.app import Rhizome
from bot.model import (
    NO_SUCH_REACTION,
    Attachment,
    CommunityRef,
    CommunityRemoved,
    ConversationDeleted,
    IngestStats,
    ReactionsCleared,
    ResourceSummary,
)
from storage import models as m
from tests.conftest import START, make_config
from tests.factories import Chat

SLACK = CommunityRef("slack", "T1", "Team One")


@pytest.fixture
def chat() -> Chat:
    return Chat(SLACK, START)


async def resources(rz: Rhizome, community: CommunityRef = SLACK) -> dict[str, ResourceSummary]:
    repos = rz.services.repos
    found = await repos.communities.find(community.platform, community.external_id)
    if found is None:
        return {}
    ids = await repos.resources.all_ids(found.id)
    return {r.url: r for r in await repos.resources.summaries(found.id, ids)}


async def count(rz: Rhizome, table: object) -> int:
    async with rz.services.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


async def test_a_share_a_reply_and_a_reaction_are_tracked(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest(
        chat.post("ana", "Tokio tutorial <https://tokio.rs/tokio/tutorial|here>", mid="1.0")
    )
    await rhizome.ingest(chat.post("ben", "how do I cancel tasks?", thread="1.0", minutes=1))
    await rhizome.ingest(chat.react("cy", "1.0", "tada", minutes=2))
    r = (await resources(rhizome))["https://tokio.rs/tokio/tutorial"]
    assert r.first_shared_by is not None and r.first_shared_by.name == "Ana"
    assert (r.share_count, r.reply_count, r.reaction_count, r.discussants) == (1, 1, 1, 2)
    assert r.first_channel is not None and r.first_channel.name == "general"


async def test_the_same_event_delivered_four_times_is_stored_once(
    rhizome: Rhizome, chat: Chat
) -> None:
    post = chat.post("ana", "https://example.org/a", mid="1.0", event_id="Ev1")
    react = chat.react("ben", "1.0", event_id="Ev2")
    results = []
    for _ in range(4):
        results.append(await rhizome.ingest(post))
        results.append(await rhizome.ingest(react))
    # And the same again without delivery ids: natural keys catch those.
    for _ in range(4):
        await rhizome.ingest(chat.post("ana", "https://example.org/a", mid="1.0"))
    assert await count(rhizome, m.messages) == 1
    assert await count(rhizome, m.shares) == 1
    assert await count(rhizome, m.reactions) == 1
    assert sum(s.duplicates for s in results) == 6


async def test_reaction_redelivered_after_removal_is_not_resurrected(
    rhizome: Rhizome, chat: Chat
) -> None:
    await rhizome.ingest(chat.post("ana", "https://example.org/a", mid="1.0"))
    add = chat.react("ben", "1.0", event_id="EvAdd")
    await rhizome.ingest(add)
    await rhizome.ingest(chat.unreact("ben", "1.0"))
    await rhizome.ingest(add)  # Slack retries the old add
    assert await count(rhizome, m.reactions) == 0


async def test_reactions_count_once_per_member_per_emoji(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest(chat.post("ana", "https://example.org/a", mid="1.0"))
    for emoji in ("tada", "tada", "heart"):
        await rhizome.ingest(chat.react("ben", "1.0", emoji))
    await rhizome.ingest(chat.react("cy", "1.0", "tada"))
    r = (await resources(rhizome))["https://example.org/a"]
    assert (r.reaction_count, r.discussants) == (3, 2)
    await rhizome.ingest(chat.unreact("ben", "1.0", "heart"))
    r = (await resources(rhizome))["https://example.org/a"]
    assert r.reaction_count == 2


async def test_reshare_credits_the_first_sharer(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest(
        chat.post("ana", "https://www.example.org/paper/?utm_source=tw", mid="1.0")
    )
    await rhizome.ingest(
        chat.post(
            "ben",
            "look: http://example.org/paper",
            mid="2.0",
            channel="random",
            minutes=60 * 24 * 8,
        )
    )
    r = (await resources(rhizome))["https://example.org/paper"]
    assert r.first_shared_by is not None and r.first_shared_by.name == "Ana"
    assert r.sharers == ("Ana", "Ben")
    assert (r.share_count, r.reshare_count) == (2, 1)
    async with rhizome.services.db.read() as conn:
        originals = set((await conn.execute(select(m.resource_urls.c.original_url))).scalars())
    assert originals == {"https://www.example.org/paper/?utm_source=tw", "http://example.org/paper"}


async def test_a_reply_with_its_own_link_is_a_share_and_a_discussion(
    rhizome: Rhizome, chat: Chat
) -> None:
    await rhizome.ingest(chat.post("ana", "https://a.example.com/x", mid="1.0"))
    await rhizome.ingest(
        chat.post("ben", "related: https://b.example.com/y", thread="1.0", minutes=1)
    )
    found = await resources(rhizome)
    assert found["https://a.example.com/x"].reply_count == 1
    b = found["https://b.example.com/y"]
    assert b.first_shared_by is not None and b.first_shared_by.name == "Ben"


async def test_a_reply_arriving_before_its_root_still_counts(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest(chat.post("ben", "+1, great read", thread="1.0", minutes=1))
    await rhizome.ingest(chat.post("ana", "https://example.org/a", mid="1.0"))
    assert (await resources(rhizome))["https://example.org/a"].reply_count == 1


async def test_edits_add_and_remove_links(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest(chat.post("ana", "https://one.example/a", mid="1.0"))
    await rhizome.ingest(chat.edit("1.0", "actually https://two.example/b", minutes=5))
    assert set(await resources(rhizome)) == {"https://two.example/b"}
    await rhizome.ingest(
        chat.edit("1.0", "both https://two.example/b https://one.example/a", minutes=6)
    )
    assert set(await resources(rhizome)) == {"https://two.example/b", "https://one.example/a"}


async def test_an_edit_never_steals_first_sharer_credit(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest(chat.post("ana", "morning", mid="1.0"))
    await rhizome.ingest(chat.post("ben", "https://example.org/new", mid="2.0", minutes=5))
    await rhizome.ingest(chat.edit("1.0", "morning https://example.org/new", minutes=10))
    r = (await resources(rhizome))["https://example.org/new"]
    assert r.first_shared_by is not None and r.first_shared_by.name == "Ben"


async def test_deleting_a_message_removes_everything_derived(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest(chat.post("ana", "https://example.org/a https://example.org/b", mid="1.0"))
    await rhizome.ingest(chat.post("ben", "https://example.org/b", mid="2.0", minutes=1))
    await rhizome.ingest(chat.react("cy", "1.0", minutes=2))
    await rhizome.ingest(chat.delete("1.0", minutes=3))
    found = await resources(rhizome)
    assert set(found) == {"https://example.org/b"}
    b = found["https://example.org/b"]
    assert b.first_shared_by is not None and b.first_shared_by.name == "Ben"
    assert (b.share_count, b.reaction_count) == (1, 0)
    assert await count(rhizome, m.reactions) == 0
    # The deleted text is gone from search too.
    community = await rhizome.services.repos.communities.ensure(SLACK)
    assert [
        r.url for r in await rhizome.services.repos.resources.search(community.id, "example")
    ] == ["https://example.org/b"]


async def test_a_deleted_thread_or_channel_takes_its_messages_along(
    rhizome: Rhizome, chat: Chat
) -> None:
    # a channel with a thread on one of its messages and a forum-like post; another channel
    await rhizome.ingest(chat.post("ana", "root https://example.org/root", mid="1.0"))
    await rhizome.ingest(
        chat.post("ben", "in thread https://example.org/t", mid="2.0", thread="1.0")
    )
    await rhizome.ingest(chat.post("ana", "post https://example.org/post", mid="3.0"))
    await rhizome.ingest(chat.post("ben", "answer", mid="4.0", thread="3.0"))
    await rhizome.ingest(chat.react("cy", "3.0", minutes=1))
    await rhizome.ingest(
        chat.post(
            "cy", "also https://example.org/root https://example.org/x", mid="5.0", channel="papers"
        )
    )
    threads = rhizome.services.repos.messages.threads_by_channel  # what catch-up checks
    assert await threads(SLACK) == {chat.place().channel_id: {"1.0", "3.0"}}
    place = chat.place(thread="1.0")  # a thread opened on a message: the message stays
    await rhizome.ingest(ConversationDeleted(place=place, occurred_at=chat.at(2)))
    assert await count(rhizome, m.messages) == 4
    assert await threads(SLACK) == {chat.place().channel_id: {"3.0"}}
    post = chat.place(thread="3.0")  # a forum post: its starter is inside the thread
    await rhizome.ingest(ConversationDeleted(place=post, occurred_at=chat.at(3), with_starter=True))
    assert await count(rhizome, m.messages) == 2
    assert await count(rhizome, m.reactions) == 0
    assert set(await resources(rhizome)) == {"https://example.org/root", "https://example.org/x"}

    await rhizome.ingest(ConversationDeleted(place=chat.place(), occurred_at=chat.at(4)))
    found = await resources(rhizome)
    assert set(found) == {"https://example.org/root", "https://example.org/x"}
    root = found["https://example.org/root"]
    assert root.first_shared_by is not None and root.first_shared_by.name == "Cy"
    assert root.share_count == 1
    async with rhizome.services.db.read() as conn:
        texts = list((await conn.execute(select(m.messages.c.text))).scalars())
    assert texts == ["also https://example.org/root https://example.org/x"]
    community = await rhizome.services.repos.communities.ensure(SLACK)
    search = rhizome.services.repos.resources.search
    assert [r.url for r in await search(community.id, "also")] == [
        "https://example.org/root",
        "https://example.org/x",
    ]
    assert await search(community.id, "thread") == []  # the deleted words left the index
    # deleting it again, or a channel never seen, changes nothing and fails nothing
    await rhizome.ingest(ConversationDeleted(place=chat.place(), occurred_at=chat.at(5)))
    await rhizome.ingest(ConversationDeleted(place=chat.place("nowhere"), occurred_at=chat.at(5)))
    assert await count(rhizome, m.messages) == 1


async def test_reactions_cleared_at_once_are_gone(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest(chat.post("ana", "https://example.org/a", mid="1.0"))
    for who, emoji in (("ben", "thumbsup"), ("cy", "thumbsup"), ("ben", "tada")):
        await rhizome.ingest(chat.react(who, "1.0", emoji, minutes=1))
    clear = ReactionsCleared(
        place=chat.place(), occurred_at=chat.at(2), message_id="1.0", emoji="thumbsup"
    )
    await rhizome.ingest(clear)
    assert (await resources(rhizome))["https://example.org/a"].reaction_count == 1
    await rhizome.ingest(replace(clear, emoji=None, occurred_at=chat.at(3)))
    assert (await resources(rhizome))["https://example.org/a"].reaction_count == 0
    # a reaction given after the clean-up stays
    await rhizome.ingest(chat.react("ben", "1.0", "tada", minutes=4))
    assert (await resources(rhizome))["https://example.org/a"].reaction_count == 1


async def test_files_are_resources(rhizome: Rhizome, chat: Chat) -> None:
    files = (Attachment("https://files.slack.com/files-pri/T1-F1/notes.pdf", "notes.pdf"),)
    await rhizome.ingest(chat.post("ana", "my notes", mid="1.0", attachments=files))
    r = (await resources(rhizome))["https://files.slack.com/files-pri/T1-F1/notes.pdf"]
    assert (r.kind, r.title) == ("file", "notes.pdf")


async def test_bots_dms_and_excluded_channels_are_never_stored(
    database: object, clock: object
) -> None:
    config = make_config(tracking={"ignored_channels": ["random"]})
    rz = await Rhizome.start(config, clock, db=database)  # type: ignore[arg-type]
    chat = Chat(SLACK, START)
    stats = IngestStats()
    for event in (
        chat.post("bot", "https://example.org/bot", bot=True),
        chat.post("ana", "https://example.org/dm", is_dm=True),
        chat.post("ana", "https://example.org/random", channel="random"),
        chat.post("ana", "https://example.org/private", channel="secret", is_private=True),
    ):
        stats.add(await rz.ingest(event))
    await rz.services.writer.stop()
    assert await count(rz, m.messages) == 0
    assert await count(rz, m.resources) == 0
    assert stats.skip_reasons == {
        "bot message": 1,
        "direct message": 1,
        "channel not tracked": 2,
    }


async def test_communities_with_identical_ids_never_see_each_other(rhizome: Rhizome) -> None:
    one, two = Chat(SLACK, START), Chat(CommunityRef("discord", "T1", "Same id"), START)
    await rhizome.ingest(one.post("ana", "https://example.org/one", mid="1.0"))
    await rhizome.ingest(two.post("ana", "https://example.org/two", mid="1.0"))
    await rhizome.ingest(two.post("ben", "reply", thread="1.0", minutes=1))
    await rhizome.ingest(two.react("ben", "1.0"))
    first = await resources(rhizome, one.community)
    second = await resources(rhizome, two.community)
    assert set(first) == {"https://example.org/one"}
    assert set(second) == {"https://example.org/two"}
    assert first["https://example.org/one"].reply_count == 0
    assert first["https://example.org/one"].reaction_count == 0
    reply = await rhizome.run_command(one.command("ana", "search two"))
    assert "example.org/two" not in reply.document.plain()
    profile = await rhizome.run_command(one.command("ana", "profile @Ben"))
    assert "don't know" in profile.document.plain()


async def test_removing_a_community_purges_it_and_nothing_else(rhizome: Rhizome) -> None:
    one, two = Chat(SLACK, START), Chat(CommunityRef("slack", "T2"), START)
    await rhizome.ingest(one.post("ana", "https://example.org/one", mid="1.0"))
    await rhizome.ingest(two.post("ana", "https://example.org/two", mid="1.0"))
    await rhizome.ingest(CommunityRemoved(place=one.place(), occurred_at=one.at(5)))
    assert await resources(rhizome, one.community) == {}
    assert set(await resources(rhizome, two.community)) == {"https://example.org/two"}
    async with rhizome.services.db.read() as conn:
        left = (await conn.execute(select(func.count()).select_from(m.members))).scalar_one()
    assert left == 1
    # The community can come back, with a clean slate.
    await rhizome.ingest(one.post("ben", "https://example.org/again", mid="9.0", minutes=10))
    assert set(await resources(rhizome, one.community)) == {"https://example.org/again"}


async def test_hostile_and_huge_input_is_stored_safely(rhizome: Rhizome, chat: Chat) -> None:
    await rhizome.ingest(chat.post("ana", "https://keep.example/me", mid="1.0"))
    huge = "word " * 300_000 + " https://late.example/x"
    junk = "http:// https://[::1 http://exa mple.com javascript:alert(1) <@U1> " + "a(" * 5000
    await rhizome.ingest(chat.post("ben", huge, mid="2.0", minutes=1))
    await rhizome.ingest(chat.post("ben", junk, mid="3.0", minutes=2))
    many = " ".join(f"https://site{i}.example/p" for i in range(50))
    await rhizome.ingest(chat.post("cy", many, mid="4.0", minutes=3))
    found = await resources(rhizome)
    assert "https://keep.example/me" in found
    assert "https://late.example/x" in found  # links are read from the whole text
    assert sum(1 for url in found if url.startswith("https://site")) == 20
    async with rhizome.services.db.read() as conn:
        stored = (await conn.execute(select(func.max(func.length(m.messages.c.text))))).scalar_one()
    assert stored == rhizome.services.config.tracking.max_message_chars


async def test_nul_characters_are_dropped_not_fatal(rhizome: Rhizome, chat: Chat) -> None:
    """PostgreSQL refuses NUL in text and SQLite's JSON functions end text at it: the tracker
    drops it from everything it stores, and the rest of the message is kept."""
    post = chat.post("ana", "before\x00after https://nul.example/a\x00b", mid="1.0")
    place = replace(post.place, channel_name="ge\x00n")  # names are typed by people; ids are not
    post = replace(post, place=place, author=replace(post.author, display_name="A\x00na"))
    stats = await rhizome.ingest(post)
    await rhizome.ingest(replace(chat.react("ben", "1.0", "ta\x00da"), place=place))
    assert stats.messages == 1
    async with rhizome.services.db.read() as conn:
        text = (await conn.execute(select(m.messages.c.text))).scalar_one()
        names = set((await conn.execute(select(m.members.c.display_name))).scalars())
        channel = (await conn.execute(select(m.channels.c.name))).scalar_one()
        emoji = (await conn.execute(select(m.reactions.c.emoji))).scalar_one()
    assert text == "beforeafter https://nul.example/ab"
    assert names == {"Ana", "Ben"}
    assert (channel, emoji) == ("gen", "tada")
    assert list(await resources(rhizome)) == ["https://nul.example/ab"]


async def test_lone_surrogates_are_replaced_not_fatal(rhizome: Rhizome, chat: Chat) -> None:
    """A lone surrogate (a broken \\ud800 escape in a JSON payload) cannot be encoded by any
    database: it becomes '?' and the message is kept."""
    post = chat.post("ana", "broken \ud800 escape https://s.example/x", mid="1.0")
    post = replace(post, author=replace(post.author, display_name="An\udfffa"))
    stats = await rhizome.ingest(post)
    assert stats.messages == 1
    async with rhizome.services.db.read() as conn:
        text = (await conn.execute(select(m.messages.c.text))).scalar_one()
        name = (await conn.execute(select(m.members.c.display_name))).scalar_one()
    assert (text, name) == ("broken ? escape https://s.example/x", "An?a")
    assert list(await resources(rhizome)) == ["https://s.example/x"]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "AND",
        "OR NOT",
        "NEAR(a b)",
        "tokio*",
        "col:umn",
        "'; DROP TABLE resources; --",
        "x" * 10_000,
        "(((",
        "^",
        "\x00",
        "🦀 rust",
    ],
)
async def test_hostile_search_text_never_errors(rhizome: Rhizome, chat: Chat, query: str) -> None:
    await rhizome.ingest(chat.post("ana", "rust async https://tokio.rs/tokio/tutorial", mid="1.0"))
    reply = await rhizome.run_command(chat.command("ben", f"search {query}"))
    text = reply.document.plain()
    assert "went wrong" not in text
    assert ("tokio.rs" in text) or ("Nothing shared here matches" in text) or ("Please add" in text)
    assert await count(rhizome, m.resources) == 1


async def test_concurrent_submissions_are_batched_and_all_stored(
    rhizome: Rhizome, chat: Chat
) -> None:
    events = [chat.post(f"m{i % 7}", f"https://example.org/{i}", mid=f"{i}.0") for i in range(300)]
    await asyncio.gather(*(rhizome.ingest(e) for e in events))
    assert await count(rhizome, m.shares) == 300
    assert await count(rhizome, m.members) == 7


async def test_top_orders_by_people_discussing(rhizome: Rhizome, chat: Chat, clock: object) -> None:
    await rhizome.ingest(chat.post("ana", "https://example.org/quiet", mid="1.0"))
    await rhizome.ingest(chat.post("ana", "https://example.org/busy", mid="2.0"))
    for who in ("ben", "cy", "dee"):
        await rhizome.ingest(chat.post(who, "nice", thread="2.0", minutes=5))
    await rhizome.ingest(chat.react("ben", "1.0"))
    clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    text = (await rhizome.run_command(chat.command("ben", "top 7"))).document.plain()
    assert text.index("example.org/busy") < text.index("example.org/quiet")
    assert "3 people discussing" in text


async def test_a_late_redelivery_never_resurrects_a_deleted_message(
    rhizome: Rhizome, chat: Chat
) -> None:
    post = chat.post("ana", "soon gone https://example.org/x", mid="1.0", event_id="EvP")
    await rhizome.ingest(post)
    await rhizome.ingest(chat.delete("1.0", minutes=1))
    await rhizome.ingest(post)  # a Slack retry, or a Discord replay after resume
    await rhizome.ingest(chat.post("ana", "soon gone https://example.org/x", mid="1.0"))
    assert await count(rhizome, m.messages) == 0
    assert await resources(rhizome) == {}
    # A delete that overtakes its post works the same way.
    await rhizome.ingest(chat.delete("2.0", minutes=2))
    await rhizome.ingest(chat.post("ben", "https://example.org/y", mid="2.0", minutes=1))
    assert await count(rhizome, m.messages) == 0


async def test_members_and_channels_keep_their_current_names(rhizome: Rhizome, chat: Chat) -> None:
    from bot.model import Actor, ChannelRenamed, MessagePosted

    await rhizome.ingest(chat.post("ana", "https://example.org/a", mid="1.0"))
    renamed = MessagePosted(
        place=chat.place(),
        occurred_at=chat.at(1),
        message_id="2.0",
        author=Actor("U-ana", "Ana Souza"),
        text="hello",
    )
    await rhizome.ingest(renamed)
    await rhizome.ingest(
        ChannelRenamed(place=chat.place(), occurred_at=chat.at(2), new_name="lounge")
    )
    r = (await resources(rhizome))["https://example.org/a"]
    assert r.first_shared_by is not None and r.first_shared_by.name == "Ana Souza"
    assert r.first_channel is not None and r.first_channel.name == "lounge"


async def test_removing_a_reaction_that_was_never_stored_is_reported(
    rhizome: Rhizome, chat: Chat
) -> None:
    await rhizome.ingest(chat.post("ana", "https://example.org/a", mid="1.0"))
    await rhizome.ingest(chat.react("ben", "1.0", "tada", minutes=1))
    missing = await rhizome.ingest(chat.unreact("ben", "1.0", "smile", minutes=2))
    assert missing.skip_reasons == {NO_SUCH_REACTION: 1}
    removed = await rhizome.ingest(chat.unreact("ben", "1.0", "tada", minutes=3))
    assert NO_SUCH_REACTION not in removed.skip_reasons
    assert await count(rhizome, m.reactions) == 0
    # Added and removed within one batch: nothing is missing, nothing stays.
    both = await rhizome.ingest_many(
        [chat.react("cy", "1.0", "eyes", minutes=4), chat.unreact("cy", "1.0", "eyes", minutes=5)]
    )
    assert NO_SUCH_REACTION not in both.skip_reasons
    assert await count(rhizome, m.reactions) == 0
