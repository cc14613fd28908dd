"""SQL pieces the interest store's parts share: upserts, community scoping that keeps out of
index choice, public channels, each member's newest rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Table,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from storage import models as m


def _upsert(conn: Connection | Any, table: Table, keys: Sequence[str], set_: Sequence[str]) -> Any:
    """INSERT … ON CONFLICT (keys) DO UPDATE SET each of `set_` to the new value."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in set_}
    )


def _scoped(column: Any, community_id: int) -> Any:
    """`column = community_id`, kept out of index choice: where rows are already picked by an
    indexed member or resource id, SQLite (which has no statistics here) would otherwise scan
    the whole community through a (community_id, time) index instead."""
    return (column + 0) == community_id


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
