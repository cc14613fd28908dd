"""SQL pieces the interest store's parts share: upserts, community scoping that keeps out of
index choice, public channels, each member's newest rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Table,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from storage import models as m
from storage.sql import chunks


def _upsert(conn: Connection | Any, table: Table, keys: Sequence[str], set_: Sequence[str]) -> Any:
    """INSERT … ON CONFLICT (keys) DO UPDATE SET each of `set_` to the new value."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in set_}
    )


class _NotIndexed(FunctionElement[Any]):
    """A column that SQLite may not pick an index for (`column + 0`); plain elsewhere."""

    inherit_cache = True
    name = "not_indexed"

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(_NotIndexed)
def _plain(element: _NotIndexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(_NotIndexed, "sqlite")
def _plus_zero(element: _NotIndexed, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} + 0)"


def _scoped(column: Any, community_id: int) -> Any:
    """`column = community_id`, on SQLite kept out of index choice: where rows are already
    picked by an indexed member or resource id, SQLite (which has no statistics here) would
    otherwise scan the whole community through a (community_id, time) index instead. On
    PostgreSQL the plain comparison: its statistics know that one community holds every row,
    and `community_id + 0 = 1` estimated 44 of a busy member's 13,539 events, so `network`
    sorted them all (47 ms) instead of reading the newest 500 through (member, time) (1.6 ms)."""
    return _NotIndexed(column) == community_id


def _public_channel() -> Any:
    return m.channels.c.is_private.is_(False)


def _newest(q: Any, member: Any, when: Any, recent: int, members: int = 0) -> Any:
    """Only each member's `recent` newest rows of `q` (older ones have decayed anyway).

    For one member (`members` == 1), ORDER BY … LIMIT: read newest first through the member's
    time index and stop, where ranking their whole history first costs ~200× more for the
    busiest posters."""
    if members == 1:
        return q.order_by(when.desc()).limit(recent)
    rank = func.row_number().over(partition_by=member, order_by=when.desc()).label("rank_")
    sub = q.add_columns(rank).subquery()
    return select(*[c for c in sub.c if c.name != "rank_"]).where(sub.c.rank_ <= recent)


def _living_members(conn: Connection, community_id: int, ids: Iterable[int]) -> list[int]:
    """Of these member ids, those still in the community, sorted: derived rows are written
    for them only (a member forgotten meanwhile gets none back)."""
    mt = m.members
    alive: list[int] = []
    for part in chunks(sorted(set(ids))):
        alive += conn.execute(
            select(mt.c.id).where(mt.c.id.in_(part), mt.c.community_id == community_id)
        ).scalars()
    return sorted(alive)
