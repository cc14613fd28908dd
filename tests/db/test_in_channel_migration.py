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
from tests.db.test_threads_migration import HISTORY  # a forum post, a channel message, a reply


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
            rows = (await conn.execute(text("SELECT in_channel FROM messages"))).scalars().all()
        assert rows == [None] * 4  # the in-channel reply too: nothing tells it apart
    finally:
        await db.close()
