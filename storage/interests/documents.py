"""What a resource's text is: its title, page metadata, the messages that shared and discussed it
(and, for a bare share, the question of its thread or else its neighbours; for a link to a chat
message, that message), read for topic extraction; weak titles written back."""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from bot.clock import as_utc
from bot.permalinks import MessageLink, message_link
from bot.titles import TitleSource, own_words, slug_title
from bot.urls import extract_urls
from storage import models as m
from storage.db import Database
from storage.ingest import IngestStore
from storage.interests.changes import _actors_of, _mark_dirty, _resource_signatures
from storage.interests.common import _public_channel
from storage.interests.tables import (
    resource_unfurls,
)
from storage.interests.values import (
    ResourceDoc,
)
from storage.sql import among, chunks, thread_root

MAX_DOC_MESSAGES = 60  # messages per resource that feed its topics (shares first)
MAX_DOC_CHARS = 20_000
BARE_SHARE_WORDS = 2  # a share with fewer words of its own borrows its neighbours' words
MAX_BARE_SHARES = 400  # per batch of resources: bounds the look-ups of a big import
NEARBY_BEFORE = timedelta(minutes=10)
NEARBY_AFTER = timedelta(minutes=20)
NEARBY_MESSAGES = 4
NEARBY_SCAN = 200  # rows read around one share at most (a busy half hour)
LINKED_SLACK = timedelta(seconds=2)  # a permalink's time against the stored one (rounding)


class DocumentStore:
    db: Database

    async def resource_docs(
        self, community_id: int, resource_ids: Sequence[int]
    ) -> tuple[dict[int, ResourceDoc], dict[int, str]]:
        """The documents of these resources and their input signatures (read together)."""
        async with self.db.read() as conn:
            docs = await conn.run_sync(_resource_docs, community_id, list(resource_ids))
            sigs = await conn.run_sync(_resource_signatures, list(docs))
        return docs, sigs

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

    async def replace_labels(
        self, community_id: int, titles: Mapping[int, tuple[str, str, int]]
    ) -> None:
        """Replace labels that only said how a sentence referred to a link (`code`, `issue`)
        with a better title: (label, new title, its rank) per resource, unless the label
        changed meanwhile; search text follows."""
        rt = m.resources
        rows = [
            {"rid": rid, "old_title": old, "new_title": new[:500], "new_rank": int(rank)}
            for rid, (old, new, rank) in titles.items()
        ]
        stmt = (
            update(rt)
            .where(
                rt.c.id == bindparam("rid"),
                rt.c.community_id == community_id,
                rt.c.title == bindparam("old_title"),
                rt.c.title_rank == int(TitleSource.LABEL),
            )
            .values(title=bindparam("new_title"), title_rank=bindparam("new_rank"))
        )
        async with self.db.write() as conn:
            await conn.execute(stmt, rows)
            await conn.run_sync(IngestStore.refresh_search_text, sorted(titles))

    async def resource_heads(
        self, community_id: int, resource_ids: Collection[int]
    ) -> dict[int, tuple[str | None, str]]:
        async with self.db.read() as conn:
            return await conn.run_sync(_resource_heads, community_id, sorted(set(resource_ids)))


def _resource_docs(conn: Connection, community_id: int, ids: list[int]) -> dict[int, ResourceDoc]:
    rt, st, msg, ch, ru = m.resources, m.shares, m.messages, m.channels, resource_unfurls
    root, reply = aliased(msg), aliased(msg)
    docs: dict[int, ResourceDoc] = {}
    for part in chunks(sorted(set(ids))):
        heads = conn.execute(
            select(
                rt.c.id,
                rt.c.title,
                rt.c.title_rank,
                rt.c.description,
                rt.c.canonical_url,
                rt.c.shared_url,
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
        asked: list[tuple[int, str]] = []  # the thread a share answers in: what it is about
        openings: dict[int, str] = {}  # the same for shares with words of their own
        for rid, text, name, mid, cid, at, opening in conn.execute(
            select(
                st.c.resource_id,
                msg.c.text,
                ch.c.name,
                msg.c.id,
                msg.c.channel_id,
                msg.c.posted_at,
                root.c.text,
            )
            .join(msg, msg.c.id == st.c.message_id)
            .join(ch, ch.c.id == st.c.channel_id)
            .outerjoin(root, thread_root(msg, root))
            .where(st.c.resource_id.in_(part), _public_channel())
            .order_by(st.c.shared_at, st.c.id)
        ):
            keep(rid, text)
            if name:
                chans[rid][name] += 1
            if own_words(text or "") < BARE_SHARE_WORDS:
                if opening:
                    asked.append((rid, opening))
                elif len(bare) < MAX_BARE_SHARES:
                    bare.append((rid, mid, cid, as_utc(at)))
            elif opening:
                openings.setdefault(rid, opening[:MAX_DOC_CHARS])
        for rid, text in asked:
            keep(rid, text)
        urls = {r.id: r.canonical_url for r in heads}
        for rid, text in _linked_messages(conn, community_id, urls, texts):
            keep(rid, text)
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
                shared_url=r.shared_url if r.shared_url != r.canonical_url else None,
                weak_title=r.title if r.title_rank == TitleSource.SENTENCE else None,
                title_rank=r.title_rank,
                thread_opening=openings.get(r.id),
            )
    return docs


_LINKED_ROOT = aliased(m.messages)


def _linked(link: MessageLink, community_id: int, *columns: Any) -> Select[Any]:
    """The message a permalink points to, with its thread's opening (`_LINKED_ROOT`), found
    through the time index; `columns` of either."""
    msg, ch, root = m.messages, m.channels, _LINKED_ROOT
    q = (
        select(*columns)
        .join(ch, ch.c.id == msg.c.channel_id)
        .outerjoin(root, thread_root(msg, root))
        .where(
            msg.c.community_id == community_id,
            msg.c.posted_at.between(link.at - LINKED_SLACK, link.at + LINKED_SLACK),
            msg.c.external_id == link.message,
        )
    )
    if link.platform == "slack":  # a ts is unique within its channel only
        q = q.where(ch.c.external_id == link.channel)
    return q


def _linked_messages(
    conn: Connection,
    community_id: int,
    urls: Mapping[int, str],
    texts: Mapping[int, Sequence[str]],
) -> list[tuple[int, str]]:
    """For links to a chat message, the message they point to (and the thread it answers),
    from a public channel of this community; when it is not stored, what the other links
    shared with it say by their addresses ("this thread" beside a Stack Overflow question
    whose address is the question)."""
    wanted = {rid: link for rid, url in urls.items() if (link := message_link(url))}
    if not wanted:
        return []
    msg, root = m.messages, _LINKED_ROOT
    found: dict[int, list[str]] = {}
    for rid, link in wanted.items():
        q = _linked(link, community_id, msg.c.text, root.c.text)
        q = q.where(_public_channel()).limit(1)
        row = conn.execute(q).first()
        if row is not None:
            found[rid] = [t for t in (row[1], row[0]) if t]
    out: list[tuple[int, str]] = []
    for rid in wanted:
        if rid in found:
            out.extend((rid, t) for t in found[rid])
            continue
        for text in texts.get(rid, ()):
            for other in extract_urls(text):
                if other.canonical == urls[rid] or message_link(other.canonical):
                    continue
                words = slug_title(other.original)
                if words:
                    out.append((rid, words))
    return out


def _nearby_messages(
    conn: Connection, community_id: int, bare: Sequence[tuple[int, int, int, datetime]]
) -> list[tuple[int, str]]:
    """For shares that say (almost) nothing, an image or a lone link, the channel's messages
    just before and after: members post the picture, then say what it is, or the reverse.
    One index range read per share (community, time), a few dozen rows each."""
    msg = m.messages
    # Built once and sent with each share's values: building it anew per share had taken as
    # long as running it.
    around = (
        select(msg.c.posted_at, msg.c.text)
        .where(
            msg.c.community_id == community_id,
            msg.c.posted_at >= bindparam("after"),
            msg.c.posted_at <= bindparam("before"),
            msg.c.channel_id + 0 == bindparam("channel"),  # the time index (`resources_reading`)
            msg.c.id != bindparam("message"),
        )
        .limit(NEARBY_SCAN)
    )
    out: list[tuple[int, str]] = []
    for rid, mid, cid, at in bare:
        rows = conn.execute(
            around,
            {
                "after": at - NEARBY_BEFORE,
                "before": at + NEARBY_AFTER,
                "channel": cid,
                "message": mid,
            },
        ).all()
        near = sorted(
            ((abs((as_utc(r.posted_at) - at).total_seconds()), r.text) for r in rows if r.text),
            key=lambda dt: dt[0],
        )
        out.extend((rid, text) for _dt, text in near[:NEARBY_MESSAGES])
    return out


def _resource_heads(
    conn: Connection, community_id: int, ids: list[int]
) -> dict[int, tuple[str | None, str]]:
    rt = m.resources
    out: dict[int, tuple[str | None, str]] = {}
    for part in chunks(ids):
        for rid, title, url in conn.execute(
            select(rt.c.id, rt.c.title, func.coalesce(rt.c.shared_url, rt.c.canonical_url)).where(
                rt.c.community_id == community_id, among(conn, rt.c.id, part)
            )
        ):
            out[rid] = (title, url)
    return out


def resources_reading(conn: Connection, community_id: int, message_ids: Sequence[int]) -> set[int]:
    """The resources whose documents (`_resource_docs`) may hold these messages' words: what
    they share, what the openings of their threads share (an opening reads its replies), bare
    shares replying to them (a lone link reads the question it answers) or posted near them
    (a lone picture reads its neighbours), and links to them or their threads (permalinks)."""
    msg, st = m.messages, m.shares
    rows = [
        row
        for part in chunks(sorted(set(message_ids)))
        for row in conn.execute(
            select(
                msg.c.id,
                msg.c.channel_id,
                msg.c.external_id,
                msg.c.thread_external_id,
                msg.c.posted_at,
            ).where(msg.c.community_id == community_id, msg.c.id.in_(part))
        )
    ]
    if not rows:
        return set()
    ids = {r.id for r in rows}
    out: set[int] = set()
    for part in chunks(sorted(ids)):
        out.update(
            conn.execute(select(st.c.resource_id).where(st.c.message_id.in_(part))).scalars()
        )
    openings: dict[int, set[str]] = {}  # channel -> the thread ids they are in (or open)
    times: dict[int, list[datetime]] = {}
    for r in rows:
        openings.setdefault(r.channel_id, set()).add(r.thread_external_id or r.external_id)
        times.setdefault(r.channel_id, []).append(as_utc(r.posted_at))
    shared = select(st.c.resource_id).join(msg, msg.c.id == st.c.message_id)
    with_text = select(st.c.resource_id, msg.c.text).join(msg, msg.c.id == st.c.message_id)

    def bare(found: Iterable[Any]) -> set[int]:
        return {rid for rid, text in found if own_words(text or "") < BARE_SHARE_WORDS}

    for channel, threads in openings.items():
        for part in chunks(sorted(threads)):
            out.update(
                conn.execute(
                    shared.where(msg.c.channel_id == channel, msg.c.external_id.in_(part))
                ).scalars()
            )
            out |= bare(
                conn.execute(
                    with_text.where(msg.c.channel_id == channel, msg.c.thread_external_id.in_(part))
                )
            )
    for channel, stamps in times.items():
        # A share at t reads [t - NEARBY_BEFORE, t + NEARBY_AFTER]: a message at s is read by
        # shares in [s - NEARBY_AFTER, s + NEARBY_BEFORE]. Overlapping windows merged.
        spans = _merged((s - NEARBY_AFTER, s + NEARBY_BEFORE) for s in sorted(stamps))
        out |= bare(_shared_within(conn, community_id, channel, spans, with_text))
    oldest = min(as_utc(r.posted_at) for r in rows)
    out.update(_linking_to(conn, community_id, ids, oldest))
    return out


def _going(conn: Connection, readers: Collection[int], message_ids: Sequence[int]) -> list[int]:
    """Of these resources, those no message outside `message_ids` shares: deleted with them."""
    st = m.shares
    erased = set(message_ids)
    staying: set[int] = set()
    for part in chunks(sorted(readers)):
        for rid, mid in conn.execute(
            select(st.c.resource_id, st.c.message_id).where(st.c.resource_id.in_(part))
        ):
            if mid not in erased:
                staying.add(rid)
    return sorted(set(readers) - staying)


WINDOW_QUERIES = 8  # time windows read one by one; beyond, the channel's shares in one read


def _shared_within(
    conn: Connection,
    community_id: int,
    channel: int,
    spans: Sequence[tuple[datetime, datetime]],
    with_text: Select[Any],
) -> list[tuple[int, str | None]]:
    """(resource, text) of the shares posted in `channel` within any of `spans` (sorted, not
    overlapping). A few windows are read through the time index, one query each; many (a
    busy member forgotten: tens of thousands) as the channel's shares over their whole
    range, matched to the windows here (forgetting the busiest member of the 1M bench took
    44.7 s one query per window, ~26 minutes before the time index was used at all)."""
    msg = m.messages
    if len(spans) <= WINDOW_QUERIES:
        return [
            (rid, text)
            for lo, hi in spans
            for rid, text in conn.execute(
                with_text.where(
                    msg.c.community_id == community_id,
                    msg.c.posted_at.between(lo, hi),
                    # Through the time index: SQLite otherwise reads the channel's whole
                    # history for each window, the equality looking cheaper than the range.
                    msg.c.channel_id + 0 == channel,
                )
            )
        ]
    starts = [lo for lo, _ in spans]
    found = []
    for rid, text, at in conn.execute(
        with_text.add_columns(msg.c.posted_at).where(
            msg.c.channel_id == channel,
            msg.c.posted_at.between(spans[0][0], spans[-1][1]),
        )
    ):
        i = bisect.bisect_right(starts, as_utc(at)) - 1
        if i >= 0 and as_utc(at) <= spans[i][1]:
            found.append((rid, text))
    return found


def redo_readers(conn: Connection, community_id: int, message_ids: Sequence[int]) -> None:
    """The ingest store's erase hook (`storage.ingest.EraseHook`): the resources whose topics
    may hold these messages' words, and their authors, are marked for recomputing, so deleted,
    edited and forgotten words leave the derived tables too; a sentence title the derive took
    from them goes back to the URL's words (the derive names it again from what stays)."""
    readers = resources_reading(conn, community_id, message_ids)
    msg = m.messages
    authors = {
        author
        for part in chunks(sorted(set(message_ids)))
        for author in conn.execute(
            select(msg.c.author_id).distinct().where(msg.c.id.in_(part))
        ).scalars()
    }
    if readers:
        IngestStore.drop_member_titles(conn, readers, (TitleSource.SENTENCE,))
        # A resource that goes with its only sharer takes its topics from the members who
        # replied to it (found now, while its shares exist; a member's topic had kept
        # pointing at a deleted resource). Those that stay are recomputed, and a change of
        # their topics marks their actors then.
        authors |= _actors_of(conn, community_id, _going(conn, readers, message_ids))
    # Their authors' own topics read them too (a forgotten member's rows go by cascade).
    _mark_dirty(conn, community_id, readers, authors)


def _merged(spans: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sorted time spans with the overlapping ones joined."""
    out: list[tuple[datetime, datetime]] = []
    for lo, hi in spans:
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _linking_to(
    conn: Connection, community_id: int, message_ids: set[int], oldest: datetime
) -> set[int]:
    """Resources that are permalinks to one of these messages or to a reply in their threads
    (`_linked_messages` reads the linked message and its thread's opening). A link to a message
    is shared after it: deleting a recent message reads the recent shares only."""
    rt, st, msg, root = m.resources, m.shares, m.messages, _LINKED_ROOT
    out: set[int] = set()
    candidates = conn.execute(
        select(rt.c.id, rt.c.canonical_url)
        .distinct()
        .join(st, st.c.resource_id == rt.c.id)
        .where(
            st.c.community_id == community_id,
            st.c.shared_at >= oldest - LINKED_SLACK,
            rt.c.canonical_url.contains("/archives/") | rt.c.canonical_url.contains("/channels/"),
        )
    ).all()
    for rid, url in candidates:
        link = message_link(url)
        if link is None:
            continue
        q = _linked(link, community_id, msg.c.id, root.c.id)
        if any(own in message_ids or opening in message_ids for own, opening in conn.execute(q)):
            out.add(rid)
    return out
