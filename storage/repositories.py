"""Repositories: every read and write the core needs, scoped by community, returning dataclasses.

Query code lives here and nowhere else, so SQLite and PostgreSQL differences (full-text search,
upserts) stay in one place. (Long: one small class per core table; features keep their queries in
their own store modules, `storage/<feature>.py`; a split per table is open work.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Text,
    and_,
    cast,
    delete,
    func,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from bot.clock import as_utc
from bot.model import (
    Channel,
    Community,
    CommunityRef,
    IngestStats,
    Member,
    MemberSettings,
    ResourceSummary,
)
from storage import activity
from storage import models as m
from storage.db import Database
from storage.ingest import IngestStore, Planned, delete_member_data
from storage.sql import chunks, insert_ignore, set_keyed

MAX_QUERY_TERMS = 12
_TERM = re.compile(r"\w+", re.UNICODE)


def _member(row: Any) -> Member:
    return Member(
        id=row.id,
        community_id=row.community_id,
        external_id=row.external_id,
        display_name=row.display_name,
        is_bot=bool(row.is_bot),
    )


def _channel(row: Any) -> Channel:
    return Channel(
        id=row.id,
        community_id=row.community_id,
        external_id=row.external_id,
        name=row.name,
        is_private=bool(row.is_private),
        tracked=row.tracked,
    )


class _Repo:
    def __init__(self, db: Database) -> None:
        self.db = db


async def _member_row(conn: Any, community_id: int, external_id: str, what: Any) -> Any:
    """`what` (the members table, or one column) of one member, by platform id; None if unknown."""
    mt = m.members
    query = select(what).where(mt.c.community_id == community_id, mt.c.external_id == external_id)
    result = await conn.execute(query)
    return result.first() if what is mt else result.scalar()


class Communities(_Repo):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._ids: dict[tuple[str, str], int] = {}

    def forget(self, community_id: int) -> None:
        self._ids = {k: v for k, v in self._ids.items() if v != community_id}

    async def ensure_many(self, refs: Iterable[CommunityRef]) -> dict[tuple[str, str], int]:
        refs = list(refs)
        missing = [r for r in refs if r.key not in self._ids]
        if missing:
            from datetime import UTC

            now = datetime.now(UTC)
            async with self.db.write() as conn:
                await conn.execute(
                    insert_ignore(conn, m.communities),
                    [
                        {
                            "platform": r.platform,
                            "external_id": r.external_id,
                            "name": r.name,
                            "created_at": now,
                        }
                        for r in missing
                    ],
                )
                ct = m.communities
                for r in missing:
                    row = (
                        await conn.execute(
                            select(ct.c.id, ct.c.name).where(
                                ct.c.platform == r.platform, ct.c.external_id == r.external_id
                            )
                        )
                    ).one()
                    if r.name and row.name != r.name:
                        await conn.execute(update(ct).where(ct.c.id == row.id).values(name=r.name))
                    self._ids[r.key] = row.id
        return {r.key: self._ids[r.key] for r in refs}

    async def ensure(self, ref: CommunityRef) -> Community:
        cid = (await self.ensure_many([ref]))[ref.key]
        community = await self.get(cid)
        assert community is not None
        return community

    async def get(self, community_id: int) -> Community | None:
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(m.communities).where(m.communities.c.id == community_id))
            ).first()
        return Community(row.id, row.platform, row.external_id, row.name) if row else None

    async def last_activity(self, community_id: int) -> datetime | None:
        """When the community's newest stored message was posted (an index look-up)."""
        async with self.db.read() as conn:
            found = await conn.scalar(
                select(func.max(m.messages.c.posted_at)).where(
                    m.messages.c.community_id == community_id
                )
            )
        return as_utc(found) if found is not None else None

    async def find(self, platform: str, external_id: str) -> Community | None:
        ct = m.communities
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(ct).where(ct.c.platform == platform, ct.c.external_id == external_id)
                )
            ).first()
        return Community(row.id, row.platform, row.external_id, row.name) if row else None

    async def resolve(self, label: str) -> Community | None:
        """A community by id number, `platform:external_id`, external id or name."""
        ct = m.communities
        async with self.db.read() as conn:
            rows = (await conn.execute(select(ct).order_by(ct.c.id))).all()
        for r in rows:
            if label in (str(r.id), f"{r.platform}:{r.external_id}", r.external_id, r.name):
                return Community(r.id, r.platform, r.external_id, r.name)
        return None

    async def list_all(self) -> list[tuple[Community, dict[str, int]]]:
        ct = m.communities
        counts: dict[int, dict[str, int]] = {}
        async with self.db.read() as conn:
            rows = (await conn.execute(select(ct).order_by(ct.c.id))).all()
            for table, label in (
                (m.members, "members"),
                (m.channels, "channels"),
                (m.messages, "messages"),
                (m.resources, "resources"),
            ):
                for cid, n in await conn.execute(
                    select(table.c.community_id, func.count()).group_by(table.c.community_id)
                ):
                    counts.setdefault(cid, {})[label] = n
        return [
            (Community(r.id, r.platform, r.external_id, r.name), counts.get(r.id, {})) for r in rows
        ]


class Members(_Repo):
    async def get(self, member_id: int) -> Member | None:
        async with self.db.read() as conn:
            row = (await conn.execute(select(m.members).where(m.members.c.id == member_id))).first()
        return _member(row) if row else None

    async def by_external_id(self, community_id: int, external_id: str) -> Member | None:
        mt = m.members
        async with self.db.read() as conn:
            row = await _member_row(conn, community_id, external_id, mt)
        return _member(row) if row else None

    async def by_name(self, community_id: int, name: str) -> Member | None:
        """Exact (case-insensitive) display name or external id."""
        mt = m.members
        wanted = name.lstrip("@").strip().lower()
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(mt)
                    .where(
                        mt.c.community_id == community_id,
                        or_(
                            func.lower(mt.c.display_name) == wanted,
                            func.lower(mt.c.external_id) == wanted,
                        ),
                    )
                    .order_by(mt.c.id)
                    .limit(1)
                )
            ).first()
        return _member(row) if row else None

    async def names(self, community_id: int, limit: int = 5000) -> list[Member]:
        mt = m.members
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(mt)
                .where(mt.c.community_id == community_id, mt.c.is_bot.is_(False))
                .limit(limit)
            )
            return [_member(r) for r in rows]


class Channels(_Repo):
    async def tracking_overrides(self, community_id: int) -> dict[str, bool]:
        ct = m.channels
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(ct.c.external_id, ct.c.tracked).where(
                    ct.c.community_id == community_id, ct.c.tracked.is_not(None)
                )
            )
            return {ext: bool(tracked) for ext, tracked in rows}

    async def list(self, community_id: int) -> list[Channel]:
        ct = m.channels
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(ct).where(ct.c.community_id == community_id).order_by(ct.c.name)
            )
            return [_channel(r) for r in rows]

    async def find(
        self, community_id: int, *, external_id: str | None = None, name: str | None = None
    ) -> Channel | None:
        ct = m.channels
        cond = (
            ct.c.external_id == external_id
            if external_id
            else func.lower(ct.c.name) == (name or "").lstrip("#").lower()
        )
        async with self.db.read() as conn:
            row = (
                await conn.execute(select(ct).where(ct.c.community_id == community_id, cond))
            ).first()
        return _channel(row) if row else None

    async def set_tracked(
        self, community_id: int, external_id: str, name: str | None, tracked: bool | None
    ) -> None:
        ct = m.channels
        async with self.db.write() as conn:
            await conn.execute(
                insert_ignore(conn, ct),
                [
                    {
                        "community_id": community_id,
                        "external_id": external_id,
                        "name": name,
                        "is_private": False,
                    }
                ],
            )
            await conn.execute(
                update(ct)
                .where(ct.c.community_id == community_id, ct.c.external_id == external_id)
                .values(tracked=tracked)
            )


class Settings(_Repo):
    async def tracking_choices(self, community_id: int) -> dict[str, bool]:
        return await self._choices(community_id, m.member_settings.c.tracking)

    async def get(
        self, community_id: int, external_id: str, default_tracking: bool = True
    ) -> MemberSettings:
        st = m.member_settings
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(st).where(
                        st.c.community_id == community_id, st.c.member_external_id == external_id
                    )
                )
            ).first()
        if row is None:
            return MemberSettings(tracking=default_tracking)
        paused = as_utc(row.intros_paused_until) if row.intros_paused_until else None
        return MemberSettings(
            tracking=bool(row.tracking),
            intros=row.intros,
            intros_paused_until=paused,
            profiling=row.profiling,
        )

    async def profiling_choices(self, community_id: int) -> dict[str, bool]:
        """Members' explicit answers to `privacy profiling`, by platform id."""
        return await self._choices(community_id, m.member_settings.c.profiling)

    async def _choices(self, community_id: int, column: Any) -> dict[str, bool]:
        """One yes/no setting of every member who has answered it, by platform id."""
        st = m.member_settings
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(st.c.member_external_id, column).where(
                    st.c.community_id == community_id, column.is_not(None)
                )
            )
            return {ext: bool(value) for ext, value in rows}

    async def update(
        self,
        community_id: int,
        external_id: str,
        now: datetime,
        default_tracking: bool = True,
        **values: Any,
    ) -> None:
        key = {"community_id": community_id, "member_external_id": external_id}
        async with self.db.write() as conn:
            await set_keyed(
                conn,
                m.member_settings,
                key,
                {"updated_at": now, **values},
                defaults={"tracking": default_tracking},
            )


@dataclass(frozen=True, slots=True)
class _Share:
    resource_id: int
    member: Member
    shared_at: datetime
    channel: Channel
    message_external_id: str
    text: str


class Resources(_Repo):
    async def summaries(
        self, community_id: int, ids: Sequence[int], since: datetime | None = None
    ) -> list[ResourceSummary]:
        """Credit and counts for these resources, in the order given."""
        if not ids:
            return []
        async with self.db.read() as conn:
            return await conn.run_sync(_summaries, community_id, list(ids), since)

    async def top(
        self, community_id: int, since: datetime, limit: int = 10
    ) -> list[ResourceSummary]:
        """The resources most people discussed (or shared) since `since`: read from the
        activity that triggers keep per resource (`storage.activity`), so a year costs
        about what a week does."""
        async with self.db.read() as conn:
            ids = await conn.run_sync(activity.top_ids, community_id, since, limit)
        return await self.summaries(community_id, ids, since)

    async def rebuild_activity(self, community_id: int) -> None:
        """Recompute the community's resource activity from the facts (`rhizome reindex`)."""
        await self.db.run_write(activity.rebuild, community_id)

    async def search(self, community_id: int, query: str, limit: int = 10) -> list[ResourceSummary]:
        terms = [t for t in _TERM.findall(query)[:MAX_QUERY_TERMS] if len(t) <= 64]
        if not terms:
            return []
        async with self.db.read() as conn:
            ids = await _search_ids(conn, community_id, terms, limit, all_terms=True)
            if not ids:
                ids = await _search_ids(conn, community_id, terms, limit, all_terms=False)
        return await self.summaries(community_id, ids)

    async def all_ids(self, community_id: int) -> list[int]:
        rt = m.resources
        async with self.db.read() as conn:
            return list(
                (
                    await conn.execute(
                        select(rt.c.id).where(rt.c.community_id == community_id).order_by(rt.c.id)
                    )
                ).scalars()
            )

    async def shared_by(self, member_id: int, limit: int = 10) -> list[int]:
        """The resources the member shared most recently, newest first.

        Reads their newest shares through (member, time) and stops once `limit` different
        resources turned up; only someone who shared the same few links over and over needs
        the GROUP BY over their whole history (the busiest poster has thousands of shares)."""
        st = m.shares
        window = limit * 20
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(st.c.resource_id)
                .where(st.c.member_id == member_id)
                .order_by(st.c.shared_at.desc())
                .limit(window)
            )
            newest = [r[0] for r in rows]
            found = list(dict.fromkeys(newest))
            if len(found) >= limit or len(newest) < window:
                return found[:limit]
            rows = await conn.execute(
                select(st.c.resource_id)
                .where(st.c.member_id == member_id)
                .group_by(st.c.resource_id)
                .order_by(func.max(st.c.shared_at).desc())
                .limit(limit)
            )
            return [r[0] for r in rows]

    async def discussed_by(
        self, community_id: int, member_id: int, limit: int = 10, *, window: int = 500
    ) -> list[int]:
        """Resources the member most recently replied about or reacted to.

        Reads only the member's newest `window` replies and reactions (through their member
        indexes), so a prolific member costs no more than a quiet one."""
        msg, root, st, rx = m.messages, m.messages.alias("root"), m.shares, m.reactions
        replies = (
            select(msg.c.id, msg.c.channel_id, msg.c.thread_external_id, msg.c.posted_at)
            .where(msg.c.author_id == member_id, msg.c.thread_external_id.is_not(None))
            .order_by(msg.c.posted_at.desc())
            .limit(window)
            .subquery()
        )
        reactions = (
            select(rx.c.message_id, rx.c.reacted_at)
            .where(rx.c.member_id == member_id)
            .order_by(rx.c.reacted_at.desc())
            .limit(window)
            .subquery()
        )
        events = union_all(
            select(st.c.resource_id, replies.c.posted_at.label("at"))
            .select_from(replies)
            .join(
                root,
                and_(
                    root.c.channel_id == replies.c.channel_id,
                    root.c.external_id == replies.c.thread_external_id,
                    root.c.community_id == community_id,
                ),
            )
            .join(st, st.c.message_id == root.c.id),
            select(st.c.resource_id, reactions.c.reacted_at.label("at"))
            .select_from(reactions)
            .join(st, st.c.message_id == reactions.c.message_id),
        ).subquery()
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(events.c.resource_id)
                .group_by(events.c.resource_id)
                .order_by(func.max(events.c.at).desc())
                .limit(limit)
            )
            return [r[0] for r in rows]

    async def set_metadata(
        self, resource_id: int, title: str | None, description: str | None
    ) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                update(m.resources)
                .where(m.resources.c.id == resource_id)
                .values(title=title, description=description)
            )
            await conn.run_sync(IngestStore.refresh_search_text, [resource_id])


async def _search_ids(
    conn: Any, community_id: int, terms: list[str], limit: int, *, all_terms: bool
) -> list[int]:
    if conn.dialect.name == "sqlite":
        quoted = ['"' + t.replace('"', '""') + '"' for t in terms]
        quoted[-1] += "*"
        match = (" AND " if all_terms else " OR ").join(quoted)
        rows = await conn.execute(
            text(
                "SELECT r.id FROM resource_fts JOIN resources r ON r.id = resource_fts.rowid "
                "WHERE resource_fts MATCH :q AND r.community_id = :cid ORDER BY resource_fts.rank LIMIT :n"
            ),
            {"q": match, "cid": community_id, "n": limit},
        )
    else:
        words = [re.sub(r"[^\w]", "", t) for t in terms]
        words = [w for w in words if w]
        if not words:
            return []
        words[-1] += ":*"
        tsq = (" & " if all_terms else " | ").join(words)
        rows = await conn.execute(
            text(
                "SELECT id FROM resources WHERE community_id = :cid "
                "AND search_vector @@ to_tsquery('simple', :q) "
                "ORDER BY ts_rank(search_vector, to_tsquery('simple', :q)) DESC, id LIMIT :n"
            ),
            {"q": tsq, "cid": community_id, "n": limit},
        )
    return [r[0] for r in rows]


def _summaries(
    conn: Connection, community_id: int, ids: list[int], since: datetime | None
) -> list[ResourceSummary]:
    rt, st, mt, ct, msg = m.resources, m.shares, m.members, m.channels, m.messages
    heads: dict[int, Any] = {}
    shares: dict[int, list[_Share]] = {}
    counts: dict[int, list[tuple[int, int, int]]] = {}
    for part in chunks(ids):
        for row in conn.execute(
            select(rt).where(rt.c.community_id == community_id, rt.c.id.in_(part))
        ):
            heads[row.id] = row
        q = (
            select(
                st.c.resource_id,
                st.c.shared_at,
                msg.c.external_id.label("msg_ext"),
                msg.c.text,
                mt.c.id.label("m_id"),
                mt.c.community_id.label("m_cid"),
                mt.c.external_id.label("m_ext"),
                mt.c.display_name,
                mt.c.is_bot,
                ct.c.id.label("c_id"),
                ct.c.external_id.label("c_ext"),
                ct.c.name.label("c_name"),
                ct.c.is_private,
                ct.c.tracked,
            )
            .join(mt, mt.c.id == st.c.member_id)
            .join(ct, ct.c.id == st.c.channel_id)
            .join(msg, msg.c.id == st.c.message_id)
            .where(st.c.resource_id.in_(part))
            .order_by(st.c.shared_at, st.c.id)
        )
        for r in conn.execute(q):
            shares.setdefault(r.resource_id, []).append(
                _Share(
                    r.resource_id,
                    Member(r.m_id, r.m_cid, r.m_ext, r.display_name, bool(r.is_bot)),
                    as_utc(r.shared_at),
                    Channel(r.c_id, community_id, r.c_ext, r.c_name, bool(r.is_private), r.tracked),
                    r.msg_ext,
                    r.text,
                )
            )
        # Counted in the database: a popular resource has thousands of discussion events.
        for rid, events in activity.counts(conn, part, since).items():
            counts[rid] = events
    out: list[ResourceSummary] = []
    for rid in ids:
        head = heads.get(rid)
        if head is None:
            continue
        its = shares.get(rid, [])
        first = its[0] if its else None
        # Discussion: replies and reactions, and shares by anyone but the first sharer.
        c = {"reply": 0, "reaction": 0, "reshare": 0}
        people: set[int] = set()
        first_member = first.member.id if first else None
        for member_id, kind, n in counts.get(rid, ()):
            if kind == activity.SHARE:
                if member_id != first_member:
                    c["reshare"] += n
                continue
            c[activity.KIND_NAMES[kind]] += n
            if member_id != first_member:
                people.add(member_id)
        sharers: list[str] = []
        for s in its:
            if s.member.name not in sharers:
                sharers.append(s.member.name)
        out.append(
            ResourceSummary(
                id=rid,
                url=head.canonical_url,
                shared_url=head.shared_url,
                title=head.title,
                domain=head.domain,
                kind=head.kind,
                first_shared_by=first.member if first else None,
                first_shared_at=first.shared_at if first else None,
                first_channel=first.channel if first else None,
                first_message_external_id=first.message_external_id if first else None,
                sharers=tuple(sharers),
                share_count=len(its),
                reply_count=c["reply"],
                reaction_count=c["reaction"],
                reshare_count=c["reshare"],
                discussants=len(people),
                snippet=(first.text[:200] if first else None),
            )
        )
    return out


class State(_Repo):
    async def get(self, key: str) -> str | None:
        async with self.db.read() as conn:
            return (
                await conn.execute(select(m.bot_state.c.value).where(m.bot_state.c.key == key))
            ).scalar()

    async def set(self, key: str, value: str, now: datetime) -> None:
        bs = m.bot_state
        async with self.db.write() as conn:
            await conn.execute(delete(bs).where(bs.c.key == key))
            await conn.execute(bs.insert().values(key=key, value=value, updated_at=now))

    async def next_number(self, key: str, now: datetime) -> int:
        """Add one to a counter and return it, in one statement: two sessions (or processes)
        counting on the same key never get the same number."""
        bs = m.bot_state
        dialect = postgresql if self.db.dialect == "postgresql" else sqlite
        stmt = dialect.insert(bs).values(key=key, value="1", updated_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=[bs.c.key],
            set_={
                "value": cast(cast(bs.c.value, BigInteger) + 1, Text),
                "updated_at": stmt.excluded.updated_at,
            },
        ).returning(bs.c.value)
        async with self.db.write() as conn:
            return int((await conn.execute(stmt)).scalar_one())


@dataclass(frozen=True, slots=True)
class StoredMessageRef:
    """A stored message's platform id and time, no content."""

    external_id: str
    posted_at: datetime


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
    ) -> list[StoredMessageRef]:
        """Stored messages of one place (a channel's top level, or one thread), newest first:
        those posted before `before` and at or after `since` (catch-up after downtime reads
        these to know where to start and which messages were deleted meanwhile)."""
        msg, ct, cm = m.messages, m.channels, m.communities
        query = (
            select(msg.c.external_id, msg.c.posted_at)
            .join(ct, ct.c.id == msg.c.channel_id)
            .join(cm, cm.c.id == msg.c.community_id)
            .where(
                cm.c.platform == community.platform,
                cm.c.external_id == community.external_id,
                ct.c.external_id == channel_external_id,
                msg.c.thread_external_id.is_(None)
                if thread_external_id is None
                else msg.c.thread_external_id == thread_external_id,
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
        return [StoredMessageRef(external_id=r[0], posted_at=as_utc(r[1])) for r in rows]

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


class Deliveries(_Repo):
    """Delivery ids of requests that must run once (a replayed slash command or button press),
    in the table that keeps events' delivery ids."""

    async def claim(self, community_id: int, key: str, now: datetime) -> bool:
        """True for the first claim of `key` in the community, in any process; then False."""
        async with self.db.write() as conn:
            result = await conn.execute(
                insert_ignore(conn, m.processed_events),
                [{"community_id": community_id, "event_key": key[:128], "processed_at": now}],
            )
            return bool(result.rowcount)


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
            await conn.run_sync(delete_member_data, community_id, member_id)
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
        return data


def _iso(when: datetime | None) -> str | None:
    return as_utc(when).isoformat() if when else None


class Repositories:
    """The composition of every repository over one database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.communities = Communities(db)
        self.members = Members(db)
        self.channels = Channels(db)
        self.settings = Settings(db)
        self.resources = Resources(db)
        self.messages = Messages(db)
        self.state = State(db)
        self.privacy = Privacy(db)
        self.deliveries = Deliveries(db)

    async def run_ingest(
        self, store: IngestStore, planned: Sequence[Planned], now: datetime
    ) -> IngestStats:
        try:
            return await self.db.run_write(store.apply, planned, now)
        except Exception:
            # Cached ids may be stale (another process purged a member or community): drop them
            # so the retry, or the next batch, re-reads them.
            store.clear()
            self.communities._ids.clear()
            raise
        finally:
            if store.erased:  # old text to wipe from the files at the next scrub
                store.erased = False
                self.db.needs_scrub = True

    async def purge_community(self, community_id: int, store: IngestStore) -> None:
        async with self.db.write() as conn:
            await conn.execute(delete(m.communities).where(m.communities.c.id == community_id))
        store.forget_community(community_id)
        self.communities.forget(community_id)
