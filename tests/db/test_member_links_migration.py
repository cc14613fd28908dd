"""Migration 0016 takes a member's profile link out of an older database's resources (with
its share, activity, topics and search text), recounts the community's topics, adds the
mention the link made, marks members for a new pass, and leaves everything else alone."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from storage.db import Database
from storage.migrate import alembic_config

PROFILE = "https://app.slack.com/team/U0ANA0001"
PAGE = "https://hackage.haskell.org/package/random"

HISTORY = (
    "INSERT INTO communities (id, platform, external_id, name, created_at) "
    "VALUES (1, 'slack', 'T1', 'x', '2026-01-01')",
    *(
        "INSERT INTO members (id, community_id, external_id, display_name, is_bot, "
        f"first_seen_at) VALUES ({n}, 1, '{ext}', '{ext}', false, '2026-01-01')"
        for n, ext in ((1, "U0ANA0001"), (2, "U0BEN0001"))
    ),
    "INSERT INTO member_topic_state (member_id, community_id, signature, dirty) "
    "VALUES (2, 1, 'abc', false)",
    "INSERT INTO channels (id, community_id, external_id, name, is_private) "
    "VALUES (1, 1, 'C1', 'beginners', false)",
    # Ben answers, pasting Ana's profile link as Slack's client does, and shares a real page
    "INSERT INTO messages (id, community_id, channel_id, external_id, author_id, posted_at, text) "
    f"VALUES (1, 1, 1, '1.0', 2, '2026-01-01', '*<{PROFILE}|Ana>* さん、乱数なら <{PAGE}> です')",
    *(
        "INSERT INTO resources (id, community_id, canonical_url, kind, title, created_at, "
        f"search_text) VALUES ({rid}, 1, '{url}', 'link', '{title}', '2026-01-01', '{title}')"
        for rid, url, title in ((1, PROFILE, "Ana"), (2, PAGE, "random"))
    ),
    *(
        "INSERT INTO shares (id, community_id, resource_id, message_id, member_id, channel_id, "
        f"shared_at) VALUES ({rid}, 1, {rid}, 1, 2, 1, '2026-01-01')"
        for rid in (1, 2)
    ),
    "INSERT INTO resource_topics (resource_id, topic, community_id, weight) "
    "VALUES (1, '乱数', 1, 1.0), (2, '乱数', 1, 0.5), (2, 'random', 1, 1.0)",
    "INSERT INTO topic_stats (community_id, topic, resources, weight) "
    "VALUES (1, '乱数', 2, 1.5), (1, 'random', 1, 1.0)",
)


async def _rows(db: Database, sql: str) -> list[tuple[object, ...]]:
    async with db.engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(text(sql))).all()]


async def test_a_profile_link_stops_being_a_resource_and_becomes_a_mention(
    database: Database,
) -> None:
    db = database
    async with db.writer.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0015"))
        for statement in HISTORY:
            await conn.execute(text(statement))
    assert len(await _rows(db, "SELECT id FROM resource_activity")) == 2  # the triggers ran
    fts = "SELECT rowid FROM resource_fts WHERE resource_fts MATCH 'Ana'"
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        assert await _rows(db, fts) == [(1,)]

    await db.migrate()

    assert await _rows(db, "SELECT id, canonical_url FROM resources") == [(2, PAGE)]
    assert await _rows(db, "SELECT resource_id FROM shares") == [(2,)]
    assert await _rows(db, "SELECT DISTINCT resource_id FROM resource_activity") == [(2,)]
    assert await _rows(db, "SELECT resource_id FROM resource_topics WHERE topic = '乱数'") == [(2,)]
    stats = await _rows(db, "SELECT topic, resources, weight FROM topic_stats ORDER BY topic")
    assert stats == [("random", 1, 1.0), ("乱数", 1, 0.5)]
    assert await _rows(db, "SELECT message_id, member_id FROM message_mentions") == [(1, 1)]
    assert await _rows(db, "SELECT dirty FROM member_topic_state") == [(True,)]
    if sqlite:  # the search index forgot the link's words
        assert await _rows(db, fts) == []

    # Run again (a database already at 0016 that met such a link since): nothing changes twice.
    async with db.writer.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0015"))
    await db.migrate()
    assert await _rows(db, "SELECT message_id, member_id FROM message_mentions") == [(1, 1)]
    assert await _rows(db, "SELECT id FROM resources") == [(2,)]
