"""Erasure that holds against the database files themselves, not only against queries.

A DELETE makes rows invisible; their bytes stay until something overwrites them. On SQLite,
`secure_delete` (on for every writing connection, see `storage.db`) zeroes a row's bytes and
every freed page as they are deleted; what remains is removed here, after a forget-me, a
purge or deleted messages:
- the FTS5 index keeps a deleted document's terms in its older segments until they are
  merged (SQLite 3.40 has no FTS5 secure-delete): `optimize` merges them all into one;
- the WAL keeps old copies of changed pages until it is overwritten: a TRUNCATE checkpoint
  copies it back and empties the file;
- a database written before `secure_delete` was on keeps stale bytes in free space: it is
  rewritten once with VACUUM, and a flag in `bot_state` records that it was.
On PostgreSQL, VACUUM removes dead tuples from the heap, TOAST and indexes, and the search
index is rebuilt (a GIN index never drops a key whose postings are gone).
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import bot_state as bs

SECURE_FLAG = "storage.secure_delete_since"
CHECKPOINT_WAIT_MS = 2000


def scrub_sqlite(path: str, timeout: float = 30.0) -> bool:
    """Merge the search index, rewrite a pre-secure-delete file once, and empty the WAL.

    Run with the application's write lock held (nothing else writes meanwhile). True when the
    WAL could be emptied; False when a reader still held part of it (call again later)."""
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "resource_fts" in tables:
            conn.execute("INSERT INTO resource_fts(resource_fts) VALUES('optimize')")
        if (
            "bot_state" in tables
            and not conn.execute("SELECT 1 FROM bot_state WHERE key = ?", (SECURE_FLAG,)).fetchone()
        ):
            conn.execute("VACUUM")
            now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores it
            conn.execute(
                "INSERT INTO bot_state(key, value, updated_at) VALUES (?, ?, ?)",
                (SECURE_FLAG, now, now),
            )
        return _empty_wal(conn)
    finally:
        conn.close()


def _empty_wal(conn: sqlite3.Connection) -> bool:
    """A TRUNCATE checkpoint. It waits (busy timeout) for readers still on an older snapshot,
    briefly, since the write lock is held meanwhile; but a checkpoint already running (the
    `WalCheckpointer` thread's, or another process's) makes it fail at once, so it is retried
    for up to as long."""
    conn.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
    deadline = time.monotonic() + CHECKPOINT_WAIT_MS / 1000
    while True:
        busy, _log, _copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


def mark_if_fresh(conn: Connection) -> None:
    """A SQLite database with no messages yet is written with `secure_delete` from the start:
    record that, so its first scrub need not rewrite it."""
    fresh = conn.exec_driver_sql("SELECT 1 FROM messages LIMIT 1").first() is None
    if fresh and not conn.execute(select(bs.c.key).where(bs.c.key == SECURE_FLAG)).first():
        now = datetime.now(UTC)
        conn.execute(bs.insert().values(key=SECURE_FLAG, value=now.isoformat(), updated_at=now))


async def scrub_postgres(engine: AsyncEngine) -> bool:
    """VACUUM every table of the current schema and rebuild the search index, outside any
    transaction (neither may run inside one)."""
    async with engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        tables = (
            await auto.execute(
                text(
                    "SELECT quote_ident(tablename) FROM pg_tables "
                    "WHERE schemaname = current_schema() ORDER BY tablename"
                )
            )
        ).scalars()
        names = list(tables)
        if names:
            await auto.execute(text(f"VACUUM {', '.join(names)}"))
        index = (
            await auto.execute(
                text(
                    "SELECT quote_ident(c.relname) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "JOIN pg_am a ON a.oid = c.relam "
                    "WHERE n.nspname = current_schema() AND c.relkind = 'i' AND a.amname = 'gin'"
                )
            )
        ).scalars()
        for name in list(index):
            await auto.execute(text(f"REINDEX INDEX CONCURRENTLY {name}"))
    return True
