"""What one digest window holds, as stored: shares, replies, reactions and reshares with their
first sharers, open questions, members — gathered in one read transaction and returned as facts
(`bot.digests.content.WindowFacts`); `bot.digests.content` applies the engagement rules
(who counts, the repeat rule, connectors).

Scope comes first: only channels the digest may show are read (tracked, inside its include list,
outside its exclude list, and public — or the digest's own channel when that one is private), so
nothing from elsewhere can leak into counts, credits or questions. That rule, and the silence
emoji's (a silenced reaction is not engagement; a silenced question is not open), stay here,
inside the queries: they decide which rows and resources are read at all, so applying them
later would read more and change which resources are candidates.

The work is a few indexed range scans over the window (shares and reactions by community and
time, messages by community and time) plus lookups by resource id; Python does the grouping.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import false, func, or_, select, true, union
from sqlalchemy.engine import Connection

from bot.clock import as_utc
from bot.digests.content import Activity, Chan, Event, First, Head, Question, WindowFacts
from bot.digests.ranking import worth_featuring_as_question
from bot.interests.answers import is_acknowledgement
from bot.mentions import mentioned_ids, readable
from bot.questions import SQL_PATTERNS
from bot.titles import own_words
from storage import models as m
from storage.ingest import chunks
from storage.interests.evidence import MENTIONED_REPLY

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


def window_facts(
    conn: Connection,
    scope: DigestScope,
    start: datetime,
    end: datetime,
    previous_start: datetime | None = None,
) -> WindowFacts:
    """Everything stored that a digest over [start, end) needs (run inside
    `AsyncConnection.run_sync`); `bot.digests.content` works the digest's content out of it."""
    start, end = as_utc(start), as_utc(end)
    chans = _channels(conn, scope)
    act = _activity(conn, scope, chans, start, end)
    previous = None
    if previous_start is not None:
        previous = _activity(conn, scope, chans, as_utc(previous_start), start)

    rids = sorted(act.firsts)
    heads = _heads(conn, rids)
    silenced = _silenced(conn, scope, rids)
    prior = _prior_discussants(conn, scope, rids)
    first_ever = _first_share_times(conn, {f.member_id for f in act.firsts.values()})
    questions = _questions(conn, scope, chans, start, end)
    said = _said(conn, act.firsts)
    return WindowFacts(
        start,
        end,
        chans.visible,
        act,
        previous,
        heads,
        silenced,
        prior,
        first_ever,
        questions,
        said,
    )


# --- scope -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Channels:
    """The channels a digest may show (by row id), and a SQL condition selecting them."""

    visible: Mapping[int, Chan]
    hidden: frozenset[int]

    def __contains__(self, channel_id: object) -> bool:
        return channel_id in self.visible

    def __getitem__(self, channel_id: int) -> Chan:
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
    visible: dict[int, Chan] = {}
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
            visible[cid] = Chan(ext, name or ext, bool(private))
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
) -> Activity:
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

    events: list[Event] = []
    for rid, author, at, sharer in replies:
        if rid in firsts:
            events.append(Event("reply", rid, author, as_utc(at), sharer))
    for rid, member, at, sharer in reactions:
        if rid in firsts:
            events.append(Event("reaction", rid, member, as_utc(at), sharer))
    for rid, member, at in window_shares:
        first = firsts.get(rid)
        if first is not None and member != first.member_id:
            events.append(Event("reshare", rid, member, as_utc(at), first.member_id))

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
    return Activity({r[0] for r in window_shares}, events, firsts, int(active))


def _first_shares(conn: Connection, rids: Iterable[int], chans: _Channels) -> dict[int, First]:
    """The earliest share of each resource inside the digest's scope."""
    st, msg = m.shares, m.messages
    firsts: dict[int, First] = {}
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
                firsts[rid] = First(member, chan, mid, ext, as_utc(at))
    return firsts


# --- per-resource facts ----------------------------------------------------------------------


def _heads(conn: Connection, rids: list[int]) -> dict[int, Head]:
    rt = m.resources
    out: dict[int, Head] = {}
    url = func.coalesce(rt.c.shared_url, rt.c.canonical_url)
    for part in chunks(rids):
        for rid, shown, title, rank in conn.execute(
            select(rt.c.id, url, rt.c.title, rt.c.title_rank).where(rt.c.id.in_(part))
        ):
            out[rid] = Head(shown, title, rank)
    return out


def _said(conn: Connection, firsts: Mapping[int, First]) -> dict[int, int]:
    """How many words each first sharer wrote around their link (`own_words`)."""
    msg = m.messages
    by_message: dict[int, list[int]] = defaultdict(list)
    for rid, first in firsts.items():
        by_message[first.message_id].append(rid)
    out: dict[int, int] = {}
    for part in chunks(sorted(by_message)):
        for mid, text in conn.execute(select(msg.c.id, msg.c.text).where(msg.c.id.in_(part))):
            words = own_words(text or "")
            for rid in by_message[mid]:
                out[rid] = words
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


def member_facts(
    conn: Connection, scope: DigestScope, member_ids: Collection[int]
) -> dict[int, tuple[str, str, bool]]:
    """member row id -> (external id, display name, opted out), for the members a digest names."""
    mt = m.members
    rows: dict[int, tuple[str, str]] = {}
    for part in chunks(sorted(member_ids)):
        for mid, ext, name in conn.execute(
            select(mt.c.id, mt.c.external_id, mt.c.display_name).where(
                mt.c.community_id == scope.community_id, mt.c.id.in_(part)
            )
        ):
            rows[mid] = (ext, name or ext)
    named = _may_name(conn, scope, {ext for ext, _ in rows.values()})
    return {mid: (ext, name, ext not in named) for mid, (ext, name) in rows.items()}


def _may_name(conn: Connection, scope: DigestScope, external_ids: Collection[str]) -> set[str]:
    """Those of these members a digest may name: tracking on, by their own choice or by the
    community's default."""
    ms = m.member_settings
    choices: dict[str, bool] = {}
    for part in chunks(sorted(external_ids)):
        for ext, tracking in conn.execute(
            select(ms.c.member_external_id, ms.c.tracking).where(
                ms.c.community_id == scope.community_id, ms.c.member_external_id.in_(part)
            )
        ):
            choices[ext] = bool(tracking)
    return {ext for ext in external_ids if choices.get(ext, scope.default_tracking)}


# --- questions and connectors ----------------------------------------------------------------


# In a quiet channel the next member to speak after a question is most often answering it,
# even hours later; in a busy one someone speaks within minutes either way. On the judged
# weeks (RULES.md §16), of 30 genuine questions answered in a thread or the channel, the
# first other member's message within 30 minutes found 24, within 12 hours all 30; the digest
# held open 18 questions, 3 of them really open, and now 4 (3). On six other weeks judged
# afterwards (§17): 15 (2 really open) before, 3 (1) now; the open one lost there ("when do
# we think 1.6-rc1 will be out?") the judge marked unsure. Leaving out a next message that
# is a question of its own held 9 (3) and 4 (1): answers are often asked back.
TAKEN_UP = timedelta(hours=12)


def _answered_inline(conn: Connection, questions: list[Question], end: datetime) -> set[int]:
    """The questions someone took up without a thread, before `end`: the first top-level
    message in the channel by someone else came within `TAKEN_UP` (and says more than
    "thanks"), or someone else @-mentioned the asker there within `MENTIONED_REPLY`. The
    asker's own follow-ups in between are skipped (a question is often three messages)."""
    msg, mm = m.messages, m.message_mentions
    out: set[int] = set()
    for q in questions:
        after = (
            conn.execute(
                select(msg.c.author_id, msg.c.posted_at, msg.c.text)
                .where(
                    msg.c.channel_id == q.channel,
                    msg.c.id > q.message_id,
                    msg.c.author_id != q.author,
                    func.coalesce(msg.c.thread_external_id, "") == "",
                )
                .order_by(msg.c.id)
                .limit(1)
            )
        ).first()
        if (
            after is not None
            and as_utc(after.posted_at) - q.at <= TAKEN_UP
            and as_utc(after.posted_at) < end
            and not is_acknowledgement(after.text)
        ):
            out.add(q.message_id)
            continue
        named = conn.execute(
            select(msg.c.id)
            .join(mm, mm.c.message_id == msg.c.id)
            .where(
                mm.c.member_id == q.author,
                msg.c.channel_id == q.channel,
                msg.c.id > q.message_id,
                msg.c.author_id != q.author,
                msg.c.posted_at <= min(q.at + MENTIONED_REPLY, end),
            )
            .limit(1)
        ).first()
        if named is not None:
            out.add(q.message_id)
    return out


# A question asked this soon after someone else's message in the same channel (outside any
# thread) answers or follows that conversation ("What about the stack traces?", "Do you use
# GCC 11 on Yggdrasil?"): in the judged weeks, ten such questions asked the community
# nothing and no genuine one came this soon (`bench/quality_digests.py`).
CONVERSATION_GAP = timedelta(minutes=15)


def _in_conversation(conn: Connection, questions: list[Question]) -> set[int]:
    """The questions asked within `CONVERSATION_GAP` of someone else's message before them in
    the same channel, outside threads: part of a conversation, not a question to everyone."""
    msg = m.messages
    out: set[int] = set()
    for q in questions:
        before = (
            conn.execute(
                select(msg.c.author_id, msg.c.posted_at)
                .where(
                    msg.c.channel_id == q.channel,
                    msg.c.id < q.message_id,
                    func.coalesce(msg.c.thread_external_id, "") == "",
                )
                .order_by(msg.c.id.desc())
                .limit(1)
            )
        ).first()
        if (
            before is not None
            and before.author_id != q.author
            and q.at - as_utc(before.posted_at) <= CONVERSATION_GAP
        ):
            out.add(q.message_id)
    return out


def _questions(
    conn: Connection,
    scope: DigestScope,
    chans: _Channels,
    start: datetime,
    end: datetime,
) -> list[Question]:
    """Top-level questions asked in the window that nobody answered in a thread before `end`."""
    msg, rx = m.messages, m.reactions
    text = func.lower(msg.c.text)
    found: list[Question] = []
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
            found.append(Question(mid, ext, text_shown, author, chan, as_utc(at)))
    if not found:
        return []
    # Answered in its thread: by anyone but the asker, whose own follow-ups there add details.
    answered: set[tuple[int, str]] = set()
    threaded: set[tuple[int, str]] = set()  # the asker went on in a thread of their own
    by_channel: dict[int, list[str]] = defaultdict(list)
    asker = {(q.channel, q.message_ext): q.author for q in found}
    for q in found:
        by_channel[q.channel].append(q.message_ext)
    for chan, exts in by_channel.items():
        for part in chunks(exts):
            for thread, author in conn.execute(
                select(msg.c.thread_external_id, msg.c.author_id)
                .where(
                    msg.c.channel_id == chan,
                    msg.c.thread_external_id.in_(part),
                    msg.c.posted_at < end,
                )
                .distinct()
            ):
                if author != asker[(chan, thread)]:
                    answered.add((chan, thread))
                else:
                    threaded.add((chan, thread))
    unanswered = [q for q in found if (q.channel, q.message_ext) not in answered]
    # A question whose asker went on in its thread ("a minimum working example in the reply
    # thread below") is answered there, not by the channel's next message (Julia's Flux GRU
    # question had been "taken up" by another member's own question 4 hours on): the six
    # other judged weeks (§17) hold 3 questions, 2 really open, instead of 2 and 1.
    inline = [q for q in unanswered if (q.channel, q.message_ext) not in threaded]
    replied = _answered_inline(conn, inline[: scope.max_questions * 6], end)
    replied |= _in_conversation(conn, unanswered[: scope.max_questions * 6])
    unanswered = [q for q in unanswered if q.message_id not in replied]
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
    names = _mentioned_names(conn, scope, {i for q in kept for i in mentioned_ids(q.text)})
    return [replace(q, text=readable(q.text, names)) for q in kept]


def _mentioned_names(
    conn: Connection, scope: DigestScope, external_ids: Collection[str]
) -> dict[str, str | None]:
    """The display names of the members these questions mention; None for one a digest may
    not name (`_may_name`) or without one."""
    if not external_ids:
        return {}
    mt = m.members
    names: dict[str, str | None] = {}
    for part in chunks(sorted(external_ids)):
        for ext, name in conn.execute(
            select(mt.c.external_id, mt.c.display_name).where(
                mt.c.community_id == scope.community_id, mt.c.external_id.in_(part)
            )
        ):
            names[ext] = name or None
    named = _may_name(conn, scope, set(names))
    return {ext: name if ext in named else None for ext, name in names.items()}
