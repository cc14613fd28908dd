"""The WAL is copied back into the database by a thread of its own, never inside a writer's
commit, and the log still starts over once it is long even when the writer never pauses."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.db import Database
from storage.wal import WalCheckpointer

PAGE = 4096


def _log_frames(path: Path) -> int:
    """Frames in the log, as a PASSIVE checkpoint from another connection reports them."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_autocheckpoint=0")
        busy, log, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert busy == 0
        return int(log)
    finally:
        conn.close()


@pytest.fixture
def db(scratch_db: Database) -> Database:
    return scratch_db


def _insert_pages(conn: Connection, n: int) -> None:
    for _ in range(n):
        conn.exec_driver_sql("INSERT INTO t VALUES (randomblob(?))", (PAGE,))


async def test_writers_never_checkpoint_and_the_thread_copies_each_commit(db: Database) -> None:
    def autocheckpoint(conn: Connection) -> int:
        return int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())

    assert await db.run_write(autocheckpoint) == 0
    async with db.write() as conn:
        assert (await conn.execute(text("PRAGMA wal_autocheckpoint"))).scalar_one() == 0
    checkpointer = db.checkpointer
    assert checkpointer is not None
    passes = checkpointer.passes

    path = Path(str(db.writer.url.database))
    await db.run_write(_insert_pages, 50)
    assert await asyncio.to_thread(checkpointer.wait_idle)
    assert checkpointer.passes > passes
    # The database file alone, without its log, already holds the commit.
    alone = path.with_name("alone.db")
    shutil.copyfile(path, alone)
    conn = sqlite3.connect(alone)
    try:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (50,)
    finally:
        conn.close()


def test_a_long_log_starts_over_at_the_next_write_even_if_the_writer_never_paused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (x BLOB)")
    checkpointer = WalCheckpointer(str(path), restart_frames=40)
    try:

        def write(pages: int) -> None:
            checkpointer.before_write()
            writer.execute("BEGIN IMMEDIATE")
            for _ in range(pages):
                writer.execute("INSERT INTO t VALUES (randomblob(?))", (PAGE,))
            writer.execute("COMMIT")

        write(60)
        # A pass saw the long log, but the writer began again before it finished (so SQLite
        # could not start the log over): the thread is left out here, as if it were behind.
        checkpointer.log_frames = 70
        write(1)  # before_write copied the rest first, so this write started the log over
        assert _log_frames(path) < 10
        assert checkpointer.log_frames == 0

        write(60)
        checkpointer.log_frames = 10  # a short log: nothing to do before the next write
        write(1)
        assert _log_frames(path) > 60  # the log went on growing
    finally:
        checkpointer.close()
        writer.close()


async def test_heavy_writes_with_readers_keep_the_database_whole(db: Database) -> None:
    async def read_meanwhile() -> int:
        seen = 0
        for _ in range(40):
            async with db.read() as conn:
                seen = int((await conn.execute(text("SELECT count(*) FROM t"))).scalar_one())
            await asyncio.sleep(0)
        return seen

    reader = asyncio.create_task(read_meanwhile())
    for _ in range(30):
        await db.run_write(_insert_pages, 20)
    await reader

    def check(conn: Connection) -> tuple[str, int]:
        ok = conn.exec_driver_sql("PRAGMA integrity_check").scalar_one()
        return str(ok), int(conn.exec_driver_sql("SELECT count(*) FROM t").scalar_one())

    assert await db.run_write(check) == ("ok", 600)


async def test_close_stops_the_thread_and_the_log_is_folded_in(tmp_path: Path) -> None:
    path = tmp_path / "z.db"
    db = Database.open(f"sqlite+aiosqlite:///{path}")
    async with db.write() as conn:
        await conn.execute(text("CREATE TABLE t (x BLOB)"))
    await db.run_write(_insert_pages, 30)
    checkpointer = db.checkpointer
    assert checkpointer is not None
    await db.close()
    assert not checkpointer._thread.is_alive()
    # The last connection to close copied the log and removed it.
    assert not path.with_name("z.db-wal").exists()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (30,)
    conn.close()


async def test_an_in_memory_database_has_no_checkpointer() -> None:
    db = Database.open("sqlite+aiosqlite:///:memory:")
    try:
        assert db.checkpointer is None
        async with db.write() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (1)"))
        async with db.read() as conn:
            assert (await conn.execute(text("SELECT x FROM t"))).scalar_one() == 1
    finally:
        await db.close()
