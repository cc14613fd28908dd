"""Declared interests (`/rhizome interests add`), kept by platform id like the settings."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime

from sqlalchemy import (
    delete,
    select,
    update,
)

from bot.clock import as_utc
from storage.db import Database
from storage.interests.tables import (
    declared_interests,
)
from storage.interests.values import (
    Declared,
)
from storage.sql import among, chunks, insert_ignore


class DeclaredStore:
    db: Database

    async def declared(
        self, community_id: int, external_ids: Collection[str] | None = None
    ) -> dict[str, list[Declared]]:
        di = declared_interests
        q = select(di.c.member_external_id, di.c.topic, di.c.declared_at).where(
            di.c.community_id == community_id
        )
        out: dict[str, list[Declared]] = {}
        async with self.db.read() as conn:
            parts = [None] if external_ids is None else list(chunks(sorted(set(external_ids))))
            for part in parts:
                qq = q if part is None else q.where(among(conn, di.c.member_external_id, part))
                for ext, topic, at in await conn.execute(qq.order_by(di.c.topic)):
                    out.setdefault(ext, []).append(Declared(topic, as_utc(at)))
        return out

    async def declared_topics(self, community_id: int) -> list[str]:
        di = declared_interests
        async with self.db.read() as conn:
            return list(
                (
                    await conn.execute(
                        select(di.c.topic).where(di.c.community_id == community_id).distinct()
                    )
                ).scalars()
            )

    async def declare(
        self, community_id: int, external_id: str, topics: Sequence[str], now: datetime
    ) -> list[str]:
        """Add declared interests; returns those that were new."""
        di = declared_interests
        async with self.db.write() as conn:
            have = set(
                (
                    await conn.execute(
                        select(di.c.topic).where(
                            di.c.community_id == community_id,
                            di.c.member_external_id == external_id,
                        )
                    )
                ).scalars()
            )
            new = [t for t in dict.fromkeys(topics) if t not in have]
            if new:
                await conn.execute(
                    insert_ignore(conn, di),
                    [
                        {
                            "community_id": community_id,
                            "member_external_id": external_id,
                            "topic": t,
                            "declared_at": now,
                        }
                        for t in new
                    ],
                )
        return new

    async def respell_declared(self, community_id: int, respell: Callable[[str], str]) -> int:
        """Store every declared interest under the key this version gives it (`respell`): an
        older version's folding (`tezo` of "Tezos", `gpus`) would meet no query now. A
        member's two rows that become one keep the earlier. Returns how many rows changed."""
        di = declared_interests
        changed = 0
        async with self.db.write() as conn:
            rows = (
                await conn.execute(
                    select(di.c.id, di.c.member_external_id, di.c.topic)
                    .where(di.c.community_id == community_id)
                    .order_by(di.c.declared_at, di.c.id)
                )
            ).all()
            held = {(r.member_external_id, r.topic) for r in rows}
            for row in rows:
                topic = respell(row.topic)
                if topic == row.topic:
                    continue
                changed += 1
                if (row.member_external_id, topic) in held:
                    await conn.execute(delete(di).where(di.c.id == row.id))
                else:
                    await conn.execute(update(di).where(di.c.id == row.id).values(topic=topic))
                    held.add((row.member_external_id, topic))
                held.discard((row.member_external_id, row.topic))
        return changed

    async def undeclare(
        self, community_id: int, external_id: str, topics: Sequence[str]
    ) -> list[str]:
        di = declared_interests
        async with self.db.write() as conn:
            have = set(
                (
                    await conn.execute(
                        select(di.c.topic).where(
                            di.c.community_id == community_id,
                            di.c.member_external_id == external_id,
                            di.c.topic.in_(list(topics)),
                        )
                    )
                ).scalars()
            )
            if have:
                await conn.execute(
                    delete(di).where(
                        di.c.community_id == community_id,
                        di.c.member_external_id == external_id,
                        di.c.topic.in_(sorted(have)),
                    )
                )
        return [t for t in topics if t in have]
