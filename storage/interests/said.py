"""Members' own messages that say some words, for who-knows' very last resort: when neither
members' topics nor the pages shared name enough people, whoever talked about the subject in
plain words ("when sketching visualizations you need to throw them away") brought it up.

Message text has no search index (one would slow every import), so the scan reads only the
community's newest `scan` messages, through the time index: a bound on the cost whatever the
history's size. Private channels, bots and members who turned tracking off are left out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from bot.clock import as_utc
from bot.model import Member
from storage import models as m
from storage.db import Database
from storage.interests.common import _public_channel
from storage.interests.members import _members


@dataclass(frozen=True, slots=True)
class Statement:
    member_id: int
    message_id: int
    text: str
    at: datetime
    channel: str | None
    conversation: tuple[int, str]  # (channel row id, its thread's root or its own id)
    opens: bool = True  # posted in the channel itself, or opening its thread: not a reply


@dataclass(frozen=True, slots=True)
class Statements:
    """Messages holding the words, newest first, and their authors who may be listed."""

    statements: list[Statement] = field(default_factory=list)
    members: dict[int, Member] = field(default_factory=dict)


class SaidStore:
    db: Database

    async def statements(
        self,
        community_id: int,
        patterns: Sequence[Sequence[str]],
        *,
        scan: int,
        at_most: int,
        default_tracking: bool,
    ) -> Statements:
        """Messages among the newest `scan` in public channels whose text holds, in order,
        every piece of one of `patterns` (case-insensitively: `["sketch"]`, `["time",
        "series"]`); at most `at_most` of them, newest first. The caller checks the words."""
        if not patterns:
            return Statements()
        async with self.db.read() as conn:
            return await conn.run_sync(
                _statements, community_id, patterns, scan, at_most, default_tracking
            )


def _like(pieces: Sequence[str]) -> str:
    escaped = (p.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for p in pieces)
    return "%" + "%".join(escaped) + "%"


def _statements(
    conn: Connection,
    community_id: int,
    patterns: Sequence[Sequence[str]],
    scan: int,
    at_most: int,
    default_tracking: bool,
) -> Statements:
    msg, ch = m.messages, m.channels
    since = conn.execute(
        select(msg.c.posted_at)
        .where(msg.c.community_id == community_id)
        .order_by(msg.c.posted_at.desc())
        .offset(scan - 1)
        .limit(1)
    ).scalar()
    # SQLite's LIKE ignores ASCII case already; PostgreSQL's does not
    like = msg.c.text.ilike if conn.dialect.name == "postgresql" else msg.c.text.like
    q = (
        select(
            msg.c.author_id,
            msg.c.id,
            msg.c.text,
            msg.c.posted_at,
            msg.c.channel_id,
            msg.c.external_id,
            msg.c.thread_external_id,
            ch.c.name,
        )
        .join(ch, ch.c.id == msg.c.channel_id)
        .where(
            msg.c.community_id == community_id,
            _public_channel(),
            or_(*(like(_like(p), escape="\\") for p in patterns)),
        )
        .order_by(msg.c.posted_at.desc(), msg.c.id.desc())
        .limit(at_most)
    )
    if since is not None:
        q = q.where(msg.c.posted_at >= since)
    found = [
        Statement(
            author,
            mid,
            text or "",
            as_utc(at),
            name,
            (channel_id, thread or external),
            thread is None or thread == external,
        )
        for author, mid, text, at, channel_id, external, thread, name in conn.execute(q)
    ]
    members = _members(
        conn, community_id, {s.member_id for s in found}, default_tracking, tracked_only=True
    )
    return Statements([s for s in found if s.member_id in members], members)
