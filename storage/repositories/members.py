"""Members: by row id, platform id or name."""

from __future__ import annotations

from sqlalchemy import (
    func,
    or_,
    select,
)

from bot.model import (
    Member,
)
from storage import models as m
from storage.repositories.base import _member, _member_row, _Repo


class Members(_Repo):
    async def get(self, member_id: int) -> Member | None:
        async with self.db.read() as conn:
            row = (await conn.execute(select(m.members).where(m.members.c.id == member_id))).first()
        return _member(row) if row else None

    async def by_external_id(self, community_id: int, external_id: str) -> Member | None:
        mt = m.members
        async with self.db.read() as conn:
            row = await _member_row(conn, community_id, external_id, mt)
        return _member(row) if row else None

    async def by_name(self, community_id: int, name: str) -> Member | None:
        """Exact (case-insensitive) display name or external id."""
        mt = m.members
        wanted = name.lstrip("@").strip().lower()
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(mt)
                    .where(
                        mt.c.community_id == community_id,
                        or_(
                            func.lower(mt.c.display_name) == wanted,
                            func.lower(mt.c.external_id) == wanted,
                        ),
                    )
                    .order_by(mt.c.id)
                    .limit(1)
                )
            ).first()
        return _member(row) if row else None

    async def names(self, community_id: int, limit: int = 5000) -> list[Member]:
        mt = m.members
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(mt)
                .where(mt.c.community_id == community_id, mt.c.is_bot.is_(False))
                .limit(limit)
            )
            return [_member(r) for r in rows]
