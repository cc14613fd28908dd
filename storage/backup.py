"""Online backup and restore of a SQLite database (`rhizome db backup` / `db restore`).

Copying `rhizome.db` while the bot runs is unsafe in WAL mode: recent commits live in
`rhizome.db-wal` until a checkpoint, and a file copy can catch a page half-written. SQLite's
backup API copies the database as one read transaction sees it, so the copy is consistent
while the bot keeps writing (in WAL mode readers never block the writer, nor it them). The copy
is written next to its destination and renamed into place, so a half-taken backup never looks
like a good one. PostgreSQL has `pg_dump` for this; see `POSTGRES_ADVICE`.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

POSTGRES_ADVICE = (
    "PostgreSQL: back up with `pg_dump --format=custom --file=rhizome.dump DBNAME` (consistent "
    "while the bot runs) and restore with `pg_restore --clean --if-exists --dbname=DBNAME "
    "rhizome.dump` while the bot is stopped"
)


class BackupError(Exception):
    """A backup or restore that cannot be done, worded for the moderator running it."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    bytes: int
    revision: str | None
    previous: Path | None = None  # restore: where the database it replaced was kept


def backup_sqlite(source: Path, dest: Path, *, overwrite: bool = False) -> BackupResult:
    """A consistent copy of `source` (which may be in use) as one self-contained file."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if dest.is_dir():
        dest = dest / f"rhizome-{datetime.now(UTC):%Y%m%d-%H%M%S}.db"
    if dest.exists() and not overwrite:
        raise BackupError(f"{dest} exists; choose another name or pass --force")
    if not dest.parent.is_dir():
        raise BackupError(f"{dest.parent} is not a folder")
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        _copy(src, partial)
    finally:
        src.close()
    revision = verify(partial)
    os.replace(partial, dest)
    return BackupResult(dest, dest.stat().st_size, revision)


def _copy(src: sqlite3.Connection, dest: Path) -> None:
    """All pages in one step: one read transaction, so one consistent state."""
    out = sqlite3.connect(dest)
    try:
        src.backup(out)
        # A backup is one file: no -wal beside it to lose when it is moved or mailed.
        out.execute("PRAGMA journal_mode=DELETE")
    finally:
        out.close()


def verify(path: Path) -> str | None:
    """Check a backup file: SQLite, intact, and a Rhizome database; returns its revision."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise BackupError(f"{path}: cannot open ({e})") from None
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()
        if result is None or result[0] != "ok":
            raise BackupError(f"{path}: damaged ({result[0] if result else 'no answer'})")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables:
            raise BackupError(f"{path} is not a Rhizome database (no alembic_version table)")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None
    except sqlite3.DatabaseError as e:
        raise BackupError(f"{path} is not a SQLite database ({e})") from None
    finally:
        conn.close()


def restore_sqlite(backup: Path, target: Path) -> BackupResult:
    """Put `backup` in place of `target` (the bot must be stopped; the caller checks).

    The database being replaced is kept beside it (`<name>.before-restore-<time>`), so a
    restore of the wrong file loses nothing.
    """
    if not backup.is_file():
        raise BackupError(f"no backup at {backup}")
    revision = verify(backup)
    previous: Path | None = None
    if target.exists():
        previous = target.with_name(
            f"{target.name}.before-restore-{datetime.now(UTC):%Y%m%d-%H%M%S}"
        )
        src = sqlite3.connect(f"file:{target}?mode=ro", uri=True, timeout=30)
        try:
            _copy(src, previous)
        finally:
            src.close()
    partial = target.with_name(target.name + ".restoring")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        _copy(src, partial)
        out = sqlite3.connect(partial)
        try:
            out.execute("PRAGMA journal_mode=WAL")  # as Rhizome runs it
        finally:
            out.close()
    finally:
        src.close()
    # The old database's WAL and shared memory belong to the file being replaced.
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{target}{suffix}").unlink()
    os.replace(partial, target)
    return BackupResult(target, target.stat().st_size, revision, previous)
