"""The shares of the links that best match some words, for who-knows' last resort: when fewer
members than asked have the words among their topics (`open data` is in two page titles and
in nobody's strongest topics), whoever shared those pages brought the subject up."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.model import Member
from bot.titles import TitleSource
from storage import models as m
from storage.db import Database
from storage.interests.common import _public_channel
from storage.interests.members import _members
from storage.repositories.resources import matching_resource_ids
from storage.sql import among

_WORD = re.compile(r"\w+")


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
        self,
        community_id: int,
        query: str,
        *,
        resources: int,
        default_tracking: bool,
        titled: bool = False,
        at_most: int | None = None,
    ) -> LinkShares:
        """The shares of the `resources` links best matching every word of `query`; with
        `titled`, only links whose own title (not a sharing sentence) has each word; none
        when more than `at_most` links match (common words: see `matching_resource_ids`)."""
        async with self.db.read() as conn:
            ids = await matching_resource_ids(conn, community_id, query, resources, at_most=at_most)
            if ids and titled:
                ids = await conn.run_sync(_titled, ids, _WORD.findall(query.casefold()))
            if not ids:
                return LinkShares()
            return await conn.run_sync(_link_shares, community_id, ids, default_tracking)


def _titled(conn: Connection, ids: list[int], words: list[str]) -> list[int]:
    """The resources whose title has each of `words` (`checks` in "Creating a Check"), in the
    given order; sentence titles are chat, not a page's name."""
    rt = m.resources
    titles = {
        rid: {w for w in _WORD.findall((title or "").casefold())}
        for rid, title in conn.execute(
            select(rt.c.id, rt.c.title).where(
                among(conn, rt.c.id, ids), rt.c.title_rank > int(TitleSource.SENTENCE)
            )
        )
    }
    return [
        rid
        for rid in ids
        if rid in titles and all(any(_same_word(t, w) for t in titles[rid]) for w in words)
    ]


def _same_word(title_word: str, word: str) -> bool:
    """`check` in a title answers `checks`, `checking` finds `check`; `c` answers nothing."""
    if title_word.startswith(word):
        return True
    return len(title_word) >= max(3, len(word) - 2) and word.startswith(title_word)


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
