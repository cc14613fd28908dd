"""Channels: listed, found, and tracked or not (moderators' overrides)."""

from __future__ import annotations

from sqlalchemy import (
    func,
    select,
    update,
)

from bot.model import (
    Channel,
)
from storage import models as m
from storage.repositories.base import _channel, _Repo
from storage.sql import insert_ignore


class Channels(_Repo):
    async def tracking_overrides(self, community_id: int) -> dict[str, bool]:
        ct = m.channels
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(ct.c.external_id, ct.c.tracked).where(
                    ct.c.community_id == community_id, ct.c.tracked.is_not(None)
                )
            )
            return {ext: bool(tracked) for ext, tracked in rows}

    async def list(self, community_id: int) -> list[Channel]:
        ct = m.channels
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(ct).where(ct.c.community_id == community_id).order_by(ct.c.name)
            )
            return [_channel(r) for r in rows]

    async def find(
        self, community_id: int, *, external_id: str | None = None, name: str | None = None
    ) -> Channel | None:
        ct = m.channels
        cond = (
            ct.c.external_id == external_id
            if external_id
            else func.lower(ct.c.name) == (name or "").lstrip("#").lower()
        )
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(ct).where(ct.c.community_id == community_id, cond))
            ).first()
        return _channel(row) if row else None

    async def set_tracked(
        self, community_id: int, external_id: str, name: str | None, tracked: bool | None
    ) -> None:
        ct = m.channels
        async with self.db.write() as conn:
            await conn.execute(
                insert_ignore(conn, ct),
                [
                    {
                        "community_id": community_id,
                        "external_id": external_id,
                        "name": name,
                        "is_private": False,
                    }
                ],
            )
            await conn.execute(
                update(ct)
                .where(ct.c.community_id == community_id, ct.c.external_id == external_id)
                .values(tracked=tracked)
            )
