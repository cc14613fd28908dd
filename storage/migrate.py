"""Run Alembic migrations programmatically, on the application's own engine.

The same revisions build SQLite and PostgreSQL schemas; `rhizome db upgrade` and every start
call `upgrade`, so a fresh clone needs no separate migration step.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from storage.db import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def script_directory() -> ScriptDirectory:
    """The shipped revisions, read once per process (parsing them costs ~0.3 s)."""
    return ScriptDirectory.from_config(alembic_config())


def _upgrade(connection: Connection, target: str) -> None:
    if target == "heads":
        from alembic.runtime.migration import MigrationContext

        current = set(MigrationContext.configure(connection).get_current_heads())
        if current == set(script_directory().get_heads()):
            return  # already there: every start would otherwise run the environment again
    command.upgrade(alembic_config(connection), target)


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    heads = MigrationContext.configure(connection).get_current_heads()
    return ", ".join(sorted(heads)) or None


async def upgrade(db: Database, target: str = "heads") -> None:
    # One transaction: on PostgreSQL a second process starting at once waits on the lock
    # below instead of racing to create the same tables.
    async with db.writer.begin() as conn:
        if db.dialect == "postgresql":
            from sqlalchemy import text

            await conn.execute(text("SELECT pg_advisory_xact_lock(7243101)"))
        await conn.run_sync(_upgrade, target)


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as conn:
        return await conn.run_sync(_current)
