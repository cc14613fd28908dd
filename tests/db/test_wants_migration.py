"""Migration 0012 builds exactly what `storage.wants` and `storage.activity` declare (the
stored wants, the member index of resource activity), marks members for a new pass, and undoes."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage import wants as tables
from storage.db import Database
from storage.migrate import alembic_config
from storage.models import Base

MINE = {"member_wants", "member_want_state"}


def _diff(conn: Connection) -> list[object]:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    return [
        d
        for d in compare_metadata(ctx, Base.metadata)
        if any(n in repr(d) for n in (*MINE, "ix_resource_activity_member"))
    ]


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def _activity_indexes(conn: Connection) -> set[str]:
    return {ix["name"] for ix in inspect(conn).get_indexes("resource_activity") if ix["name"]}


async def test_upgrade_matches_models_marks_members_dirty_and_downgrade_undoes(
    tmp_path: Path,
) -> None:
    assert tables.member_wants.name == "member_wants"
    db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    try:
        await db.migrate()
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            assert await conn.run_sync(_tables) >= MINE
            assert "ix_resource_activity_member" in await conn.run_sync(_activity_indexes)
        async with db.writer.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0011"))
            await conn.execute(
                text(
                    "INSERT INTO communities (id, platform, external_id, name, created_at) "
                    "VALUES (1, 'console', 'x', 'x', '2026-01-01')"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO members (id, community_id, external_id, display_name, is_bot, "
                    "first_seen_at) VALUES (1, 1, 'ana', 'Ana', 0, '2026-01-01')"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO member_topic_state (member_id, community_id, signature, dirty) "
                    "VALUES (1, 1, 'abc', 0)"
                )
            )
        async with db.engine.connect() as conn:
            assert not await conn.run_sync(_tables) & MINE
            assert "ix_resource_activity_member" not in await conn.run_sync(_activity_indexes)
        await db.migrate()  # and up again: the member is worked out afresh
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_tables) >= MINE
            dirty = (await conn.execute(text("SELECT dirty FROM member_topic_state"))).scalar()
            assert dirty
    finally:
        await db.close()
