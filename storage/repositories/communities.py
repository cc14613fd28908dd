"""Communities (workspaces, guilds): ensured by platform id and cached, found, listed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import (
    func,
    select,
    update,
)

from bot.clock import as_utc
from bot.model import (
    Community,
    CommunityRef,
)
from storage import models as m
from storage.db import Database
from storage.repositories.base import _Repo
from storage.sql import insert_ignore


class Communities(_Repo):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._ids: dict[tuple[str, str], int] = {}
        # Rows by id, as read (every command reads its community, who-knows twice); a row
        # changes only through `ensure_many` here, and goes with `forget`.
        self._rows: dict[int, Community] = {}

    def forget(self, community_id: int) -> None:
        self._ids = {k: v for k, v in self._ids.items() if v != community_id}
        self._rows.pop(community_id, None)

    def clear(self) -> None:
        """Forget every cached id and row (they may be stale: another process purged)."""
        self._ids.clear()
        self._rows.clear()

    async def ensure_many(self, refs: Iterable[CommunityRef]) -> dict[tuple[str, str], int]:
        refs = list(refs)
        missing = [r for r in refs if r.key not in self._ids]
        if missing:
            self._rows.clear()  # a name may change below
            from datetime import UTC

            now = datetime.now(UTC)
            found: dict[tuple[str, str], int] = {}
            async with self.db.write() as conn:
                await conn.execute(
                    insert_ignore(conn, m.communities),
                    [
                        {
                            "platform": r.platform,
                            "external_id": r.external_id,
                            "name": r.name,
                            "created_at": now,
                        }
                        for r in missing
                    ],
                )
                ct = m.communities
                for r in missing:
                    row = (
                        await conn.execute(
                            select(ct.c.id, ct.c.name).where(
                                ct.c.platform == r.platform, ct.c.external_id == r.external_id
                            )
                        )
                    ).one()
                    if r.name and row.name != r.name:
                        await conn.execute(update(ct).where(ct.c.id == row.id).values(name=r.name))
                    found[r.key] = row.id
            # Known only once committed: a concurrent caller that finds the id here reads the
            # row on another connection, which cannot see an uncommitted insert.
            self._ids.update(found)
        return {r.key: self._ids[r.key] for r in refs}

    async def ensure(self, ref: CommunityRef) -> Community:
        cid = (await self.ensure_many([ref]))[ref.key]
        community = await self.get(cid)
        assert community is not None
        return community

    async def get(self, community_id: int) -> Community | None:
        found = self._rows.get(community_id)
        if found is not None:
            return found
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(m.communities).where(m.communities.c.id == community_id))
            ).first()
        if row is None:
            return None
        found = Community(row.id, row.platform, row.external_id, row.name)
        self._rows[community_id] = found
        return found

    async def last_activity(self, community_id: int) -> datetime | None:
        """When the community's newest stored message was posted (an index look-up)."""
        async with self.db.read() as conn:
            found = await conn.scalar(
                select(func.max(m.messages.c.posted_at)).where(
                    m.messages.c.community_id == community_id
                )
            )
        return as_utc(found) if found is not None else None

    async def find(self, platform: str, external_id: str) -> Community | None:
        ct = m.communities
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(ct).where(ct.c.platform == platform, ct.c.external_id == external_id)
                )
            ).first()
        return Community(row.id, row.platform, row.external_id, row.name) if row else None

    async def resolve(self, label: str) -> Community | None:
        """A community by id number, `platform:external_id`, external id or name."""
        ct = m.communities
        async with self.db.read() as conn:
            rows = (await conn.execute(select(ct).order_by(ct.c.id))).all()
        for r in rows:
            if label in (str(r.id), f"{r.platform}:{r.external_id}", r.external_id, r.name):
                return Community(r.id, r.platform, r.external_id, r.name)
        return None

    async def list_all(self) -> list[tuple[Community, dict[str, int]]]:
        ct = m.communities
        counts: dict[int, dict[str, int]] = {}
        async with self.db.read() as conn:
            rows = (await conn.execute(select(ct).order_by(ct.c.id))).all()
            for table, label in (
                (m.members, "members"),
                (m.channels, "channels"),
                (m.messages, "messages"),
                (m.resources, "resources"),
            ):
                for cid, n in await conn.execute(
                    select(table.c.community_id, func.count()).group_by(table.c.community_id)
                ):
                    counts.setdefault(cid, {})[label] = n
        return [
            (Community(r.id, r.platform, r.external_id, r.name), counts.get(r.id, {})) for r in rows
        ]
