"""Migration 0013 builds exactly the `message_mentions` table the models declare (keys,
cascades, the member index), fills it from the markup stored messages kept (known members,
not opted out, not the author), marks members for a new pass, and undoes."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage.db import Database
from storage.migrate import alembic_config
from storage.models import Base

HISTORY = (
    "INSERT INTO communities (id, platform, external_id, name, created_at) "
    "VALUES (1, 'slack', 'T1', 'x', '2026-01-01')",
    *(
        "INSERT INTO members (id, community_id, external_id, display_name, is_bot, "
        f"first_seen_at) VALUES ({n}, 1, '{ext}', '{ext}', false, '2026-01-01')"
        for n, ext in ((1, "U0ANA0001"), (2, "U0BEN0001"), (3, "U0CY00001"))
    ),
    "INSERT INTO member_settings (id, community_id, member_external_id, tracking, updated_at) "
    "VALUES (1, 1, 'U0CY00001', false, '2026-01-01')",
    "INSERT INTO member_topic_state (member_id, community_id, signature, dirty) "
    "VALUES (1, 1, 'abc', false)",
    "INSERT INTO channels (id, community_id, external_id, name, is_private) "
    "VALUES (1, 1, 'C1', 'appreciation', false)",
    "INSERT INTO messages (id, community_id, channel_id, external_id, author_id, posted_at, text) "
    "VALUES (1, 1, 1, '1.0', 2, '2026-01-01', "
    "'<@U0ANA0001|ana> and <@U0CY00001> for the fix, says <@U0BEN0001>')",
    "INSERT INTO messages (id, community_id, channel_id, external_id, author_id, posted_at, text) "
    "VALUES (2, 1, 1, '2.0', 2, '2026-01-01', 'no mention <@U0NOBODY1>')",
)


def _diff(conn: Connection) -> list[object]:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    return [d for d in compare_metadata(ctx, Base.metadata) if "message_mentions" in repr(d)]


def _shape(conn: Connection) -> tuple[set[str], set[tuple[str, str | None]], set[str]]:
    found = inspect(conn)
    tables = set(found.get_table_names())
    if "message_mentions" not in tables:
        return tables, set(), set()
    keys = {
        (fk["referred_table"], fk.get("options", {}).get("ondelete"))
        for fk in found.get_foreign_keys("message_mentions")
    }
    indexes = {ix["name"] for ix in found.get_indexes("message_mentions") if ix["name"]}
    return tables, keys, indexes


async def test_upgrade_matches_models_and_downgrade_undoes(tmp_path: Path) -> None:
    db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    try:
        await db.migrate()
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            tables, keys, indexes = await conn.run_sync(_shape)
        assert "message_mentions" in tables
        assert keys == {
            ("messages", "CASCADE"),
            ("members", "CASCADE"),
            ("communities", "CASCADE"),
        }
        assert indexes == {"ix_message_mentions_member"}
        async with db.writer.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0012"))
            for statement in HISTORY:
                await conn.execute(text(statement))
        async with db.engine.connect() as conn:
            tables, _, _ = await conn.run_sync(_shape)
        assert "message_mentions" not in tables
        await db.migrate()  # up again, reading the mentions the stored text kept
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            found = (
                await conn.execute(text("SELECT message_id, member_id FROM message_mentions"))
            ).all()
            dirty = (await conn.execute(text("SELECT dirty FROM member_topic_state"))).scalar()
        # Ben thanked Ana, Cy (tracking off) and himself: only Ana is stored.
        assert [tuple(r) for r in found] == [(1, 1)]
        assert dirty
    finally:
        await db.close()
