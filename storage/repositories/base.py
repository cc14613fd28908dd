"""What every core repository shares: one database, and rows made into neutral types."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    select,
)

from bot.model import (
    Channel,
    Member,
)
from storage import models as m
from storage.db import Database


def _member(row: Any) -> Member:
    return Member(
        id=row.id,
        community_id=row.community_id,
        external_id=row.external_id,
        display_name=row.display_name,
        is_bot=bool(row.is_bot),
    )


def _channel(row: Any) -> Channel:
    return Channel(
        id=row.id,
        community_id=row.community_id,
        external_id=row.external_id,
        name=row.name,
        is_private=bool(row.is_private),
        tracked=row.tracked,
    )


class _Repo:
    def __init__(self, db: Database) -> None:
        self.db = db


async def _member_row(conn: Any, community_id: int, external_id: str, what: Any) -> Any:
    """`what` (the members table, or one column) of one member, by platform id; None if unknown."""
    mt = m.members
    query = select(what).where(mt.c.community_id == community_id, mt.c.external_id == external_id)
    result = await conn.execute(query)
    return result.first() if what is mt else result.scalar()
