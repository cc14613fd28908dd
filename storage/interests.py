"""Interests storage: resource topics, members' topic scores, declared interests, fetch state.

What is derived here is kept in tables so that `who-knows` is one index probe per topic:

* `resource_topics` — each resource's topics with weights (recomputed when the messages
  that shared or discussed it, or its page metadata, change);
* `member_topics` — each member's strongest known topics as a *decay-normalized* log score
  (`log2 Σ w·2^((t-EPOCH)/half_life)`): every member's score decays by the same factor as
  time passes, so ranking by the stored value is ranking by the live, decayed score;
* `topic_stats` — per community topic popularity (autocomplete, suggestions);
* `declared_interests` — `/rhizome interests add`, keyed by the platform id like settings;
* `resource_unfurls` — page-metadata fetch state per resource (backoff survives restarts);
* `interest_state`, `resource_topic_state`, `member_topic_state` — watermarks, sweep
  cursors, a lease, and dirty flags, so refreshing is incremental and restart-safe.

Private-channel messages never feed topics or evidence: who-knows answers and intro
explanations are shown to other members. Tables are created by migration 0003.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, aliased, mapped_column

from bot.clock import as_utc
from bot.interests.answers import THANKS_MARKERS
from bot.model import Member
from bot.titles import TitleSource, clean_title, own_words
from storage import models as m
from storage.activity import REPLY, SHARE, resource_activity
from storage.db import Database
from storage.ingest import IngestStore, chunks, insert_ignore, thread_root
from storage.models import Base, Id, UtcDateTime

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)  # member scores are normalized to this instant
ADJACENT_REPLY = timedelta(minutes=30)  # the next message this soon may answer the last
TOPIC_CHARS = 60
MAX_DOC_MESSAGES = 60  # messages per resource that feed its topics (shares first)
MAX_DOC_CHARS = 20_000
BARE_SHARE_WORDS = 2  # a share with fewer words of its own borrows its neighbours' words
MAX_BARE_SHARES = 400  # per batch of resources: bounds the look-ups of a big import
NEARBY_BEFORE = timedelta(minutes=10)
NEARBY_AFTER = timedelta(minutes=20)
NEARBY_MESSAGES = 4
NEARBY_SCAN = 200  # rows read around one share at most (a busy half hour)


def _community_fk() -> Mapped[int]:
    return mapped_column(Id, ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)


class ResourceTopicRow(Base):
    __tablename__ = "resource_topics"
    resource_id: Mapped[int] = mapped_column(
        Id, ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(TOPIC_CHARS), primary_key=True)
    community_id: Mapped[int] = _community_fk()
    weight: Mapped[float] = mapped_column(Float)
    __table_args__ = (
        Index("ix_resource_topics_community_topic", "community_id", "topic", "weight"),
    )


class ResourceTopicStateRow(Base):
    """When a resource's topics were computed, from what (signature), and whether stale."""

    __tablename__ = "resource_topic_state"
    resource_id: Mapped[int] = mapped_column(
        Id, ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = _community_fk()
    signature: Mapped[str] = mapped_column(String(32), default="")
    dirty: Mapped[bool] = mapped_column(Boolean, default=True)
    computed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    __table_args__ = (Index("ix_resource_topic_state_dirty", "community_id", "dirty"),)


class MemberTopicRow(Base):
    __tablename__ = "member_topics"
    member_id: Mapped[int] = mapped_column(
        Id, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(TOPIC_CHARS), primary_key=True)
    community_id: Mapped[int] = _community_fk()
    log_score: Mapped[float] = mapped_column(Float)
    # The strongest evidence, so who-knows reads a few rows by key instead of a member's
    # whole history: "s|r|x:resource id:message id" items (shared, replied, reacted), best first.
    evidence: Mapped[str] = mapped_column(String(200), default="")
    shared: Mapped[int] = mapped_column(Integer, default=0)  # resources on it they shared
    discussed: Mapped[int] = mapped_column(Integer, default=0)  # …replied about or reacted to
    __table_args__ = (
        Index("ix_member_topics_community_topic", "community_id", "topic", "log_score"),
    )


class MemberTopicStateRow(Base):
    __tablename__ = "member_topic_state"
    member_id: Mapped[int] = mapped_column(
        Id, ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = _community_fk()
    signature: Mapped[str] = mapped_column(String(32), default="")
    dirty: Mapped[bool] = mapped_column(Boolean, default=True)
    computed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    __table_args__ = (Index("ix_member_topic_state_dirty", "community_id", "dirty"),)


class TopicStatRow(Base):
    __tablename__ = "topic_stats"
    community_id: Mapped[int] = mapped_column(
        Id, ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(TOPIC_CHARS), primary_key=True)
    resources: Mapped[int] = mapped_column(Integer)
    weight: Mapped[float] = mapped_column(Float)


class DeclaredInterestRow(Base):
    """`/rhizome interests add`: by platform id, so it is found before a member ever posts."""

    __tablename__ = "declared_interests"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = _community_fk()
    member_external_id: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(TOPIC_CHARS))
    declared_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (
        UniqueConstraint("community_id", "member_external_id", "topic"),
        Index("ix_declared_interests_topic", "community_id", "topic"),
    )


class ResourceUnfurlRow(Base):
    """Page metadata fetch state of one link: done, refused, or failed and retried later."""

    __tablename__ = "resource_unfurls"
    resource_id: Mapped[int] = mapped_column(
        Id, ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = _community_fk()
    state: Mapped[str] = mapped_column(String(16))  # ok | retry | refused | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)
    site_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    keywords: Mapped[str | None] = mapped_column(Text, nullable=True)  # one per line
    error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    __table_args__ = (Index("ix_resource_unfurls_due", "state", "next_attempt_at"),)


class InterestStateRow(Base):
    """Per community: how far refreshing got, and who is refreshing it right now."""

    __tablename__ = "interest_state"
    community_id: Mapped[int] = mapped_column(
        Id, ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    last_message_id: Mapped[int] = mapped_column(Id, default=0)
    last_reaction_id: Mapped[int] = mapped_column(Id, default=0)
    last_unfurl_resource_id: Mapped[int] = mapped_column(Id, default=0)
    resource_cursor: Mapped[int] = mapped_column(Id, default=0)
    member_cursor: Mapped[int] = mapped_column(Id, default=0)
    half_life_days: Mapped[float | None] = mapped_column(Float, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


resource_topics = cast(Table, ResourceTopicRow.__table__)
resource_topic_state = cast(Table, ResourceTopicStateRow.__table__)
member_topics = cast(Table, MemberTopicRow.__table__)
member_topic_state = cast(Table, MemberTopicStateRow.__table__)
topic_stats = cast(Table, TopicStatRow.__table__)
declared_interests = cast(Table, DeclaredInterestRow.__table__)
resource_unfurls = cast(Table, ResourceUnfurlRow.__table__)
interest_state = cast(Table, InterestStateRow.__table__)

TopicWeights = Sequence[tuple[str, float]]


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    kind: str  # shared | replied | reacted | answered (resource_id 0: a reply to a question)
    resource_id: int
    message_id: int  # the share, the reply, or the message reacted to

    CODES = {"shared": "s", "replied": "r", "reacted": "x", "answered": "a"}  # noqa: RUF012

    def code(self) -> str:
        return f"{self.CODES[self.kind]}:{self.resource_id}:{self.message_id}"

    @classmethod
    def parse_all(cls, text: str | None) -> tuple[EvidenceRef, ...]:
        kinds = {v: k for k, v in cls.CODES.items()}
        out = []
        for item in (text or "").split(","):
            parts = item.split(":")
            if len(parts) == 3 and parts[0] in kinds and parts[1].isdigit() and parts[2].isdigit():
                out.append(cls(kinds[parts[0]], int(parts[1]), int(parts[2])))
        return tuple(out)


@dataclass(frozen=True, slots=True)
class TopicScore:
    """One of a member's known topics as stored: score, best evidence, counts."""

    topic: str
    log_score: float
    evidence: tuple[EvidenceRef, ...] = ()
    shared: int = 0
    discussed: int = 0


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """A stored evidence reference checked against current rows (it still exists)."""

    member_id: int
    ref: EvidenceRef
    at: datetime
    text: str | None
    channel: str | None
    title: str | None
    url: str


# --- values ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class State:
    community_id: int
    last_message_id: int
    last_reaction_id: int
    last_unfurl_resource_id: int
    resource_cursor: int
    member_cursor: int
    half_life_days: float | None


@dataclass(frozen=True, slots=True)
class ResourceDoc:
    """Everything stored that says what a resource is about (see `TopicExtractor`)."""

    resource_id: int
    title: str | None
    description: str | None
    url: str
    keywords: tuple[str, ...]
    site_name: str | None
    messages: tuple[str, ...]
    channel_name: str | None


@dataclass(frozen=True, slots=True)
class Action:
    """One thing a member did: shared / replied (in a sharing thread) / reacted / said.

    `said` is any other message (only loaded when asked for: questions without a link)."""

    member_id: int
    kind: str
    at: datetime
    resource_id: int | None
    message_id: int | None
    text: str | None
    channel: str | None


@dataclass(frozen=True, slots=True)
class Reply:
    """A member's reply in someone else's thread (or Discord reply chain), with its root:
    answering is the strongest sign of knowing, when the root asks something."""

    member_id: int
    message_id: int
    at: datetime
    text: str
    root_id: int
    root_text: str
    channel: str | None
    root_shares: bool = False  # the root shared a link: replies there count as discussing it
    adjacent: bool = False  # the next message in a channel without threads, not a thread reply
    thanked: bool = False  # the asker reacted to it or thanked someone in the thread after it


@dataclass(frozen=True, slots=True)
class Candidates:
    scores: dict[int, list[TopicScore]]  # member id -> the asked topics they know
    declared: dict[int, list[str]]  # member id -> declared topics among those asked
    members: dict[int, Member]  # the candidates who may be listed


@dataclass(frozen=True, slots=True)
class Declared:
    topic: str
    declared_at: datetime


@dataclass(frozen=True, slots=True)
class Unfurled:
    """What a fetch found (or why not), to record for one resource."""

    resource_id: int
    state: str  # ok | retry | refused | failed
    attempts: int
    next_attempt_at: datetime | None = None
    title: str | None = None
    description: str | None = None
    site_name: str | None = None
    keywords: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class UnfurlTodo:
    resource_id: int
    url: str
    attempts: int


# --- helpers --------------------------------------------------------------------------------


def _upsert(conn: Connection | Any, table: Table, keys: Sequence[str], set_: Sequence[str]) -> Any:
    """INSERT … ON CONFLICT (keys) DO UPDATE SET each of `set_` to the new value."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in set_}
    )


def _digest(parts: Iterable[object]) -> str:
    return hashlib.blake2b(repr(tuple(parts)).encode(), digest_size=12).hexdigest()


def _stamp(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    return str(value)


def _scoped(column: Any, community_id: int) -> Any:
    """`column = community_id`, kept out of index choice: where rows are already picked by an
    indexed member or resource id, SQLite (which has no statistics here) would otherwise scan
    the whole community through a (community_id, time) index instead."""
    return (column + 0) == community_id


def _public_channel() -> Any:
    return m.channels.c.is_private.is_(False)


def log_add(a: float, b: float) -> float:
    """log2(2^a + 2^b) without overflow."""
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    hi, lo = (a, b) if a >= b else (b, a)
    return hi + math.log2(1.0 + 2.0 ** (lo - hi))


def tracking_of(default_tracking: bool) -> Any:
    """SQL: is this member tracked (their explicit choice, else the default)?"""
    ms = m.member_settings
    return func.coalesce(ms.c.tracking, literal(default_tracking))


# --- the store ------------------------------------------------------------------------------


class InterestStore:
    """Every interests read and write; scoped by community."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- state, lease ------------------------------------------------------------------------
    async def state(self, community_id: int, now: datetime) -> State:
        st = interest_state
        async with self.db.write() as conn:
            await conn.execute(
                insert_ignore(conn, st),
                [{"community_id": community_id, "updated_at": now}],
            )
            row = (await conn.execute(select(st).where(st.c.community_id == community_id))).one()
        return State(
            community_id=row.community_id,
            last_message_id=row.last_message_id or 0,
            last_reaction_id=row.last_reaction_id or 0,
            last_unfurl_resource_id=row.last_unfurl_resource_id or 0,
            resource_cursor=row.resource_cursor or 0,
            member_cursor=row.member_cursor or 0,
            half_life_days=row.half_life_days,
        )

    async def backlog(self, community_id: int, cap: int = 100_000) -> int:
        """How much the derived tables lag behind: messages and reactions not yet looked at,
        plus resources and members waiting to be recomputed (at most about `cap`). Read-only
        and index-bound, so commands can ask before every answer."""
        st, msg, rx = interest_state, m.messages, m.reactions
        rs, ms = resource_topic_state, member_topic_state
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(st.c.last_message_id, st.c.last_reaction_id).where(
                        st.c.community_id == community_id
                    )
                )
            ).first()
            last_msg = (row.last_message_id or 0) if row is not None else 0
            last_rx = (row.last_reaction_id or 0) if row is not None else 0
            total = 0
            for q in (
                select(msg.c.id).where(msg.c.id > last_msg, msg.c.community_id == community_id),
                select(rx.c.id).where(rx.c.id > last_rx, rx.c.community_id == community_id),
                select(rs.c.resource_id).where(
                    rs.c.community_id == community_id, rs.c.dirty.is_(True)
                ),
                select(ms.c.member_id).where(
                    ms.c.community_id == community_id, ms.c.dirty.is_(True)
                ),
            ):
                sub = q.limit(cap).subquery()
                total += int(await conn.scalar(select(func.count()).select_from(sub)) or 0)
        return total

    async def set_state(self, community_id: int, now: datetime, **values: Any) -> None:
        st = interest_state
        async with self.db.write() as conn:
            await conn.execute(
                update(st).where(st.c.community_id == community_id).values(updated_at=now, **values)
            )

    async def claim(self, community_id: int, owner: str, now: datetime, until: datetime) -> bool:
        """Take the community's refresh lease (one refresher at a time across processes)."""
        st = interest_state
        async with self.db.write() as conn:
            await conn.execute(
                insert_ignore(conn, st), [{"community_id": community_id, "updated_at": now}]
            )
            result = await conn.execute(
                update(st)
                .where(
                    st.c.community_id == community_id,
                    or_(
                        st.c.lease_owner.is_(None),
                        st.c.lease_owner == owner,
                        st.c.lease_until.is_(None),
                        st.c.lease_until < now,
                    ),
                )
                .values(lease_owner=owner, lease_until=until)
            )
            return bool(result.rowcount)

    async def release(self, community_id: int, owner: str) -> None:
        st = interest_state
        async with self.db.write() as conn:
            await conn.execute(
                update(st)
                .where(st.c.community_id == community_id, st.c.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )

    async def communities(self) -> list[int]:
        async with self.db.read() as conn:
            return list(
                (await conn.execute(select(m.communities.c.id).order_by(m.communities.c.id)))
                .scalars()
                .all()
            )

    # --- change detection --------------------------------------------------------------------
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

    # --- resource topics ---------------------------------------------------------------------
    async def resource_docs(
        self, community_id: int, resource_ids: Sequence[int]
    ) -> tuple[dict[int, ResourceDoc], dict[int, str]]:
        """The documents of these resources and their input signatures (read together)."""
        async with self.db.read() as conn:
            docs = await conn.run_sync(_resource_docs, community_id, list(resource_ids))
            sigs = await conn.run_sync(_resource_signatures, list(docs))
        return docs, sigs

    async def member_names(self, community_id: int) -> list[str]:
        """Display names of the community's members (their words are not topics)."""
        mb = m.members
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(mb.c.display_name).where(
                    mb.c.community_id == community_id, mb.c.display_name.is_not(None)
                )
            )
            return [name for name in rows.scalars() if name]

    async def recent_resource_ids(self, community_id: int, limit: int) -> list[int]:
        rt = m.resources
        async with self.db.read() as conn:
            return list(
                (
                    await conn.execute(
                        select(rt.c.id)
                        .where(rt.c.community_id == community_id)
                        .order_by(rt.c.id.desc())
                        .limit(limit)
                    )
                ).scalars()
            )

    async def fill_titles(self, community_id: int, titles: Mapping[int, tuple[str, int]]) -> None:
        """Give untitled resources a weak title (URL words, sharing sentence) unless a better
        one arrived meanwhile; search text follows."""
        rt = m.resources
        rows = [
            {"rid": rid, "new_title": title[:500], "new_rank": int(rank)}
            for rid, (title, rank) in titles.items()
        ]
        stmt = (
            update(rt)
            .where(
                rt.c.id == bindparam("rid"),
                rt.c.community_id == community_id,
                func.coalesce(rt.c.title_rank, 0) < bindparam("new_rank"),
            )
            .values(title=bindparam("new_title"), title_rank=bindparam("new_rank"))
        )
        async with self.db.write() as conn:
            await conn.execute(stmt, rows)
            await conn.run_sync(IngestStore.refresh_search_text, sorted(titles))

    async def resource_signatures(self, ids: Collection[int]) -> dict[int, str]:
        """Fingerprints of what these resources' topics are computed from (see sweeps)."""
        async with self.db.read() as conn:
            return await conn.run_sync(_resource_signatures, sorted(set(ids)))

    async def write_resource_topics(
        self,
        community_id: int,
        topics: Mapping[int, TopicWeights],
        signatures: Mapping[int, str],
        now: datetime,
    ) -> set[int]:
        """Store these resources' topics; returns the resources whose topics changed."""
        async with self.db.write() as conn:
            return await conn.run_sync(
                _write_resource_topics, community_id, topics, signatures, now
            )

    async def actors_of(self, community_id: int, resource_ids: Collection[int]) -> set[int]:
        """Members who shared, replied about or reacted to these resources."""
        async with self.db.read() as conn:
            return await conn.run_sync(_actors_of, community_id, list(resource_ids))

    async def topics_of(
        self, resource_ids: Collection[int], community_id: int | None = None
    ) -> dict[int, list[tuple[str, float]]]:
        async with self.db.read() as conn:
            return await conn.run_sync(_topics_of, sorted(set(resource_ids)), community_id)

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

    async def reset_derived(self, community_id: int) -> None:
        """Forget every derived row of a community (topics, scores, popularity, watermarks),
        so the next refresh works everything out again from the stored messages. Page
        metadata fetched by the unfurler is kept: it is data, not derived."""
        async with self.db.write() as conn:
            for table in (
                resource_topics,
                resource_topic_state,
                member_topics,
                member_topic_state,
                topic_stats,
                interest_state,
            ):
                await conn.execute(delete(table).where(table.c.community_id == community_id))

    async def rebuild_topic_stats(self, community_id: int) -> None:
        async with self.db.write() as conn:
            await conn.run_sync(_rebuild_topic_stats, community_id)

    async def vocabulary(self, community_id: int, limit: int) -> list[tuple[str, int, float]]:
        ts = topic_stats
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(ts.c.topic, ts.c.resources, ts.c.weight)
                .where(ts.c.community_id == community_id, ts.c.resources > 0)
                .order_by(ts.c.resources.desc(), ts.c.topic)
                .limit(limit)
            )
            return [(t, int(n), float(w)) for t, n, w in rows]

    # --- member topics -----------------------------------------------------------------------
    async def member_signatures(
        self, community_id: int, member_ids: Sequence[int]
    ) -> dict[int, str]:
        async with self.db.read() as conn:
            return await conn.run_sync(_member_signatures, community_id, list(member_ids))

    async def write_member_topics(
        self,
        community_id: int,
        scores: Mapping[int, Sequence[TopicScore]],
        signatures: Mapping[int, str],
        now: datetime,
    ) -> None:
        async with self.db.write() as conn:
            await conn.run_sync(_write_member_topics, community_id, scores, signatures, now)

    async def expert_candidates(
        self, community_id: int, topics: Sequence[str], limit: int, default_tracking: bool
    ) -> Candidates:
        """For who-knows, in one round trip: the strongest members per topic, the members who
        declared one of the topics, and who of them may be shown (tracked, not bots)."""
        async with self.db.read() as conn:
            return await conn.run_sync(
                _expert_candidates, community_id, list(topics), limit, default_tracking
            )

    async def evidence_rows(
        self, community_id: int, refs: Sequence[tuple[int, EvidenceRef]]
    ) -> list[EvidenceRow]:
        """These (member, reference) pairs that still hold, with what to show for each."""
        async with self.db.read() as conn:
            return await conn.run_sync(_evidence_rows, community_id, list(refs))

    async def member_topic_export(self, member_id: int) -> list[tuple[str, float]]:
        mt = member_topics
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(mt.c.topic, mt.c.log_score)
                .where(mt.c.member_id == member_id)
                .order_by(mt.c.log_score.desc(), mt.c.topic)
            )
            return [(t, float(s)) for t, s in rows]

    # --- members, privacy --------------------------------------------------------------------
    async def members(
        self,
        community_id: int,
        member_ids: Collection[int] | None,
        default_tracking: bool,
        *,
        tracked_only: bool = True,
    ) -> dict[int, Member]:
        """Non-bot members (these, or all of the community), without opted-out ones."""
        async with self.db.read() as conn:
            return await conn.run_sync(
                _members, community_id, member_ids, default_tracking, tracked_only
            )

    async def ensure_member(
        self, community_id: int, external_id: str, display_name: str | None, now: datetime
    ) -> None:
        """A member row for someone who declares interests before ever posting."""
        async with self.db.write() as conn:
            await conn.execute(
                insert_ignore(conn, m.members),
                [
                    {
                        "community_id": community_id,
                        "external_id": external_id[:64],
                        "display_name": (display_name or None) and display_name[:200],
                        "is_bot": False,
                        "first_seen_at": now,
                    }
                ],
            )

    # --- actions (evidence) ------------------------------------------------------------------
    async def actions(
        self,
        community_id: int,
        member_ids: Collection[int],
        *,
        since: datetime | None = None,
        said: bool = False,
        recent: int | None = None,
    ) -> list[Action]:
        """What these members did in public channels (shares, replies in sharing threads,
        reactions on shares; with `said`, their other messages too), since a time, and at
        most the `recent` newest of each kind per member."""
        async with self.db.read() as conn:
            return await conn.run_sync(
                _actions, community_id, list(member_ids), since, said, recent
            )

    async def own_thread_roots(self, message_ids: Collection[int]) -> dict[int, str]:
        """For messages posted in a thread their own author started: the thread's first
        message (what a file or link added to one's own question belongs to)."""
        msg = m.messages
        root = aliased(msg)
        found: dict[int, str] = {}
        async with self.db.read() as conn:
            for part in chunks(sorted(set(message_ids))):
                rows = await conn.execute(
                    select(msg.c.id, root.c.text)
                    .join(root, thread_root(msg, root))
                    .where(
                        msg.c.id.in_(part),
                        msg.c.thread_external_id.is_not(None),
                        root.c.id != msg.c.id,
                        root.c.author_id == msg.c.author_id,
                    )
                )
                found.update((mid, text or "") for mid, text in rows)
        return found

    async def replies(
        self, community_id: int, member_ids: Collection[int], *, since: datetime, recent: int
    ) -> list[Reply]:
        """These members' newest `recent` replies in others' threads since a time, each with
        its thread's root message (public channels only)."""
        async with self.db.read() as conn:
            return await conn.run_sync(
                _replies, community_id, sorted(set(member_ids)), since, recent
            )

    async def member_topics(self, member_id: int, limit: int) -> list[TopicScore]:
        """A member's strongest known topics as stored (with evidence references)."""
        mt = member_topics
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(mt.c.topic, mt.c.log_score, mt.c.evidence, mt.c.shared, mt.c.discussed)
                .where(mt.c.member_id == member_id)
                .order_by(mt.c.log_score.desc(), mt.c.topic)
                .limit(limit)
            )
            return [
                TopicScore(
                    r.topic,
                    float(r.log_score),
                    EvidenceRef.parse_all(r.evidence),
                    int(r.shared or 0),
                    int(r.discussed or 0),
                )
                for r in rows
            ]

    async def resource_heads(
        self, community_id: int, resource_ids: Collection[int]
    ) -> dict[int, tuple[str | None, str]]:
        async with self.db.read() as conn:
            return await conn.run_sync(_resource_heads, community_id, sorted(set(resource_ids)))

    # --- declared interests ------------------------------------------------------------------
    async def declared(
        self, community_id: int, external_ids: Collection[str] | None = None
    ) -> dict[str, list[Declared]]:
        di = declared_interests
        q = select(di.c.member_external_id, di.c.topic, di.c.declared_at).where(
            di.c.community_id == community_id
        )
        out: dict[str, list[Declared]] = {}
        async with self.db.read() as conn:
            parts = [None] if external_ids is None else list(chunks(sorted(set(external_ids))))
            for part in parts:
                qq = q if part is None else q.where(di.c.member_external_id.in_(part))
                for ext, topic, at in await conn.execute(qq.order_by(di.c.topic)):
                    out.setdefault(ext, []).append(Declared(topic, as_utc(at)))
        return out

    async def declared_topics(self, community_id: int) -> list[str]:
        di = declared_interests
        async with self.db.read() as conn:
            return list(
                (
                    await conn.execute(
                        select(di.c.topic).where(di.c.community_id == community_id).distinct()
                    )
                ).scalars()
            )

    async def declare(
        self, community_id: int, external_id: str, topics: Sequence[str], now: datetime
    ) -> list[str]:
        """Add declared interests; returns those that were new."""
        di = declared_interests
        async with self.db.write() as conn:
            have = set(
                (
                    await conn.execute(
                        select(di.c.topic).where(
                            di.c.community_id == community_id,
                            di.c.member_external_id == external_id,
                        )
                    )
                ).scalars()
            )
            new = [t for t in dict.fromkeys(topics) if t not in have]
            if new:
                await conn.execute(
                    insert_ignore(conn, di),
                    [
                        {
                            "community_id": community_id,
                            "member_external_id": external_id,
                            "topic": t,
                            "declared_at": now,
                        }
                        for t in new
                    ],
                )
        return new

    async def undeclare(
        self, community_id: int, external_id: str, topics: Sequence[str]
    ) -> list[str]:
        di = declared_interests
        async with self.db.write() as conn:
            have = set(
                (
                    await conn.execute(
                        select(di.c.topic).where(
                            di.c.community_id == community_id,
                            di.c.member_external_id == external_id,
                            di.c.topic.in_(list(topics)),
                        )
                    )
                ).scalars()
            )
            if have:
                await conn.execute(
                    delete(di).where(
                        di.c.community_id == community_id,
                        di.c.member_external_id == external_id,
                        di.c.topic.in_(sorted(have)),
                    )
                )
        return [t for t in topics if t in have]

    async def forget(self, community_id: int, external_id: str) -> None:
        """Everything of one member's in these tables (`forget-me`); derived rows keyed by
        the member row went with it already (ON DELETE CASCADE)."""
        di, mt, ms = declared_interests, member_topics, member_topic_state
        async with self.db.write() as conn:
            await conn.execute(
                delete(di).where(
                    di.c.community_id == community_id, di.c.member_external_id == external_id
                )
            )
            member_id = (
                await conn.execute(
                    select(m.members.c.id).where(
                        m.members.c.community_id == community_id,
                        m.members.c.external_id == external_id,
                    )
                )
            ).scalar()
            if member_id is not None:
                await conn.execute(delete(mt).where(mt.c.member_id == member_id))
                await conn.execute(delete(ms).where(ms.c.member_id == member_id))

    # --- saved, network, interactions --------------------------------------------------------
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

    # --- unfurl ------------------------------------------------------------------------------
    async def unfurl_new(self, community_id: int, after: int, limit: int) -> list[UnfurlTodo]:
        """Links created after the watermark that were never fetched."""
        rt, ru = m.resources, resource_unfurls
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(rt.c.id, _fetch_url(rt))
                .outerjoin(ru, ru.c.resource_id == rt.c.id)
                .where(
                    rt.c.community_id == community_id,
                    rt.c.id > after,
                    rt.c.kind == "link",
                    ru.c.resource_id.is_(None),
                )
                .order_by(rt.c.id)
                .limit(limit)
            )
            return [UnfurlTodo(rid, url, 0) for rid, url in rows]

    async def unfurl_retries(
        self, community_id: int, now: datetime, limit: int
    ) -> list[UnfurlTodo]:
        rt, ru = m.resources, resource_unfurls
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(rt.c.id, _fetch_url(rt), ru.c.attempts)
                .join(ru, ru.c.resource_id == rt.c.id)
                .where(
                    ru.c.state == "retry",
                    ru.c.next_attempt_at <= now,
                    ru.c.community_id == community_id,
                )
                .order_by(ru.c.next_attempt_at, rt.c.id)
                .limit(limit)
            )
            return [UnfurlTodo(rid, url, int(n or 0)) for rid, url, n in rows]

    async def record_unfurls(
        self, community_id: int, results: Sequence[Unfurled], now: datetime
    ) -> list[int]:
        """Store fetch outcomes; found titles/descriptions go onto the resources (and into
        search). Returns the resources whose metadata changed."""
        async with self.db.write() as conn:
            return await conn.run_sync(_record_unfurls, community_id, list(results), now)

    async def unfurl_states(self, community_id: int) -> dict[int, tuple[str, int]]:
        ru = resource_unfurls
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(ru.c.resource_id, ru.c.state, ru.c.attempts).where(
                    ru.c.community_id == community_id
                )
            )
            return {rid: (state, int(n)) for rid, state, n in rows}


def _fetch_url(rt: Table) -> Any:
    """The first spelling someone shared: canonical URLs prefer https, which a plain-http
    site may not serve."""
    ru = m.resource_urls
    first = (
        select(ru.c.original_url)
        .where(ru.c.resource_id == rt.c.id)
        .order_by(ru.c.id)
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(first, rt.c.canonical_url)


# --- synchronous bodies (run inside one connection via run_sync) -----------------------------


def _scan_new(
    conn: Connection, community_id: int, after_message: int, after_reaction: int, limit: int
) -> tuple[set[int], set[int], int, int, bool]:
    msg, st, rx = m.messages, m.shares, m.reactions
    rows = conn.execute(
        select(msg.c.id, msg.c.author_id, msg.c.channel_id, msg.c.thread_external_id)
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
        ids = [r.id for r in rows]
        for part in chunks(ids):
            resources.update(
                conn.execute(select(st.c.resource_id).where(st.c.message_id.in_(part))).scalars()
            )
        roots = sorted({(r.channel_id, r.thread_external_id) for r in rows if r.thread_external_id})
        for part in chunks(roots):
            root_ids = list(
                conn.execute(
                    select(msg.c.id).where(
                        msg.c.community_id == community_id,
                        tuple_(msg.c.channel_id, msg.c.external_id).in_(part),
                    )
                ).scalars()
            )
            if root_ids:
                resources.update(
                    conn.execute(
                        select(st.c.resource_id).where(st.c.message_id.in_(root_ids))
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


def _topics_of(
    conn: Connection, ids: list[int], community_id: int | None = None
) -> dict[int, list[tuple[str, float]]]:
    rt = resource_topics
    out: dict[int, list[tuple[str, float]]] = {}
    for part in chunks(ids):
        q = select(rt.c.resource_id, rt.c.topic, rt.c.weight).where(rt.c.resource_id.in_(part))
        if community_id is not None:
            q = q.where(rt.c.community_id == community_id)
        for rid, topic, weight in conn.execute(q):
            out.setdefault(rid, []).append((topic, float(weight)))
    for items in out.values():
        items.sort(key=lambda tw: (-tw[1], tw[0]))
    return out


def _resource_heads(
    conn: Connection, community_id: int, ids: list[int]
) -> dict[int, tuple[str | None, str]]:
    rt = m.resources
    out: dict[int, tuple[str | None, str]] = {}
    for part in chunks(ids):
        for rid, title, url in conn.execute(
            select(rt.c.id, rt.c.title, func.coalesce(rt.c.shared_url, rt.c.canonical_url)).where(
                rt.c.community_id == community_id, rt.c.id.in_(part)
            )
        ):
            out[rid] = (title, url)
    return out


def _expert_candidates(
    conn: Connection, community_id: int, topics: list[str], limit: int, default_tracking: bool
) -> Candidates:
    mt, di, mem = member_topics, declared_interests, m.members
    scores: dict[int, list[TopicScore]] = {}
    for topic in topics:
        for r in conn.execute(
            select(mt.c.member_id, mt.c.log_score, mt.c.evidence, mt.c.shared, mt.c.discussed)
            .where(mt.c.community_id == community_id, mt.c.topic == topic)
            .order_by(mt.c.log_score.desc(), mt.c.member_id)
            .limit(limit)
        ):
            scores.setdefault(r.member_id, []).append(
                TopicScore(
                    topic,
                    float(r.log_score),
                    EvidenceRef.parse_all(r.evidence),
                    int(r.shared or 0),
                    int(r.discussed or 0),
                )
            )
    declared: dict[int, list[str]] = {}
    if topics:
        for mid, topic in conn.execute(
            select(mem.c.id, di.c.topic)
            .join(
                mem,
                and_(
                    mem.c.community_id == di.c.community_id,
                    mem.c.external_id == di.c.member_external_id,
                ),
            )
            .where(di.c.community_id == community_id, di.c.topic.in_(sorted(set(topics))))
        ):
            declared.setdefault(mid, []).append(topic)
    members = _members(
        conn, community_id, set(scores) | set(declared), default_tracking, tracked_only=True
    )
    return Candidates(scores, declared, members)


def _evidence_rows(
    conn: Connection, community_id: int, refs: list[tuple[int, EvidenceRef]]
) -> list[EvidenceRow]:
    msg, ch, st, rx = m.messages, m.channels, m.shares, m.reactions
    mids = sorted({r.message_id for _, r in refs})
    rids = sorted({r.resource_id for _, r in refs if r.resource_id})
    messages: dict[int, Any] = {}
    for part in chunks(mids):
        for row in conn.execute(
            select(
                msg.c.id,
                msg.c.author_id,
                msg.c.text,
                msg.c.posted_at,
                msg.c.channel_id,
                msg.c.thread_external_id,
                ch.c.name,
            )
            .join(ch, ch.c.id == msg.c.channel_id)
            .where(msg.c.id.in_(part), _scoped(msg.c.community_id, community_id), _public_channel())
        ):
            messages[row.id] = row
    heads = _resource_heads(conn, community_id, rids)
    questions = _questions_answered(
        conn,
        community_id,
        [
            messages[r.message_id]
            for _, r in refs
            if r.kind == "answered" and r.message_id in messages
        ],
    )
    shared: set[tuple[int, int]] = set()
    for part in chunks(mids):
        shared.update(
            (a, b)
            for a, b in conn.execute(
                select(st.c.message_id, st.c.resource_id).where(st.c.message_id.in_(part))
            )
        )
    reacted: dict[tuple[int, int], datetime] = {}
    x_mids = sorted({r.message_id for _, r in refs if r.kind == "reacted"})
    x_members = sorted({mid for mid, r in refs if r.kind == "reacted"})
    for part in chunks(x_mids):
        for message_id, member_id, at in conn.execute(
            select(rx.c.message_id, rx.c.member_id, func.max(rx.c.reacted_at))
            .where(rx.c.message_id.in_(part), rx.c.member_id.in_(x_members))
            .group_by(rx.c.message_id, rx.c.member_id)
        ):
            reacted[(message_id, member_id)] = as_utc(at)
    out: list[EvidenceRow] = []
    for member_id, ref in refs:
        found = messages.get(ref.message_id)
        if found is None:
            continue  # deleted since the scores were computed
        if ref.kind == "answered":
            question = questions.get(ref.message_id)
            if question is not None and found.author_id == member_id:
                out.append(
                    EvidenceRow(
                        member_id,
                        ref,
                        as_utc(found.posted_at),
                        found.text,
                        found.name,
                        question,
                        "",
                    )
                )
            continue
        head = heads.get(ref.resource_id)
        if head is None:
            continue
        if ref.kind != "replied" and (ref.message_id, ref.resource_id) not in shared:
            continue  # the link was edited out of the message
        if ref.kind == "reacted":
            at = reacted.get((ref.message_id, member_id))
            if at is None:
                continue
            out.append(EvidenceRow(member_id, ref, at, None, found.name, head[0], head[1]))
        elif found.author_id == member_id:
            out.append(
                EvidenceRow(member_id, ref, as_utc(found.posted_at), found.text, found.name, *head)
            )
    return out


def _questions_answered(conn: Connection, community_id: int, replies: list[Any]) -> dict[int, str]:
    """Reply id -> the text of its thread's root (the question it answered); one join through
    the (community, channel, external id) index."""
    msg = m.messages
    root = aliased(msg)
    ids = sorted({r.id for r in replies if r.thread_external_id})
    out: dict[int, str] = {}
    for part in chunks(ids):
        for reply_id, text in conn.execute(
            select(msg.c.id, root.c.text)
            .join(
                root,
                thread_root(msg, root),
            )
            .where(msg.c.id.in_(part), msg.c.community_id == community_id)
        ):
            out[reply_id] = text or ""
    return out


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
                .join(
                    reply,
                    and_(
                        reply.c.channel_id == root.c.channel_id,
                        reply.c.thread_external_id == root.c.external_id,
                    ),
                )
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
    """A fingerprint of a member's activity (new, edited, deleted messages and reactions)."""
    msg, st, rx = m.messages, m.shares, m.reactions
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


def _resource_docs(conn: Connection, community_id: int, ids: list[int]) -> dict[int, ResourceDoc]:
    rt, st, msg, ch, ru = m.resources, m.shares, m.messages, m.channels, resource_unfurls
    root, reply = aliased(msg), aliased(msg)
    docs: dict[int, ResourceDoc] = {}
    for part in chunks(sorted(set(ids))):
        heads = conn.execute(
            select(
                rt.c.id, rt.c.title, rt.c.title_rank, rt.c.description, rt.c.canonical_url
            ).where(rt.c.community_id == community_id, rt.c.id.in_(part))
        ).all()
        if not heads:
            continue
        texts: dict[int, list[str]] = {r.id: [] for r in heads}
        sizes: dict[int, int] = dict.fromkeys(texts, 0)
        chans: dict[int, Counter[str]] = {r.id: Counter() for r in heads}

        def keep(
            rid: int,
            text: str | None,
            texts: dict[int, list[str]] = texts,
            sizes: dict[int, int] = sizes,
        ) -> None:
            if not text or len(texts[rid]) >= MAX_DOC_MESSAGES or sizes[rid] >= MAX_DOC_CHARS:
                return
            text = text[: MAX_DOC_CHARS - sizes[rid]]
            texts[rid].append(text)
            sizes[rid] += len(text)

        bare: list[tuple[int, int, int, datetime]] = []  # shares with (almost) no words
        for rid, text, name, mid, cid, at in conn.execute(
            select(
                st.c.resource_id, msg.c.text, ch.c.name, msg.c.id, msg.c.channel_id, msg.c.posted_at
            )
            .join(msg, msg.c.id == st.c.message_id)
            .join(ch, ch.c.id == st.c.channel_id)
            .where(st.c.resource_id.in_(part), _public_channel())
            .order_by(st.c.shared_at, st.c.id)
        ):
            keep(rid, text)
            if name:
                chans[rid][name] += 1
            if own_words(text or "") < BARE_SHARE_WORDS and len(bare) < MAX_BARE_SHARES:
                bare.append((rid, mid, cid, as_utc(at)))
        for rid, text in _nearby_messages(conn, community_id, bare):
            keep(rid, text)
        for rid, text in conn.execute(
            select(st.c.resource_id, reply.c.text)
            .join(root, root.c.id == st.c.message_id)
            .join(
                reply,
                and_(
                    reply.c.channel_id == root.c.channel_id,
                    reply.c.thread_external_id == root.c.external_id,
                ),
            )
            .join(ch, ch.c.id == root.c.channel_id)
            .where(st.c.resource_id.in_(part), _public_channel())
            .order_by(reply.c.posted_at, reply.c.id)
        ):
            keep(rid, text)
        meta = {
            r.resource_id: (r.site_name, r.keywords)
            for r in conn.execute(
                select(ru.c.resource_id, ru.c.site_name, ru.c.keywords).where(
                    ru.c.resource_id.in_(part), ru.c.state == "ok"
                )
            )
        }
        for r in heads:
            site, keywords = meta.get(r.id, (None, None))
            common = chans[r.id].most_common(1)
            docs[r.id] = ResourceDoc(
                resource_id=r.id,
                # A sentence title is the sharer's chat, already among the messages.
                title=None if r.title_rank == TitleSource.SENTENCE else r.title,
                description=r.description,
                url=r.canonical_url,
                keywords=tuple(k for k in (keywords or "").split("\n") if k),
                site_name=site,
                messages=tuple(texts[r.id]),
                channel_name=common[0][0] if common else None,
            )
    return docs


def _nearby_messages(
    conn: Connection, community_id: int, bare: Sequence[tuple[int, int, int, datetime]]
) -> list[tuple[int, str]]:
    """For shares that say (almost) nothing, an image or a lone link, the channel's messages
    just before and after: members post the picture, then say what it is, or the reverse.
    One index range read per share (community, time), a few dozen rows each."""
    msg = m.messages
    out: list[tuple[int, str]] = []
    for rid, mid, cid, at in bare:
        rows = conn.execute(
            select(msg.c.posted_at, msg.c.text)
            .where(
                msg.c.community_id == community_id,
                msg.c.posted_at >= at - NEARBY_BEFORE,
                msg.c.posted_at <= at + NEARBY_AFTER,
                msg.c.channel_id == cid,
                msg.c.id != mid,
            )
            .limit(NEARBY_SCAN)
        ).all()
        near = sorted(
            ((abs((as_utc(r.posted_at) - at).total_seconds()), r.text) for r in rows if r.text),
            key=lambda dt: dt[0],
        )
        out.extend((rid, text) for _dt, text in near[:NEARBY_MESSAGES])
    return out


def _write_resource_topics(
    conn: Connection,
    community_id: int,
    topics: Mapping[int, TopicWeights],
    signatures: Mapping[int, str],
    now: datetime,
) -> set[int]:
    rt, rtp, rs = m.resources, resource_topics, resource_topic_state
    ids = sorted(set(topics) | set(signatures))
    alive: set[int] = set()
    old: dict[int, dict[str, float]] = {}
    for part in chunks(ids):
        alive.update(
            conn.execute(
                select(rt.c.id).where(rt.c.id.in_(part), rt.c.community_id == community_id)
            ).scalars()
        )
        for rid, topic, weight in conn.execute(
            select(rtp.c.resource_id, rtp.c.topic, rtp.c.weight).where(rtp.c.resource_id.in_(part))
        ):
            old.setdefault(rid, {})[topic] = float(weight)
    changed: set[int] = set()
    delta: dict[str, list[float]] = {}  # topic -> [resources, weight]
    rows: list[dict[str, Any]] = []
    for rid in sorted(alive):
        new = {t[:TOPIC_CHARS]: round(float(w), 4) for t, w in topics.get(rid, ())}
        before = old.get(rid, {})
        if new == before:
            continue
        changed.add(rid)
        for t, w in before.items():
            d = delta.setdefault(t, [0, 0.0])
            d[0] -= 1
            d[1] -= w
        for t, w in new.items():
            d = delta.setdefault(t, [0, 0.0])
            d[0] += 1
            d[1] += w
            rows.append({"resource_id": rid, "topic": t, "community_id": community_id, "weight": w})
    for part in chunks(sorted(changed)):
        conn.execute(delete(rtp).where(rtp.c.resource_id.in_(part)))
    for part in chunks(rows):
        conn.execute(rtp.insert(), list(part))
    _apply_stats_delta(conn, community_id, delta)
    state_rows = [
        {
            "resource_id": rid,
            "community_id": community_id,
            "signature": signatures.get(rid, ""),
            "dirty": False,
            "computed_at": now,
        }
        for rid in sorted(alive)
    ]
    stmt = _upsert(conn, rs, ["resource_id"], ["signature", "dirty", "computed_at"])
    for part in chunks(state_rows):
        conn.execute(stmt, list(part))
    return changed


def _apply_stats_delta(
    conn: Connection, community_id: int, delta: Mapping[str, Sequence[float]]
) -> None:
    ts = topic_stats
    topics = sorted(t for t, d in delta.items() if d[0] or d[1])
    if not topics:
        return
    current: dict[str, tuple[int, float]] = {}
    for part in chunks(topics):
        for topic, n, w in conn.execute(
            select(ts.c.topic, ts.c.resources, ts.c.weight).where(
                ts.c.community_id == community_id, ts.c.topic.in_(part)
            )
        ):
            current[topic] = (int(n), float(w))
    upserts: list[dict[str, Any]] = []
    gone: list[str] = []
    for t in topics:
        n, w = current.get(t, (0, 0.0))
        n += int(delta[t][0])
        w += float(delta[t][1])
        if n <= 0:
            gone.append(t)
        else:
            upserts.append(
                {"community_id": community_id, "topic": t, "resources": n, "weight": max(w, 0.0)}
            )
    for part in chunks(gone):
        conn.execute(delete(ts).where(ts.c.community_id == community_id, ts.c.topic.in_(part)))
    stmt = _upsert(conn, ts, ["community_id", "topic"], ["resources", "weight"])
    for part in chunks(upserts):
        conn.execute(stmt, list(part))


def _rebuild_topic_stats(conn: Connection, community_id: int) -> None:
    """Recount from scratch (deleted resources take their topics along by cascade)."""
    ts, rtp = topic_stats, resource_topics
    conn.execute(delete(ts).where(ts.c.community_id == community_id))
    rows = [
        {"community_id": community_id, "topic": t, "resources": int(n), "weight": float(w)}
        for t, n, w in conn.execute(
            select(rtp.c.topic, func.count(), func.sum(rtp.c.weight))
            .where(rtp.c.community_id == community_id)
            .group_by(rtp.c.topic)
        )
    ]
    for part in chunks(rows):
        conn.execute(ts.insert(), list(part))


def _actors_of(conn: Connection, community_id: int, ids: list[int]) -> set[int]:
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
                .join(
                    reply,
                    and_(
                        reply.c.channel_id == root.c.channel_id,
                        reply.c.thread_external_id == root.c.external_id,
                    ),
                )
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


def _write_member_topics(
    conn: Connection,
    community_id: int,
    scores: Mapping[int, Sequence[TopicScore]],
    signatures: Mapping[int, str],
    now: datetime,
) -> None:
    mt, mtp, ms = m.members, member_topics, member_topic_state
    ids = sorted(set(scores) | set(signatures))
    alive: set[int] = set()
    for part in chunks(ids):
        alive.update(
            conn.execute(
                select(mt.c.id).where(mt.c.id.in_(part), mt.c.community_id == community_id)
            ).scalars()
        )
    for part in chunks(sorted(alive)):
        conn.execute(delete(mtp).where(mtp.c.member_id.in_(part)))
    rows = []
    for mid in sorted(alive):
        seen: set[str] = set()
        for ts in scores.get(mid, ()):
            topic = ts.topic[:TOPIC_CHARS]
            if topic in seen:
                continue
            seen.add(topic)
            codes = ",".join(ref.code() for ref in ts.evidence)
            while len(codes) > 200:
                codes = codes.rsplit(",", 1)[0]
            rows.append(
                {
                    "member_id": mid,
                    "topic": topic,
                    "community_id": community_id,
                    "log_score": ts.log_score,
                    "evidence": codes,
                    "shared": ts.shared,
                    "discussed": ts.discussed,
                }
            )
    for part in chunks(rows):
        conn.execute(mtp.insert(), list(part))
    state_rows = [
        {
            "member_id": mid,
            "community_id": community_id,
            "signature": signatures.get(mid, ""),
            "dirty": False,
            "computed_at": now,
        }
        for mid in sorted(alive)
    ]
    stmt = _upsert(conn, ms, ["member_id"], ["signature", "dirty", "computed_at"])
    for part in chunks(state_rows):
        conn.execute(stmt, list(part))


def _members(
    conn: Connection,
    community_id: int,
    member_ids: Collection[int] | None,
    default_tracking: bool,
    tracked_only: bool,
) -> dict[int, Member]:
    mt, ms = m.members, m.member_settings
    q = (
        select(mt)
        .outerjoin(
            ms,
            and_(
                ms.c.community_id == mt.c.community_id,
                ms.c.member_external_id == mt.c.external_id,
            ),
        )
        .where(mt.c.community_id == community_id, mt.c.is_bot.is_(False))
    )
    if tracked_only:
        q = q.where(tracking_of(default_tracking).is_(True))
    out: dict[int, Member] = {}
    parts: Iterable[Sequence[int] | None] = (
        [None] if member_ids is None else chunks(sorted(set(member_ids)))
    )
    for part in parts:
        qq = q if part is None else q.where(mt.c.id.in_(part))
        for r in conn.execute(qq):
            out[r.id] = Member(r.id, r.community_id, r.external_id, r.display_name, bool(r.is_bot))
    return out


def _newest(q: Any, member: Any, when: Any, recent: int, members: int = 0) -> Any:
    """Only each member's `recent` newest rows of `q` (older ones have decayed anyway).

    For one member (`members` == 1), ORDER BY … LIMIT: read newest first through the member's
    time index and stop, where ranking their whole history first costs ~200× more for the
    busiest posters."""
    if members == 1:
        return q.order_by(when.desc()).limit(recent)
    rank = func.row_number().over(partition_by=member, order_by=when.desc()).label("rank_")
    sub = q.add_columns(rank).subquery()
    return select(*[c for c in sub.c if c.name != "rank_"]).where(sub.c.rank_ <= recent)


def _replies(
    conn: Connection, community_id: int, member_ids: list[int], since: datetime, recent: int
) -> list[Reply]:
    msg, ch = m.messages, m.channels
    root, reply = aliased(msg), aliased(msg)
    out: list[Reply] = []
    for part in chunks(member_ids):
        q = (
            select(
                reply.c.author_id,
                reply.c.id,
                reply.c.posted_at,
                reply.c.text,
                root.c.id.label("root_id"),
                root.c.text.label("root_text"),
                ch.c.name,
                exists()
                .where(m.shares.c.message_id == root.c.id)
                .correlate(root)
                .label("root_shares"),
                _thanked_by_asker(reply, root).label("thanked"),
            )
            .select_from(reply)
            .join(
                root,
                thread_root(reply, root),
            )
            .join(ch, ch.c.id == reply.c.channel_id)
            .where(
                _scoped(reply.c.community_id, community_id),
                reply.c.author_id.in_(part),
                reply.c.thread_external_id.is_not(None),
                reply.c.posted_at >= since,
                root.c.author_id != reply.c.author_id,
                _public_channel(),
            )
        )
        rows = conn.execute(_newest(q, reply.c.author_id, reply.c.posted_at, recent, len(part)))
        for mid, message_id, at, text, root_id, root_text, channel, shares, thanked in rows:
            out.append(
                Reply(
                    mid,
                    message_id,
                    as_utc(at),
                    text or "",
                    root_id,
                    root_text or "",
                    channel,
                    bool(shares),
                    thanked=bool(thanked),
                )
            )
        out.extend(_next_messages(conn, community_id, list(part), since, recent))
    return out


def _thanked_by_asker(reply: Any, root: Any) -> Any:
    """Whether the thread's asker reacted to this reply or later thanked someone in the
    thread ("thanks, that worked"): the answer helped."""
    later = aliased(m.messages)
    reacted = (
        exists()
        .where(m.reactions.c.message_id == reply.c.id, m.reactions.c.member_id == root.c.author_id)
        .correlate(reply, root)
    )
    thanked = (
        exists()
        .where(
            later.c.channel_id == reply.c.channel_id,
            later.c.thread_external_id == reply.c.thread_external_id,
            later.c.author_id == root.c.author_id,
            later.c.posted_at > reply.c.posted_at,
            or_(*(func.lower(later.c.text).contains(w) for w in THANKS_MARKERS)),
        )
        .correlate(reply, root)
    )
    return or_(reacted, thanked)


def _next_messages(
    conn: Connection, community_id: int, member_ids: list[int], since: datetime, recent: int
) -> list[Reply]:
    """Channels without threads (most of Slack's history, chat-style Discord) answer in the
    next message: each of these members' top-level messages that came within
    `ADJACENT_REPLY` of someone else's top-level message in the same channel, with it as the
    root. Ids grow with time, so "the message before" is one index seek."""
    msg, ch = m.messages, m.channels
    mine, before = aliased(msg), aliased(msg)
    prior = (
        select(func.max(before.c.id))
        .where(
            before.c.channel_id == mine.c.channel_id,
            before.c.thread_external_id.is_(None),
            before.c.id < mine.c.id,
        )
        .correlate(mine)
        .scalar_subquery()
    )
    q = (
        select(
            mine.c.author_id,
            mine.c.id,
            mine.c.posted_at,
            mine.c.text,
            prior.label("prior_id"),
            ch.c.name,
        )
        .join(ch, ch.c.id == mine.c.channel_id)
        .where(
            _scoped(mine.c.community_id, community_id),
            mine.c.author_id.in_(member_ids),
            mine.c.thread_external_id.is_(None),
            mine.c.posted_at >= since,
            _public_channel(),
        )
    )
    rows = conn.execute(
        _newest(q, mine.c.author_id, mine.c.posted_at, recent, len(member_ids))
    ).all()
    prior_ids = sorted({r.prior_id for r in rows if r.prior_id is not None})
    priors: dict[int, Any] = {}
    for chunk in chunks(prior_ids):
        for row in conn.execute(
            select(
                msg.c.id,
                msg.c.author_id,
                msg.c.posted_at,
                msg.c.text,
                exists().where(m.shares.c.message_id == msg.c.id).label("shares"),
            ).where(msg.c.id.in_(chunk))
        ):
            priors[row.id] = row
    out: list[Reply] = []
    for mid, message_id, at, text, prior_id, channel in rows:
        root = priors.get(prior_id)
        if root is None or root.author_id == mid:
            continue
        posted = as_utc(at)
        if not timedelta(0) <= posted - as_utc(root.posted_at) <= ADJACENT_REPLY:
            continue
        out.append(
            Reply(
                mid,
                message_id,
                posted,
                text or "",
                root.id,
                root.text or "",
                channel,
                bool(root.shares),
                adjacent=True,
            )
        )
    return out


def _actions(
    conn: Connection,
    community_id: int,
    member_ids: list[int],
    since: datetime | None,
    said: bool,
    recent: int | None,
) -> list[Action]:
    st, msg, ch, rx = m.shares, m.messages, m.channels, m.reactions
    root, reply = aliased(msg), aliased(msg)
    out: list[Action] = []

    def capped(q: Any, member: Any, when: Any) -> Any:
        """Only each member's `recent` newest rows (older ones have decayed anyway)."""
        if since is not None:
            q = q.where(when >= since)
        return q if recent is None else _newest(q, member, when, recent, len(part))

    for part in chunks(sorted(set(member_ids))):
        q = (
            select(
                st.c.member_id, st.c.resource_id, st.c.shared_at, msg.c.id, msg.c.text, ch.c.name
            )
            .join(msg, msg.c.id == st.c.message_id)
            .join(ch, ch.c.id == st.c.channel_id)
            .where(
                _scoped(st.c.community_id, community_id),
                st.c.member_id.in_(part),
                _public_channel(),
            )
        )
        share_messages: set[int] = set()
        for mid, rid, at, message_id, text, channel in conn.execute(
            capped(q, st.c.member_id, st.c.shared_at)
        ):
            share_messages.add(message_id)
            out.append(Action(mid, "shared", as_utc(at), rid, message_id, text, channel))
        qr = (
            select(
                reply.c.author_id,
                st.c.resource_id,
                reply.c.posted_at,
                reply.c.id,
                reply.c.text,
                ch.c.name,
            )
            .select_from(reply)
            .join(
                root,
                thread_root(reply, root),
            )
            .join(st, st.c.message_id == root.c.id)
            .join(ch, ch.c.id == reply.c.channel_id)
            .where(
                _scoped(reply.c.community_id, community_id),
                reply.c.author_id.in_(part),
                reply.c.thread_external_id.is_not(None),
                _public_channel(),
            )
        )
        replied: set[int] = set()
        for mid, rid, at, message_id, text, channel in conn.execute(
            capped(qr, reply.c.author_id, reply.c.posted_at)
        ):
            replied.add(message_id)
            out.append(Action(mid, "replied", as_utc(at), rid, message_id, text, channel))
        qx = (
            select(rx.c.member_id, st.c.resource_id, rx.c.reacted_at, rx.c.message_id, ch.c.name)
            .join(st, st.c.message_id == rx.c.message_id)
            .join(ch, ch.c.id == st.c.channel_id)
            .where(
                _scoped(rx.c.community_id, community_id),
                rx.c.member_id.in_(part),
                rx.c.member_id != st.c.member_id,
                _public_channel(),
            )
        )
        seen: set[tuple[int, int, int]] = set()
        for mid, rid, at, message_id, channel in conn.execute(
            capped(qx, rx.c.member_id, rx.c.reacted_at)
        ):
            if (mid, rid, message_id) in seen:  # several emoji on one message count once
                continue
            seen.add((mid, rid, message_id))
            out.append(Action(mid, "reacted", as_utc(at), rid, message_id, None, channel))
        if said:
            qs = (
                select(msg.c.author_id, msg.c.posted_at, msg.c.id, msg.c.text, ch.c.name)
                .join(ch, ch.c.id == msg.c.channel_id)
                .where(
                    _scoped(msg.c.community_id, community_id),
                    msg.c.author_id.in_(part),
                    _public_channel(),
                )
            )
            for mid, at, message_id, text, channel in conn.execute(
                capped(qs, msg.c.author_id, msg.c.posted_at)
            ):
                if message_id in share_messages or message_id in replied:
                    continue
                out.append(Action(mid, "said", as_utc(at), None, message_id, text, channel))
    return out


def _co_participants(
    conn: Connection, community_id: int, member_id: int, recent: int
) -> list[tuple[int, int, int]]:
    mine = _participation(conn, community_id, [member_id], recent)
    resources = sorted({rid for _, rid, _ in mine})
    if not resources:
        return []
    others = _participation_of_resources(conn, community_id, resources)
    count: Counter[int] = Counter()
    latest: dict[int, tuple[datetime, int]] = {}
    seen: set[tuple[int, int]] = set()
    for mid, rid, at in others:
        if mid == member_id or (mid, rid) in seen:
            continue
        seen.add((mid, rid))
        count[mid] += 1
        if mid not in latest or at > latest[mid][0]:
            latest[mid] = (at, rid)
    ranked = sorted(count.items(), key=lambda kv: (-kv[1], -latest[kv[0]][0].timestamp(), kv[0]))
    return [(mid, n, latest[mid][1]) for mid, n in ranked]


def _participation(
    conn: Connection, community_id: int, member_ids: list[int], recent: int
) -> list[tuple[int, int, datetime]]:
    """(member, resource, when) for shares and replies in sharing threads (public only)."""
    st, msg, ch = m.shares, m.messages, m.channels
    root, reply = aliased(msg), aliased(msg)
    shares = (
        select(
            st.c.member_id.label("mid"), st.c.resource_id.label("rid"), st.c.shared_at.label("at")
        )
        .join(ch, ch.c.id == st.c.channel_id)
        .where(
            _scoped(st.c.community_id, community_id),
            st.c.member_id.in_(member_ids),
            _public_channel(),
        )
    )
    replies = (
        select(
            reply.c.author_id.label("mid"),
            st.c.resource_id.label("rid"),
            reply.c.posted_at.label("at"),
        )
        .select_from(reply)
        .join(
            root,
            thread_root(reply, root),
        )
        .join(st, st.c.message_id == root.c.id)
        .join(ch, ch.c.id == reply.c.channel_id)
        .where(
            _scoped(reply.c.community_id, community_id),
            reply.c.author_id.in_(member_ids),
            reply.c.thread_external_id.is_not(None),
            _public_channel(),
        )
    )
    u = union_all(shares, replies).subquery()
    rows = conn.execute(
        select(u.c.mid, u.c.rid, u.c.at).order_by(u.c.at.desc()).limit(recent)
    ).all()
    return [(mid, rid, as_utc(at)) for mid, rid, at in rows]


def _participation_of_resources(
    conn: Connection, community_id: int, resource_ids: list[int]
) -> list[tuple[int, int, datetime]]:
    """(member, resource, when) of every share of these resources and every reply in the
    threads of their sharing messages, in public channels: read from `resource_activity`
    (by resource), where joining each thread back to its root costs a probe per reply."""
    ra, st, ch = resource_activity, m.shares, m.channels
    out: list[tuple[int, int, datetime]] = []
    for part in chunks(resource_ids):
        for mid, rid, at in conn.execute(
            select(ra.c.member_id, ra.c.resource_id, ra.c.at)
            .join(st, st.c.id == ra.c.share_id)
            .join(ch, ch.c.id == st.c.channel_id)
            .where(ra.c.resource_id.in_(part), ra.c.kind.in_((SHARE, REPLY)), _public_channel())
        ):
            out.append((mid, rid, as_utc(at)))
    return out


MAX_PARTICIPANTS = 30  # a resource everyone discussed says nothing about any one pair


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


def _record_unfurls(
    conn: Connection, community_id: int, results: list[Unfurled], now: datetime
) -> list[int]:
    rt, ru = m.resources, resource_unfurls
    ids = sorted({r.resource_id for r in results})
    alive: dict[int, tuple[str | None, str | None]] = {}
    ranks: dict[int, int] = {}
    for part in chunks(ids):
        for rid, title, desc, rank in conn.execute(
            select(rt.c.id, rt.c.title, rt.c.description, rt.c.title_rank).where(
                rt.c.id.in_(part), rt.c.community_id == community_id
            )
        ):
            alive[rid] = (title, desc)
            ranks[rid] = rank or 0
    rows = []
    changed: list[int] = []
    updates = []
    for r in results:
        if r.resource_id not in alive:
            continue  # deleted while we fetched
        rows.append(
            {
                "resource_id": r.resource_id,
                "community_id": community_id,
                "state": r.state,
                "attempts": r.attempts,
                "next_attempt_at": r.next_attempt_at,
                "fetched_at": now,
                "site_name": (r.site_name or None) and r.site_name[:200],
                "keywords": "\n".join(k.replace("\n", " ") for k in r.keywords) or None,
                "error": (r.error or None) and r.error[:300],
            }
        )
        if r.state == "ok":
            title = clean_title(r.title)
            old_title, old_desc = alive[r.resource_id]
            if ranks[r.resource_id] > TitleSource.PAGE:
                title = None  # what members saw under the link, or its label, stays
            title = title or old_title
            desc = r.description or old_desc
            if (title, desc) != (old_title, old_desc):
                updates.append({"rid": r.resource_id, "title": title, "description": desc})
                changed.append(r.resource_id)
    if rows:
        conn.execute(
            _upsert(
                conn,
                ru,
                ["resource_id"],
                [
                    "state",
                    "attempts",
                    "next_attempt_at",
                    "fetched_at",
                    "site_name",
                    "keywords",
                    "error",
                ],
            ),
            rows,
        )
    for u in updates:
        rid = int(cast(int, u["rid"]))
        values: dict[str, Any] = {"title": u["title"], "description": u["description"]}
        if u["title"] != alive[rid][0]:
            values["title_rank"] = TitleSource.PAGE
        conn.execute(update(rt).where(rt.c.id == rid).values(**values))
    if changed:
        IngestStore.refresh_search_text(conn, changed)
    return changed
