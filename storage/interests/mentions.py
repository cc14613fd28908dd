"""Messages that @-mention a member (`message_mentions`), with their conversation: what being
thanked by name is read from (`bot.interests.thanks`)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from bot.clock import as_utc
from storage import models as m
from storage.db import Database
from storage.interests.common import _newest, _public_channel, _scoped
from storage.interests.values import Mentioned
from storage.sql import chunks, thread_root


class MentionStore:
    db: Database

    async def mentioned(
        self, community_id: int, member_ids: Collection[int], *, since: datetime, recent: int
    ) -> list[Mentioned]:
        """The newest `recent` public messages since a time in which someone else mentioned
        each of these members, each with its thread's root and the links either shared."""
        async with self.db.read() as conn:
            return await conn.run_sync(
                _mentioned, community_id, sorted(set(member_ids)), since, recent
            )


def _mentioned(
    conn: Connection, community_id: int, member_ids: list[int], since: datetime, recent: int
) -> list[Mentioned]:
    mm, msg, ch, st = m.message_mentions, m.messages, m.channels, m.shares
    root = aliased(msg)
    named = aliased(mm)
    out: list[Mentioned] = []
    for part in chunks(member_ids):
        q = (
            select(
                mm.c.member_id,
                m.members.c.external_id.label("member_external_id"),
                msg.c.id,
                msg.c.posted_at,
                msg.c.text,
                msg.c.author_id,
                ch.c.name,
                msg.c.thread_external_id,
                select(func.count())
                .where(named.c.message_id == msg.c.id)
                .correlate(msg)
                .scalar_subquery()
                .label("mentions"),
            )
            .select_from(mm)
            .join(msg, msg.c.id == mm.c.message_id)
            .join(ch, ch.c.id == msg.c.channel_id)
            .join(m.members, m.members.c.id == mm.c.member_id)
            .where(
                _scoped(mm.c.community_id, community_id),
                mm.c.member_id.in_(part),
                msg.c.author_id != mm.c.member_id,
                msg.c.posted_at >= since,
                _public_channel(),
            )
        )
        rows = conn.execute(_newest(q, mm.c.member_id, msg.c.posted_at, recent, len(part))).all()
        if not rows:
            continue
        ids = sorted({r.id for r in rows})
        roots: dict[int, Any] = {}
        for chunk in chunks([i for i in ids]):
            for r in conn.execute(
                select(msg.c.id, root.c.id.label("root_id"), root.c.text, root.c.author_id)
                .join(root, thread_root(msg, root))
                .where(msg.c.id.in_(chunk), msg.c.thread_external_id.is_not(None))
            ):
                roots[r.id] = r
        shared: dict[int, list[int]] = {}
        wanted = sorted({*ids, *(r.root_id for r in roots.values())})
        for chunk in chunks(wanted):
            for message_id, resource_id in conn.execute(
                select(st.c.message_id, st.c.resource_id).where(st.c.message_id.in_(chunk))
            ):
                shared.setdefault(message_id, []).append(resource_id)
        for r in rows:
            top = roots.get(r.id)
            found = [*shared.get(r.id, ()), *(shared.get(top.root_id, ()) if top else ())]
            out.append(
                Mentioned(
                    member_id=r.member_id,
                    message_id=r.id,
                    at=as_utc(r.posted_at),
                    text=r.text or "",
                    author_id=r.author_id,
                    channel=r.name,
                    top_level=r.thread_external_id is None,
                    mentions=int(r.mentions or 1),
                    root_id=top.root_id if top else None,
                    root_text=(top.text or "") if top else "",
                    root_author_id=top.author_id if top else None,
                    resource_ids=tuple(dict.fromkeys(found)),
                    member_external_id=r.member_external_id or "",
                )
            )
    return out


def _thanked_by(conn: Connection, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """(member, message) pairs whose mention still stands -> the name of who wrote the
    message (a "thanked" evidence line says by whom)."""
    mm, msg, mt = m.message_mentions, m.messages, m.members
    out: dict[tuple[int, int], str] = {}
    wanted = set(pairs)
    for chunk in chunks(sorted({message for _, message in wanted})):
        for member_id, message_id, name, ext in conn.execute(
            select(mm.c.member_id, mm.c.message_id, mt.c.display_name, mt.c.external_id)
            .join(msg, msg.c.id == mm.c.message_id)
            .join(mt, mt.c.id == msg.c.author_id)
            .where(mm.c.message_id.in_(chunk))
        ):
            if (member_id, message_id) in wanted:
                out[(member_id, message_id)] = name or ext
    return out
