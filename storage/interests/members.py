"""Members as the interest store sees them: who may be shown (not bots, tracked), their names,
and a row for someone who declares interests before ever posting."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    func,
    literal,
    select,
)
from sqlalchemy.engine import Connection

from bot.model import Member
from storage import models as m
from storage.db import Database
from storage.sql import among, chunks, insert_ignore


def tracking_of(default_tracking: bool) -> Any:
    """SQL: is this member tracked (their explicit choice, else the default)?"""
    ms = m.member_settings
    return func.coalesce(ms.c.tracking, literal(default_tracking))


class MemberStore:
    db: Database

    async def members(
        self,
        community_id: int,
        member_ids: Collection[int] | None,
        default_tracking: bool,
        *,
        tracked_only: bool = True,
    ) -> dict[int, Member]:
        """Non-bot members (these, or all of the community), without opted-out ones."""
        async with self.db.read() as conn:
            return await conn.run_sync(
                _members, community_id, member_ids, default_tracking, tracked_only
            )

    async def ensure_member(
        self, community_id: int, external_id: str, display_name: str | None, now: datetime
    ) -> None:
        """A member row for someone who declares interests before ever posting."""
        async with self.db.write() as conn:
            await conn.execute(
                insert_ignore(conn, m.members),
                [
                    {
                        "community_id": community_id,
                        "external_id": external_id[:64],
                        "display_name": (display_name or None) and display_name[:200],
                        "is_bot": False,
                        "first_seen_at": now,
                    }
                ],
            )

    async def member_names(self, community_id: int) -> list[str]:
        """Display names of the community's members (their words are not topics)."""
        mb = m.members
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(mb.c.display_name).where(
                    mb.c.community_id == community_id, mb.c.display_name.is_not(None)
                )
            )
            return [name for name in rows.scalars() if name]


def _members(
    conn: Connection,
    community_id: int,
    member_ids: Collection[int] | None,
    default_tracking: bool,
    tracked_only: bool,
) -> dict[int, Member]:
    mt, ms = m.members, m.member_settings
    q = (
        select(mt)
        .outerjoin(
            ms,
            and_(
                ms.c.community_id == mt.c.community_id,
                ms.c.member_external_id == mt.c.external_id,
            ),
        )
        .where(mt.c.community_id == community_id, mt.c.is_bot.is_(False))
    )
    if tracked_only:
        q = q.where(tracking_of(default_tracking).is_(True))
    out: dict[int, Member] = {}
    parts: Iterable[Sequence[int] | None] = (
        [None] if member_ids is None else chunks(sorted(set(member_ids)))
    )
    for part in parts:
        qq = q if part is None else q.where(among(conn, mt.c.id, part))
        for r in conn.execute(qq):
            out[r.id] = Member(r.id, r.community_id, r.external_id, r.display_name, bool(r.is_bot))
    return out
