"""What changed since topics were computed: new activity past the watermarks, fingerprints
(signatures) of each resource's and member's inputs, the sweeps that compare them, dirty flags."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    func,
    literal,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from bot.clock import as_utc
from storage import models as m
from storage.db import Database
from storage.interests.common import _upsert
from storage.interests.tables import (
    member_topic_state,
    resource_topic_state,
    resource_unfurls,
)
from storage.sql import chunks, thread_root


class ChangeStore:
    db: Database

    async def scan_new(
        self, community_id: int, after_message: int, after_reaction: int, limit: int
    ) -> tuple[set[int], set[int], int, int, bool]:
        """Resources and members touched by messages/reactions newer than the watermarks.

        Returns (resource ids, member ids, new message watermark, new reaction watermark,
        whether everything new was seen)."""
        async with self.db.read() as conn:
            return await conn.run_sync(
                _scan_new, community_id, after_message, after_reaction, limit
            )

    async def sweep_resources(
        self, community_id: int, cursor: int, limit: int
    ) -> tuple[set[int], int]:
        """Resources after `cursor` whose inputs changed since their topics were computed
        (or that were never computed); returns them and the next cursor (0 after the end)."""
        async with self.db.read() as conn:
            return await conn.run_sync(_sweep_resources, community_id, cursor, limit)

    async def sweep_members(
        self, community_id: int, cursor: int, limit: int
    ) -> tuple[set[int], int]:
        async with self.db.read() as conn:
            return await conn.run_sync(_sweep_members, community_id, cursor, limit)

    async def mark_dirty(
        self, community_id: int, resource_ids: Collection[int], member_ids: Collection[int]
    ) -> None:
        async with self.db.write() as conn:
            await conn.run_sync(_mark_dirty, community_id, resource_ids, member_ids)

    async def mark_all_dirty(self, community_id: int) -> None:
        """Every resource and member whose topics were worked out, to be worked out again
        (their rows stay until then)."""
        rs, ms = resource_topic_state, member_topic_state
        async with self.db.write() as conn:
            for table in (rs, ms):
                await conn.execute(
                    update(table).where(table.c.community_id == community_id).values(dirty=True)
                )

    async def mark_all_members_dirty(self, community_id: int) -> None:
        ms = member_topic_state
        async with self.db.write() as conn:
            await conn.execute(
                update(ms).where(ms.c.community_id == community_id).values(dirty=True)
            )

    async def dirty_resources(self, community_id: int, limit: int) -> list[int]:
        rs = resource_topic_state
        async with self.db.read() as conn:
            return list(
                (
                    await conn.execute(
                        select(rs.c.resource_id)
                        .where(rs.c.community_id == community_id, rs.c.dirty.is_(True))
                        .order_by(rs.c.resource_id)
                        .limit(limit)
                    )
                ).scalars()
            )

    async def dirty_members(self, community_id: int, limit: int) -> list[int]:
        ms = member_topic_state
        async with self.db.read() as conn:
            return list(
                (
                    await conn.execute(
                        select(ms.c.member_id)
                        .where(ms.c.community_id == community_id, ms.c.dirty.is_(True))
                        .order_by(ms.c.member_id)
                        .limit(limit)
                    )
                ).scalars()
            )

    async def resource_signatures(self, ids: Collection[int]) -> dict[int, str]:
        """Fingerprints of what these resources' topics are computed from (see sweeps)."""
        async with self.db.read() as conn:
            return await conn.run_sync(_resource_signatures, sorted(set(ids)))

    async def member_signatures(
        self, community_id: int, member_ids: Sequence[int]
    ) -> dict[int, str]:
        async with self.db.read() as conn:
            return await conn.run_sync(_member_signatures, community_id, list(member_ids))

    async def never_computed(self, community_id: int, resource_ids: Collection[int]) -> list[int]:
        """Those of these resources (of this community) whose topics were never computed."""
        rt, rs = m.resources, resource_topic_state
        out: list[int] = []
        async with self.db.read() as conn:
            for part in chunks(sorted(set(resource_ids))):
                out.extend(
                    (
                        await conn.execute(
                            select(rt.c.id)
                            .outerjoin(rs, rs.c.resource_id == rt.c.id)
                            .where(
                                rt.c.community_id == community_id,
                                rt.c.id.in_(part),
                                rs.c.computed_at.is_(None),
                            )
                        )
                    ).scalars()
                )
        return out


def _digest(parts: Iterable[object]) -> str:
    return hashlib.blake2b(repr(tuple(parts)).encode(), digest_size=12).hexdigest()


def _stamp(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    return str(value)


def _scan_new(
    conn: Connection, community_id: int, after_message: int, after_reaction: int, limit: int
) -> tuple[set[int], set[int], int, int, bool]:
    msg, st, rx, mm = m.messages, m.shares, m.reactions, m.message_mentions
    rows = conn.execute(
        select(msg.c.id, msg.c.author_id)
        .where(msg.c.community_id == community_id, msg.c.id > after_message)
        .order_by(msg.c.id)
        .limit(limit)
    ).all()
    resources: set[int] = set()
    members: set[int] = set()
    new_message = after_message
    if rows:
        new_message = rows[-1].id
        members.update(r.author_id for r in rows)

        # Row ids only grow: what the new messages touch is a range of each table's message
        # ids, read by index (an IN list of 50k ids cost more to build than to run).
        def of_new(column: Any) -> Iterable[int]:
            table = column.table
            return conn.execute(
                select(column).where(
                    table.c.community_id == community_id,
                    table.c.message_id > after_message,
                    table.c.message_id <= new_message,
                )
            ).scalars()

        resources.update(of_new(st.c.resource_id))
        # Whom they mention: a thanks by name is evidence about the member thanked.
        members.update(of_new(mm.c.member_id))
        # A reply changes what its thread's shared links are about.
        reply, root = aliased(msg), aliased(msg)
        resources.update(
            conn.execute(
                select(st.c.resource_id)
                .select_from(reply)
                .join(root, thread_root(reply, root))
                .join(st, st.c.message_id == root.c.id)
                .where(
                    reply.c.community_id == community_id,
                    reply.c.id > after_message,
                    reply.c.id <= new_message,
                    reply.c.thread_external_id.is_not(None),
                )
            ).scalars()
        )
    reacted = conn.execute(
        select(rx.c.id, rx.c.member_id)
        .where(rx.c.community_id == community_id, rx.c.id > after_reaction)
        .order_by(rx.c.id)
        .limit(limit)
    ).all()
    new_reaction = after_reaction
    if reacted:
        new_reaction = reacted[-1].id
        members.update(r.member_id for r in reacted)
    complete = len(rows) < limit and len(reacted) < limit
    return resources, members, new_message, new_reaction, complete


def _resource_signatures(conn: Connection, ids: list[int]) -> dict[int, str]:
    """A fingerprint of everything a resource's topics are computed from."""
    rt, st, msg, ch, ru = m.resources, m.shares, m.messages, m.channels, resource_unfurls
    root, reply = aliased(msg), aliased(msg)
    out: dict[int, str] = {}
    for part in chunks(sorted(set(ids))):
        heads = {
            r.id: (r.title, r.description, r.kind)
            for r in conn.execute(
                select(rt.c.id, rt.c.title, rt.c.description, rt.c.kind).where(rt.c.id.in_(part))
            )
        }
        shares = {
            r[0]: r[1:]
            for r in conn.execute(
                select(
                    st.c.resource_id,
                    func.count(),
                    func.max(msg.c.id),
                    func.max(msg.c.edited_at),
                    func.max(ch.c.name),
                )
                .join(msg, msg.c.id == st.c.message_id)
                .join(ch, ch.c.id == st.c.channel_id)
                .where(st.c.resource_id.in_(part))
                .group_by(st.c.resource_id)
            )
        }
        replies = {
            r[0]: r[1:]
            for r in conn.execute(
                select(
                    st.c.resource_id,
                    func.count(reply.c.id),
                    func.max(reply.c.id),
                    func.max(reply.c.edited_at),
                )
                .join(root, root.c.id == st.c.message_id)
                .join(reply, thread_root(reply, root))
                .where(st.c.resource_id.in_(part))
                .group_by(st.c.resource_id)
            )
        }
        unfurls = {
            r.resource_id: (r.state, r.site_name, r.keywords)
            for r in conn.execute(
                select(ru.c.resource_id, ru.c.state, ru.c.site_name, ru.c.keywords).where(
                    ru.c.resource_id.in_(part)
                )
            )
        }
        for rid, head in heads.items():
            parts = (
                *head,
                *(_stamp(v) for v in shares.get(rid, ())),
                *(_stamp(v) for v in replies.get(rid, ())),
                *unfurls.get(rid, ()),
            )
            out[rid] = _digest(parts)
    return out


def _sweep_resources(
    conn: Connection, community_id: int, cursor: int, limit: int
) -> tuple[set[int], int]:
    rt, rs = m.resources, resource_topic_state
    ids = list(
        conn.execute(
            select(rt.c.id)
            .where(rt.c.community_id == community_id, rt.c.id > cursor)
            .order_by(rt.c.id)
            .limit(limit)
        ).scalars()
    )
    if not ids:
        return set(), 0
    sigs = _resource_signatures(conn, ids)
    stored: dict[int, tuple[str, bool]] = {}
    for part in chunks(ids):
        for rid, sig, dirty in conn.execute(
            select(rs.c.resource_id, rs.c.signature, rs.c.dirty).where(rs.c.resource_id.in_(part))
        ):
            stored[rid] = (sig, bool(dirty))
    changed = {
        rid
        for rid, sig in sigs.items()
        if rid not in stored or (stored[rid][0] != sig and not stored[rid][1])
    }
    next_cursor = ids[-1] if len(ids) == limit else 0
    return changed, next_cursor


def _member_signatures(conn: Connection, community_id: int, ids: list[int]) -> dict[int, str]:
    """A fingerprint of a member's activity (new, edited, deleted messages and reactions) and
    of the messages mentioning them."""
    msg, st, rx, mm = m.messages, m.shares, m.reactions, m.message_mentions
    out: dict[int, list[str]] = {mid: [] for mid in ids}
    for part in chunks(sorted(set(ids))):
        queries = (
            select(msg.c.author_id, func.count(), func.max(msg.c.id), func.max(msg.c.edited_at))
            .where(msg.c.author_id.in_(part))
            .group_by(msg.c.author_id),
            select(st.c.member_id, func.count(), func.max(st.c.id), literal(None))
            .where(st.c.member_id.in_(part))
            .group_by(st.c.member_id),
            select(rx.c.member_id, func.count(), func.max(rx.c.id), literal(None))
            .where(rx.c.member_id.in_(part))
            .group_by(rx.c.member_id),
            # Messages naming them (thanks): deleting one changes what they are known for.
            select(mm.c.member_id, func.count(), func.max(mm.c.message_id), literal(None))
            .where(mm.c.member_id.in_(part))
            .group_by(mm.c.member_id),
        )
        for n, q in enumerate(queries):
            for mid, count, top, edited in conn.execute(q):
                out[mid].append(f"{n}:{count}:{top}:{_stamp(edited)}")
    return {mid: _digest(sorted(parts)) for mid, parts in out.items()}


def _sweep_members(
    conn: Connection, community_id: int, cursor: int, limit: int
) -> tuple[set[int], int]:
    mt, ms = m.members, member_topic_state
    ids = list(
        conn.execute(
            select(mt.c.id)
            .where(mt.c.community_id == community_id, mt.c.id > cursor, mt.c.is_bot.is_(False))
            .order_by(mt.c.id)
            .limit(limit)
        ).scalars()
    )
    if not ids:
        return set(), 0
    sigs = _member_signatures(conn, community_id, ids)
    stored: dict[int, tuple[str, bool]] = {}
    for part in chunks(ids):
        for mid, sig, dirty in conn.execute(
            select(ms.c.member_id, ms.c.signature, ms.c.dirty).where(ms.c.member_id.in_(part))
        ):
            stored[mid] = (sig, bool(dirty))
    changed = {
        mid
        for mid, sig in sigs.items()
        if mid not in stored or (stored[mid][0] != sig and not stored[mid][1])
    }
    next_cursor = ids[-1] if len(ids) == limit else 0
    return changed, next_cursor


def _actors_of(conn: Connection, community_id: int, ids: list[int]) -> set[int]:
    """The members who shared, replied to or reacted to these resources: their topics read
    the resources' topics, so they change when those change or go."""
    st, msg, rx = m.shares, m.messages, m.reactions
    root, reply = aliased(msg), aliased(msg)
    out: set[int] = set()
    for part in chunks(sorted(set(ids))):
        out.update(conn.execute(select(st.c.member_id).where(st.c.resource_id.in_(part))).scalars())
        out.update(
            conn.execute(
                select(reply.c.author_id)
                .select_from(st)
                .join(root, root.c.id == st.c.message_id)
                .join(reply, thread_root(reply, root))
                .where(st.c.resource_id.in_(part))
            ).scalars()
        )
        out.update(
            conn.execute(
                select(rx.c.member_id)
                .join(st, st.c.message_id == rx.c.message_id)
                .where(st.c.resource_id.in_(part))
            ).scalars()
        )
    return out


def _mark_dirty(
    conn: Connection,
    community_id: int,
    resource_ids: Collection[int],
    member_ids: Collection[int],
) -> None:
    rt, mt = m.resources, m.members
    for table, parent, ids, key in (
        (resource_topic_state, rt, resource_ids, "resource_id"),
        (member_topic_state, mt, member_ids, "member_id"),
    ):
        for part in chunks(sorted(set(ids))):
            # Only rows that still exist (a message may have been deleted meanwhile).
            alive = list(
                conn.execute(
                    select(parent.c.id).where(
                        parent.c.id.in_(part), parent.c.community_id == community_id
                    )
                ).scalars()
            )
            if not alive:
                continue
            stmt = _upsert(conn, table, [key], ["dirty"])
            conn.execute(
                stmt,
                [
                    {key: i, "community_id": community_id, "signature": "", "dirty": True}
                    for i in alive
                ],
            )
