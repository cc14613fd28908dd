"""Per community refresh state: watermarks, sweep cursors, the refresh lease, and how far the
derived tables lag behind."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    func,
    or_,
    select,
    update,
)

from storage import models as m
from storage.db import Database
from storage.interests.tables import (
    interest_state,
    member_topic_state,
    resource_topic_state,
)
from storage.interests.values import (
    State,
)
from storage.sql import insert_ignore


class StateStore:
    db: Database

    async def state(self, community_id: int, now: datetime) -> State:
        st = interest_state
        async with self.db.write() as conn:
            await conn.execute(
                insert_ignore(conn, st),
                [{"community_id": community_id, "updated_at": now}],
            )
            row = (await conn.execute(select(st).where(st.c.community_id == community_id))).one()
        return State(
            community_id=row.community_id,
            last_message_id=row.last_message_id or 0,
            last_reaction_id=row.last_reaction_id or 0,
            last_unfurl_resource_id=row.last_unfurl_resource_id or 0,
            resource_cursor=row.resource_cursor or 0,
            member_cursor=row.member_cursor or 0,
            half_life_days=row.half_life_days,
            derived_version=row.derived_version,
        )

    async def backlog(self, community_id: int, cap: int = 100_000) -> int:
        """How much the derived tables lag behind: messages and reactions not yet looked at,
        plus resources and members waiting to be recomputed (at most about `cap`). Read-only
        and index-bound, so commands can ask before every answer: the watermarks, then one
        statement of four bounded counts (it was five round trips). The watermarks go in as
        values: behind a subquery PostgreSQL cannot tell that `id > watermark` finds
        nothing, and with `LIMIT 1` it walked all 1M messages (290 ms) to make sure."""
        st, msg, rx = interest_state, m.messages, m.reactions
        rs, ms = resource_topic_state, member_topic_state
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(st.c.last_message_id, st.c.last_reaction_id).where(
                        st.c.community_id == community_id
                    )
                )
            ).first()
            last_msg = (row.last_message_id or 0) if row is not None else 0
            last_rx = (row.last_reaction_id or 0) if row is not None else 0
            counts = [
                select(func.count()).select_from(q.limit(cap).subquery()).scalar_subquery()
                for q in (
                    select(msg.c.id).where(msg.c.id > last_msg, msg.c.community_id == community_id),
                    select(rx.c.id).where(rx.c.id > last_rx, rx.c.community_id == community_id),
                    select(rs.c.resource_id).where(
                        rs.c.community_id == community_id, rs.c.dirty.is_(True)
                    ),
                    select(ms.c.member_id).where(
                        ms.c.community_id == community_id, ms.c.dirty.is_(True)
                    ),
                )
            ]
            found = (await conn.execute(select(*counts))).one()
        return sum(int(n or 0) for n in found)

    async def community_wide(self, community_id: int) -> frozenset[str] | None:
        """The community's own subjects as the last full pass saved them (None: never)."""
        st = interest_state
        async with self.db.read() as conn:
            saved = (
                await conn.execute(
                    select(st.c.community_wide).where(st.c.community_id == community_id)
                )
            ).scalar()
        return None if saved is None else frozenset(t for t in saved.split("\n") if t)

    async def set_state(self, community_id: int, now: datetime, **values: Any) -> None:
        st = interest_state
        async with self.db.write() as conn:
            await conn.execute(
                update(st).where(st.c.community_id == community_id).values(updated_at=now, **values)
            )

    async def claim(self, community_id: int, owner: str, now: datetime, until: datetime) -> bool:
        """Take the community's refresh lease (one refresher at a time across processes)."""
        st = interest_state
        async with self.db.write() as conn:
            await conn.execute(
                insert_ignore(conn, st), [{"community_id": community_id, "updated_at": now}]
            )
            result = await conn.execute(
                update(st)
                .where(
                    st.c.community_id == community_id,
                    or_(
                        st.c.lease_owner.is_(None),
                        st.c.lease_owner == owner,
                        st.c.lease_until.is_(None),
                        st.c.lease_until < now,
                    ),
                )
                .values(lease_owner=owner, lease_until=until)
            )
            return bool(result.rowcount)

    async def release(self, community_id: int, owner: str) -> None:
        st = interest_state
        async with self.db.write() as conn:
            await conn.execute(
                update(st)
                .where(st.c.community_id == community_id, st.c.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )

    async def communities(self) -> list[int]:
        async with self.db.read() as conn:
            return list(
                (await conn.execute(select(m.communities.c.id).order_by(m.communities.c.id)))
                .scalars()
                .all()
            )
