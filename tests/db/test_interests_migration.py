"""Migration 0003 builds exactly the tables and indexes `storage.interests.tables` declares,
and undoes."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.db import Database
from storage.interests import tables
from storage.migrate import alembic_config
from storage.models import Base

MINE = {
    "resource_topics",
    "resource_topic_state",
    "member_topics",
    "member_topic_state",
    "topic_stats",
    "declared_interests",
    "resource_unfurls",
    "interest_state",
}


def _diff(conn: Connection) -> list[object]:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    return [d for d in compare_metadata(ctx, Base.metadata) if any(n in repr(d) for n in MINE)]


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def _indexes(conn: Connection) -> set[str]:
    insp = inspect(conn)
    return {ix["name"] for t in MINE & _tables(conn) for ix in insp.get_indexes(t) if ix["name"]}


def _downgrade(conn: Connection) -> None:
    command.downgrade(alembic_config(conn), "0002")


async def test_upgrade_matches_models_and_downgrade_removes_everything(tmp_path: Path) -> None:
    assert tables.resource_topics.name == "resource_topics"  # the models are loaded
    db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    try:
        await db.migrate()
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            assert await conn.run_sync(_tables) >= MINE
            assert {
                "ix_resource_topics_community_topic",
                "ix_member_topics_community_topic",
                "ix_declared_interests_topic",
            } <= await conn.run_sync(_indexes)
        async with db.writer.begin() as conn:
            await conn.run_sync(_downgrade)
        async with db.engine.connect() as conn:
            left = await conn.run_sync(_tables)
        assert not left & MINE
        assert "resources" in left and "digests" in left  # only what came after 0002 went down
        await db.migrate()  # and up again
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_tables) >= MINE
    finally:
        await db.close()
