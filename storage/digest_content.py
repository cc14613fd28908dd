"""What one digest window holds: candidates with their discussion counts, open questions,
connectors and the pulse — gathered in one read transaction and returned as pure values.

Scope comes first: only channels the digest may show are read (tracked, inside its include list,
outside its exclude list, and public — or the digest's own channel when that one is private), so
nothing from elsewhere can leak into counts, credits or questions. Within that scope a
resource's *sharer* is whoever shared it first there, and all counts are of activity by other
members inside the window:

* replies — messages in the thread of any message sharing the resource;
* reactions — on any message sharing it (the silence emoji is not engagement);
* reshares — the resource shared again by someone else.

For an item featured before by this digest, only activity after it was featured counts, and
only members who had not discussed it before count as discussants (the repeat rule).

The work is a few indexed range scans over the window (shares and reactions by community and
time, messages by community and time) plus lookups by resource id; Python does the grouping.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import false, func, or_, select, true, union
from sqlalchemy.engine import Connection

from bot.clock import as_utc
from bot.digests.ranking import (
    Candidate,
    Connector,
    OpenQuestion,
    PeriodCounts,
    worth_featuring_as_question,
)
from bot.questions import SQL_PATTERNS
from storage import models as m
from storage.ingest import chunks

QUESTION_TEXT_CHARS = 600


@dataclass(frozen=True, slots=True)
class DigestScope:
    """Who and what one digest may show; ids are the platform's external ids."""

    community_id: int
    digest_channel_id: str
    digest_private: bool = False
    include: frozenset[str] | None = None
    exclude: frozenset[str] = frozenset()
    silence_emoji: tuple[str, ...] = ("\N{BELL WITH CANCELLATION STROKE}",)  # canonical forms
    default_tracking: bool = True
    # resource id -> (engagement when featured, featured at): the latest feature by this digest.
    featured: Mapping[int, tuple[float, datetime]] = field(default_factory=dict)
    max_questions: int = 20
    max_connectors: int = 10


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message by its external ids, so an outlet can make a permalink."""

    channel_id: str
    message_id: str


@dataclass(frozen=True, slots=True)
class Gathered:
    candidates: tuple[Candidate, ...]
    questions: tuple[OpenQuestion, ...]
    connectors: tuple[Connector, ...]
    counts: PeriodCounts
    previous_counts: PeriodCounts | None
    threads: Mapping[int, MessageRef]  # resource id -> the message that first shared it


@dataclass(frozen=True, slots=True)
class _Chan:
    external_id: str
    name: str
    private: bool


@dataclass(frozen=True, slots=True)
class _First:
    member_id: int
    channel_id: int
    message_id: int
    message_ext: str
    shared_at: datetime


@dataclass(frozen=True, slots=True)
class _Event:
    kind: str  # reply | reaction | reshare
    resource_id: int
    actor: int
    at: datetime
    target: int  # the member whose share was discussed (connector credit)


@dataclass
class _Activity:
    shared: set[int]
    events: list[_Event]
    firsts: dict[int, _First]
    active: int

    def discussions(self) -> int:
        return sum(1 for e in self.events if e.actor != self.firsts[e.resource_id].member_id)


def gather(
    conn: Connection,
    scope: DigestScope,
    start: datetime,
    end: datetime,
    previous_start: datetime | None = None,
) -> Gathered:
    """Everything a digest over [start, end) needs (run inside `AsyncConnection.run_sync`)."""
    start, end = as_utc(start), as_utc(end)
    chans = _channels(conn, scope)
    act = _activity(conn, scope, chans, start, end)
    previous = None
    if previous_start is not None:
        prev = _activity(conn, scope, chans, as_utc(previous_start), start)
        previous = PeriodCounts(len(prev.shared), prev.active, prev.discussions())

    rids = sorted(act.firsts)
    heads = _heads(conn, rids)
    silenced = _silenced(conn, scope, rids)
    prior = _prior_discussants(conn, scope, rids)
    first_ever = _first_share_times(conn, {f.member_id for f in act.firsts.values()})

    per: dict[int, dict[str, int]] = defaultdict(lambda: {"reply": 0, "reaction": 0, "reshare": 0})
    people: dict[int, set[int]] = defaultdict(set)
    last: dict[int, datetime] = {}
    for e in act.events:
        sharer = act.firsts[e.resource_id].member_id
        if e.actor == sharer:
            continue
        feat = scope.featured.get(e.resource_id)
        if feat is not None and e.at <= feat[1]:
            continue
        per[e.resource_id][e.kind] += 1
        if e.actor not in prior.get(e.resource_id, ()):
            people[e.resource_id].add(e.actor)
        if e.resource_id not in last or e.at > last[e.resource_id]:
            last[e.resource_id] = e.at

    questions, question_authors = _questions(conn, scope, chans, start, end)
    connectors_raw = _connectors(act, scope.max_connectors)
    member_ids = (
        {f.member_id for f in act.firsts.values()}
        | question_authors
        | {c for c, *_ in connectors_raw}
    )
    members = _members(conn, scope, member_ids)

    candidates: list[Candidate] = []
    threads: dict[int, MessageRef] = {}
    for rid in rids:
        first = act.firsts[rid]
        head = heads.get(rid)
        if head is None:
            continue
        ext, name, opted_out = members.get(first.member_id, ("?", "a member", True))
        chan = chans[first.channel_id]
        counts = per.get(rid, {"reply": 0, "reaction": 0, "reshare": 0})
        feat = scope.featured.get(rid)
        candidates.append(
            Candidate(
                resource_id=rid,
                url=head[0],
                title=head[1],
                sharer_id=ext,
                sharer_name=name,
                channel_id=chan.external_id,
                channel_name=chan.name,
                first_shared_at=first.shared_at,
                sharer_opted_out=opted_out,
                channel_private=chan.private,
                discussants=len(people.get(rid, ())),
                replies=counts["reply"],
                reactions=counts["reaction"],
                reshares=counts["reshare"],
                last_activity_at=last.get(rid),
                silenced=rid in silenced,
                is_first_share_of_member=(
                    start <= first.shared_at < end
                    and first_ever.get(first.member_id) == first.shared_at
                ),
                previously_featured_score=feat[0] if feat else None,
            )
        )
        threads[rid] = MessageRef(chan.external_id, first.message_ext)

    open_questions = tuple(
        OpenQuestion(
            message_id=q.message_ext,
            text=q.text,
            author_id=members.get(q.author, ("?", "a member", True))[0],
            author_name=members.get(q.author, ("?", "a member", True))[1],
            channel_id=chans[q.channel].external_id,
            channel_name=chans[q.channel].name,
            asked_at=q.at,
            author_opted_out=members.get(q.author, ("?", "a member", True))[2],
            channel_private=chans[q.channel].private,
            silenced=q.silenced,
        )
        for q in questions
    )
    connectors = tuple(
        Connector(
            member_id=members.get(mid, ("?", "a member", True))[0],
            name=members.get(mid, ("?", "a member", True))[1],
            discussants=n_people,
            shares=n_shares,
            opted_out=members.get(mid, ("?", "a member", True))[2],
        )
        for mid, n_people, n_shares in connectors_raw
    )
    return Gathered(
        candidates=tuple(candidates),
        questions=open_questions,
        connectors=connectors,
        counts=PeriodCounts(len(act.shared), act.active, act.discussions()),
        previous_counts=previous,
        threads=threads,
    )


# --- scope -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Channels:
    """The channels a digest may show (by row id), and a SQL condition selecting them."""

    visible: Mapping[int, _Chan]
    hidden: frozenset[int]

    def __contains__(self, channel_id: object) -> bool:
        return channel_id in self.visible

    def __getitem__(self, channel_id: int) -> _Chan:
        return self.visible[channel_id]

    def where(self, column: Any) -> Any:
        """`column` is a visible channel; spelled with the shorter of the two id lists."""
        if not self.hidden:
            return true()
        if not self.visible:
            return false()
        if len(self.hidden) <= len(self.visible):
            return column.not_in(sorted(self.hidden))
        return column.in_(sorted(self.visible))


def _channels(conn: Connection, scope: DigestScope) -> _Channels:
    """The channels this digest may show, by row id."""
    ct = m.channels
    visible: dict[int, _Chan] = {}
    hidden: set[int] = set()
    for cid, ext, name, private, tracked in conn.execute(
        select(ct.c.id, ct.c.external_id, ct.c.name, ct.c.is_private, ct.c.tracked).where(
            ct.c.community_id == scope.community_id
        )
    ):
        shown = not (
            tracked is False
            or (private and not (scope.digest_private and ext == scope.digest_channel_id))
            or (scope.include is not None and ext not in scope.include)
            or ext in scope.exclude
        )
        if shown:
            visible[cid] = _Chan(ext, name or ext, bool(private))
        else:
            hidden.add(cid)
    return _Channels(visible, frozenset(hidden))


# --- one window of activity ------------------------------------------------------------------


def _activity(
    conn: Connection,
    scope: DigestScope,
    chans: _Channels,
    start: datetime,
    end: datetime,
) -> _Activity:
    cid = scope.community_id
    st, msg, rx = m.shares, m.messages, m.reactions
    silence = set(scope.silence_emoji)

    window_shares = [
        (rid, member, shared_at)
        for rid, member, chan, shared_at in conn.execute(
            select(st.c.resource_id, st.c.member_id, st.c.channel_id, st.c.shared_at).where(
                st.c.community_id == cid,
                st.c.shared_at >= start,
                st.c.shared_at < end,
                chans.where(st.c.channel_id),
            )
        )
        if chan in chans
    ]
    root = msg.alias("root")
    replies = [
        (rid, author, posted_at, sharer)
        for rid, author, posted_at, sharer, chan in conn.execute(
            select(
                st.c.resource_id, msg.c.author_id, msg.c.posted_at, st.c.member_id, st.c.channel_id
            )
            .select_from(msg)
            .join(
                root,
                (root.c.community_id == msg.c.community_id)
                & (root.c.channel_id == msg.c.channel_id)
                & (root.c.external_id == msg.c.thread_external_id),
            )
            .join(st, st.c.message_id == root.c.id)
            .where(
                msg.c.community_id == cid,
                msg.c.posted_at >= start,
                msg.c.posted_at < end,
                msg.c.thread_external_id.is_not(None),
                chans.where(msg.c.channel_id),
            )
        )
        if chan in chans
    ]
    reactions = [
        (rid, member, at, sharer)
        for rid, member, at, sharer, chan, emoji in conn.execute(
            select(
                st.c.resource_id,
                rx.c.member_id,
                rx.c.reacted_at,
                st.c.member_id,
                st.c.channel_id,
                rx.c.emoji,
            )
            .select_from(rx)
            .join(st, st.c.message_id == rx.c.message_id)
            .where(
                rx.c.community_id == cid,
                rx.c.reacted_at >= start,
                rx.c.reacted_at < end,
                chans.where(st.c.channel_id),
            )
        )
        if chan in chans and emoji not in silence
    ]
    rids = {r[0] for r in window_shares} | {r[0] for r in replies} | {r[0] for r in reactions}
    firsts = _first_shares(conn, rids, chans)

    events: list[_Event] = []
    for rid, author, at, sharer in replies:
        if rid in firsts:
            events.append(_Event("reply", rid, author, as_utc(at), sharer))
    for rid, member, at, sharer in reactions:
        if rid in firsts:
            events.append(_Event("reaction", rid, member, as_utc(at), sharer))
    for rid, member, at in window_shares:
        first = firsts.get(rid)
        if first is not None and member != first.member_id:
            events.append(_Event("reshare", rid, member, as_utc(at), first.member_id))

    authors = select(msg.c.author_id.label("member")).where(
        msg.c.community_id == cid,
        msg.c.posted_at >= start,
        msg.c.posted_at < end,
        chans.where(msg.c.channel_id),
    )
    reactors = (
        select(rx.c.member_id.label("member"))
        .join(msg, msg.c.id == rx.c.message_id)
        .where(
            rx.c.community_id == cid,
            rx.c.reacted_at >= start,
            rx.c.reacted_at < end,
            chans.where(msg.c.channel_id),
        )
    )
    active = conn.execute(
        select(func.count()).select_from(union(authors, reactors).subquery())
    ).scalar_one()
    return _Activity({r[0] for r in window_shares}, events, firsts, int(active))


def _first_shares(conn: Connection, rids: Iterable[int], chans: _Channels) -> dict[int, _First]:
    """The earliest share of each resource inside the digest's scope."""
    st, msg = m.shares, m.messages
    firsts: dict[int, _First] = {}
    for part in chunks(sorted(rids)):
        for rid, member, chan, mid, ext, at in conn.execute(
            select(
                st.c.resource_id,
                st.c.member_id,
                st.c.channel_id,
                st.c.message_id,
                msg.c.external_id,
                st.c.shared_at,
            )
            .join(msg, msg.c.id == st.c.message_id)
            .where(st.c.resource_id.in_(part))
            .order_by(st.c.resource_id, st.c.shared_at, st.c.id)
        ):
            if rid not in firsts and chan in chans:
                firsts[rid] = _First(member, chan, mid, ext, as_utc(at))
    return firsts


# --- per-resource facts ----------------------------------------------------------------------


def _heads(conn: Connection, rids: list[int]) -> dict[int, tuple[str, str | None]]:
    rt = m.resources
    out: dict[int, tuple[str, str | None]] = {}
    for part in chunks(rids):
        for rid, url, title in conn.execute(
            select(rt.c.id, func.coalesce(rt.c.shared_url, rt.c.canonical_url), rt.c.title).where(
                rt.c.id.in_(part)
            )
        ):
            out[rid] = (url, title)
    return out


def _silenced(conn: Connection, scope: DigestScope, rids: list[int]) -> set[int]:
    """Resources any of whose sharing messages carries a silence reaction."""
    if not scope.silence_emoji or not rids:
        return set()
    st, rx = m.shares, m.reactions
    out: set[int] = set()
    for part in chunks(rids):
        out.update(
            conn.execute(
                select(st.c.resource_id)
                .join(rx, rx.c.message_id == st.c.message_id)
                .where(st.c.resource_id.in_(part), rx.c.emoji.in_(scope.silence_emoji))
                .distinct()
            ).scalars()
        )
    return out


def _prior_discussants(
    conn: Connection, scope: DigestScope, rids: list[int]
) -> dict[int, set[int]]:
    """For resources featured before: members who had discussed them by then."""
    featured = {rid: scope.featured[rid][1] for rid in rids if rid in scope.featured}
    if not featured:
        return {}
    d = m.discussions
    out: dict[int, set[int]] = defaultdict(set)
    for part in chunks(sorted(featured)):
        for rid, member, at in conn.execute(
            select(d.c.resource_id, d.c.member_id, d.c.at).where(
                d.c.community_id == scope.community_id,
                d.c.resource_id.in_(part),
                d.c.at <= max(featured[r] for r in part),
            )
        ):
            if as_utc(at) <= featured[rid]:
                out[rid].add(member)
    return out


def _first_share_times(conn: Connection, member_ids: Collection[int]) -> dict[int, datetime]:
    st = m.shares
    out: dict[int, datetime] = {}
    for part in chunks(sorted(member_ids)):
        for member, first in conn.execute(
            select(st.c.member_id, func.min(st.c.shared_at))
            .where(st.c.member_id.in_(part))
            .group_by(st.c.member_id)
        ):
            out[member] = as_utc(first)
    return out


def _members(
    conn: Connection, scope: DigestScope, member_ids: Collection[int]
) -> dict[int, tuple[str, str, bool]]:
    """member row id -> (external id, display name, opted out)."""
    mt, ms = m.members, m.member_settings
    rows: dict[int, tuple[str, str]] = {}
    for part in chunks(sorted(member_ids)):
        for mid, ext, name in conn.execute(
            select(mt.c.id, mt.c.external_id, mt.c.display_name).where(
                mt.c.community_id == scope.community_id, mt.c.id.in_(part)
            )
        ):
            rows[mid] = (ext, name or ext)
    choices: dict[str, bool] = {}
    exts = sorted({ext for ext, _ in rows.values()})
    for part in chunks(exts):
        for ext, tracking in conn.execute(
            select(ms.c.member_external_id, ms.c.tracking).where(
                ms.c.community_id == scope.community_id, ms.c.member_external_id.in_(part)
            )
        ):
            choices[ext] = bool(tracking)
    return {
        mid: (ext, name, not choices.get(ext, scope.default_tracking))
        for mid, (ext, name) in rows.items()
    }


# --- questions and connectors ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Question:
    message_id: int
    message_ext: str
    text: str
    author: int
    channel: int
    at: datetime
    silenced: bool = False


def _questions(
    conn: Connection,
    scope: DigestScope,
    chans: _Channels,
    start: datetime,
    end: datetime,
) -> tuple[list[_Question], set[int]]:
    """Top-level questions asked in the window that nobody answered in a thread before `end`."""
    msg, rx = m.messages, m.reactions
    text = func.lower(msg.c.text)
    found: list[_Question] = []
    for mid, ext, body, author, chan, at in conn.execute(
        select(
            msg.c.id,
            msg.c.external_id,
            msg.c.text,
            msg.c.author_id,
            msg.c.channel_id,
            msg.c.posted_at,
        )
        .where(
            msg.c.community_id == scope.community_id,
            msg.c.posted_at >= start,
            msg.c.posted_at < end,
            # Written so no planner picks the thread index for it: with statistics, SQLite
            # otherwise scans every top-level message instead of the window's (0.9 s at 1M).
            func.coalesce(msg.c.thread_external_id, "") == "",
            chans.where(msg.c.channel_id),
            or_(*(text.like(p) for p in SQL_PATTERNS)),
        )
        .order_by(msg.c.posted_at, msg.c.id)
    ):
        if chan in chans and worth_featuring_as_question(body):
            text_shown = body[:QUESTION_TEXT_CHARS]
            found.append(_Question(mid, ext, text_shown, author, chan, as_utc(at)))
    if not found:
        return [], set()
    answered: set[tuple[int, str]] = set()
    by_channel: dict[int, list[str]] = defaultdict(list)
    for q in found:
        by_channel[q.channel].append(q.message_ext)
    for chan, exts in by_channel.items():
        for part in chunks(exts):
            for thread in conn.execute(
                select(msg.c.thread_external_id)
                .where(
                    msg.c.channel_id == chan,
                    msg.c.thread_external_id.in_(part),
                    msg.c.posted_at < end,
                )
                .distinct()
            ).scalars():
                answered.add((chan, thread))
    unanswered = [q for q in found if (q.channel, q.message_ext) not in answered]
    unanswered = unanswered[: scope.max_questions * 3]
    silenced: set[int] = set()
    if scope.silence_emoji:
        for part in chunks([q.message_id for q in unanswered]):
            silenced.update(
                conn.execute(
                    select(rx.c.message_id)
                    .where(rx.c.message_id.in_(part), rx.c.emoji.in_(scope.silence_emoji))
                    .distinct()
                ).scalars()
            )
    kept = [q for q in unanswered if q.message_id not in silenced][: scope.max_questions]
    return kept, {q.author for q in kept}


def _connectors(act: _Activity, limit: int) -> list[tuple[int, int, int]]:
    """(member row id, distinct other discussants, resources of theirs discussed), best first."""
    people: dict[int, set[int]] = defaultdict(set)
    resources: dict[int, set[int]] = defaultdict(set)
    for e in act.events:
        if e.actor == e.target:
            continue
        people[e.target].add(e.actor)
        resources[e.target].add(e.resource_id)
    ranked = sorted(people, key=lambda t: (-len(people[t]), -len(resources[t]), t))
    return [(t, len(people[t]), len(resources[t])) for t in ranked[:limit]]
