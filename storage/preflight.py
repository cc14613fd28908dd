"""Checks on a database before anything opens it, and one-line descriptions of why it failed.

A wrong database should stop start-up with a sentence a moderator can act on, not a traceback
or a bot that answers every command with "that failed": a path whose folder is a file, a file
that is read-only (or on a read-only disk), a file that is not a Rhizome database, one written
by a newer Rhizome, or a PostgreSQL server that refuses the login. Nothing here writes anything.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from storage.db import Database

SQLITE_MAGIC = b"SQLite format 3\x00"


class DatabaseProblem(Exception):
    """A database that cannot be used as it is; `transient` when waiting may fix it."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True, slots=True)
class SqliteFile:
    """What a SQLite URL points at, before it is opened."""

    path: Path  # absolute
    exists: bool


def sqlite_file(url: str) -> SqliteFile | None:
    """The absolute file of a SQLite URL; None for PostgreSQL and in-memory databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file::memory:"):
        return None
    path = Path(parsed.database).expanduser().absolute()
    return SqliteFile(path, path.exists())


def display_url(url: str) -> str:
    """The URL as a log line or an error may show it: the password hidden, a file absolute."""
    found = sqlite_file(url)
    if found is not None:
        return str(found.path)
    return make_url(url).render_as_string(hide_password=True)


def check_sqlite(url: str, *, known_revisions: frozenset[str], must_exist: bool = False) -> None:
    """Raise `DatabaseProblem` when the SQLite file of `url` cannot serve as Rhizome's database.

    `must_exist`: commands that only read refuse to create an empty database in the current
    folder (which would then show an empty table as if the data were gone).
    """
    found = sqlite_file(url)
    if found is None:
        return
    path = found.path
    folder = _first_existing(path.parent)
    if not folder.is_dir():
        raise DatabaseProblem(
            f"storage.url: cannot create {path}: {folder} is a file, not a folder; "
            "point storage.url at a file in a folder"
        )
    if not found.exists:
        if must_exist:
            raise DatabaseProblem(
                f"no database at {path}: run `rhizome run`, `rhizome console` or an import "
                "first, or choose the database with --config / RHIZOME_DATABASE_URL"
            )
        if not os.access(folder, os.W_OK):
            raise DatabaseProblem(
                f"cannot create {path}: the folder {folder} is not writable by this user; "
                "give it write access or point storage.url elsewhere"
            )
        return
    if path.is_dir():
        raise DatabaseProblem(f"storage.url: {path} is a folder, not a database file")
    with path.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if head and head != SQLITE_MAGIC:
        raise DatabaseProblem(
            f"{path} is not a SQLite database; point storage.url at Rhizome's database file"
        )
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise DatabaseProblem(_read_only(path))
    _check_contents(path, known_revisions)


def _first_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _read_only(path: Path, detail: str = "") -> str:
    why = f" ({detail})" if detail else ""
    return (
        f"database {path} is read-only{why}: give the user running rhizome write access to the "
        "file and its folder (SQLite writes -wal and -shm files next to it)"
    )


def _check_contents(path: Path, known_revisions: frozenset[str]) -> None:
    """Is it ours, and can this process write to it (a read-only disk passes os.access)?"""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=30)
    except sqlite3.OperationalError as e:
        raise DatabaseProblem(_read_only(path, str(e))) from None
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and "alembic_version" not in tables:
            raise DatabaseProblem(
                f"{path} is not a Rhizome database (it has tables but no alembic_version); "
                "point storage.url at Rhizome's database file"
            )
        if "alembic_version" in tables:
            revisions = {r[0] for r in conn.execute("SELECT version_num FROM alembic_version")}
            unknown = revisions - known_revisions
            if unknown:
                raise DatabaseProblem(
                    f"{path} was written by a newer Rhizome (revision {', '.join(unknown)}); "
                    "upgrade rhizome, or restore a backup taken by this version"
                )
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                return  # another process is writing right now: writable after all
            raise DatabaseProblem(_read_only(path, str(e))) from None
    except sqlite3.DatabaseError as e:
        if isinstance(e, sqlite3.OperationalError) and "readonly" in str(e):
            raise DatabaseProblem(_read_only(path, str(e))) from None
        raise DatabaseProblem(f"{path} is damaged or not a SQLite database ({e})") from None
    finally:
        conn.close()


def known_revisions() -> frozenset[str]:
    """Every Alembic revision this version of Rhizome ships."""
    from storage.migrate import script_directory, shipped

    found, _ = shipped()
    return found or frozenset(s.revision for s in script_directory().walk_revisions())


def describe(error: BaseException, url: str) -> DatabaseProblem | None:
    """One line for an error raised while opening or migrating the database, if we know it."""
    for cause in _chain(error):
        found = _describe_one(cause, url)
        if found is not None:
            return found
    return None


def _chain(error: BaseException) -> list[BaseException]:
    """The error, what SQLAlchemy wrapped (`orig`) and its causes, each once."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo:
        e = todo.pop(0)
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        todo += [getattr(e, "orig", None), e.__cause__, e.__context__]
    return seen


def _describe_one(error: BaseException, url: str) -> DatabaseProblem | None:
    where = display_url(url)
    name = type(error).__name__
    if name == "InvalidPasswordError":
        return DatabaseProblem(
            f"PostgreSQL at {where} refused the login: check the user and password in "
            "storage.url or RHIZOME_DATABASE_URL"
        )
    if name == "InvalidCatalogNameError":
        return DatabaseProblem(f"{error}: create it first (createdb), then start again")
    if name in ("InsufficientPrivilegeError", "InvalidAuthorizationSpecificationError"):
        return DatabaseProblem(f"PostgreSQL at {where}: {error}; grant the user access")
    if isinstance(error, sqlite3.OperationalError) and "readonly" in str(error):
        return DatabaseProblem(_read_only(Path(where)))
    if isinstance(error, socket.gaierror):
        return DatabaseProblem(
            f"cannot resolve the database host of {where} ({error.strerror})", transient=True
        )
    if isinstance(error, ConnectionError | TimeoutError) or (
        isinstance(error, OSError) and error.errno is not None and "connect" in str(error).lower()
    ):
        reason = getattr(error, "strerror", None) or str(error) or name
        return DatabaseProblem(
            f"cannot reach the database at {where} ({reason}); is PostgreSQL running?",
            transient=True,
        )
    return None


@dataclass(frozen=True, slots=True)
class DigestChannel:
    """Where an enabled digest posts: what `rhizome doctor` checks the bot may post in."""

    platform: str
    community_external_id: str
    channel_id: str
    channel_name: str | None


async def digest_channels(db: Database) -> list[DigestChannel]:
    from sqlalchemy import select

    from storage import models as m
    from storage.digests import DigestRow

    d, c = DigestRow.__table__, m.communities
    query = (
        select(c.c.platform, c.c.external_id, d.c.channel_external_id, d.c.channel_name)
        .join(c, c.c.id == d.c.community_id)
        .where(d.c.enabled.is_(True))
        .order_by(d.c.id)
    )
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
    return [DigestChannel(*row) for row in rows]


async def communities_derived_before(db: Database, version: int) -> int:
    """Communities whose topics and expertise an older version of the rules worked out (the
    next interest pass works them out again; for `doctor`). Needs revision 0018."""
    from sqlalchemy import func, or_, select

    from storage.interests.tables import interest_state as st

    query = select(func.count()).where(
        st.c.last_message_id > 0,
        or_(st.c.derived_version.is_(None), st.c.derived_version < version),
    )
    async with db.read() as conn:
        return int((await conn.execute(query)).scalar() or 0)


async def revision_status(db: Database) -> tuple[str | None, frozenset[str]]:
    """The database's revision and the newest this Rhizome ships (for `doctor`)."""
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config, current_revision

    heads = frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())
    return await current_revision(db), heads
