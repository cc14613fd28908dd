"""Migration 0013 builds exactly the `message_mentions` table the models declare (keys,
cascades, the member index), and undoes it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.db import Database
from storage.migrate import alembic_config
from storage.models import Base


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
        async with db.engine.connect() as conn:
            tables, _, _ = await conn.run_sync(_shape)
        assert "message_mentions" not in tables
        await db.migrate()
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await db.close()
