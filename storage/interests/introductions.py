"""Members' own top-level posts in chosen channels: what their introductions are read from
(`bot.interests.introductions`, which decides which channels and what the posts state)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.clock import as_utc
from storage import models as m
from storage.db import Database
from storage.interests.common import _newest, _public_channel, _scoped
from storage.interests.values import Posted
from storage.sql import chunks


class IntroductionStore:
    db: Database

    async def public_channels(self, community_id: int) -> dict[int, str]:
        """Every public channel of a community that has a name: id -> name."""
        ch = m.channels
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(ch.c.id, ch.c.name).where(
                    ch.c.community_id == community_id, _public_channel(), ch.c.name.is_not(None)
                )
            )
            return {cid: name for cid, name in rows}

    async def own_posts(
        self,
        community_id: int,
        member_ids: Collection[int],
        channel_ids: Collection[int],
        *,
        since: datetime,
        recent: int,
    ) -> list[Posted]:
        """These members' newest `recent` top-level messages (no thread replies) since a time
        in these channels."""
        if not member_ids or not channel_ids:
            return []
        async with self.db.read() as conn:
            return await conn.run_sync(
                _own_posts,
                community_id,
                sorted(set(member_ids)),
                sorted(set(channel_ids)),
                since,
                recent,
            )


def _own_posts(
    conn: Connection,
    community_id: int,
    member_ids: list[int],
    channel_ids: list[int],
    since: datetime,
    recent: int,
) -> list[Posted]:
    msg, ch = m.messages, m.channels
    out: list[Posted] = []
    for part in chunks(member_ids):
        q = (
            select(msg.c.author_id, msg.c.id, msg.c.posted_at, msg.c.text, ch.c.name)
            .join(ch, ch.c.id == msg.c.channel_id)
            .where(
                _scoped(msg.c.community_id, community_id),
                msg.c.author_id.in_(part),
                msg.c.channel_id.in_(channel_ids),
                msg.c.thread_external_id.is_(None),
                msg.c.posted_at >= since,
                _public_channel(),
            )
        )
        for mid, message_id, at, text, channel in conn.execute(
            _newest(q, msg.c.author_id, msg.c.posted_at, recent, len(part))
        ):
            out.append(Posted(mid, message_id, as_utc(at), text or "", channel))
    return out
