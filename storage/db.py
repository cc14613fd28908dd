"""Engine set-up for SQLite and PostgreSQL, and the read/write transaction helpers.

SQLite: WAL (readers never block the writer), writes one at a time (an in-process lock) with
transactions that begin IMMEDIATE (a write takes the lock up front instead of failing half-way
with SQLITE_BUSY), a pool of read-only connections, a busy timeout, and foreign keys on so
deletions cascade. Bulk writes (`run_write`: ingest batches) run on a thread of their own; see
there why; so does copying the WAL back into the database (`storage.wal`). PostgreSQL: a small
asyncpg pool for everything.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import EMPTY_DICT

from storage import bulk_indexes
from storage.erase import mark_if_fresh, scrub_postgres, scrub_sqlite
from storage.wal import WalCheckpointer

T = TypeVar("T")
log = logging.getLogger(__name__)
# Page cache of each connection to a SQLite file (see `_configure_sqlite`).
BULK_CACHE_KB = 65536  # the bulk writer's: import and ingest batches
WRITE_CACHE_KB = 16384  # the other writer's: derived rows, moderators' and members' changes
READ_CACHE_KB = 16384  # each reader's


@dataclass(eq=False, slots=True)
class _SharedReads:
    """One task's reads on one connection (`Database.reads_together`)."""

    db: Database
    task: asyncio.Task[Any] | None
    conn: AsyncConnection | None = None
    depth: int = 0  # `read()` blocks open on it right now
    stale: bool = False  # written since its transaction began: begin a new one


_SHARED: ContextVar[_SharedReads | None] = ContextVar("rhizome_shared_reads", default=None)


class Database:
    def __init__(
        self,
        engine: AsyncEngine,
        writer: AsyncEngine | None = None,
        bulk: Engine | None = None,
    ) -> None:
        self.engine = engine  # reads
        # SQLite: writes go to one async connection of their own, and bulk writes to one
        # synchronous connection (`run_write`), never to a pooled one: a connection that finds
        # the database changed by another drops its whole page cache when its next transaction
        # begins, so writes alternating between pooled connections would re-read their indexes
        # each time. The read connections are read-only, so nothing writes around the two.
        self.writer = writer or engine
        self.dialect = engine.dialect.name
        self.is_sqlite = self.dialect == "sqlite"
        self._bulk = bulk
        self._bulk_thread = (
            ThreadPoolExecutor(1, thread_name_prefix="rhizome-bulk") if bulk is not None else None
        )
        self._write_lock = asyncio.Lock()  # SQLite allows one write transaction at a time
        # Writers of a SQLite file leave copying the WAL back to this (see `storage.wal`).
        self.checkpointer = WalCheckpointer(str(bulk.url.database)) if bulk is not None else None
        # Something was deleted since the last `scrub` (set by writers, cleared by `scrub`).
        self.needs_scrub = False

    @classmethod
    def open(
        cls,
        url: str,
        *,
        pool_size: int = 5,
        max_overflow: int = 5,
        statement_cache_size: int = 100,
        echo: bool = False,
        schema: str | None = None,
    ) -> Database:
        """Open an engine; `schema` (PostgreSQL only) isolates tests or tenants by search_path."""
        parsed = make_url(url)
        kwargs: dict[str, Any] = {"echo": echo}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(
                pool_size=pool_size,
                max_overflow=max_overflow,
                pool_pre_ping=True,
                connect_args={
                    "statement_cache_size": statement_cache_size,
                    # Cached statements would otherwise keep a generic plan chosen while tables
                    # were small (a 60 ms resource lookup at scale instead of under 1 ms).
                    "server_settings": {
                        "plan_cache_mode": "force_custom_plan",
                        # Rhizome reads rows by key: at the default 4.0 (spinning disks) the
                        # planner hashes whole tables instead of probing their indexes (the
                        # participants of a busy member's 400 resources: 31 ms, 10 ms at 1.1).
                        "random_page_cost": "1.1",
                        **({"search_path": schema} if schema else {}),
                    },
                },
            )
        if parsed.get_backend_name() != "sqlite":
            return cls(create_async_engine(url, **kwargs))
        if not parsed.database or parsed.database == ":memory:":
            # One connection, shared (SQLAlchemy's StaticPool): a second engine, or a second
            # connection, would open a second, empty database.
            writer = create_async_engine(url, **kwargs)
            _configure_sqlite(writer, writes=True, checkpoints=True, cache_kb=BULK_CACHE_KB)
            return cls(writer)
        writer = create_async_engine(url, pool_size=1, max_overflow=0, **kwargs)
        _configure_sqlite(writer, writes=True, checkpoints=False, cache_kb=WRITE_CACHE_KB)
        engine = create_async_engine(url, **kwargs)
        _configure_sqlite(engine, writes=False, cache_kb=READ_CACHE_KB)
        # Used on its own thread only; `close` disposes of it from there as well.
        bulk = create_engine(
            parsed.set(drivername="sqlite"),
            pool_size=1,
            max_overflow=0,
            echo=echo,
            connect_args={"timeout": 30, "check_same_thread": False},
        )
        _configure_sqlite(bulk, writes=True, checkpoints=False, cache_kb=BULK_CACHE_KB)
        return cls(engine, writer, bulk)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection to read with. Inside `reads_together`, the task's one connection."""
        shared = self._shared()
        if shared is None:
            async with self.engine.connect() as conn:
                yield conn
            return
        if shared.conn is None:
            shared.conn = await self.engine.connect()
        elif shared.stale and shared.conn.in_transaction():
            await shared.conn.rollback()  # SQLite: a new snapshot, which sees the write
        shared.stale = False
        shared.depth += 1
        try:
            yield shared.conn
        except BaseException:
            # The connection may be mid-statement or in a failed transaction: let it go (its
            # pool rolls it back) and give the next read a fresh one.
            conn, shared.conn = shared.conn, None
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
            raise
        finally:
            shared.depth -= 1

    @asynccontextmanager
    async def reads_together(self) -> AsyncIterator[None]:
        """Every `read()` of this task inside the block uses one connection and, until
        something is written, one transaction (a command's twenty reads: one pool checkout,
        and on PostgreSQL one ping, BEGIN and ROLLBACK instead of twenty of each; 1.3 ms a
        read on PostgreSQL, 0.45 ms on SQLite). Other tasks, including those the block
        starts, read on connections of their own. A write of this task ends the transaction
        first, so the reads after it see it (a SQLite read transaction keeps its snapshot)."""
        if self._shared() is not None:
            yield  # already inside one
            return
        shared = _SharedReads(self, asyncio.current_task())
        token = _SHARED.set(shared)
        try:
            yield
        finally:
            _SHARED.reset(token)
            if shared.conn is not None:
                await shared.conn.close()

    def _shared(self) -> _SharedReads | None:
        shared = _SHARED.get()
        if shared is None or shared.db is not self or shared.task is not asyncio.current_task():
            return None
        return shared

    async def _before_write(self) -> None:
        """End the task's shared read transaction (`reads_together`) before it writes: the
        reads after the write must see it, and a long write (an import) must not keep a
        reader's snapshot (SQLite's WAL could not be checkpointed past it) or locks open."""
        shared = _SHARED.get()
        if shared is None or shared.db is not self or shared.conn is None:
            return
        if shared.task is asyncio.current_task() and shared.depth == 0:
            if shared.conn.in_transaction():
                await shared.conn.rollback()
        else:
            shared.stale = True

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction; committed on success, rolled back on error."""
        await self._before_write()
        if not self.is_sqlite:  # PostgreSQL takes concurrent writers
            async with self.writer.begin() as conn:
                yield conn
            return
        async with self._write_lock:
            try:
                async with self.writer.begin() as conn:
                    yield conn
            finally:
                if self.checkpointer is not None:
                    self.checkpointer.committed()

    async def run_write(
        self, fn: Callable[..., T], *args: Any, pragmas: Sequence[tuple[str, str, str]] = ()
    ) -> T:
        """`fn(connection, *args)`, synchronous, in one write transaction.

        On a SQLite file it runs on a thread of its own with a synchronous connection: through
        aiosqlite every statement of a long chain (a batch of ingest takes about fifteen) is a
        round trip to the event loop, which waits whenever the loop is busy (planning the next
        batch), and the Python between statements takes turns with the loop's; on its own
        thread only the SQLite work (which runs without the GIL) overlaps the loop, and none
        of it waits for the loop. Elsewhere, `AsyncConnection.run_sync` in `write()`.

        `pragmas`: (name, value for the transaction, value after it) of the bulk connection,
        set outside the transaction (some, like temp_store, cannot change inside one)."""
        bulk, thread, checkpointer = self._bulk, self._bulk_thread, self.checkpointer
        await self._before_write()
        if bulk is None or thread is None or checkpointer is None:
            async with self.write() as conn:
                return await conn.run_sync(fn, *args)
        async with self._write_lock:
            running = asyncio.get_running_loop().run_in_executor(
                thread, _in_transaction, bulk, checkpointer, fn, args, pragmas
            )
            try:
                return await asyncio.shield(running)
            finally:
                # Cancelled: the transaction still ends (commits or rolls back) on its thread
                # before anything else may write.
                await asyncio.wait([running])

    async def scrub(self) -> bool:
        """Make what was deleted unreadable in the files too, not only to queries
        (`storage.erase`); True when done, False when a reader held the WAL (try later)."""
        self.needs_scrub = False
        await self._before_write()  # our own open read would keep the WAL from emptying
        try:
            if not self.is_sqlite:
                done = await scrub_postgres(self.writer)
            elif self._bulk is None or not self._bulk.url.database:
                done = True  # in memory: no file to leave anything in
            else:
                path = str(self._bulk.url.database)
                async with self._write_lock:
                    loop = asyncio.get_running_loop()
                    done = await loop.run_in_executor(None, scrub_sqlite, path)
        except Exception as exc:  # what was deleted stays deleted; the next scrub tries again
            log.warning("scrubbing deleted data from the files failed: %s", type(exc).__name__)
            done = False
        self.needs_scrub = self.needs_scrub or not done
        return done

    async def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()  # the last connection to close copies what is left
        await self.engine.dispose()
        if self.writer is not self.engine:
            await self.writer.dispose()
        if self._bulk is not None and self._bulk_thread is not None:
            await asyncio.get_running_loop().run_in_executor(self._bulk_thread, self._bulk.dispose)
            self._bulk_thread.shutdown()
            self._bulk_thread = None

    async def migrate(self, feature_migrations: Sequence[Path] | None = None) -> None:
        """Bring the schema to the newest Alembic revisions (run at every start): the core
        chain and each feature's own branch (`bot.features.FEATURES`' unless given)."""
        from storage.migrate import upgrade

        # Indexes an interrupted import left for its end (`storage.bulk_indexes`) first, so
        # every migration finds the schema it was written for.
        await self.restore_indexes()
        await upgrade(self, feature_migrations=feature_migrations)
        if self.is_sqlite:
            await self.run_write(mark_if_fresh)
        await self.analyze(only_if_missing=True)

    async def analyze(self, *, only_if_missing: bool = False, only_if_stale: bool = False) -> None:
        """Refresh the query planner's statistics.

        SQLite plans without statistics until ANALYZE runs (PostgreSQL's autovacuum keeps its
        own); without them some joins pick the wrong index. Run at start when none exist
        (`only_if_missing`), and after an import, which can change the data's shape at once
        (`only_if_stale`: when there are none, or the messages have at least doubled since they
        were taken; smaller growth keeps the proportions the planner uses). It reads every
        index (0.8 s at 1.2M messages), so it runs on the bulk connection, whose page cache an
        import has already filled, rather than filling a second one."""
        if self.is_sqlite:
            await self.run_write(_analyze, only_if_missing, only_if_stale)
        elif only_if_stale:
            await self._before_write()
            await self._vacuum_analyze_postgres()

    async def defer_indexes(self) -> list[str]:
        """Drop the secondary indexes a large import would otherwise maintain row by row,
        until `restore_indexes` (`storage.bulk_indexes`); SQLite only. Their names."""
        if not self.is_sqlite:
            return []
        return await self.run_write(bulk_indexes.defer)

    async def restore_indexes(self) -> list[str]:
        """Recreate whatever `defer_indexes` dropped (also after a crash); their names."""
        if not self.is_sqlite:
            return []
        # The sorts of CREATE INDEX spill to temporary files, not memory (temp_store), with
        # a quarter of the usual page cache, whose size is also the sorter's buffer: at 1M
        # messages 48 MB peak against 151 MB, and 4.7 s against 5.5 s.
        pragmas = (("temp_store", "FILE", "MEMORY"), ("cache_size", "-16384", str(-BULK_CACHE_KB)))
        return await self.run_write(bulk_indexes.restore, pragmas=pragmas)

    async def release_memory(self) -> None:
        """Hand the write connections' page caches back (SQLite; up to 64 and 16 MB): after
        an import, whose batches filled them, the derive that follows reads other pages, and
        a running bot refills them as it writes."""
        if not self.is_sqlite:
            return
        await self.run_write(_shrink_memory)
        async with self.write() as conn:
            await conn.run_sync(_shrink_memory)

    async def analyze_derived(self) -> None:
        """After topics and expertise were worked out in bulk (an import's end, `rhizome
        reindex`) on PostgreSQL: statistics and a visibility map for the tables just filled.
        Right after deriving 1M messages' topics, who-knows ran at p50 / p99 54 / 121 ms, and
        at 30 / 64 after VACUUM (ANALYZE). SQLite keeps its statistics as taken after the
        import: analysing
        only these tables would leave `sqlite_stat1` looking complete to the start-up check."""
        if not self.is_sqlite:
            await self._before_write()
            await self._vacuum_analyze_postgres(_DERIVED)

    async def _vacuum_analyze_postgres(self, tables: Sequence[str] | None = None) -> None:
        """After an import on PostgreSQL: fresh statistics (autovacuum would take them only
        later, after the first commands were planned on the old ones) and a visibility map
        for the new pages, without which an index-only scan still visits the heap for every
        row. VACUUM skips pages that are all-visible already, so a small import costs little.
        It cannot run inside a transaction: an autocommit connection of its own."""
        async with self.engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.execute(text(f"VACUUM (ANALYZE) {', '.join(tables or _VACUUMED)}"))


def _shrink_memory(conn: Connection) -> None:
    conn.exec_driver_sql("PRAGMA shrink_memory")


# The tables an import fills (and those triggers fill from them).
_VACUUMED = (
    "messages",
    "shares",
    "reactions",
    "resources",
    "resource_urls",
    "members",
    "resource_activity",
    "resource_totals",
)


# The tables deriving fills in bulk.
_DERIVED = (
    "resource_topics",
    "member_topics",
    "member_topic_state",
    "member_wants",
)


def _analyze(conn: Connection, only_if_missing: bool, only_if_stale: bool) -> None:
    def messages() -> int:
        return int(conn.exec_driver_sql("SELECT count(*) FROM messages").scalar_one())

    if only_if_missing or only_if_stale:
        has_stats = conn.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).scalar_one()
        if only_if_missing and (has_stats or messages() < 10_000):
            return  # small databases plan well without statistics
        if only_if_stale and has_stats:
            # The first number of an index's statistics is the table's row count then.
            stat = conn.exec_driver_sql(
                "SELECT stat FROM sqlite_stat1 WHERE tbl = 'messages' LIMIT 1"
            ).scalar()
            counted = int(stat.split()[0]) if stat else 0
            if counted and messages() < 2 * counted:
                return
    conn.exec_driver_sql("ANALYZE")


def _in_transaction(
    engine: Engine,
    checkpointer: WalCheckpointer,
    fn: Callable[..., T],
    args: tuple[Any, ...],
    pragmas: Sequence[tuple[str, str, str]] = (),
) -> T:
    checkpointer.before_write()
    try:
        with engine.connect() as outer:
            raw = outer.connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            for name, during, _ in pragmas:
                raw.execute(f"PRAGMA {name}={during}")  # no transaction has begun yet
            try:
                with outer.begin():
                    return fn(outer, *args)
            finally:
                for name, _, after in pragmas:
                    with contextlib.suppress(sqlite3.Error):  # never hide the write's error
                        raw.execute(f"PRAGMA {name}={after}")
    finally:
        checkpointer.committed()


def _configure_sqlite(
    engine: AsyncEngine | Engine, *, writes: bool, cache_kb: int, checkpoints: bool = True
) -> None:
    """`checkpoints`: whether a commit copies the WAL back once it is long (SQLite's default);
    writers of a file leave that to its `WalCheckpointer`."""
    sync_engine = engine.sync_engine if isinstance(engine, AsyncEngine) else engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        if type(dbapi_conn) is AsyncAdapt_aiosqlite_connection:
            dbapi_conn.__class__ = _OneHopConnection  # see `_OneHopCursor`
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        # Page cache per connection: 64 MB for the bulk writer (an import batch dirties ~50
        # MB); 16 MB for the other writer, whose transactions are small (at 64 MB, the derive
        # after a 1M-message import peaked 47 MB higher, no faster: 309.6 s against 297.5 s),
        # and for each of the up to ten readers, whose pages the OS caches anyway (at 64 MB
        # each, a busy bot on a 1M-message file grew to 770 MB resident).
        cur.execute(f"PRAGMA cache_size={-cache_kb}")
        cur.execute("PRAGMA temp_store=MEMORY")
        # Checkpoint less often: hot index pages rewritten by consecutive batches are then
        # copied back once, not after every commit.
        cur.execute(f"PRAGMA wal_autocheckpoint={16384 if checkpoints else 0}")
        if writes:
            # Deleted rows and freed pages are zeroed, not left readable in the file (a
            # forensic look after forget-me; see `storage.erase`).
            cur.execute("PRAGMA secure_delete=ON")
        else:
            cur.execute("PRAGMA query_only=ON")
        cur.close()

    begin = "BEGIN IMMEDIATE" if writes else "BEGIN"

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)

    @event.listens_for(sync_engine, "invalidate")
    def _on_invalidate(dbapi_conn: Any, _record: Any, _error: BaseException | None) -> None:
        # A task cancelled in the middle of a statement (shutdown cancels background loops)
        # gets its connection invalidated and closed. A SELECT cut short keeps a statement
        # alive, and a connection closed with one is only half closed: it would keep its
        # write transaction, and the database locked, for as long as the process runs. A
        # rollback first ends the transaction whatever the statements' state.
        raw = _sqlite3_connection(dbapi_conn)
        if raw is not None and raw.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                raw.rollback()


class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """aiosqlite runs each call on its connection's thread; SQLAlchemy's cursor makes four such
    calls a statement (open a cursor, execute, fetch all, close), each a wake-up of that
    thread and then of the event loop. This one makes one: the statement runs, its rows are
    fetched and its cursor closed in one call. Same rows, description, rowcount and lastrowid;
    on a shared machine the waits for a thread to be scheduled are what a command's p99 is
    made of (a one-row read: 250 -> 105-190 us, 2026-12-04, load ~2)."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]  # no aiosqlite cursor kept
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        return  # nothing open: the statement's cursor closed in its own call

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        def run(conn: sqlite3.Connection) -> tuple[Any, list[Any] | None, int, int | None]:
            cur = conn.cursor()
            try:
                cur.execute(operation, () if parameters is None else parameters)
                described = cur.description
                rows = cur.fetchall() if described else None
                return described, rows, cur.rowcount, cur.lastrowid
            finally:
                cur.close()

        return await self._run(run)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        def run(conn: sqlite3.Connection) -> tuple[Any, list[Any] | None, int, int | None]:
            cur = conn.cursor()
            try:
                cur.executemany(operation, seq_of_parameters)
                return None, None, cur.rowcount, cur.lastrowid
            finally:
                cur.close()

        return await self._run(run)

    async def _run(self, fn: Callable[[sqlite3.Connection], Any]) -> None:
        aconn = self._connection
        async with self._adapt_connection._execute_mutex:
            described, rows, rowcount, lastrowid = await aconn._execute(
                lambda: fn(aconn._conn)  # on aiosqlite's thread
            )
        self._description, self._rowcount, self._lastrowid = described, rowcount, lastrowid
        self._rows = collections.deque(rows) if rows is not None else collections.deque()

    def nextset(self) -> None:
        return None  # sqlite3 has no further result sets


class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = _OneHopCursor


def _sqlite3_connection(dbapi_conn: Any) -> sqlite3.Connection | None:
    """The sqlite3 connection under a DBAPI connection (aiosqlite's runs on its own thread,
    opened with check_same_thread=False; SQLite serialises calls from several threads)."""
    if isinstance(dbapi_conn, sqlite3.Connection):
        return dbapi_conn
    found = getattr(getattr(dbapi_conn, "driver_connection", None), "_connection", None)
    return found if isinstance(found, sqlite3.Connection) else None


async def run_with_retry(coro_factory: Any, attempts: int = 5) -> Any:
    """Retry a whole transaction on a lost race (SQLite busy, PostgreSQL serialization)."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    for attempt in range(attempts):
        try:
            return await coro_factory()
        except (OperationalError, DBAPIError) as e:
            msg = str(e).lower()
            transient = "locked" in msg or "busy" in msg or "serializ" in msg or "deadlock" in msg
            if not transient or attempt == attempts - 1:
                raise
            await asyncio.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")
