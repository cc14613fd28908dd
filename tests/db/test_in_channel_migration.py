"""Migration 0020 adds exactly the `messages.in_channel` column the models declare; what was
stored before it stays unmarked (a deleted thread still takes it along), and it undoes."""

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
    "VALUES (1, 'discord', '1', 'x', '2026-01-01')",
    "INSERT INTO members (id, community_id, external_id, display_name, is_bot, "
    "first_seen_at) VALUES (1, 1, '7', 'ana', false, '2026-01-01')",
    "INSERT INTO channels (id, community_id, external_id, name, is_private) "
    "VALUES (1, 1, '5', 'help', false)",
    "INSERT INTO messages (id, community_id, channel_id, external_id, author_id, "
    "thread_external_id, posted_at, text) VALUES (1, 1, 1, '201', 1, '200', '2026-01-01', 'r')",
)


def _diff(conn: Connection) -> list[object]:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    return [d for d in compare_metadata(ctx, Base.metadata) if "in_channel" in repr(d)]


def _columns(conn: Connection) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns("messages")}


async def test_upgrade_matches_models_leaves_history_unmarked_and_downgrade_undoes(
    tmp_path: Path,
) -> None:
    db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    try:
        await db.migrate()
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
        async with db.writer.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0019"))
            for statement in HISTORY:
                await conn.execute(text(statement))
        async with db.engine.connect() as conn:
            assert "in_channel" not in await conn.run_sync(_columns)
        await db.migrate()
        async with db.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT text, in_channel FROM messages"))).all()
        assert [tuple(r) for r in rows] == [("r", None)]
    finally:
        await db.close()
