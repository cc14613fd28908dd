"""Migration 0005 builds exactly the tables and indexes `storage.intros` declares, and undoes."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage import intros as tables
from storage.db import Database
from storage.migrate import alembic_config
from storage.models import Base

MINE = {
    "intro_schedules",
    "intro_channel_defaults",
    "intro_rounds",
    "intros",
    "intro_members",
    "intro_not_with",
    "intro_member_state",
}


def _diff(conn: Connection) -> list[object]:
    """Differences between the migrated schema and the models, for the intro tables only."""
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    out = []
    for d in compare_metadata(ctx, Base.metadata):
        text = repr(d)
        if any(f"'{name}'" in text or f"{name}." in text for name in MINE) or "ix_intro" in text:
            out.append(d)
    return out


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def _downgrade(conn: Connection) -> None:
    command.downgrade(alembic_config(conn), "0003")


async def test_upgrade_matches_models_and_downgrade_removes_everything(tmp_path: Path) -> None:
    assert tables.intros.name == "intros"  # the models are loaded
    db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    try:
        await db.migrate()
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            assert await conn.run_sync(_tables) >= MINE
        async with db.writer.begin() as conn:
            await conn.run_sync(_downgrade)
        async with db.engine.connect() as conn:
            names = await conn.run_sync(_tables)
        assert not names & MINE and "digests" in names  # only ours went
        await db.migrate()  # and up again
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_tables) >= MINE
    finally:
        await db.close()
