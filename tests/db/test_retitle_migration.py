"""Migration 0017 clears the URL-words titles an older version made of a dated or numbered
slug ("2020 10 09 asterisk"), the sentence titles that open on a greeting ("はじめまして!") and
the file titles that encode a blob, so that the next interest pass titles them as this version
does ("Asterisk", the sentence after the greeting); every other title, and every title a
member or platform gave, stays."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from bot.app import Rhizome
from bot.clock import FixedClock
from bot.interests.service import service_for
from storage.db import Database
from storage.migrate import alembic_config
from tests.conftest import make_config

POST = "https://cormullion.github.io/pages/2020-10-09-asterisk"
CHAPTER = "https://haskell.jp/blog/posts/2017/09-ghc-users-guide.html"
EVENT = "https://www.meetup.com/x/events/tableau-10-houston/"
LABELLED = "https://example.com/blog/2021-01-05-release"
TESTING = "https://kazu-yamamoto.hatenablog.jp/entry/20121205/1354692144"
SAID = "はじめまして! 最近のテスト方法は以下を参考にしていました。"
BLOB = "t27crN8hZ0qZNdG1o69hIJrxw4UL58MMPZc6cOclEZxwSIAESIAESIAE"

RESOURCES = (
    # id, url, stored title, its rank (2: URL words, 5: a member's label)
    (1, POST, "2020 10 09 asterisk", 2),
    (2, CHAPTER, "09 ghc users guide", 2),
    (3, EVENT, "Tableau 10 houston", 2),  # a number that is part of the name stays
    (4, LABELLED, "2021 01 05 release", 5),  # the member wrote it so
    (5, TESTING, "はじめまして!", 1),  # the sentence the page was shared in
    (6, "https://example.com/notes", "Hello world in Rust", 1),  # no greeting: it stays
    (7, f"https://cdn.discordapp.com/attachments/1/2/{BLOB}.png", f"{BLOB}…", 3),
    (8, "https://cdn.discordapp.com/attachments/1/3/slides.pdf", "Meetup2016Slides.pdf", 3),
)
HISTORY = (
    "INSERT INTO communities (id, platform, external_id, name, created_at) "
    "VALUES (1, 'slack', 'T1', 'x', '2026-01-01')",
    "INSERT INTO members (id, community_id, external_id, display_name, is_bot, first_seen_at) "
    "VALUES (1, 1, 'U1', 'ana', false, '2026-01-01')",
    "INSERT INTO channels (id, community_id, external_id, name, is_private) "
    "VALUES (1, 1, 'C1', 'general', false)",
    "INSERT INTO messages (id, community_id, channel_id, external_id, author_id, posted_at, text) "
    f"VALUES (1, 1, 1, '1.0', 1, '2026-01-01', 'reading <{POST}> and <{CHAPTER}>')",
    "INSERT INTO messages (id, community_id, channel_id, external_id, author_id, posted_at, text) "
    f"VALUES (2, 1, 1, '2.0', 1, '2026-01-02', '{SAID} <{TESTING}>')",
    *(
        "INSERT INTO resources (id, community_id, canonical_url, kind, title, title_rank, "
        f"created_at, search_text) VALUES ({rid}, 1, '{url}', 'link', '{title}', {rank}, "
        f"'2026-01-01', '{title}')"
        for rid, url, title, rank in RESOURCES
    ),
    *(
        "INSERT INTO shares (id, community_id, resource_id, message_id, member_id, channel_id, "
        f"shared_at) VALUES ({rid}, 1, {rid}, {2 if rid == 5 else 1}, 1, 1, '2026-01-01')"
        for rid, *_ in RESOURCES
    ),
    *(
        "INSERT INTO resource_topic_state (resource_id, community_id, signature, dirty) "
        f"VALUES ({rid}, 1, 'abc', false)"
        for rid, *_ in RESOURCES
    ),
)


async def _rows(db: Database, sql: str) -> list[tuple[object, ...]]:
    async with db.engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(text(sql))).all()]


async def test_dated_url_titles_are_worked_out_again(database: Database, clock: FixedClock) -> None:
    db = database
    async with db.writer.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0016"))
        for statement in HISTORY:
            await conn.execute(text(statement))

    await db.migrate()

    titles = "SELECT id, title, title_rank FROM resources ORDER BY id"
    assert await _rows(db, titles) == [
        (1, None, None),
        (2, None, None),
        (3, "Tableau 10 houston", 2),
        (4, "2021 01 05 release", 5),
        (5, None, None),
        (6, "Hello world in Rust", 1),
        (7, None, None),
        (8, "Meetup2016Slides.pdf", 3),
    ]
    dirty = "SELECT resource_id FROM resource_topic_state WHERE dirty ORDER BY resource_id"
    assert await _rows(db, dirty) == [(1,), (2,), (5,), (7,)]

    # The next interest pass titles them from their address, as this version does.
    core = await Rhizome.start(make_config(), clock, db=db)
    try:
        await service_for(core.services).refresh()
    finally:
        await core.services.writer.stop()
    after = await _rows(db, titles)
    assert after[:2] == [(1, "Asterisk", 2), (2, "Ghc users guide", 2)]
    assert after[4] == (5, "最近のテスト方法は以下を参考にしていました。", 1)
    ((search,),) = await _rows(db, "SELECT search_text FROM resources WHERE id = 1")
    assert search.startswith("Asterisk ") and "2020 10 09" not in search  # search follows
