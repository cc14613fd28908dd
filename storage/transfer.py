"""Copy a whole Rhizome database from SQLite into an empty PostgreSQL database.

A community that outgrows one process moves to PostgreSQL without losing history: every table
is copied in foreign-key order, ids preserved (so nothing that refers to a row changes), in
batches (COPY on asyncpg), inside one target transaction (a failure leaves the target empty),
and the id sequences are moved past the copied ids so new rows never collide.

Which tables: whatever the migrated target holds. Model modules of later features register
their tables on `storage.models.Base.metadata`; a table no imported model describes is still
copied, described by reflecting the target. Never copied: `alembic_version` (the target is
migrated itself), SQLite's FTS5 tables (`resource_fts*`; PostgreSQL has its own index) and
generated columns (PostgreSQL's `search_vector` computes itself), and the tables triggers keep
(`storage.activity`).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    Table,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy import insert as sa_insert
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.schema import sort_tables

from storage.db import Database

log = logging.getLogger(__name__)

BATCH = 5000
# resource_activity/resource_totals: the target's triggers fill them as the facts arrive.
SKIPPED_PREFIXES = (
    "resource_fts",
    "sqlite_",
    "alembic_version",
    "resource_activity",
    "resource_totals",
)
_LOCK = 7243102  # one transfer into a database at a time

Progress = Callable[[str, int, int], None]  # (table, rows copied so far, rows in table)


class TransferError(Exception):
    """The transfer cannot start or could not finish; the target is unchanged."""


@dataclass(frozen=True, slots=True)
class _Plan:
    """One table to copy: how to read it from SQLite and which target columns to fill."""

    name: str
    source: Table  # typed description used to read (model table or reflected target)
    columns: tuple[str, ...]
    aware: frozenset[str]  # timestamptz columns: SQLite hands back naive UTC datetimes
    order_by: tuple[str, ...]


def sqlite_url_of(value: str) -> str:
    """Accept a SQLite URL or a bare file path."""
    if "://" not in value:
        return f"sqlite+aiosqlite:///{Path(value).expanduser()}"
    try:
        url = make_url(value)
    except ArgumentError as e:
        raise TransferError(f"not a database URL: {value!r}") from e
    if url.get_backend_name() != "sqlite":
        raise TransferError(f"the source must be a SQLite database, not {url.get_backend_name()}")
    return url.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)


def postgres_url_of(value: str) -> str:
    """Accept `postgresql://…` or `postgresql+asyncpg://…` (the async driver is used)."""
    try:
        url = make_url(value)
    except ArgumentError as e:
        raise TransferError(f"not a database URL: {value!r}") from e
    if url.get_backend_name() != "postgresql":
        raise TransferError(
            f"the target must be a PostgreSQL database, not {url.get_backend_name()}"
        )
    return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def load_model_modules() -> MetaData:
    """Import every `storage.*` module so each feature's tables join `Base.metadata`."""
    import storage
    from storage.models import Base

    for info in pkgutil.iter_modules(storage.__path__):
        if info.name in {"migrations", "transfer"} or info.ispkg:
            continue
        try:
            importlib.import_module(f"storage.{info.name}")
        except Exception as e:  # a broken feature module must not block the transfer
            log.warning(
                "storage.%s not imported (%s); its tables are reflected instead", info.name, e
            )
    return Base.metadata


async def migrate_sqlite_to_postgres(
    sqlite_url: str,
    postgres_url: str,
    *,
    progress: Progress | None = None,
    schema: str | None = None,
    batch_size: int = BATCH,
) -> dict[str, int]:
    """Copy every table of a SQLite database into an empty PostgreSQL one; rows per table.

    Both databases are first brought to the newest schema (what every start does anyway).
    Raises `TransferError`, leaving the target unchanged, when the target already holds data.
    `schema` selects a PostgreSQL schema (search_path), as tests do.
    """
    source_url = sqlite_url_of(sqlite_url)
    target_url = postgres_url_of(postgres_url)
    path = make_url(source_url).database
    if not path or path == ":memory:" or not await asyncio.to_thread(Path(path).is_file):
        raise TransferError(f"no SQLite database at {path or sqlite_url!r}")
    metadata = load_model_modules()
    source = Database.open(source_url)
    target = Database.open(target_url, schema=schema)
    try:
        await source.migrate()
        await target.migrate()
        async with source.read() as sconn:
            source_tables = await sconn.run_sync(_table_columns)
        async with target.engine.connect() as tconn:
            async with tconn.begin():
                await tconn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
                plans = await tconn.run_sync(_plan, metadata, source_tables)
                held = await _held(tconn, plans)
                if held:
                    raise TransferError(
                        "the target database is not empty ("
                        + ", ".join(f"{n:,} rows in {t}" for t, n in held.items())
                        + "); migrate into a freshly created, empty PostgreSQL database"
                    )
                counts = await _copy(source, tconn, plans, progress, batch_size, schema)
                await _reset_sequences(tconn, plans)
            for p in plans:
                await tconn.execute(text(f'ANALYZE "{p.name}"'))
            await tconn.commit()
        return counts
    finally:
        await source.close()
        await target.close()


def _table_columns(conn: Connection) -> dict[str, set[str]]:
    found = inspect(conn)
    return {
        t: {c["name"] for c in found.get_columns(t)}
        for t in found.get_table_names()
        if not t.startswith(SKIPPED_PREFIXES)
    }


def _plan(conn: Connection, metadata: MetaData, source_tables: dict[str, set[str]]) -> list[_Plan]:
    """What to copy, in foreign-key order: the target's tables, described by the models."""
    found = inspect(conn)
    reflected = MetaData()
    chosen: list[Table] = []
    target_columns: dict[str, dict[str, dict[str, Any]]] = {}
    for name in found.get_table_names():
        if name.startswith(SKIPPED_PREFIXES):
            continue
        cols: dict[str, dict[str, Any]] = {c["name"]: dict(c) for c in found.get_columns(name)}
        target_columns[name] = cols
        table = metadata.tables.get(name)
        if table is None:
            table = Table(
                name,
                reflected,
                *(
                    Column(c["name"], c["type"], primary_key=c["name"] in _pk(found, name))
                    for c in cols.values()
                    if not c.get("computed")
                ),
            )
        chosen.append(table)
    missing = sorted(set(source_tables) - set(target_columns))
    if missing:
        raise TransferError(
            "the SQLite database has tables the PostgreSQL schema lacks: " + ", ".join(missing)
        )
    plans: list[_Plan] = []
    for table in sort_tables(chosen):
        cols = target_columns[table.name]
        here = source_tables.get(table.name, set())
        names = tuple(
            c.name
            for c in table.columns
            if c.name in cols and c.name in here and not cols[c.name].get("computed")
        )
        aware = frozenset(
            n
            for n in names
            if isinstance(cols[n]["type"], DateTime) and getattr(cols[n]["type"], "timezone", False)
        )
        order = tuple(c.name for c in table.primary_key.columns) or names[:1]
        plans.append(_Plan(table.name, table, names, aware, order))
    return plans


def _pk(found: Any, name: str) -> set[str]:
    return set(found.get_pk_constraint(name).get("constrained_columns") or ())


async def _held(conn: AsyncConnection, plans: Sequence[_Plan]) -> dict[str, int]:
    held: dict[str, int] = {}
    for p in plans:
        n = (await conn.execute(text(f'SELECT count(*) FROM "{p.name}"'))).scalar_one()
        if n:
            held[p.name] = int(n)
    return held


async def _copy(
    source: Database,
    tconn: AsyncConnection,
    plans: Sequence[_Plan],
    progress: Progress | None,
    batch_size: int,
    schema: str | None,
) -> dict[str, int]:
    raw = await tconn.get_raw_connection()
    driver: Any = raw.driver_connection
    use_copy = hasattr(driver, "copy_records_to_table")
    dialect = tconn.dialect
    counts: dict[str, int] = {}
    async with source.read() as sconn:
        for p in plans:
            counts[p.name] = 0
            if not p.columns:
                continue
            cols = [p.source.c[n] for n in p.columns]
            total = (await sconn.execute(select(func.count()).select_from(p.source))).scalar_one()
            if progress:
                progress(p.name, 0, total)
            binders = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in cols]
            aware = [n in p.aware for n in p.columns]
            stream = await sconn.stream(
                select(*cols).order_by(*(p.source.c[n] for n in p.order_by))
            )
            async for part in stream.partitions(batch_size):
                rows = [_convert(row, aware, binders) for row in part]
                if use_copy:
                    await driver.copy_records_to_table(
                        p.name, records=rows, columns=list(p.columns), schema_name=schema
                    )
                else:  # another PostgreSQL driver: plain executemany
                    await tconn.execute(
                        sa_insert(p.source), [dict(zip(p.columns, r, strict=True)) for r in rows]
                    )
                counts[p.name] += len(rows)
                if progress:
                    progress(p.name, counts[p.name], total)
                await asyncio.sleep(0)
    return counts


def _convert(row: Sequence[Any], aware: list[bool], binders: list[Any]) -> tuple[Any, ...]:
    out = []
    for value, tz, bind in zip(row, aware, binders, strict=True):
        if tz and isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if bind is not None and value is not None:
            value = bind(value)
        out.append(value)
    return tuple(out)


async def _reset_sequences(conn: AsyncConnection, plans: Sequence[_Plan]) -> None:
    """Move each id sequence past the copied ids, so the next insert gets a fresh id."""
    for p in plans:
        for col in p.source.primary_key.columns:
            if not isinstance(col.type, Integer) and col.type.python_type is not int:
                continue
            seq = (
                await conn.execute(
                    text("SELECT pg_get_serial_sequence(:t, :c)"),
                    {"t": f'"{p.name}"', "c": col.name},
                )
            ).scalar()
            if seq is None:
                continue
            await conn.execute(
                text(
                    f'SELECT setval(:seq, COALESCE((SELECT max("{col.name}") FROM "{p.name}"), 0) + 1,'
                    " false)"
                ),
                {"seq": seq},
            )


def run_transfer_cli(
    sqlite_url: str,
    postgres_url: str,
    *,
    echo: Callable[[str], Any] = print,
    schema: str | None = None,
) -> int:
    """`rhizome db migrate-sqlite-to-postgres`: progress lines, a summary; 0 on success, 2 if refused."""
    last: dict[str, int] = {}

    def report(table: str, done: int, total: int) -> None:
        step = max(total // 10, BATCH)
        if done == 0 or done == total or done - last.get(table, 0) >= step:
            last[table] = done
            echo(f"  {table}: {done:,} / {total:,}")

    try:
        counts = asyncio.run(
            migrate_sqlite_to_postgres(sqlite_url, postgres_url, progress=report, schema=schema)
        )
    except TransferError as e:
        echo(f"Nothing was copied: {e}")
        return 2
    total = sum(counts.values())
    echo(f"Copied {total:,} rows in {len(counts)} tables:")
    for table, n in counts.items():
        echo(f"  {table:<24} {n:>12,}")
    return 0
