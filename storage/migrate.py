"""Run Alembic migrations programmatically, on the application's own engine.

The same revisions build SQLite and PostgreSQL schemas; `rhizome db upgrade` and every start
call `upgrade`, so a fresh clone needs no separate migration step.

The core chain lives in `migrations/versions`. A feature outside it brings a folder of its own
revisions (`Feature.migrations`, a branch of its own: `down_revision = None`, a
`branch_labels` entry, `depends_on` the core revision it needs); Alembic applies every head.
"""

from __future__ import annotations

import ast
import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    from storage.db import Database

VERSION_TABLE = "alembic_version"

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
    from alembic.config import Config as AlembicConfig

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
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(feature_migrations=feature_migrations))


@functools.cache
def shipped(
    feature_migrations: tuple[Path, ...] | None = None,
) -> tuple[frozenset[str], frozenset[str]]:
    """Every shipped revision and the heads among them, read from the revision files' own
    `revision = …` and `down_revision = …` lines without importing Alembic or the files
    (Alembic's `ScriptDirectory` costs ~0.3 s of a start that finds the schema at head).
    Empty when a file says something else: then callers ask Alembic."""
    folders = feature_folders() if feature_migrations is None else feature_migrations
    revisions: set[str] = set()
    parents: set[str] = set()
    for folder in (MIGRATIONS / "versions", *folders):
        for path in sorted(Path(folder).glob("*.py")):
            if path.name.startswith("_"):
                continue
            found = _revision_of(path)
            if found is None:
                return frozenset(), frozenset()
            revision, down = found
            revisions.add(revision)
            parents.update(down)
    return frozenset(revisions), frozenset(revisions - parents)


def _revision_of(path: Path) -> tuple[str, tuple[str, ...]] | None:
    values: dict[str, object] = {}
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        target: ast.expr | None = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        value = getattr(node, "value", None)
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            try:
                values[target.id] = ast.literal_eval(value) if value is not None else None
            except ValueError:
                return None
    revision, down = values.get("revision"), values.get("down_revision")
    if not isinstance(revision, str):
        return None
    if down is None:
        return revision, ()
    if isinstance(down, str):
        return revision, (down,)
    if isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
        return revision, tuple(down)
    return None


def _current_heads(connection: Connection) -> set[str] | None:
    """The revisions the database is at, read directly (None: no version table yet)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    return {r[0] for r in connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))}


def _upgrade(connection: Connection, target: str, folders: Sequence[Path] | None) -> None:
    key = None if folders is None else tuple(folders)
    if target == "heads":
        _, heads = shipped(key)
        if heads and _current_heads(connection) == set(heads):
            return  # already there, found without importing Alembic
        from alembic.runtime.migration import MigrationContext

        current = set(MigrationContext.configure(connection).get_current_heads())
        if current == set(script_directory(key).get_heads()):
            return  # already there: every start would otherwise run the environment again
    from alembic import command

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
