"""Run Alembic migrations programmatically, on the application's own engine.

The same revisions build SQLite and PostgreSQL schemas; `rhizome db upgrade` and every start
call `upgrade`, so a fresh clone needs no separate migration step.

The core chain lives in `migrations/versions`. A feature outside it brings a folder of its own
revisions (`Feature.migrations`, a branch of its own: `down_revision = None`, a
`branch_labels` entry, `depends_on` the core revision it needs); Alembic applies every head.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from storage.db import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def feature_folders() -> tuple[Path, ...]:
    """The migration folders of the features in `bot.features.FEATURES`."""
    from bot.feature import migration_folders
    from bot.features import FEATURES

    return migration_folders(FEATURES)


def alembic_config(
    connection: Connection | None = None, feature_migrations: Sequence[Path] | None = None
) -> AlembicConfig:
    """Alembic's settings: the core chain plus every feature's folder (FEATURES' by default)."""
    folders = feature_folders() if feature_migrations is None else tuple(feature_migrations)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option(
        "version_locations", os.pathsep.join(str(p) for p in (MIGRATIONS / "versions", *folders))
    )
    cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def script_directory(feature_migrations: tuple[Path, ...] | None = None) -> ScriptDirectory:
    """The shipped revisions (the core chain and the features' folders, FEATURES' by default),
    read once per process (parsing them costs ~0.3 s)."""
    return ScriptDirectory.from_config(alembic_config(feature_migrations=feature_migrations))


def _upgrade(connection: Connection, target: str, folders: Sequence[Path] | None) -> None:
    if target == "heads":
        from alembic.runtime.migration import MigrationContext

        current = set(MigrationContext.configure(connection).get_current_heads())
        key = None if folders is None else tuple(folders)
        if current == set(script_directory(key).get_heads()):
            return  # already there: every start would otherwise run the environment again
    command.upgrade(alembic_config(connection, folders), target)


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    heads = MigrationContext.configure(connection).get_current_heads()
    return ", ".join(sorted(heads)) or None


async def upgrade(
    db: Database, target: str = "heads", *, feature_migrations: Sequence[Path] | None = None
) -> None:
    # One transaction: on PostgreSQL a second process starting at once waits on the lock
    # below instead of racing to create the same tables.
    async with db.writer.begin() as conn:
        if db.dialect == "postgresql":
            from sqlalchemy import text

            await conn.execute(text("SELECT pg_advisory_xact_lock(7243101)"))
        await conn.run_sync(_upgrade, target, feature_migrations)


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as conn:
        return await conn.run_sync(_current)
