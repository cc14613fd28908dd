"""Messages without their content: watermarks, what was posted when and where, reactions on them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, or_, select

from bot.clock import as_utc
from bot.model import (
    CommunityRef,
)
from storage import models as m
from storage.repositories.base import _Repo
from storage.sql import chunks, insert_ignore


@dataclass(frozen=True, slots=True)
class StoredMessageRef:
    """A stored message's platform id and time, no content."""

    external_id: str
    posted_at: datetime
    thread_external_id: str | None = None


class Messages(_Repo):
    async def last_message_id(
        self, community: CommunityRef, channel_external_id: str
    ) -> str | None:
        """The newest stored message id in a channel (Discord backfill starts after it)."""
        msg, ct, cm = m.messages, m.channels, m.communities
        async with self.db.read() as conn:
            return (
                await conn.execute(
                    select(msg.c.external_id)
                    .join(ct, ct.c.id == msg.c.channel_id)
                    .join(cm, cm.c.id == msg.c.community_id)
                    .where(
                        cm.c.platform == community.platform,
                        cm.c.external_id == community.external_id,
                        ct.c.external_id == channel_external_id,
                        msg.c.thread_external_id.is_(None),
                    )
                    .order_by(msg.c.posted_at.desc(), msg.c.id.desc())
                    .limit(1)
                )
            ).scalar()

    async def high_water_marks(
        self,
        community: CommunityRef,
        thread_window: timedelta,
        *,
        before: datetime | None = None,
    ) -> dict[tuple[str, str | None], datetime]:
        """When the newest stored message of each channel (thread None) and of each thread
        with a message in the last `thread_window` before the community's newest was posted.

        Catch-up reads the platform's history from these. Taken before an adapter listens,
        or counting only messages posted `before` a lost connection, so live traffic never
        moves them past a gap.
        """
        msg, ct, cm = m.messages, m.channels, m.communities
        async with self.db.read() as conn:
            cid = (
                await conn.execute(
                    select(cm.c.id).where(
                        cm.c.platform == community.platform,
                        cm.c.external_id == community.external_id,
                    )
                )
            ).scalar()
            if cid is None:
                return {}
            scope = [msg.c.community_id == cid]
            if before is not None:
                scope.append(msg.c.posted_at <= before)
            newest = (await conn.execute(select(func.max(msg.c.posted_at)).where(*scope))).scalar()
            if newest is None:
                return {}
            since = as_utc(newest) - thread_window
            last = func.max(msg.c.posted_at)
            rows = await conn.execute(
                select(ct.c.external_id, msg.c.thread_external_id, last)
                .join(ct, ct.c.id == msg.c.channel_id)
                .where(*scope)
                .group_by(ct.c.external_id, msg.c.thread_external_id)
                .having(or_(msg.c.thread_external_id.is_(None), last >= since))
            )
            return {(row[0], row[1]): as_utc(row[2]) for row in rows}

    async def threads_by_channel(self, community: CommunityRef) -> dict[str, set[str]]:
        """The platform's threads with stored messages, by their channel's platform id:
        catch-up asks the platform which of them still exist. Not chains of in-channel replies,
        which messages store alike (see `models.ThreadRow`)."""
        th, ct, cm = m.threads, m.channels, m.communities
        msg = m.messages
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(ct.c.external_id, th.c.external_id)
                .join(ct, ct.c.id == th.c.channel_id)
                .join(cm, cm.c.id == th.c.community_id)
                .where(
                    cm.c.platform == community.platform,
                    cm.c.external_id == community.external_id,
                    exists().where(
                        msg.c.channel_id == th.c.channel_id,
                        msg.c.thread_external_id == th.c.external_id,
                    ),
                )
            )
            out: dict[str, set[str]] = {}
            for channel, thread in rows:
                out.setdefault(channel, set()).add(thread)
            return out

    async def posted_between(
        self,
        community: CommunityRef,
        channel_external_id: str,
        thread_external_id: str | None,
        after: datetime,
        until: datetime,
    ) -> set[str]:
        """Ids of the stored messages of a channel's top level (thread None) or of one
        thread's replies, posted in (after, until]: what a complete history listing of that
        range must show, or they were deleted meanwhile."""
        msg, ct, cm = m.messages, m.channels, m.communities
        where = [
            cm.c.platform == community.platform,
            cm.c.external_id == community.external_id,
            ct.c.external_id == channel_external_id,
            msg.c.posted_at > after,
            msg.c.posted_at <= until,
        ]
        if thread_external_id is None:
            where.append(msg.c.thread_external_id.is_(None))
        else:
            where.append(msg.c.thread_external_id == thread_external_id)
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(msg.c.external_id)
                .join(ct, ct.c.id == msg.c.channel_id)
                .join(cm, cm.c.id == msg.c.community_id)
                .where(*where)
            )
            return {row[0] for row in rows}

    async def reactions_on(
        self, community: CommunityRef, channel_external_id: str, message_ids: Iterable[str]
    ) -> set[tuple[str, str, str]]:
        """(message, member, emoji) external ids of the stored reactions on these messages of
        a channel: what a history listing must still show, or they were removed meanwhile."""
        wanted = list(dict.fromkeys(message_ids))
        if not wanted:
            return set()
        msg, ct, cm, rt, mb = m.messages, m.channels, m.communities, m.reactions, m.members
        found: set[tuple[str, str, str]] = set()
        async with self.db.read() as conn:
            for part in chunks(wanted):
                rows = await conn.execute(
                    select(msg.c.external_id, mb.c.external_id, rt.c.emoji)
                    .join(msg, msg.c.id == rt.c.message_id)
                    .join(mb, mb.c.id == rt.c.member_id)
                    .join(ct, ct.c.id == msg.c.channel_id)
                    .join(cm, cm.c.id == msg.c.community_id)
                    .where(
                        cm.c.platform == community.platform,
                        cm.c.external_id == community.external_id,
                        ct.c.external_id == channel_external_id,
                        msg.c.external_id.in_(part),
                    )
                )
                found.update((row[0], row[1], row[2]) for row in rows)
        return found

    async def in_place(
        self,
        community: CommunityRef,
        channel_external_id: str,
        thread_external_id: str | None,
        *,
        before: datetime | None = None,
        since: datetime | None = None,
        limit: int = 100,
        replies: bool = False,
    ) -> list[StoredMessageRef]:
        """Stored messages of one place (a channel's top level, or one thread), newest first:
        those posted before `before` and at or after `since` (catch-up after downtime reads
        these to know where to start and which messages were deleted meanwhile). With
        `replies`, a channel's top level includes what is stored under a root that is no
        recorded thread: the channel's reply chains (see `models.ThreadRow`)."""
        msg, ct, cm, th = m.messages, m.channels, m.communities, m.threads
        if thread_external_id is not None:
            place = msg.c.thread_external_id == thread_external_id
        elif replies:
            place = or_(
                msg.c.thread_external_id.is_(None),
                ~exists().where(
                    th.c.channel_id == msg.c.channel_id,
                    th.c.external_id == msg.c.thread_external_id,
                ),
            )
        else:
            place = msg.c.thread_external_id.is_(None)
        query = (
            select(msg.c.external_id, msg.c.posted_at, msg.c.thread_external_id)
            .join(ct, ct.c.id == msg.c.channel_id)
            .join(cm, cm.c.id == msg.c.community_id)
            .where(
                cm.c.platform == community.platform,
                cm.c.external_id == community.external_id,
                ct.c.external_id == channel_external_id,
                place,
            )
            .order_by(msg.c.posted_at.desc(), msg.c.id.desc())
            .limit(limit)
        )
        if before is not None:
            query = query.where(msg.c.posted_at < as_utc(before))
        if since is not None:
            query = query.where(msg.c.posted_at >= as_utc(since))
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
        return [StoredMessageRef(r[0], as_utc(r[1]), r[2]) for r in rows]

    async def note_threads(
        self, community: CommunityRef, channel_external_id: str, thread_ids: Iterable[str]
    ) -> None:
        """Record threads found to be the platform's (a database from before they were
        recorded as they arrive, see `models.ThreadRow`)."""
        ct, cm = m.channels, m.communities
        async with self.db.write() as conn:
            found = (
                await conn.execute(
                    select(ct.c.id, ct.c.community_id)
                    .join(cm, cm.c.id == ct.c.community_id)
                    .where(
                        cm.c.platform == community.platform,
                        cm.c.external_id == community.external_id,
                        ct.c.external_id == channel_external_id,
                    )
                )
            ).first()
            if found is None:
                return
            rows = [
                {"channel_id": found[0], "external_id": t, "community_id": found[1]}
                for t in sorted(set(thread_ids))
            ]
            if rows:
                await conn.execute(insert_ignore(conn, m.threads), rows)

    async def locate(self, community_id: int, external_id: str) -> tuple[str, str | None] | None:
        """(channel external id, thread root id) of a message, by its external id."""
        msg, ct = m.messages, m.channels
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(ct.c.external_id, msg.c.thread_external_id)
                    .join(ct, ct.c.id == msg.c.channel_id)
                    .where(msg.c.community_id == community_id, msg.c.external_id == external_id)
                    .limit(1)
                )
            ).first()
        return (row[0], row[1]) if row else None
