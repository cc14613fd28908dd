"""What each member wants to learn, worked out by the interest pass and stored.

`/rhizome profile` used to find a member's questions on every call: their newest 500 actions of
each kind read back, the question detector run over every text and topics extracted from each
question (~2,000 texts and ~100 ms of Python for a busy member). The interest pass that keeps
`member_topics` (what they know) now also works out their wants from exactly that input
(`bot.interests.pipeline.wants_scores`) and stores the strongest topics here, each with the
questions behind it, so the profile reads a few rows by key.

`member_want_state` holds the `member_topic_state` signature the wants were computed for: they
are current only while that row is clean with the same signature (a new, edited or deleted
message makes the member dirty until the pass has been; meanwhile the profile works the wants
out itself, as before). Rows go with the member (ON DELETE CASCADE) and are rebuilt by
`rhizome reindex`.

Evidence codes are "kind:resource id:message id:text hash", best first: `q` a message that
asks (no resource), `s` a share whose message asks, `r` a reply in a sharing thread that asks.
The profile uses the stored wants only while every question it reads back is unchanged (same
text, still there, still public, the link still in a share): an edit or deletion the pass has
not seen yet sends it back to working them out itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Float, ForeignKey, String, Table, and_, delete, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import as_utc
from storage import models as m
from storage.db import Database
from storage.interests import TOPIC_CHARS, member_topic_state
from storage.interests.common import _living_members, _scoped
from storage.models import Base
from storage.sql import Id, UtcDateTime, among, chunks, community_fk, insert_ignore

WANTS_PER_MEMBER = 20  # stored topics per member (a profile shows 3)
EVIDENCE_PER_WANT = 3  # stored questions per topic, best first
CODES = ("q", "s", "r")


class MemberWantRow(Base):
    __tablename__ = "member_wants"
    member_id: Mapped[int] = mapped_column(
        Id, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(TOPIC_CHARS), primary_key=True)
    community_id: Mapped[int] = community_fk()
    log_score: Mapped[float] = mapped_column(Float)  # log2 of the score at the epoch
    evidence: Mapped[str] = mapped_column(String(200), default="")


class MemberWantStateRow(Base):
    __tablename__ = "member_want_state"
    member_id: Mapped[int] = mapped_column(
        Id, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = community_fk()
    signature: Mapped[str] = mapped_column(String(32), default="")
    computed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


member_wants = cast(Table, MemberWantRow.__table__)
member_want_state = cast(Table, MemberWantStateRow.__table__)


@dataclass(frozen=True, slots=True)
class AskedRef:
    kind: str  # q | s | r
    resource_id: int  # 0 for a plain message
    message_id: int
    text_hash: str = ""  # of the message's text when the pass read it (`text_hash`)

    def code(self) -> str:
        return f"{self.kind}:{self.resource_id}:{self.message_id}:{self.text_hash}"

    @classmethod
    def parse_all(cls, text: str | None) -> tuple[AskedRef, ...]:
        out = []
        for item in (text or "").split(","):
            parts = item.split(":")
            if len(parts) == 4 and parts[0] in CODES and parts[1].isdigit() and parts[2].isdigit():
                out.append(cls(parts[0], int(parts[1]), int(parts[2]), parts[3]))
        return tuple(out)


def text_hash(text: str | None) -> str:
    """A short fingerprint of a message's text: a question edited since the pass no longer
    matches, and the profile works its wants out afresh."""
    return hashlib.blake2b((text or "").encode(), digest_size=4).hexdigest()


@dataclass(frozen=True, slots=True)
class Want:
    topic: str
    log_score: float
    evidence: tuple[AskedRef, ...]


@dataclass(frozen=True, slots=True)
class AskedRow:
    """A stored question checked against the current rows (it still exists, in public)."""

    ref: AskedRef
    at: datetime
    text: str | None
    channel: str | None
    title: str | None
    url: str | None


class WantStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def write(
        self,
        community_id: int,
        wants: Mapping[int, Sequence[Want]],
        signatures: Mapping[int, str],
        now: datetime,
    ) -> None:
        """Replace the wants of every member in `signatures`; those in `wants` (tracked
        members) are recorded as current for their signature, the others have none stored
        (their profile, should they turn tracking on, works them out itself)."""
        async with self.db.write() as conn:
            await conn.run_sync(_write, community_id, wants, signatures, now)

    async def current(self, community_id: int, member_id: int, limit: int) -> list[Want] | None:
        """The member's strongest wants, or None when they are not current (never worked
        out, or the member's activity changed since): then the caller works them out."""
        async with self.db.read() as conn:
            return await conn.run_sync(_current, community_id, member_id, limit)

    async def asked_rows(
        self, community_id: int, member_id: int, refs: Collection[AskedRef]
    ) -> dict[AskedRef, AskedRow]:
        """The stored questions that still hold: the message exists unchanged, is the
        member's, in a public channel, and a share still links the resource (a few
        statements by key)."""
        if not refs:
            return {}
        async with self.db.read() as conn:
            return await conn.run_sync(
                _asked_rows, community_id, member_id, sorted(set(refs), key=str)
            )

    async def export(self, member_id: int) -> list[tuple[str, float]]:
        """Every stored want of a member (`privacy export`): topic and log2 score."""
        mw = member_wants
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(mw.c.topic, mw.c.log_score)
                .where(mw.c.member_id == member_id)
                .order_by(mw.c.log_score.desc(), mw.c.topic)
            )
            return [(r.topic, float(r.log_score)) for r in rows]

    async def reset(self, community_id: int) -> None:
        async with self.db.write() as conn:
            for table in (member_wants, member_want_state):
                await conn.execute(delete(table).where(table.c.community_id == community_id))


def _write(
    conn: Connection,
    community_id: int,
    wants: Mapping[int, Sequence[Want]],
    signatures: Mapping[int, str],
    now: datetime,
) -> None:
    mw, ws = member_wants, member_want_state
    alive = _living_members(conn, community_id, set(wants) | set(signatures))
    for part in chunks(alive):
        conn.execute(delete(mw).where(mw.c.member_id.in_(part)))
        conn.execute(delete(ws).where(ws.c.member_id.in_(part)))
    rows = []
    for mid in alive:
        seen: set[str] = set()
        for w in wants.get(mid, ())[:WANTS_PER_MEMBER]:
            topic = w.topic[:TOPIC_CHARS]
            if topic in seen:
                continue
            seen.add(topic)
            codes = ",".join(ref.code() for ref in w.evidence[:EVIDENCE_PER_WANT])
            while len(codes) > 200:
                codes = codes.rsplit(",", 1)[0]
            rows.append(
                {
                    "member_id": mid,
                    "topic": topic,
                    "community_id": community_id,
                    "log_score": w.log_score,
                    "evidence": codes,
                }
            )
    for part in chunks(rows):
        conn.execute(mw.insert(), list(part))
    state = [
        {
            "member_id": mid,
            "community_id": community_id,
            "signature": signatures.get(mid, ""),
            "computed_at": now,
        }
        for mid in alive
        if mid in wants
    ]
    for part in chunks(state):
        conn.execute(insert_ignore(conn, ws), list(part))


def _current(conn: Connection, community_id: int, member_id: int, limit: int) -> list[Want] | None:
    """One statement: the state row, matched against the member's topic state, with the
    strongest wants joined on (none: a row with no topic)."""
    mw, ws, ts = member_wants, member_want_state, member_topic_state
    ranked = (
        select(mw.c.member_id, mw.c.topic, mw.c.log_score, mw.c.evidence)
        .where(mw.c.member_id == member_id)
        .order_by(mw.c.log_score.desc(), mw.c.topic)
        .limit(limit)
        .subquery()
    )
    rows = conn.execute(
        select(ranked.c.topic, ranked.c.log_score, ranked.c.evidence)
        .select_from(ws)
        .join(
            ts,
            and_(
                ts.c.member_id == ws.c.member_id,
                ts.c.signature == ws.c.signature,
                ts.c.dirty.is_(False),
            ),
        )
        .outerjoin(ranked, ranked.c.member_id == ws.c.member_id)
        .where(ws.c.member_id == member_id, ws.c.community_id == community_id)
    ).all()
    if not rows:
        return None
    out = [
        Want(r.topic, float(r.log_score), AskedRef.parse_all(r.evidence))
        for r in rows
        if r.topic is not None
    ]
    out.sort(key=lambda w: (-w.log_score, w.topic))
    return out


def _asked_rows(
    conn: Connection, community_id: int, member_id: int, refs: list[AskedRef]
) -> dict[AskedRef, AskedRow]:
    msg, ch, rt, st = m.messages, m.channels, m.resources, m.shares
    messages: dict[int, Any] = {}
    for part in chunks(sorted({r.message_id for r in refs})):
        for row in conn.execute(
            select(msg.c.id, msg.c.text, msg.c.posted_at, ch.c.name)
            .join(ch, ch.c.id == msg.c.channel_id)
            .where(
                among(conn, msg.c.id, part),
                msg.c.author_id == member_id,
                _scoped(msg.c.community_id, community_id),
                ch.c.is_private.is_(False),
            )
        ):
            messages[row.id] = row
    rids = sorted({r.resource_id for r in refs if r.resource_id and r.message_id in messages})
    heads: dict[int, tuple[str | None, str]] = {}
    for part in chunks(rids):
        for head in conn.execute(
            select(rt.c.id, rt.c.title, func.coalesce(rt.c.shared_url, rt.c.canonical_url)).where(
                rt.c.community_id == community_id, among(conn, rt.c.id, part)
            )
        ):
            heads[head[0]] = (head[1], head[2])
    shared: dict[tuple[int, int], datetime] = {}
    s_mids = sorted({r.message_id for r in refs if r.kind == "s" and r.message_id in messages})
    for part in chunks(s_mids):
        for message_id, rid, at in conn.execute(
            select(st.c.message_id, st.c.resource_id, st.c.shared_at).where(
                among(conn, st.c.message_id, part)
            )
        ):
            shared[(message_id, rid)] = as_utc(at)
    out: dict[AskedRef, AskedRow] = {}
    for ref in refs:
        found = messages.get(ref.message_id)
        if found is None:
            continue  # deleted, or moved out of sight, since the pass
        at = as_utc(found.posted_at)
        title: str | None = None
        url: str | None = None
        if ref.resource_id:
            found_head = heads.get(ref.resource_id)
            if found_head is None:
                continue
            title, url = found_head
            if ref.kind == "s":
                shared_at = shared.get((ref.message_id, ref.resource_id))
                if shared_at is None:
                    continue  # the link was edited out of the message
                at = shared_at
        if ref.text_hash and text_hash(found.text) != ref.text_hash:
            continue  # edited since the pass
        out[ref] = AskedRow(ref, at, found.text, found.name, title, url or None)
    return out
