"""Migration 0017 clears the URL-words titles an older version made of a dated or numbered
slug ("2020 10 09 asterisk"), so that the next interest pass titles them as this version does
("Asterisk"); every other title, and every title a member or platform gave, stays."""

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

RESOURCES = (
    # id, url, stored title, its rank (2: URL words, 5: a member's label)
    (1, POST, "2020 10 09 asterisk", 2),
    (2, CHAPTER, "09 ghc users guide", 2),
    (3, EVENT, "Tableau 10 houston", 2),  # a number that is part of the name stays
    (4, LABELLED, "2021 01 05 release", 5),  # the member wrote it so
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
    *(
        "INSERT INTO resources (id, community_id, canonical_url, kind, title, title_rank, "
        f"created_at, search_text) VALUES ({rid}, 1, '{url}', 'link', '{title}', {rank}, "
        f"'2026-01-01', '{title}')"
        for rid, url, title, rank in RESOURCES
    ),
    *(
        "INSERT INTO shares (id, community_id, resource_id, message_id, member_id, channel_id, "
        f"shared_at) VALUES ({rid}, 1, {rid}, 1, 1, 1, '2026-01-01')"
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
    ]
    dirty = "SELECT resource_id FROM resource_topic_state WHERE dirty ORDER BY resource_id"
    assert await _rows(db, dirty) == [(1,), (2,)]

    # The next interest pass titles them from their address, as this version does.
    core = await Rhizome.start(make_config(), clock, db=db)
    try:
        await service_for(core.services).refresh()
    finally:
        await core.services.writer.stop()
    assert (await _rows(db, titles))[:2] == [(1, "Asterisk", 2), (2, "Ghc users guide", 2)]
    ((search,),) = await _rows(db, "SELECT search_text FROM resources WHERE id = 1")
    assert search.startswith("Asterisk ") and "2020 10 09" not in search  # search follows
