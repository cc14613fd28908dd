"""Write transactions on SQLite: one at a time, bulk writes on their own thread, and a task
cancelled half-way never leaves the database locked."""

from __future__ import annotations

import asyncio
import platform
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from bot.runtime import return_free_memory
from storage.db import Database


@pytest.fixture
def db(scratch_db: Database) -> Database:
    return scratch_db


async def _count(db: Database) -> int:
    async with db.read() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM t"))).scalar_one())


async def test_a_write_cancelled_mid_select_leaves_the_database_writable(db: Database) -> None:
    """The cancel lands while a SELECT has rows left to read (shutdown cancels background
    loops at any point); its statement stays alive in the cancelled task's traceback."""
    entered, release = threading.Event(), threading.Event()

    def pause(x: int) -> int:
        entered.set()
        release.wait(5)
        return x

    @event.listens_for(db.writer.sync_engine, "connect")
    def _add_pause(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.create_function("pause", 1, pause)

    await db.writer.dispose()  # the next connection gets the function

    async def read_in_a_write() -> None:
        async with db.write() as conn:
            await conn.execute(text("INSERT INTO t VALUES (1)"))
            await conn.execute(text("SELECT pause(x) FROM (SELECT 1 AS x UNION ALL SELECT 2)"))

    task = asyncio.create_task(read_in_a_write())
    await asyncio.to_thread(entered.wait, 5)  # the SELECT is on its first row
    task.cancel()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()  # the task, and the statement its traceback holds, live on

    # Without the rollback on invalidation this waits out the 30 s busy timeout and fails.
    async def write_again() -> None:
        async with db.write() as conn:
            await conn.execute(text("INSERT INTO t VALUES (2)"))

    await asyncio.wait_for(write_again(), timeout=10)
    assert await _count(db) == 1  # the cancelled transaction's row was rolled back


async def test_bulk_writes_run_on_their_own_thread_in_one_transaction(db: Database) -> None:
    seen: list[str] = []

    def insert_two(conn: Connection, value: int) -> int:
        seen.append(threading.current_thread().name)
        conn.exec_driver_sql("INSERT INTO t VALUES (?)", (value,))
        conn.exec_driver_sql("INSERT INTO t VALUES (?)", (value + 1,))
        return value

    assert await db.run_write(insert_two, 10) == 10
    assert seen[0].startswith("rhizome-bulk")
    assert await _count(db) == 2

    def fail_half_way(conn: Connection) -> None:
        conn.exec_driver_sql("INSERT INTO t VALUES (99)")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await db.run_write(fail_half_way)
    assert await _count(db) == 2  # rolled back whole


async def test_bulk_and_async_writes_take_turns(db: Database) -> None:
    """Many of each at once: none waits out the busy timeout, none is lost."""

    def bulk(conn: Connection, value: int) -> None:
        conn.exec_driver_sql("INSERT INTO t VALUES (?)", (value,))

    async def plain(value: int) -> None:
        async with db.write() as conn:
            await conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": value})
            await asyncio.sleep(0)  # hand the loop over mid-transaction

    jobs = [db.run_write(bulk, i) for i in range(50)] + [plain(100 + i) for i in range(50)]
    await asyncio.wait_for(asyncio.gather(*jobs), timeout=30)
    assert await _count(db) == 100


async def test_a_cancelled_bulk_write_still_commits_and_the_next_write_follows(
    db: Database,
) -> None:
    release = threading.Event()

    def slow(conn: Connection) -> None:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        release.wait(5)

    task = asyncio.create_task(db.run_write(slow))
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.sleep(0.05)
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The thread's transaction committed; the next write goes through at once.
    async with db.write() as conn:
        await conn.execute(text("INSERT INTO t VALUES (2)"))
    assert await _count(db) == 2


async def test_analyze_writes_statistics_and_skips_small_databases(tmp_path: Path) -> None:
    db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    await db.migrate()  # analyzes only when statistics are missing and the data is big
    try:

        async def has_stats() -> bool:
            async with db.read() as conn:
                found = await conn.execute(
                    text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
                )
                return bool(found.scalar_one())

        assert not await has_stats()
        await db.analyze(only_if_missing=True)
        assert not await has_stats()  # an empty database plans well without them
        await db.analyze()
        assert await has_stats()
    finally:
        await db.close()


async def test_after_an_import_statistics_are_refreshed_once_the_messages_doubled(
    tmp_path: Path,
) -> None:
    db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 's.db'}")
    await db.migrate()

    def add_messages(conn: Connection, n: int) -> None:
        conn.exec_driver_sql(
            "INSERT OR IGNORE INTO communities (id, platform, external_id, created_at) "
            "VALUES (1, 'slack', 'T', '2026-01-01 00:00:00.000000')"
        )
        conn.exec_driver_sql(
            "INSERT OR IGNORE INTO channels (id, community_id, external_id, is_private) "
            "VALUES (1, 1, 'C', 0)"
        )
        conn.exec_driver_sql(
            "INSERT OR IGNORE INTO members (id, community_id, external_id, is_bot, first_seen_at) "
            "VALUES (1, 1, 'U', 0, '2026-01-01 00:00:00.000000')"
        )
        conn.exec_driver_sql(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO messages (community_id, channel_id, external_id, author_id, posted_at, "
            "text) SELECT 1, 1, (SELECT count(*) FROM messages) + i, 1, "
            "'2026-01-01 00:00:00.000000', 'hi' FROM n",
            (n,),
        )

    def counted(conn: Connection) -> int:
        stat = conn.exec_driver_sql(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'messages' LIMIT 1"
        ).scalar()
        return int(stat.split()[0])

    try:
        await db.run_write(add_messages, 100)
        await db.analyze(only_if_stale=True)  # none yet: taken
        assert await db.run_write(counted) == 100
        await db.run_write(add_messages, 99)
        await db.analyze(only_if_stale=True)  # 199 < 2 x 100: kept
        assert await db.run_write(counted) == 100
        await db.run_write(add_messages, 1)
        await db.analyze(only_if_stale=True)  # doubled: taken again
        assert await db.run_write(counted) == 200
    finally:
        await db.close()


async def test_after_a_bulk_job_both_write_connections_hand_their_pages_back(
    db: Database,
) -> None:
    """An import's batches fill the write connections' page caches (64 MB each); the
    derive after it reads other pages. Released, they refill as writes need them."""
    shrunk: list[str] = []

    def record(name: str) -> Any:
        def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if "shrink_memory" in statement:
                shrunk.append(name)

        return listen

    assert db._bulk is not None
    event.listen(db._bulk, "before_cursor_execute", record("bulk"))
    event.listen(db.writer.sync_engine, "before_cursor_execute", record("writer"))

    def insert(conn: Connection, value: int) -> None:
        conn.exec_driver_sql("INSERT INTO t VALUES (?)", (value,))

    await db.run_write(insert, 1)
    await db.release_memory()
    assert sorted(shrunk) == ["bulk", "writer"]
    await db.run_write(insert, 2)  # both still write
    async with db.write() as conn:
        await conn.execute(text("INSERT INTO t VALUES (3)"))
    assert await _count(db) == 3
    # Freed memory goes back to the system where glibc can trim it (Linux, as CI runs).
    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        assert return_free_memory()
