"""Who was already in touch, and who shares what: facts for pairing members (reactions,
@-mentions and back-to-back messages between two members; topics members shared)."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import and_, distinct, func, or_, select

from storage import models as m
from storage.interests.tables import member_topics
from storage.intros.base import StoreBase

CONTACT_GAP = timedelta(minutes=30)  # two messages this close in a channel are a conversation
_MENTION = re.compile(r"<@!?([^>|\s]+)(?:\|[^>]*)?>")  # Slack and Discord user mentions


class ContactStore(StoreBase):
    async def contacts(
        self,
        community_id: int,
        member_ids: Collection[int],
        since: datetime,
        within: timedelta = CONTACT_GAP,
    ) -> dict[tuple[int, int], int]:
        """How often two of `member_ids` were in touch in public channels since `since`,
        beyond shared threads: one reacted to the other's message, one @-mentioned the other,
        or they posted one right after the other (outside threads, within `within`), which
        is how a conversation looks in a channel without threads. Keys: (smaller, larger)."""
        wanted = set(member_ids)
        out: dict[tuple[int, int], int] = {}

        def count(a: int, b: int) -> None:
            if a != b and a in wanted and b in wanted:
                key = (a, b) if a < b else (b, a)
                out[key] = out.get(key, 0) + 1

        msg, rx, ch, mt = m.messages, m.reactions, m.channels, m.members
        public = and_(ch.c.id == msg.c.channel_id, ch.c.is_private.is_(False))
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(rx.c.member_id, msg.c.author_id)
                .select_from(rx.join(msg, msg.c.id == rx.c.message_id).join(ch, public))
                .where(rx.c.community_id == community_id, msg.c.posted_at >= since)
            )
            for reactor, author in rows:
                count(reactor, author)
            by_ext = {
                ext: mid
                for mid, ext in await conn.execute(
                    select(mt.c.id, mt.c.external_id).where(mt.c.community_id == community_id)
                )
                if mid in wanted
            }
            rows = await conn.execute(
                select(msg.c.author_id, msg.c.text)
                .select_from(msg.join(ch, public))
                .where(
                    msg.c.community_id == community_id,
                    msg.c.posted_at >= since,
                    msg.c.text.contains("<@"),
                )
            )
            for author, text in rows:
                for ext in set(_MENTION.findall(text or "")):
                    found = by_ext.get(ext)
                    if found is not None:
                        count(author, found)
            flat = or_(
                msg.c.thread_external_id.is_(None),
                msg.c.thread_external_id == msg.c.external_id,
            )
            turns = (
                select(
                    msg.c.author_id.label("author"),
                    msg.c.posted_at.label("at"),
                    func.lag(msg.c.author_id)
                    .over(partition_by=msg.c.channel_id, order_by=(msg.c.posted_at, msg.c.id))
                    .label("prev_author"),
                    func.lag(msg.c.posted_at, type_=msg.c.posted_at.type)
                    .over(partition_by=msg.c.channel_id, order_by=(msg.c.posted_at, msg.c.id))
                    .label("prev_at"),
                )
                .select_from(msg.join(ch, public))
                .where(msg.c.community_id == community_id, msg.c.posted_at >= since, flat)
                .subquery()
            )
            turn_rows = await conn.execute(
                select(turns.c.author, turns.c.at, turns.c.prev_author, turns.c.prev_at).where(
                    turns.c.prev_author.is_not(None), turns.c.prev_author != turns.c.author
                )
            )
            for author, at, prev_author, prev_at in turn_rows:
                if author in wanted and prev_author in wanted and at - prev_at <= within:
                    count(author, prev_author)
        return out

    async def topic_shares(
        self,
        community_id: int,
        topics: Collection[str],
        *,
        min_members: int = 1,
        strongest: int | None = None,
    ) -> dict[str, float]:
        """Of the community's members with any known topic, the share holding each of
        `topics` among their strongest (`member_topics`, one index range per topic; with
        `strongest`, only their `strongest` best-scored count, however many are stored);
        nothing when fewer than `min_members` members have topics."""
        mt = member_topics
        wanted = sorted(set(topics))
        if not wanted:
            return {}
        async with self.db.read() as conn:
            total = (
                await conn.execute(
                    select(func.count(distinct(mt.c.member_id))).where(
                        mt.c.community_id == community_id
                    )
                )
            ).scalar_one()
            if not total or total < min_members:
                return {}
            counts: dict[str, int] = {}
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                if strongest is None:
                    q = (
                        select(mt.c.topic, func.count())
                        .where(mt.c.community_id == community_id, mt.c.topic.in_(part))
                        .group_by(mt.c.topic)
                    )
                else:
                    rank = (
                        func.row_number()
                        .over(
                            partition_by=mt.c.member_id,
                            order_by=(mt.c.log_score.desc(), mt.c.topic),
                        )
                        .label("rank")
                    )
                    ranked = (
                        select(mt.c.topic, rank).where(mt.c.community_id == community_id).subquery()
                    )
                    q = (
                        select(ranked.c.topic, func.count())
                        .where(ranked.c.rank <= strongest, ranked.c.topic.in_(part))
                        .group_by(ranked.c.topic)
                    )
                counts.update({t: int(n) for t, n in await conn.execute(q)})
        return {t: n / total for t, n in counts.items()}
