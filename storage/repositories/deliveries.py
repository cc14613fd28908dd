"""Requests that must run once (a replayed slash command or button press)."""

from __future__ import annotations

from datetime import datetime

from storage import models as m
from storage.repositories.base import _Repo
from storage.sql import insert_ignore


class Deliveries(_Repo):
    """Delivery ids of requests that must run once (a replayed slash command or button press),
    in the table that keeps events' delivery ids."""

    async def claim(self, community_id: int, key: str, now: datetime) -> bool:
        """True for the first claim of `key` in the community, in any process; then False."""
        async with self.db.write() as conn:
            result = await conn.execute(
                insert_ignore(conn, m.processed_events),
                [{"community_id": community_id, "event_key": key[:128], "processed_at": now}],
            )
            return bool(result.rowcount)
