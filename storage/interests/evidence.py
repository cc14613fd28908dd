"""What a member did, in public channels: shares, replies, reactions, answers to questions (in
threads or the next message), and stored evidence checked against current rows."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    and_,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from bot.clock import as_utc
from bot.interests.answers import THANKS_MARKERS
from bot.questions import is_question
from storage import models as m
from storage.db import Database
from storage.interests.changes import _actors_of
from storage.interests.common import _newest, _public_channel, _scoped
from storage.interests.documents import _resource_heads
from storage.interests.mentions import _thanked_by
from storage.interests.values import (
    Action,
    EvidenceRef,
    EvidenceRow,
    Reply,
)
from storage.sql import among, chunks, thread_root

ADJACENT_REPLY = timedelta(minutes=30)  # the next message this soon may answer the last
MENTIONED_REPLY = timedelta(hours=12)  # a question naming a member, answered when they are back
ADDRESSED_LOOKBACK = 5  # the addressed member's last messages searched for their question
# A top-level message opening by addressing a member: Slack's and chat-style Discord's way of
# replying without threads ("<@U01TZ1XM7MG> このままではちょっと難しいかも…").
_OPENING_MENTION = re.compile(r"^\s*<?@")
OWN_THREADS_CHUNK = 200  # threads per look-up of what their authors said in them (an OR each)


class EvidenceStore:
    db: Database

    async def actors_of(self, community_id: int, resource_ids: Collection[int]) -> set[int]:
        """Members who shared, replied about or reacted to these resources."""
        async with self.db.read() as conn:
            return await conn.run_sync(_actors_of, community_id, list(resource_ids))

    async def evidence_rows(
        self, community_id: int, refs: Sequence[tuple[int, EvidenceRef]]
    ) -> list[EvidenceRow]:
        """These (member, reference) pairs that still hold, with what to show for each."""
        async with self.db.read() as conn:
            return await conn.run_sync(_evidence_rows, community_id, list(refs))

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

    async def own_thread_roots(self, message_ids: Collection[int]) -> dict[int, tuple[str, ...]]:
        """For messages posted in a thread their own author started: the thread's first
        message and, when it came before, the author's first message after it (what a file or
        link added to one's own question belongs to; the question may come right after an
        opening share: "This blog is very helpful! <link>", then "I am stuck …")."""
        msg = m.messages
        root, own = aliased(msg), aliased(msg)
        heads: dict[int, tuple[str, int, str, int, datetime]] = {}
        async with self.db.read() as conn:
            for part in chunks(sorted(set(message_ids))):
                rows = await conn.execute(
                    select(
                        msg.c.id,
                        root.c.text,
                        msg.c.channel_id,
                        msg.c.thread_external_id,
                        msg.c.author_id,
                        msg.c.posted_at,
                    )
                    .join(root, thread_root(msg, root))
                    .where(
                        msg.c.id.in_(part),
                        msg.c.thread_external_id.is_not(None),
                        root.c.id != msg.c.id,
                        root.c.author_id == msg.c.author_id,
                    )
                )
                heads.update((r[0], (r[1] or "", *r[2:])) for r in rows)
            said: dict[tuple[int, str, int], list[tuple[datetime, int, str]]] = {}
            threads = sorted({(c, t, a) for _, c, t, a, _ in heads.values()})
            for chunk in chunks(threads, OWN_THREADS_CHUNK):
                rows = await conn.execute(
                    select(
                        own.c.channel_id,
                        own.c.thread_external_id,
                        own.c.author_id,
                        own.c.posted_at,
                        own.c.id,
                        own.c.text,
                    ).where(
                        or_(
                            *(
                                and_(
                                    own.c.channel_id == c,
                                    own.c.thread_external_id == t,
                                    own.c.author_id == a,
                                )
                                for c, t, a in chunk
                            )
                        )
                    )
                )
                for c, t, a, at, mid, text in rows:
                    said.setdefault((c, t, a), []).append((as_utc(at), mid, text or ""))
        out: dict[int, tuple[str, ...]] = {}
        for mid, (text, c, t, a, at) in heads.items():
            # the root and the author's first word after it: who opens a thread with a share
            # and asks in their next message asks about it ("I am stuck with the following
            # error"); later turns answer others as often as they ask
            first = sorted(x for x in said.get((c, t, a), ()) if x[0] <= as_utc(at))[:1]
            out[mid] = (text, *(said_text for _, fid, said_text in first if fid != mid))
        return out

    async def replies(
        self, community_id: int, member_ids: Collection[int], *, since: datetime, recent: int
    ) -> list[Reply]:
        """These members' newest `recent` replies in others' threads since a time, each with
        its thread's root message (public channels only)."""
        async with self.db.read() as conn:
            return await conn.run_sync(
                _replies, community_id, sorted(set(member_ids)), since, recent
            )


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
                msg.c.external_id,
                ch.c.name,
            )
            .join(ch, ch.c.id == msg.c.channel_id)
            .where(
                among(conn, msg.c.id, part),
                _scoped(msg.c.community_id, community_id),
                _public_channel(),
            )
        ):
            messages[row.id] = row
    heads = _resource_heads(conn, community_id, rids)
    answers = [
        messages[r.message_id] for _, r in refs if r.kind == "answered" and r.message_id in messages
    ]
    questions = _questions_answered(conn, community_id, answers)
    questions.update(_flat_questions(conn, community_id, answers))
    shared: set[tuple[int, int]] = set()
    for part in chunks(mids):
        shared.update(
            (a, b)
            for a, b in conn.execute(
                select(st.c.message_id, st.c.resource_id).where(among(conn, st.c.message_id, part))
            )
        )
    reacted: dict[tuple[int, int], datetime] = {}
    x_mids = sorted({r.message_id for _, r in refs if r.kind == "reacted"})
    x_members = sorted({mid for mid, r in refs if r.kind == "reacted"})
    for part in chunks(x_mids):
        for message_id, member_id, at in conn.execute(
            select(rx.c.message_id, rx.c.member_id, func.max(rx.c.reacted_at))
            .where(among(conn, rx.c.message_id, part), among(conn, rx.c.member_id, x_members))
            .group_by(rx.c.message_id, rx.c.member_id)
        ):
            reacted[(message_id, member_id)] = as_utc(at)
    thanked = _thanked_by(conn, [(mid, r.message_id) for mid, r in refs if r.kind == "thanked"])
    out: list[EvidenceRow] = []
    for member_id, ref in refs:
        found = messages.get(ref.message_id)
        if found is None:
            continue  # deleted since the scores were computed
        if ref.kind == "thanked":  # someone else's message naming them; title: its author
            by = thanked.get((member_id, ref.message_id))
            if by is not None and found.author_id != member_id:
                out.append(
                    EvidenceRow(
                        member_id, ref, as_utc(found.posted_at), found.text, found.name, by, ""
                    )
                )
            continue
        if ref.kind == "introduced":  # their own words about themselves
            if found.author_id == member_id:
                out.append(
                    EvidenceRow(
                        member_id, ref, as_utc(found.posted_at), found.text, found.name, None, ""
                    )
                )
            continue
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
    return [replace(row, conversation=_conversation(messages[row.ref.message_id])) for row in out]


def _conversation(message: Any) -> tuple[int, str]:
    """The thread a message is in (a top-level message opens its own)."""
    return (message.channel_id, message.thread_external_id or message.external_id)


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
            .where(among(conn, msg.c.id, part), msg.c.community_id == community_id)
        ):
            out[reply_id] = text or ""
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
        if said:  # for wants: a link shared while helping in someone else's thread
            q = q.add_columns(
                root.c.id, root.c.author_id, _owner_next(msg, root).label("owner_next")
            ).outerjoin(root, thread_root(msg, root))
        share_messages: set[int] = set()
        for row in conn.execute(capped(q, st.c.member_id, st.c.shared_at)):
            mid, rid, at, message_id, text, channel = row[:6]
            share_messages.add(message_id)
            thread = (row[6], row[7], bool(row[8])) if said else (None, None, False)
            out.append(Action(mid, "shared", as_utc(at), rid, message_id, text, channel, *thread))
        qr = (
            select(
                reply.c.author_id,
                st.c.resource_id,
                reply.c.posted_at,
                reply.c.id,
                reply.c.text,
                ch.c.name,
                root.c.id.label("root_id"),
                root.c.author_id.label("root_author"),
                (_owner_next(reply, root) if said else literal(False)).label("owner_next"),
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
        for row in conn.execute(capped(qr, reply.c.author_id, reply.c.posted_at)):
            mid, rid, at, message_id, text, channel, root_id, root_author, nxt = row
            replied.add(message_id)
            out.append(
                Action(
                    mid,
                    "replied",
                    as_utc(at),
                    rid,
                    message_id,
                    text,
                    channel,
                    root_id,
                    root_author,
                    bool(nxt),
                )
            )
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
                select(
                    msg.c.author_id,
                    msg.c.posted_at,
                    msg.c.id,
                    msg.c.text,
                    ch.c.name,
                    root.c.id.label("root_id"),
                    root.c.author_id.label("root_author"),
                    _owner_next(msg, root).label("owner_next"),
                )
                .join(ch, ch.c.id == msg.c.channel_id)
                .outerjoin(root, thread_root(msg, root))
                .where(
                    _scoped(msg.c.community_id, community_id),
                    msg.c.author_id.in_(part),
                    _public_channel(),
                )
            )
            for mid, at, message_id, text, channel, root_id, root_author, nxt in conn.execute(
                capped(qs, msg.c.author_id, msg.c.posted_at)
            ):
                if message_id in share_messages or message_id in replied:
                    continue
                out.append(
                    Action(
                        mid,
                        "said",
                        as_utc(at),
                        None,
                        message_id,
                        text,
                        channel,
                        root_id,
                        root_author,
                        bool(nxt),
                    )
                )
    return out


def _owner_next(message: Any, root: Any) -> Any:
    """Whether the next message in this message's thread is by the thread's starter: what a
    member asked there, the asker answered ("which version?" - "1.2"). NULL outside threads."""
    later = aliased(m.messages)
    following = (
        select(later.c.author_id)
        .where(
            later.c.channel_id == message.c.channel_id,
            later.c.thread_external_id == message.c.thread_external_id,
            later.c.id > message.c.id,
        )
        .order_by(later.c.id)
        .limit(1)
        .correlate(message)
        .scalar_subquery()
    )
    return following == root.c.author_id


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
    root. A question that @-mentions the member is answered whenever they next write there
    ("<@neeraj>: have you got R working in Jupyter?", answered two hours later): their
    messages within `MENTIONED_REPLY` of it take it as their root too. Ids grow with time,
    so "the message before" is one index seek, and "the last mention of me" another."""
    msg, ch = m.messages, m.channels
    mine = aliased(msg)
    prior, mentioned = _prior_message(mine), _last_mention(mine)
    q = (
        select(
            mine.c.author_id,
            mine.c.id,
            mine.c.posted_at,
            mine.c.text,
            prior.label("prior_id"),
            mentioned.label("mention_id"),
            ch.c.name,
            mine.c.channel_id,
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
    root_ids = sorted(
        {r.prior_id for r in rows if r.prior_id is not None}
        | {r.mention_id for r in rows if r.mention_id is not None}
    )
    priors = _messages_by_id(conn, root_ids)
    addressed = _addressed_questions(
        conn, community_id, [(r.id, r.author_id, r.channel_id, r.posted_at, r.text) for r in rows]
    )
    out: list[Reply] = []
    for mid, message_id, at, text, prior_id, mention_id, channel, _ in rows:
        posted = as_utc(at)
        root = addressed.get(message_id) or _flat_root(
            mid, posted, priors.get(prior_id), priors.get(mention_id)
        )
        if root is not None:
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


def _prior_message(mine: Any) -> Any:
    """The top-level message right before `mine` in its channel (its id)."""
    before = aliased(m.messages)
    return (
        select(func.max(before.c.id))
        .where(
            before.c.channel_id == mine.c.channel_id,
            before.c.thread_external_id.is_(None),
            before.c.id < mine.c.id,
        )
        .correlate(mine)
        .scalar_subquery()
    )


def _last_mention(mine: Any) -> Any:
    """The last top-level message in `mine`'s channel, before it, that @-mentions its author."""
    mm, asking = m.message_mentions, aliased(m.messages)
    # Newest first through (member_id, message_id), stopping at the first in this channel: a
    # max() over the join would read every mention of a much-mentioned member each time.
    return (
        select(mm.c.message_id)
        .select_from(mm.join(asking, asking.c.id == mm.c.message_id))
        .where(
            mm.c.member_id == mine.c.author_id,
            mm.c.message_id < mine.c.id,
            asking.c.channel_id == mine.c.channel_id,
            asking.c.thread_external_id.is_(None),
        )
        .order_by(mm.c.message_id.desc())
        .limit(1)
        .correlate(mine)
        .scalar_subquery()
    )


def _roots() -> Any:
    """A message as a root of replies: who wrote it when, what it says, whether it shared."""
    msg = m.messages
    return select(
        msg.c.id,
        msg.c.author_id,
        msg.c.posted_at,
        msg.c.text,
        exists().where(m.shares.c.message_id == msg.c.id).label("shares"),
    )


def _messages_by_id(conn: Connection, ids: Collection[int]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for chunk in chunks(sorted(set(ids))):
        for row in conn.execute(_roots().where(m.messages.c.id.in_(chunk))):
            out[row.id] = row
    return out


def _flat_root(author: int, posted: datetime, prior: Any, mention: Any) -> Any:
    """What a top-level message by `author` replies to, in a channel without threads: the
    message right before it (within `ADJACENT_REPLY`), else the last one that @-mentioned
    them (within `MENTIONED_REPLY`); someone else's either way. None: it replies to nothing."""
    for root, window in ((prior, ADJACENT_REPLY), (mention, MENTIONED_REPLY)):
        if root is None or root.author_id == author:
            continue
        if timedelta(0) <= posted - as_utc(root.posted_at) <= window:
            return root
    return None


def _addressed_questions(
    conn: Connection,
    community_id: int,
    replies: Sequence[tuple[int, int, int, datetime, str | None]],
) -> dict[int, Any]:
    """Reply id -> the question it answers, for top-level messages (id, author, channel, time,
    text) that open by addressing members (`<@U…>`, `<@id>`, or `@…` as stored live): the
    newest question any of them asked in the channel within `MENTIONED_REPLY`, however many
    messages came between (haskell-jp: a question, two more lines and "よろしくおねがいします",
    then an answer an hour later that names her). None found: the message is placed as any
    other (`_flat_root`). Whom it names comes from `message_mentions`."""
    opening = {
        reply_id: (author, channel, as_utc(posted))
        for reply_id, author, channel, posted, text in replies
        if _OPENING_MENTION.match(text or "")
    }
    if not opening:
        return {}
    mm, msg = m.message_mentions, m.messages
    named: dict[int, list[int]] = {}
    for part in chunks(sorted(opening)):
        for message_id, member_id in conn.execute(
            select(mm.c.message_id, mm.c.member_id).where(
                mm.c.community_id == community_id, among(conn, mm.c.message_id, part)
            )
        ):
            named.setdefault(message_id, []).append(member_id)
    out: dict[int, Any] = {}
    for reply_id, askers in named.items():
        author, channel, posted = opening[reply_id]
        askers = [a for a in askers if a != author]
        if not askers:
            continue
        for row in conn.execute(
            _roots()
            .where(
                msg.c.channel_id == channel,
                msg.c.author_id.in_(askers),
                msg.c.thread_external_id.is_(None),
                msg.c.id < reply_id,
                msg.c.posted_at >= posted - MENTIONED_REPLY,
            )
            .order_by(msg.c.id.desc())
            .limit(ADDRESSED_LOOKBACK * len(askers))
        ):
            if is_question(row.text):
                out[reply_id] = row
                break
    return out


def _flat_questions(conn: Connection, community_id: int, replies: list[Any]) -> dict[int, str]:
    """Reply id -> the text it answered, for answers outside threads (`_addressed_questions`,
    else `_flat_root`)."""
    outside = [r for r in replies if not r.thread_external_id]
    if not outside:
        return {}
    flat = sorted({r.id for r in outside})
    addressed = _addressed_questions(
        conn,
        community_id,
        [(r.id, r.author_id, r.channel_id, r.posted_at, r.text) for r in outside],
    )
    mine = aliased(m.messages)
    rows: list[Any] = []
    for part in chunks(flat):
        rows += conn.execute(
            select(
                mine.c.id,
                mine.c.author_id,
                mine.c.posted_at,
                _prior_message(mine).label("prior_id"),
                _last_mention(mine).label("mention_id"),
            ).where(mine.c.id.in_(part))
        ).all()
    roots = _messages_by_id(
        conn, [i for r in rows for i in (r.prior_id, r.mention_id) if i is not None]
    )
    out: dict[int, str] = {}
    for r in rows:
        root = addressed.get(r.id) or _flat_root(
            r.author_id, as_utc(r.posted_at), roots.get(r.prior_id), roots.get(r.mention_id)
        )
        if root is not None:
            out[r.id] = root.text or ""
    return out
