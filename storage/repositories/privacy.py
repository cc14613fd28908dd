"""One member's data: forgotten (`forget-me`), counted, exported (`my-data`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    func,
    select,
    update,
)

from bot.clock import as_utc
from storage import models as m
from storage.ingest import IngestStore, delete_member_data
from storage.repositories.base import _member_row, _Repo


class Privacy(_Repo):
    async def forget(self, store: IngestStore, community_id: int, external_id: str) -> bool:
        """Delete one member's rows; of their settings only the tracking choice stays (keyed
        by platform id so it can be honoured). True when a member row existed."""
        mt, ms = m.members, m.member_settings
        async with self.db.write() as conn:
            await conn.execute(
                update(ms)
                .where(ms.c.community_id == community_id, ms.c.member_external_id == external_id)
                .values(intros=None, intros_paused_until=None)
            )
            member_id = await _member_row(conn, community_id, external_id, mt.c.id)
            if member_id is None:
                return False
            await conn.run_sync(delete_member_data, community_id, member_id, store)
        store.forget_member(community_id, external_id)
        return True

    async def counts(self, community_id: int, external_id: str) -> tuple[int, int, int]:
        """(messages, shares, reactions) stored about one member."""
        mt = m.members
        async with self.db.read() as conn:
            member_id = await _member_row(conn, community_id, external_id, mt.c.id)
            if member_id is None:
                return (0, 0, 0)
            found = []
            for table, column in (
                (m.messages, m.messages.c.author_id),
                (m.shares, m.shares.c.member_id),
                (m.reactions, m.reactions.c.member_id),
            ):
                stmt = select(func.count()).select_from(table).where(column == member_id)
                found.append(int((await conn.execute(stmt)).scalar_one()))
        return (found[0], found[1], found[2])

    async def export(self, community_id: int, external_id: str) -> dict[str, Any]:
        """Everything stored about one member, as plain JSON-able data."""
        mt, msg, ct, st, rt, rx, ms = (
            m.members,
            m.messages,
            m.channels,
            m.shares,
            m.resources,
            m.reactions,
            m.member_settings,
        )
        async with self.db.read() as conn:
            member = await _member_row(conn, community_id, external_id, mt)
            settings = (
                await conn.execute(
                    select(ms).where(
                        ms.c.community_id == community_id, ms.c.member_external_id == external_id
                    )
                )
            ).first()
            data: dict[str, Any] = {
                "member": None,
                "settings": None
                if settings is None
                else {
                    "tracking": bool(settings.tracking),
                    "intros": settings.intros,
                    "intros_paused_until": _iso(settings.intros_paused_until),
                    "updated_at": _iso(settings.updated_at),
                },
                "messages": [],
                "shares": [],
                "reactions": [],
                "mentioned_in": [],  # others' messages naming them (a thanks is evidence)
            }
            if member is None:
                return data
            data["member"] = {
                "id": member.external_id,
                "display_name": member.display_name,
                "first_seen_at": _iso(member.first_seen_at),
            }
            for r in await conn.execute(
                select(
                    msg.c.external_id,
                    msg.c.thread_external_id,
                    msg.c.posted_at,
                    msg.c.edited_at,
                    msg.c.text,
                    ct.c.name,
                )
                .join(ct, ct.c.id == msg.c.channel_id)
                .where(msg.c.author_id == member.id)
                .order_by(msg.c.posted_at)
            ):
                data["messages"].append(
                    {
                        "id": r.external_id,
                        "channel": r.name,
                        "thread": r.thread_external_id,
                        "posted_at": _iso(r.posted_at),
                        "edited_at": _iso(r.edited_at),
                        "text": r.text,
                    }
                )
            for share in await conn.execute(
                select(rt.c.canonical_url, rt.c.title, st.c.shared_at, ct.c.name)
                .join(rt, rt.c.id == st.c.resource_id)
                .join(ct, ct.c.id == st.c.channel_id)
                .where(st.c.member_id == member.id)
                .order_by(st.c.shared_at)
            ):
                data["shares"].append(
                    {
                        "url": share.canonical_url,
                        "title": share.title,
                        "channel": share.name,
                        "shared_at": _iso(share.shared_at),
                    }
                )
            for reaction in await conn.execute(
                select(rx.c.emoji, rx.c.reacted_at, msg.c.external_id)
                .join(msg, msg.c.id == rx.c.message_id)
                .where(rx.c.member_id == member.id)
                .order_by(rx.c.reacted_at)
            ):
                data["reactions"].append(
                    {
                        "emoji": reaction.emoji,
                        "message": reaction.external_id,
                        "reacted_at": _iso(reaction.reacted_at),
                    }
                )
            mm = m.message_mentions
            for named in await conn.execute(
                select(msg.c.external_id, msg.c.posted_at, ct.c.name)
                .join(mm, mm.c.message_id == msg.c.id)
                .join(ct, ct.c.id == msg.c.channel_id)
                .where(mm.c.member_id == member.id)
                .order_by(msg.c.posted_at)
            ):
                data["mentioned_in"].append(
                    {
                        "message": named.external_id,
                        "channel": named.name,
                        "posted_at": _iso(named.posted_at),
                    }
                )
        return data


def _iso(when: datetime | None) -> str | None:
    return as_utc(when).isoformat() if when else None
