"""Resource and member topics: written (with the per community topic popularity kept in step),
read, and the strongest members per topic for who-knows."""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    delete,
    func,
    select,
    text,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import TextClause

from storage import models as m
from storage.db import Database
from storage.interests.common import _living_members, _upsert
from storage.interests.members import _members
from storage.interests.tables import (
    TOPIC_CHARS,
    declared_interests,
    member_topic_state,
    member_topics,
    resource_topic_state,
    resource_topics,
    topic_stats,
)
from storage.interests.values import (
    Candidates,
    EvidenceRef,
    TopicScore,
    TopicWeights,
)
from storage.sql import among, chunks

CANDIDATE_TOPICS = 50  # topics per statement of who-knows candidates (a compound SELECT)


class TopicStore:
    db: Database

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

    async def topics_of(
        self, resource_ids: Collection[int], community_id: int | None = None
    ) -> dict[int, list[tuple[str, float]]]:
        async with self.db.read() as conn:
            return await conn.run_sync(_topics_of, sorted(set(resource_ids)), community_id)

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

    async def member_vocabulary(self, community_id: int, limit: int) -> list[tuple[str, int]]:
        """The topics members hold, with how many hold each, most held first: many come only
        from answers (`amd gpu`, `idempotence`), no resource's, so `vocabulary` lacks them.
        Read from `member_topics` itself, so a forgotten member's words leave with them."""
        mt = member_topics
        held = func.count().label("held")
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(mt.c.topic, held)
                .where(mt.c.community_id == community_id)
                .group_by(mt.c.topic)
                .order_by(held.desc(), mt.c.topic)
                .limit(limit)
            )
            return [(t, int(n)) for t, n in rows]

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

    async def widely_held(
        self, community_id: int, member_id: int, topics: Collection[str], others: int
    ) -> set[str]:
        """Which of these topics at least `others` other members hold too: one statement,
        each topic read from the index only as far as `others` rows."""
        wanted = list(dict.fromkeys(topics))
        if not wanted:
            return set()
        params: dict[str, object] = {"c": community_id, "m": member_id, "k": others}
        params.update({f"t{i}": topic for i, topic in enumerate(wanted)})
        async with self.db.read() as conn:
            rows = await conn.execute(_held_statement(len(wanted)), params)
            return {wanted[r.i] for r in rows if r.n >= others}

    async def topics_meet(self, community_id: int, a: str, b: str) -> bool:
        """Does some resource carry both topics (`ln` beside `lightning network`)?"""
        rt, other = resource_topics, resource_topics.alias("other")
        statement = (
            select(rt.c.resource_id)
            .join(
                other,
                and_(other.c.resource_id == rt.c.resource_id, other.c.topic == b),
            )
            .where(rt.c.community_id == community_id, rt.c.topic == a)
            .limit(1)
        )
        async with self.db.read() as conn:
            return (await conn.execute(statement)).first() is not None

    async def member_topic_export(self, member_id: int) -> list[tuple[str, float]]:
        mt = member_topics
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(mt.c.topic, mt.c.log_score)
                .where(mt.c.member_id == member_id)
                .order_by(mt.c.log_score.desc(), mt.c.topic)
            )
            return [(t, float(s)) for t, s in rows]


def _topics_of(
    conn: Connection, ids: list[int], community_id: int | None = None
) -> dict[int, list[tuple[str, float]]]:
    rt = resource_topics
    out: dict[int, list[tuple[str, float]]] = {}
    for part in chunks(ids):
        q = select(rt.c.resource_id, rt.c.topic, rt.c.weight).where(
            among(conn, rt.c.resource_id, part)
        )
        if community_id is not None:
            q = q.where(rt.c.community_id == community_id)
        for rid, topic, weight in conn.execute(q):
            out.setdefault(rid, []).append((topic, float(weight)))
    for items in out.values():
        items.sort(key=lambda tw: (-tw[1], tw[0]))
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


def release_topics(conn: Connection, resource_ids: Sequence[int]) -> None:
    """Take these resources, about to be deleted, out of their community's topic counts: a
    topic only they had leaves `topic_stats` now, not at the next recount (a forgotten
    member's words were still a topic name in the file after forget-me)."""
    rtp = resource_topics
    deltas: dict[int, dict[str, list[float]]] = {}  # community -> topic -> [resources, weight]
    for part in chunks(sorted(set(resource_ids))):
        for community_id, topic, weight in conn.execute(
            select(rtp.c.community_id, rtp.c.topic, rtp.c.weight).where(rtp.c.resource_id.in_(part))
        ):
            d = deltas.setdefault(int(community_id), {}).setdefault(topic, [0, 0.0])
            d[0] -= 1
            d[1] -= float(weight)
    for community_id, delta in deltas.items():
        _apply_stats_delta(conn, community_id, delta)


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


def _write_member_topics(
    conn: Connection,
    community_id: int,
    scores: Mapping[int, Sequence[TopicScore]],
    signatures: Mapping[int, str],
    now: datetime,
) -> None:
    mtp, ms = member_topics, member_topic_state
    alive = _living_members(conn, community_id, set(scores) | set(signatures))
    for part in chunks(alive):
        conn.execute(delete(mtp).where(mtp.c.member_id.in_(part)))
    rows = []
    for mid in alive:
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


@functools.cache
def _candidates_statement(n: int) -> Any:
    """The compound SELECT of `n` topics' strongest members, with bound parameters
    (`community`, `limit`, `t0`…): built once per size, since building it costs more
    Python than running it."""
    mt = member_topics
    best = [
        select(
            mt.c.topic, mt.c.member_id, mt.c.log_score, mt.c.evidence, mt.c.shared, mt.c.discussed
        )
        .where(mt.c.community_id == bindparam("community"), mt.c.topic == bindparam(f"t{i}"))
        .order_by(mt.c.log_score.desc(), mt.c.member_id)
        .limit(bindparam("limit", type_=Integer))
        .subquery()
        for i in range(n)
    ]
    return union_all(*(select(*b.c) for b in best)) if n > 1 else select(*best[0].c)


def _expert_candidates(
    conn: Connection, community_id: int, topics: list[str], limit: int, default_tracking: bool
) -> Candidates:
    di, mem = declared_interests, m.members
    scores: dict[int, list[TopicScore]] = {}
    wanted = list(dict.fromkeys(topics))
    for part in chunks(wanted, CANDIDATE_TOPICS):
        # Each topic's strongest members through (community, topic, score), all topics in
        # one statement (a round trip per related topic cost more than the reads).
        params: dict[str, Any] = {"community": community_id, "limit": limit}
        params.update({f"t{i}": topic for i, topic in enumerate(part)})
        found = _candidates_statement(len(part))
        rows = list(conn.execute(found, params).all())
        rank = {topic: i for i, topic in enumerate(part)}
        rows.sort(key=lambda r: (rank[r.topic], -float(r.log_score), r.member_id))
        for r in rows:
            scores.setdefault(r.member_id, []).append(
                TopicScore(
                    r.topic,
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
            .where(
                di.c.community_id == community_id,
                among(conn, di.c.topic, sorted(set(topics))),
            )
        ):
            declared.setdefault(mid, []).append(topic)
    members = _members(
        conn, community_id, set(scores) | set(declared), default_tracking, tracked_only=True
    )
    return Candidates(scores, declared, members)


@functools.lru_cache(maxsize=64)
def _held_statement(n: int) -> TextClause:
    """`widely_held`'s statement for `n` topics, written once per count: built as SQLAlchemy
    expressions, 30 limited subqueries cost 5-7 ms a call to construct and compile at 1M
    messages, for 0.2 ms of query."""
    one = (
        "SELECT {i} AS i, count(*) AS n FROM (SELECT member_id FROM member_topics "
        "WHERE community_id = :c AND topic = :t{i} AND member_id != :m LIMIT :k) AS h{i}"
    )
    return text(" UNION ALL ".join(one.format(i=i) for i in range(n)))
