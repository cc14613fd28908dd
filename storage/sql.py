"""SQL helpers every store shares, in one place: column types (`Id`, `UtcDateTime`), the
foreign key by which every row belongs to a community (`community_fk`), INSERT … ON CONFLICT DO
NOTHING for either dialect (`insert_ignore`), setting a keyed row that may not exist yet
(`set_keyed`), the join from a reply to its thread's root
(`thread_root`), slicing long IN lists (`chunks`) and an IN list PostgreSQL can prepare once
(`among`). Imports nothing from the rest of storage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    Table,
    and_,
    any_,
    bindparam,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Mapped, mapped_column

Id = BigInteger().with_variant(Integer(), "sqlite")
UtcDateTime = DateTime(timezone=True)
CHUNK = 400  # keeps IN lists and multi-row VALUES well under every driver's parameter limit


def community_fk() -> Mapped[int]:
    """The column by which a row belongs to a community (deleted with it)."""
    return mapped_column(Id, ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)


def insert_ignore(conn: Connection | AsyncConnection, table: Table) -> Any:
    """INSERT … ON CONFLICT DO NOTHING for whichever dialect the connection speaks."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


async def set_keyed(
    conn: AsyncConnection,
    table: Table,
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    defaults: Mapping[str, Any] | None = None,
) -> None:
    """Set columns of the row with this key, creating it (with `defaults`) when missing: a
    per-member settings row that may not exist yet, written the same way on both dialects."""
    await conn.execute(insert_ignore(conn, table), [{**key, **(defaults or {}), **values}])
    await conn.execute(
        update(table)
        .where(*(table.c[name] == value for name, value in key.items()))
        .values(**values)
    )


def thread_root(reply: Any, root: Any) -> Any:
    """Join condition from a message to the root of its thread (same community and channel,
    root's external id = the reply's thread id): how every query finds a conversation's start."""
    return and_(
        root.c.community_id == reply.c.community_id,
        root.c.channel_id == reply.c.channel_id,
        root.c.external_id == reply.c.thread_external_id,
    )


def among(conn: Connection | AsyncConnection, column: Any, values: Iterable[Any]) -> Any:
    """`column IN (values)`. On PostgreSQL `column = ANY(:array)`: one statement text whatever
    the number of values, so each connection prepares it once; an IN list is a new statement
    for every length, and each new statement costs asyncpg a round trip to prepare it before
    the one that runs it (most of a command's lists differ in length)."""
    values = list(values)
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
