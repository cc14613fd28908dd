"""Engine set-up for SQLite and PostgreSQL, and the read/write transaction helpers.

SQLite: WAL (readers never block the writer), one writer connection whose transactions begin
IMMEDIATE (a write takes the lock up front instead of failing half-way with SQLITE_BUSY), a pool
of read-only connections, a busy timeout, and foreign keys on so deletions cascade. PostgreSQL:
a small asyncpg pool for both.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine


class Database:
    def __init__(self, engine: AsyncEngine, writer: AsyncEngine | None = None) -> None:
        self.engine = engine  # reads
        # SQLite: every write on one connection of its own. A connection that finds the
        # database changed by another drops its whole page cache when its next transaction
        # begins, so writes alternating between pooled connections re-read their indexes each
        # time; and the read connections are read-only, so nothing writes around the writer.
        self.writer = writer or engine
        self.dialect = engine.dialect.name
        self.is_sqlite = self.dialect == "sqlite"

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
                        **({"search_path": schema} if schema else {}),
                    },
                },
            )
        if parsed.get_backend_name() != "sqlite":
            return cls(create_async_engine(url, **kwargs))
        writer = create_async_engine(url, pool_size=1, max_overflow=0, **kwargs)
        _configure_sqlite(writer, writes=True)
        if not parsed.database or parsed.database == ":memory:":
            return cls(writer)  # a second engine would open a second, empty database
        engine = create_async_engine(url, **kwargs)
        _configure_sqlite(engine, writes=False)
        return cls(engine, writer)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction; committed on success, rolled back on error."""
        async with self.writer.begin() as conn:
            yield conn

    async def close(self) -> None:
        await self.engine.dispose()
        if self.writer is not self.engine:
            await self.writer.dispose()

    async def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (run at every start)."""
        from storage.migrate import upgrade

        await upgrade(self)
        await self.analyze(only_if_missing=True)

    async def analyze(self, *, only_if_missing: bool = False) -> None:
        """Refresh the query planner's statistics.

        SQLite plans without statistics until ANALYZE runs (PostgreSQL's autovacuum keeps its
        own); without them some joins pick the wrong index. Run at start when none exist, and
        after an import, which changes the data's shape at once."""
        if not self.is_sqlite:
            return
        from sqlalchemy import text

        async with self.writer.connect() as conn:
            if only_if_missing:
                has_stats = (
                    await conn.execute(
                        text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
                    )
                ).scalar_one()
                if has_stats:
                    return
                rows = (await conn.execute(text("SELECT count(*) FROM messages"))).scalar_one()
                if rows < 10_000:
                    return  # small databases plan well without statistics
            await conn.execute(text("ANALYZE"))
            await conn.commit()


def _configure_sqlite(engine: AsyncEngine, *, writes: bool) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA cache_size=-65536")
        cur.execute("PRAGMA temp_store=MEMORY")
        # Checkpoint less often: hot index pages rewritten by consecutive batches are then
        # copied back once, not after every commit.
        cur.execute("PRAGMA wal_autocheckpoint=16384")
        if not writes:
            cur.execute("PRAGMA query_only=ON")
        cur.close()

    begin = "BEGIN IMMEDIATE" if writes else "BEGIN"

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)


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
