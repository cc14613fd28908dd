"""Migration 0002 builds exactly the tables and indexes `storage.digests` declares, and undoes."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage import digests as tables
from storage.db import Database
from storage.migrate import alembic_config
from storage.models import Base

MINE = {"digests", "digest_channels", "digest_runs", "digest_featured", "settings_audit"}
INDEXES = {("reactions", "ix_reactions_community_time"), ("shares", "ix_shares_member_time")}


def _diff(conn: Connection) -> list[object]:
    """Differences between the migrated schema and the models, for the digest tables only."""
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    out = []
    for d in compare_metadata(ctx, Base.metadata):
        text = repr(d)
        if any(name in text for name in MINE) or any(ix in text for _, ix in INDEXES):
            out.append(d)
    return out


def _names(conn: Connection) -> tuple[set[str], set[tuple[str, str]]]:
    insp = inspect(conn)
    table_names = set(insp.get_table_names())
    indexes = {
        (t, ix["name"]) for t in ("reactions", "shares") for ix in insp.get_indexes(t) if ix["name"]
    }
    return table_names, indexes


def _downgrade(conn: Connection) -> None:
    command.downgrade(alembic_config(conn), "0001")


async def test_upgrade_matches_models_and_downgrade_removes_everything(tmp_path: Path) -> None:
    assert tables.digests.name == "digests"  # the models are loaded
    db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    try:
        await db.migrate()
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            names, indexes = await conn.run_sync(_names)
        assert names >= MINE and indexes >= INDEXES
        async with db.writer.begin() as conn:
            await conn.run_sync(_downgrade)
        async with db.engine.connect() as conn:
            names, indexes = await conn.run_sync(_names)
        assert not names & MINE and not indexes & INDEXES
        await db.migrate()  # and up again
        async with db.engine.connect() as conn:
            names, _ = await conn.run_sync(_names)
        assert names >= MINE
    finally:
        await db.close()
