"""Resources: credit and counts (summaries), the most discussed, full-text search, and
metadata; SQLite's FTS5 and PostgreSQL's tsvector differ here only."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    and_,
    case,
    func,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection

from bot.clock import as_utc
from bot.model import (
    Channel,
    Member,
    ResourceSummary,
)
from storage import activity
from storage import models as m
from storage.ingest import IngestStore
from storage.repositories.base import _Repo
from storage.sql import among, chunks

MAX_QUERY_TERMS = 12
_TERM = re.compile(r"\w+", re.UNICODE)


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
            ids = await _search_ids(conn, community_id, terms, limit, mode=ALL)
            if not ids:
                ids = await _search_ids(conn, community_id, terms, limit, mode=ANY)
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
        """Resources the member most recently replied about or reacted to, newest first.

        Their reply and reaction events in `resource_activity`, newest first through
        (member, time): the first `limit` different resources, usually from the first
        `limit * 20` events. Joining each of their newest `window` replies back to its
        thread's root, as this did before, cost 6-15 ms on PostgreSQL at 1M messages and left
        out what lay behind `window` replies in threads without a link."""
        ra = activity.resource_activity
        newest = limit * 20
        mine = and_(
            ra.c.member_id == member_id,
            ra.c.community_id == community_id,
            ra.c.kind != activity.SHARE,
        )
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(ra.c.resource_id, ra.c.at)
                .where(mine)
                .order_by(ra.c.at.desc(), ra.c.resource_id.desc())
                .limit(newest)
            )
            events = rows.all()
            found = list(dict.fromkeys(rid for rid, _ in events))
            if len(found) >= limit or len(events) < newest:
                return found[:limit]
            # Someone discussing the same few resources over and over: group them all.
            rows = await conn.execute(
                select(ra.c.resource_id)
                .where(mine)
                .group_by(ra.c.resource_id)
                .order_by(func.max(ra.c.at).desc(), ra.c.resource_id.desc())
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


async def matching_resource_ids(
    conn: Any, community_id: int, query: str, limit: int, *, at_most: int | None = None
) -> list[int]:
    """The resources best matching every word of `query` in the search index, best first:
    those with the words side by side (a phrase), then the rest. With `at_most`, none of a
    kind when more resources than that match it: ranking every match of common words costs
    hundreds of ms at a million messages (who-knows' last resort wants rare ones), and
    counting up to a bound is one index walk that stops there."""
    terms = [t for t in _TERM.findall(query)[:MAX_QUERY_TERMS] if len(t) <= 64]
    if not terms:
        return []
    # The words side by side first: "big data" before "a big help at the data jam".
    found: list[int] = []
    for mode in (PHRASE, ALL) if len(terms) > 1 else (ALL,):
        if (
            at_most is not None
            and await _matches(conn, community_id, terms, at_most + 1, mode) > at_most
        ):
            continue
        more = await _search_ids(conn, community_id, terms, limit, mode=mode)
        found += [i for i in more if i not in found][: limit - len(found)]
    return found


SearchMode = Literal["all", "any", "phrase"]  # how a search's words must occur
ALL: SearchMode = "all"
ANY: SearchMode = "any"
PHRASE: SearchMode = "phrase"


def _fts_match(terms: list[str], mode: SearchMode) -> str:
    """SQLite FTS5: the terms quoted, the last one as a prefix (typed as it is searched);
    a phrase joins them with `+` (side by side)."""
    quoted = ['"' + t.replace('"', '""') + '"' for t in terms]
    if mode == PHRASE:
        return " + ".join(quoted) + "*"
    quoted[-1] += "*"
    return (" AND " if mode == ALL else " OR ").join(quoted)


def _tsquery(terms: list[str], mode: SearchMode) -> str | None:
    """PostgreSQL: the same as a `to_tsquery('simple', …)` text; None when nothing is left."""
    words = [w for w in (re.sub(r"[^\w]", "", t) for t in terms) if w]
    if not words:
        return None
    words[-1] += ":*"
    return {ALL: " & ", ANY: " | ", PHRASE: " <-> "}[mode].join(words)


async def _matches(
    conn: Any, community_id: int, terms: list[str], up_to: int, mode: SearchMode = ALL
) -> int:
    """How many of the community's resources match the terms, counting at most `up_to`."""
    if conn.dialect.name == "sqlite":
        sql = (
            "SELECT count(*) FROM (SELECT r.id FROM resource_fts JOIN resources r "
            "ON r.id = resource_fts.rowid WHERE resource_fts MATCH :q AND r.community_id = :cid "
            "LIMIT :n)"
        )
        q: str | None = _fts_match(terms, mode)
    else:
        sql = (
            "SELECT count(*) FROM (SELECT 1 FROM resources WHERE community_id = :cid "
            "AND search_vector @@ to_tsquery('simple', :q) LIMIT :n) AS found"
        )
        q = _tsquery(terms, mode)
    if q is None:
        return 0
    return int((await conn.execute(text(sql), {"q": q, "cid": community_id, "n": up_to})).scalar())


async def _search_ids(
    conn: Any, community_id: int, terms: list[str], limit: int, *, mode: SearchMode
) -> list[int]:
    if conn.dialect.name == "sqlite":
        rows = await conn.execute(
            text(
                "SELECT r.id FROM resource_fts JOIN resources r ON r.id = resource_fts.rowid "
                "WHERE resource_fts MATCH :q AND r.community_id = :cid ORDER BY resource_fts.rank LIMIT :n"
            ),
            {"q": _fts_match(terms, mode), "cid": community_id, "n": limit},
        )
    else:
        tsq = _tsquery(terms, mode)
        if tsq is None:
            return []
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
    firsts: dict[int, _Share] = {}  # each resource's first share
    sharers: dict[int, dict[str, None]] = {}  # names, in the order they first shared it
    share_counts: dict[int, int] = {}
    counts: dict[int, list[tuple[int, int, int]]] = {}
    for part in chunks(ids):
        for row in conn.execute(
            select(rt).where(rt.c.community_id == community_id, among(conn, rt.c.id, part))
        ):
            heads[row.id] = row
        # Each share with its sharer; the first share of each resource (in time, then id)
        # also with its message and channel, the only ones shown: joining every share's
        # message cost a probe each (`top 365`: 638 shares of ten resources, 9 -> 5 ms on
        # PostgreSQL). A key that is NULL finds no row without a probe.
        ordered = (
            select(
                st.c.id,
                st.c.resource_id,
                st.c.shared_at,
                st.c.member_id,
                st.c.channel_id,
                st.c.message_id,
                func.row_number()
                .over(partition_by=st.c.resource_id, order_by=(st.c.shared_at, st.c.id))
                .label("nth"),
            )
            .where(among(conn, st.c.resource_id, part))
            .subquery()
        )
        is_first = ordered.c.nth == 1
        q = (
            select(
                ordered.c.resource_id,
                ordered.c.shared_at,
                is_first.label("is_first"),
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
            .select_from(ordered)
            .join(mt, mt.c.id == ordered.c.member_id)
            .outerjoin(ct, ct.c.id == case((is_first, ordered.c.channel_id)))
            .outerjoin(msg, msg.c.id == case((is_first, ordered.c.message_id)))
            .order_by(ordered.c.shared_at, ordered.c.id)
        )
        for r in conn.execute(q):
            # Only the first share is shown whole; the others count, and name their sharer
            # (`top 365`: 625 shares of ten resources).
            rid = r.resource_id
            share_counts[rid] = share_counts.get(rid, 0) + 1
            sharers.setdefault(rid, {})[r.display_name or r.m_ext] = None
            if r.is_first:
                firsts[rid] = _Share(
                    rid,
                    Member(r.m_id, r.m_cid, r.m_ext, r.display_name, bool(r.is_bot)),
                    as_utc(r.shared_at),
                    Channel(r.c_id, community_id, r.c_ext, r.c_name, bool(r.is_private), r.tracked),
                    r.msg_ext,
                    r.text,
                )
        # Counted in the database: a popular resource has thousands of discussion events.
        for rid, events in activity.counts(conn, part, since).items():
            counts[rid] = events
    out: list[ResourceSummary] = []
    for rid in ids:
        head = heads.get(rid)
        if head is None:
            continue
        first = firsts.get(rid)
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
                sharers=tuple(sharers.get(rid, {})),
                share_count=share_counts.get(rid, 0),
                reply_count=c["reply"],
                reaction_count=c["reaction"],
                reshare_count=c["reshare"],
                discussants=len(people),
                snippet=(first.text[:200] if first else None),
            )
        )
    return out
