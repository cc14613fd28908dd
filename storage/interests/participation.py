"""Who took part with whom: saved resources, co-participants, pairwise interactions, each
member's main channel (the network view and intro matching)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import (
    and_,
    func,
    or_,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from bot.clock import as_utc
from storage import models as m
from storage.activity import REPLY, SHARE, resource_activity
from storage.db import Database
from storage.interests.common import _public_channel, _scoped
from storage.sql import among, chunks, thread_root

MAX_PARTICIPANTS = 30  # a resource everyone discussed says nothing about any one pair


class ParticipationStore:
    db: Database

    async def saved(
        self, community_id: int, member_id: int, emojis: Collection[str], limit: int
    ) -> list[tuple[int, datetime]]:
        """Resources of messages this member reacted to with a bookmark emoji, newest first."""
        rx, st = m.reactions, m.shares
        if not emojis:
            return []
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(st.c.resource_id, func.max(rx.c.reacted_at).label("at"))
                .join(st, st.c.message_id == rx.c.message_id)
                .where(
                    _scoped(rx.c.community_id, community_id),
                    rx.c.member_id == member_id,
                    rx.c.emoji.in_(sorted(set(emojis))),
                )
                .group_by(st.c.resource_id)
                .order_by(func.max(rx.c.reacted_at).desc(), st.c.resource_id)
                .limit(limit)
            )
            return [(rid, as_utc(at)) for rid, at in rows]

    async def saved_count(self, community_id: int, member_id: int, emojis: Collection[str]) -> int:
        rx, st = m.reactions, m.shares
        if not emojis:
            return 0
        async with self.db.read() as conn:
            return int(
                (
                    await conn.execute(
                        select(func.count(func.distinct(st.c.resource_id)))
                        .select_from(rx)
                        .join(st, st.c.message_id == rx.c.message_id)
                        .where(
                            _scoped(rx.c.community_id, community_id),
                            rx.c.member_id == member_id,
                            rx.c.emoji.in_(sorted(set(emojis))),
                        )
                    )
                ).scalar_one()
            )

    async def co_participants(
        self, community_id: int, member_id: int, *, recent: int = 500
    ) -> list[tuple[int, int, int]]:
        """Members who took part in the same public resources/threads as this one:
        (member id, resources in common, the latest such resource), most in common first."""
        async with self.db.read() as conn:
            return await conn.run_sync(_co_participants, community_id, member_id, recent)

    async def interactions(
        self, community_id: int, member_ids: Collection[int] | None = None
    ) -> dict[tuple[int, int], int]:
        async with self.db.read() as conn:
            return await conn.run_sync(
                _interactions, community_id, None if member_ids is None else set(member_ids)
            )

    async def main_channels(
        self, community_id: int, member_ids: Collection[int] | None = None
    ) -> dict[int, str]:
        async with self.db.read() as conn:
            return await conn.run_sync(
                _main_channels, community_id, None if member_ids is None else set(member_ids)
            )


def _co_participants(
    conn: Connection, community_id: int, member_id: int, recent: int
) -> list[tuple[int, int, int]]:
    mine = _participation(conn, community_id, member_id, recent)
    resources = sorted({rid for _, rid, _ in mine})
    if not resources:
        return []
    others = _participation_of_resources(conn, community_id, resources)
    # When each other member first took part in each resource (the rows come in no set
    # order: taking the first row read made the answer depend on the plan, and PostgreSQL
    # named another resource once the index by resource covered its columns; read in that
    # index's order, as both engines did, the first row was the first event).
    joined: dict[tuple[int, int], datetime] = {}
    for mid, rid, at in others:
        if mid == member_id:
            continue
        first = joined.get((mid, rid))
        if first is None or at < first:
            joined[(mid, rid)] = at
    count: Counter[int] = Counter()
    latest: dict[int, tuple[datetime, int]] = {}
    for (mid, rid), at in sorted(joined.items(), key=lambda kv: kv[0][1]):
        count[mid] += 1
        if mid not in latest or at > latest[mid][0]:
            latest[mid] = (at, rid)
    # The times as the database gave them (one engine gives all naive or all aware, so they
    # compare alike), made UTC once per member rather than once per event (a busy member's
    # resources hold ~2,000 events).
    when = {mid: as_utc(at).timestamp() for mid, (at, _) in latest.items()}
    ranked = sorted(count.items(), key=lambda kv: (-kv[1], -when[kv[0]], kv[0]))
    return [(mid, n, latest[mid][1]) for mid, n in ranked]


def _participation(
    conn: Connection, community_id: int, member_id: int, recent: int
) -> list[tuple[int, int, datetime]]:
    """(member, resource, when: as stored, naive on SQLite) for the member's newest shares and replies in sharing threads
    (public only): their events in `resource_activity`, newest first through (member, time),
    where joining each of a busy member's thousands of replies back to its root cost
    100-350 ms on PostgreSQL."""
    ra, st, ch = resource_activity, m.shares, m.channels
    rows = conn.execute(
        select(ra.c.member_id, ra.c.resource_id, ra.c.at)
        .join(st, st.c.id == ra.c.share_id)
        .join(ch, ch.c.id == st.c.channel_id)
        .where(
            ra.c.member_id == member_id,
            ra.c.kind.in_((SHARE, REPLY)),
            _scoped(ra.c.community_id, community_id),
            _public_channel(),
        )
        .order_by(ra.c.at.desc())
        .limit(recent)
    ).all()
    return [(mid, rid, at) for mid, rid, at in rows]


def _participation_of_resources(
    conn: Connection, community_id: int, resource_ids: list[int]
) -> list[tuple[int, int, datetime]]:
    """(member, resource, when: as stored, naive on SQLite) of every share of these resources and every reply in the
    threads of their sharing messages, in public channels: read from `resource_activity`
    (by resource), where joining each thread back to its root costs a probe per reply."""
    ra, st, ch = resource_activity, m.shares, m.channels
    out: list[tuple[int, int, datetime]] = []
    for part in chunks(resource_ids):
        for mid, rid, at in conn.execute(
            select(ra.c.member_id, ra.c.resource_id, ra.c.at)
            .join(st, st.c.id == ra.c.share_id)
            .join(ch, ch.c.id == st.c.channel_id)
            .where(
                among(conn, ra.c.resource_id, part),
                ra.c.kind.in_((SHARE, REPLY)),
                _public_channel(),
            )
        ):
            out.append((mid, rid, at))
    return out


def _interactions(
    conn: Connection, community_id: int, member_ids: set[int] | None
) -> dict[tuple[int, int], int]:
    msg, st, ch = m.messages, m.shares, m.channels
    root, reply = aliased(msg), aliased(msg)
    pairs: Counter[tuple[int, int]] = Counter()

    def wanted(a: int, b: int) -> bool:
        return a != b and (member_ids is None or (a in member_ids and b in member_ids))

    q = (
        select(reply.c.author_id, root.c.author_id, func.count())
        .select_from(reply)
        .join(
            root,
            thread_root(reply, root),
        )
        .join(ch, ch.c.id == reply.c.channel_id)
        .where(
            reply.c.community_id == community_id,
            reply.c.thread_external_id.is_not(None),
            reply.c.author_id != root.c.author_id,
            _public_channel(),
        )
        .group_by(reply.c.author_id, root.c.author_id)
    )
    for a, b, n in conn.execute(q):
        if wanted(a, b):
            pairs[(min(a, b), max(a, b))] += int(n)
    # Thread participants: everyone who wrote in the same thread (root author included).
    threads: dict[tuple[int, str], set[int]] = {}
    q2 = (
        select(
            msg.c.channel_id,
            func.coalesce(msg.c.thread_external_id, msg.c.external_id),
            msg.c.author_id,
        )
        .join(ch, ch.c.id == msg.c.channel_id)
        .where(
            msg.c.community_id == community_id,
            _public_channel(),
            or_(
                msg.c.thread_external_id.is_not(None),
                msg.c.id.in_(select(st.c.message_id).where(st.c.community_id == community_id)),
            ),
        )
    )
    for chid, thread, author in conn.execute(q2):
        threads.setdefault((chid, thread), set()).add(author)
    # Resources discussed by both, across threads (shares and replies).
    by_resource: dict[int, set[int]] = {}
    root2 = aliased(msg)
    for rid, mid in conn.execute(
        select(st.c.resource_id, st.c.member_id).where(st.c.community_id == community_id)
    ):
        by_resource.setdefault(rid, set()).add(mid)
    for rid, mid in conn.execute(
        select(st.c.resource_id, reply.c.author_id)
        .select_from(st)
        .join(root2, root2.c.id == st.c.message_id)
        .join(
            reply,
            and_(
                reply.c.channel_id == root2.c.channel_id,
                reply.c.thread_external_id == root2.c.external_id,
            ),
        )
        .where(st.c.community_id == community_id)
    ):
        by_resource.setdefault(rid, set()).add(mid)
    for group in (*threads.values(), *by_resource.values()):
        if len(group) < 2 or len(group) > MAX_PARTICIPANTS:
            continue
        people = sorted(group if member_ids is None else group & member_ids)
        for i, a in enumerate(people):
            for b in people[i + 1 :]:
                pairs[(a, b)] += 1
    return dict(pairs)


def _main_channels(
    conn: Connection, community_id: int, member_ids: set[int] | None
) -> dict[int, str]:
    msg, ch = m.messages, m.channels
    best: dict[int, tuple[int, str]] = {}
    q = (
        select(msg.c.author_id, ch.c.name, ch.c.external_id, func.count())
        .join(ch, ch.c.id == msg.c.channel_id)
        .where(msg.c.community_id == community_id, _public_channel())
        .group_by(msg.c.author_id, ch.c.id, ch.c.name, ch.c.external_id)
    )
    for mid, name, ext, n in conn.execute(q):
        if member_ids is not None and mid not in member_ids:
            continue
        label = name or ext
        current = best.get(mid)
        if current is None or (n, label) > current:
            best[mid] = (int(n), label)
    return {mid: label for mid, (_, label) in best.items()}
