"""Erasure that holds against the file itself: after forget-me, a deleted message or a purge,
no byte of the removed words or name is left in the SQLite file, its WAL or the search index,
nor in PostgreSQL's table tuples (dead ones included) or search index pages."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import func, select, text

from bot.app import Rhizome
from bot.commands.registry import Invocation
from bot.interests.service import service_for
from bot.model import (
    Actor,
    Attachment,
    CommunityRef,
    CommunityRemoved,
    ConversationDeleted,
    MessagePosted,
    ReactionAdded,
)
from bot.scrub import scrubber_for
from storage import models as m
from storage.erase import SECURE_FLAG, scrub_sqlite
from storage.intros import intro_not_with
from tests.conftest import START
from tests.factories import Chat

COMMUNITY = CommunityRef("discord", "G1", "Guild")
# Distinctive ends of rare words: FTS5 stores a term after the prefix it shares with the term
# before it, so a term's tail is what stays contiguous in the index's pages.
PHRASE = "the vexillumqorbitane quixotrelmunk papers"
TAILS = (b"qorbitane", b"otrelmunk", b"merzonkite")  # the last: an interest she declared
NAME = "Zyxwaldtrop"  # her display name; her platform id, which may stay, is not her name
HER = Actor("U7734Q", NAME)


@pytest.fixture
def chat() -> Chat:
    return Chat(COMMUNITY, START)


def sqlite_bytes(rz: Rhizome) -> bytes:
    """The database file and its WAL as a forensic reader would find them."""
    path = Path(str(rz.services.db.writer.url.database))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def postgres_bytes(rz: Rhizome) -> bytes:
    """Every tuple of every table of the test's schema, live or dead, read from the heap pages
    (pageinspect), so rows deleted but not yet vacuumed count too."""
    db = rz.services.db
    async with db.writer.begin() as conn:
        await conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect SCHEMA public"))
    out = bytearray()
    async with db.read() as conn:
        tables = (
            await conn.execute(
                text(
                    "SELECT c.oid::regclass::text FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 't') "
                    "UNION SELECT t.reltoastrelid::regclass::text FROM pg_class t "
                    "JOIN pg_namespace n ON n.oid = t.relnamespace "
                    "WHERE n.nspname = current_schema() AND t.reltoastrelid <> 0"
                )
            )
        ).scalars()
        gin = (
            await conn.execute(
                text(
                    "SELECT c.oid::regclass::text FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "JOIN pg_am a ON a.oid = c.relam "
                    "WHERE n.nspname = current_schema() AND c.relkind = 'i' AND a.amname = 'gin'"
                )
            )
        ).scalars()
        for index in list(gin):  # the search index's keys, read raw
            pages = (
                await conn.execute(text(f"SELECT pg_relation_size('{index}') / 8192"))
            ).scalar_one()
            for page in range(int(pages)):
                out += bytes(
                    (
                        await conn.execute(text(f"SELECT public.get_raw_page('{index}', {page})"))
                    ).scalar_one()
                )
        for table in list(tables):
            pages = (
                await conn.execute(text(f"SELECT pg_relation_size('{table}') / 8192"))
            ).scalar_one()
            for page in range(int(pages)):
                for (data,) in await conn.execute(
                    text(
                        "SELECT t_data FROM public.heap_page_items("
                        f"public.get_raw_page('{table}', {page})) WHERE t_data IS NOT NULL"
                    )
                ):
                    out += bytes(data)
    return bytes(out)


async def raw_bytes(rz: Rhizome) -> bytes:
    await rz.flush()
    if rz.services.db.is_sqlite:
        return sqlite_bytes(rz).lower()
    return (await postgres_bytes(rz)).lower()


async def stored_bytes(rz: Rhizome) -> bytes:
    """What is left once a scrub has run (on PostgreSQL, once no transaction needs it)."""
    data = await raw_bytes(rz)
    if rz.services.db.is_sqlite:
        return data
    for _ in range(20):
        if not leftovers(data):
            break
        # VACUUM keeps dead tuples some open transaction may still see; the test database is
        # shared with other sessions, whose transactions can hold them for a moment.
        await asyncio.sleep(0.25)
        await rz.services.db.scrub()
        data = (await postgres_bytes(rz)).lower()
    return data


def leftovers(data: bytes) -> list[bytes]:
    return [w for w in (*TAILS, NAME.lower().encode()) if w in data]


E = TypeVar("E", MessagePosted, ReactionAdded, Invocation)


def hers(event: E) -> E:
    """The same event, by her."""
    if isinstance(event, MessagePosted):
        return replace(event, author=HER)
    return replace(event, actor=HER)


async def her_history(rz: Rhizome, chat: Chat) -> None:
    await rz.ingest(hers(chat.post("x", f"{PHRASE} https://example.org/hers", mid="1")))
    await rz.ingest(chat.post("ben", f"and https://example.org/both {PHRASE}", mid="2", minutes=1))
    await rz.ingest(hers(chat.post("x", f"{PHRASE} https://example.org/both", mid="3", minutes=2)))
    await rz.ingest(hers(chat.post("x", f"reply {PHRASE}", thread="2", minutes=3)))
    await rz.ingest(hers(chat.react("x", "2", minutes=4)))
    for n in range(40):  # enough that pages split and the index has several segments
        await rz.ingest(chat.post("ben", f"filler {n} https://example.org/f{n}", minutes=5 + n))
    await rz.run_command(hers(chat.command("x", "intros on")))
    await rz.run_command(hers(chat.command("x", "interests add glimmerzonkite")))
    await rz.run_command(chat.command("ben", f"intros not-with @{NAME}"))


async def test_forget_me_leaves_no_byte_of_her_words_or_name(rhizome: Rhizome, chat: Chat) -> None:
    await her_history(rhizome, chat)
    # The scan sees every one of them while they exist.
    assert leftovers(await raw_bytes(rhizome)) == [*TAILS, NAME.lower().encode()]
    # Ben deletes his message quoting her, then she asks to be forgotten.
    await rhizome.ingest(chat.delete("2", minutes=60))
    await rhizome.run_command(hers(chat.command("x", "privacy forget-me confirm")))
    assert leftovers(await stored_bytes(rhizome)) == []
    # Search still works for what stays, and her choice to stay untracked is honoured.
    community = await rhizome.services.repos.communities.ensure(COMMUNITY)
    assert await rhizome.services.repos.resources.search(community.id, "filler")
    stats = await rhizome.ingest(hers(chat.post("x", f"{PHRASE} again", minutes=90)))
    assert stats.skip_reasons == {"member opted out": 1}


async def test_forget_me_takes_the_mentions_of_her_and_stores_no_later_one(
    rhizome: Rhizome, chat: Chat
) -> None:
    """Ben thanked her by name (a mention carries her display name); after forget-me no row
    names her, and a later mention neither stores her nor brings her name back."""
    await her_history(rhizome, chat)
    thanks = chat.post("ben", "thanks for the papers", mid="4", minutes=50)
    await rhizome.ingest(replace(thanks, mentions=(HER,)))
    assert await mentions_of_her(rhizome) == 1
    await rhizome.ingest(chat.delete("2", minutes=60))  # his message quoting her words
    await rhizome.run_command(hers(chat.command("x", "privacy forget-me confirm")))
    assert await mentions_of_her(rhizome) == 0
    again = chat.post("ben", "thanks again", mid="5", minutes=70)
    await rhizome.ingest(replace(again, mentions=(HER,)))
    assert await mentions_of_her(rhizome) == 0
    assert leftovers(await stored_bytes(rhizome)) == []


async def mentions_of_her(rz: Rhizome) -> int:
    await rz.flush()
    mm, mt = m.message_mentions, m.members
    async with rz.services.db.read() as conn:
        stmt = (
            select(func.count())
            .select_from(mm.join(mt, mt.c.id == mm.c.member_id))
            .where(mt.c.external_id == HER.external_id)
        )
        return int((await conn.execute(stmt)).scalar_one())


async def test_forget_me_takes_others_not_with_rows_and_her_intro_choices(
    rhizome: Rhizome, chat: Chat
) -> None:
    await her_history(rhizome, chat)
    await rhizome.run_command(hers(chat.command("x", "privacy forget-me confirm")))
    async with rhizome.services.db.read() as conn:
        naming_her = (
            await conn.execute(
                select(func.count())
                .select_from(intro_not_with)
                .where(intro_not_with.c.other_external_id == HER.external_id)
            )
        ).scalar_one()
        settings = (
            await conn.execute(
                select(m.member_settings).where(
                    m.member_settings.c.member_external_id == HER.external_id
                )
            )
        ).all()
    assert naming_her == 0
    # The one thing kept is the choice not to be tracked; nothing about intros.
    assert [(s.tracking, s.intros, s.intros_paused_until) for s in settings] == [
        (False, None, None)
    ]


@pytest.mark.parametrize("how", ["uninstall event", "purge call"])
async def test_a_purged_community_leaves_no_byte_behind(
    rhizome: Rhizome, chat: Chat, how: str
) -> None:
    await her_history(rhizome, chat)
    other = Chat(CommunityRef("discord", "G2", "Other"), START)
    await rhizome.ingest(other.post("cy", "https://example.org/kept stays here", mid="1"))
    if how == "purge call":
        await rhizome.purge_community(COMMUNITY)
    else:  # the platform says the bot was removed; the writer scrubs right after the purge
        await rhizome.ingest(CommunityRemoved(place=chat.place(), occurred_at=chat.at(99)))
        assert not rhizome.services.db.needs_scrub
    data = await stored_bytes(rhizome)
    assert leftovers(data) == [] and b"filler" not in data
    community = await rhizome.services.repos.communities.ensure(other.community)
    assert await rhizome.services.repos.resources.search(community.id, "stays")


async def test_deleted_and_edited_words_are_wiped_by_the_background_scrub(
    rhizome: Rhizome, chat: Chat
) -> None:
    scrubber = scrubber_for(rhizome.services)
    await rhizome.ingest(chat.post("ben", f"{PHRASE} https://example.org/a", mid="1"))
    await rhizome.ingest(chat.post("ben", f"{PHRASE} https://example.org/b", mid="2"))
    for n in range(40):
        await rhizome.ingest(chat.post("cy", f"filler {n} https://example.org/f{n}", minutes=n))
    assert not await scrubber.tick()  # nothing deleted yet: nothing to do
    await rhizome.ingest(chat.delete("1", minutes=50))
    await rhizome.ingest(chat.edit("2", "fixed https://example.org/b", minutes=51))
    assert rhizome.services.db.needs_scrub
    assert leftovers(await raw_bytes(rhizome))  # gone from queries, not yet from the files
    assert await scrubber.tick()
    assert leftovers(await stored_bytes(rhizome)) == []
    assert not rhizome.services.db.needs_scrub
    community = await rhizome.services.repos.communities.ensure(COMMUNITY)
    assert [
        r.url for r in await rhizome.services.repos.resources.search(community.id, "fixed")
    ] == ["https://example.org/b"]


async def test_a_deleted_channels_words_are_wiped_by_the_background_scrub(
    rhizome: Rhizome, chat: Chat
) -> None:
    """A channel deleted on the platform (one event for all its messages) leaves no byte of
    what was said there, as a deleted message does."""
    scrubber = scrubber_for(rhizome.services)
    await rhizome.ingest(chat.post("ben", f"{PHRASE} https://example.org/a", channel="gone"))
    await rhizome.ingest(chat.post("ben", f"{PHRASE} in a thread", channel="gone", thread="1"))
    for n in range(40):
        await rhizome.ingest(chat.post("cy", f"filler {n} https://example.org/f{n}", minutes=n))
    await rhizome.ingest(ConversationDeleted(place=chat.place("gone"), occurred_at=chat.at(50)))
    assert rhizome.services.db.needs_scrub
    assert await scrubber.tick()
    assert leftovers(await stored_bytes(rhizome)) == []


def test_a_file_written_without_secure_delete_is_rewritten_once(tmp_path: Path) -> None:
    """Databases from before this change keep stale bytes in free space: the first scrub
    rewrites the file (VACUUM) and records it; later scrubs do not."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA secure_delete=OFF")  # as an old build or another driver may have run
    conn.execute("CREATE TABLE bot_state (key TEXT PRIMARY KEY, value TEXT, updated_at TEXT)")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.executemany(
        "INSERT INTO notes (body) VALUES (?)", [(f"{PHRASE} {n} " * 20,) for n in range(50)]
    )
    conn.execute("DELETE FROM notes")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert TAILS[0] in path.read_bytes()  # deleted, yet readable in the file
    assert scrub_sqlite(str(path))
    assert TAILS[0] not in path.read_bytes()
    conn = sqlite3.connect(path)
    flags = conn.execute("SELECT count(*) FROM bot_state WHERE key = ?", (SECURE_FLAG,))
    assert flags.fetchone() == (1,)
    conn.close()


async def test_forget_me_leaves_no_time_of_her_activity_in_the_file(
    rhizome: Rhizome, chat: Chat
) -> None:
    """Her reply and reaction times (minutes 3 and 4 of her history, no one else's) were kept
    in the messages, the reactions and the resource activity index; after forget-me, not a
    byte of them is left on SQLite, in live rows or freed pages."""
    if not rhizome.services.db.is_sqlite:
        pytest.skip("SQLite stores times as text that a byte scan can find")
    await her_history(rhizome, chat)
    stamps = [chat.at(n).strftime("%Y-%m-%d %H:%M:%S").encode() for n in (3, 4)]
    data = await raw_bytes(rhizome)
    assert all(s in data for s in stamps)
    async with rhizome.services.db.read() as conn:
        indexed = (
            await conn.execute(text("SELECT count(*) FROM resource_activity WHERE kind > 0"))
        ).scalar_one()
    assert indexed == 2  # her reply and her reaction, on Ben's share
    await rhizome.run_command(hers(chat.command("x", "privacy forget-me confirm")))
    data = await stored_bytes(rhizome)
    assert [s for s in stamps if s in data] == []


SLACK = CommunityRef("slack", "T1", "Team")


def slack_ts(chat: Chat, minutes: float) -> str:
    """A Slack message id is its time: what a permalink to it spells."""
    return f"{int(chat.at(minutes).timestamp())}.000100"


HER_MINUTES = (0, 31, 60, 90, 120, 150)  # when she posted (below): her message ids


async def others_reading_her(rz: Rhizome) -> dict[str, tuple[str, ...]]:
    """Ben's resources, each read for topics from some words of hers (see below), derived."""
    s = Chat(SLACK, START)
    question, reply, beside, linked, first, captioned = (slack_ts(s, n) for n in HER_MINUTES)
    opening = slack_ts(s, 30)
    posts = [
        # She asks; Ben answers with a bare link, which is about her question.
        hers(s.post("x", f"anyone tried the {PHRASE}?", mid=question)),
        s.post("ben", "https://example.org/answer", thread=question, minutes=1),
        # Ben shares; she replies in his thread.
        s.post("ben", "on graph layouts https://example.org/layouts", mid=opening, minutes=30),
        hers(s.post("x", f"{PHRASE} merzonkite layouts", mid=reply, thread=opening, minutes=31)),
        # She says what the picture Ben posts right after shows.
        hers(s.post("x", f"look at the {PHRASE}", mid=beside, minutes=60)),
        s.post("ben", "https://example.org/pic.png", minutes=61),
        # Ben links to her message.
        hers(s.post("x", f"the {PHRASE} explained", mid=linked, minutes=90)),
        s.post(
            "ben",
            f"https://t1.slack.com/archives/C-general/p{linked.replace('.', '')}",
            minutes=200,
        ),
        # She shares first, with a sentence: the title; Ben shares it later.
        hers(
            s.post(
                "x", f"{PHRASE} is a fine read https://example.org/a/98765", mid=first, minutes=120
            )
        ),
        s.post("ben", "https://example.org/a/98765", minutes=300),
        # Her screenshot, captioned, posted with only the page's link: the caption titles the
        # page (`bot.tracking`); Ben shares the page later.
        hers(
            s.post(
                "x",
                "<https://example.org/tour>",
                mid=captioned,
                minutes=150,
                attachments=(
                    Attachment(
                        "https://files.slack.com/files-pri/T1-F9/shot.png",
                        filename="shot.png",
                        title=f"{PHRASE} tour",
                    ),
                ),
            )
        ),
        s.post("ben", "https://example.org/tour", minutes=310),
    ]
    for post in posts:
        await rz.ingest(post)
    await service_for(rz.services).refresh()
    return await topics_by_url(rz)


async def topics_by_url(rz: Rhizome) -> dict[str, tuple[str, ...]]:
    community = await rz.services.repos.communities.ensure(SLACK)
    async with rz.services.db.read() as conn:
        rows = (await conn.execute(select(m.resources.c.id, m.resources.c.canonical_url))).all()
    topics = await service_for(rz.services).topics_for(community.id, [r.id for r in rows])
    return {url: tuple(topics.get(rid, ())) for rid, url in rows}


async def test_forget_me_redoes_the_topics_and_titles_that_read_her_words(
    rhizome: Rhizome,
) -> None:
    """Ben's resources borrowed her words (the question his link answers, her reply in his
    thread, her words beside his picture, the message his permalink points to, her sentence
    as the title of a link they both shared): after forget-me not a byte of them is left, and
    his resources keep topics made of what stays."""
    before = await others_reading_her(rhizome)
    assert all(
        any("vexillumqorbitane" in t or "merzonkite" in t for t in topics)
        for url, topics in before.items()
        if "layouts" not in url
    ), before
    assert any("merzonkite" in t for t in before["https://example.org/layouts"])
    await rhizome.run_command(hers(Chat(SLACK, START).command("x", "privacy forget-me confirm")))
    assert leftovers(await stored_bytes(rhizome)) == []
    assert "graph layout" in (await topics_by_url(rhizome))["https://example.org/layouts"]


@pytest.mark.parametrize("erase", ["delete", "edit"])
async def test_a_deleted_or_edited_message_leaves_the_topics_that_read_it(
    rhizome: Rhizome, erase: str
) -> None:
    """Deleted or rewritten on the platform: the words leave the resources that borrowed them
    at the next interest pass, and the scrub wipes them from the file."""
    await others_reading_her(rhizome)
    s = Chat(SLACK, START)
    captioned = slack_ts(s, HER_MINUTES[-1])
    for mid in (slack_ts(s, n) for n in HER_MINUTES):
        # An edit changes a message's text, never its file: the screenshot keeps the title she
        # typed, so that message is deleted in both cases.
        if erase == "delete" or mid == captioned:
            await rhizome.ingest(s.delete(mid, minutes=400))
        else:
            await rhizome.ingest(s.edit(mid, "never mind", minutes=400))
    await service_for(rhizome.services).refresh(sweep=False)  # the next interest pass
    await scrubber_for(rhizome.services).tick()
    assert [w for w in TAILS if w in await stored_bytes(rhizome)] == []
    assert "graph layout" in (await topics_by_url(rhizome))["https://example.org/layouts"]
