"""The shares of the links that best match some words, for who-knows' last resort: when fewer
members than asked have the words among their topics (`open data` is in two page titles and
in nobody's strongest topics), whoever shared those pages brought the subject up."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.model import Member
from storage import models as m
from storage.db import Database
from storage.interests.common import _public_channel
from storage.interests.members import _members
from storage.repositories.resources import matching_resource_ids
from storage.sql import among


@dataclass(frozen=True, slots=True)
class LinkShare:
    member_id: int
    resource_id: int
    message_id: int
    text: str  # the sharing message (a question shares a link to ask about it)


@dataclass(frozen=True, slots=True)
class LinkShares:
    """Matching resources best first, their shares in public channels, oldest first, and the
    sharers who may be listed (tracked, not bots)."""

    resource_ids: list[int] = field(default_factory=list)
    shares: list[LinkShare] = field(default_factory=list)
    members: dict[int, Member] = field(default_factory=dict)


class LinkedStore:
    db: Database

    async def link_shares(
        self, community_id: int, query: str, *, resources: int, default_tracking: bool
    ) -> LinkShares:
        """The shares of the `resources` links best matching every word of `query`."""
        async with self.db.read() as conn:
            ids = await matching_resource_ids(conn, community_id, query, resources)
            if not ids:
                return LinkShares()
            return await conn.run_sync(_link_shares, community_id, ids, default_tracking)


def _link_shares(
    conn: Connection, community_id: int, ids: list[int], default_tracking: bool
) -> LinkShares:
    st, ch, msg = m.shares, m.channels, m.messages
    shares = [
        LinkShare(member_id, resource_id, message_id, text or "")
        for member_id, resource_id, message_id, text in conn.execute(
            select(st.c.member_id, st.c.resource_id, st.c.message_id, msg.c.text)
            .join(ch, ch.c.id == st.c.channel_id)
            .join(msg, msg.c.id == st.c.message_id)
            .where(
                st.c.community_id == community_id,
                among(conn, st.c.resource_id, ids),
                _public_channel(),
            )
            .order_by(st.c.shared_at, st.c.id)
        )
    ]
    members = _members(
        conn, community_id, {s.member_id for s in shares}, default_tracking, tracked_only=True
    )
    return LinkShares(ids, shares, members)
