"""Bulk, idempotent writes of tracked facts: one call stores a whole batch of planned events.

It runs synchronously inside one write transaction (`AsyncConnection.run_sync`), so a batch
costs one hop to the database thread instead of one per row; statements are executemany with
`ON CONFLICT DO NOTHING` against natural keys, which is what makes redelivery harmless.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, exists, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.model import Actor, IngestStats
from storage import models as m

MESSAGE_CACHE = 50_000
CHUNK = 400  # keeps IN lists and multi-row VALUES well under every driver's parameter limit
SEARCH_TEXT_CHARS = 4000


@dataclass(frozen=True, slots=True)
class PlannedResource:
    canonical_url: str
    original_url: str
    domain: str | None
    kind: str = "link"
    title: str | None = None


@dataclass(frozen=True, slots=True)
class PlannedChannel:
    external_id: str
    name: str | None
    is_private: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedPost:
    community_id: int
    event_key: str | None
    channel: PlannedChannel
    author: Actor
    message_id: str
    thread_id: str | None
    posted_at: datetime
    text: str
    resources: tuple[PlannedResource, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedEdit:
    community_id: int
    event_key: str | None
    channel_id: str
    message_id: str
    edited_at: datetime
    text: str
    # None: the platform did not say which files the message has now; keep file shares.
    resources: tuple[PlannedResource, ...]
    replaces_files: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedDelete:
    community_id: int
    event_key: str | None
    channel_id: str
    message_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedReaction:
    community_id: int
    event_key: str | None
    channel_id: str
    message_id: str
    actor: Actor
    emoji: str
    added: bool
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedJoin:
    community_id: int
    event_key: str | None
    actor: Actor
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedRename:
    community_id: int
    event_key: str | None
    channel: PlannedChannel


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannedPurge:
    community_id: int
    event_key: str | None = None


Planned = (
    PlannedPost
    | PlannedEdit
    | PlannedDelete
    | PlannedReaction
    | PlannedJoin
    | PlannedRename
    | PlannedPurge
)


def insert_ignore(conn: Connection | AsyncConnection, table: Table) -> Any:
    """INSERT … ON CONFLICT DO NOTHING for whichever dialect the connection speaks."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def bulk_insert_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows, skipping natural-key conflicts.

    On SQLite this goes straight to the driver's executemany with values converted once here,
    which costs a fraction of SQLAlchemy's per-parameter processing on the ingest hot path.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        for part in chunks(rows):
            conn.execute(insert_ignore(conn, table), list(part))
        return
    columns = tuple(rows[0])
    getter, converted = _sqlite_layout(table, columns)
    if converted:
        data: list[Any] = []
        for row in rows:
            values = list(getter(row))
            for i, convert in converted:
                if values[i] is not None:
                    values[i] = convert(values[i])
            data.append(tuple(values))
    else:
        data = [getter(row) for row in rows]
    marks = ", ".join("?" * len(columns))
    sql = f"INSERT OR IGNORE INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
    conn.exec_driver_sql(sql, data)


@lru_cache(maxsize=64)
def _sqlite_layout(table: Table, columns: tuple[str, ...]) -> tuple[Any, list[tuple[int, Any]]]:
    """A C-speed getter for the columns, and the positions whose values need converting."""
    from sqlalchemy import Boolean, DateTime

    converted: list[tuple[int, Any]] = []
    for i, name in enumerate(columns):
        kind = table.c[name].type
        if isinstance(kind, DateTime):
            # The text SQLAlchemy's SQLite DateTime stores (UTC, no offset), twice as fast as
            # strftime.
            converted.append((i, lambda v: v.isoformat(" ", "microseconds")[:26]))
        elif isinstance(kind, Boolean):
            converted.append((i, int))
    getter: Any = itemgetter(*columns)
    if len(columns) == 1:  # itemgetter of one key returns the value, not a 1-tuple
        single = getter
        getter = lambda row: (single(row),)  # noqa: E731
    return getter, converted


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass
class IngestStore:
    """Member and channel ids are cached per process; purges and forgets invalidate them."""

    member_ids: dict[tuple[int, str], tuple[int, str | None]] = field(default_factory=dict)
    channel_ids: dict[tuple[int, str], tuple[int, str | None]] = field(default_factory=dict)
    # Row ids of recently stored messages, by (community, channel, message) external ids:
    # reactions, edits and deletes mostly concern recent messages, so this saves a query each.
    message_ids: OrderedDict[tuple[int, str, str], int] = field(default_factory=OrderedDict)
    _now: datetime = field(default=datetime.min)

    def forget_community(self, community_id: int) -> None:
        self.member_ids = {k: v for k, v in self.member_ids.items() if k[0] != community_id}
        self.channel_ids = {k: v for k, v in self.channel_ids.items() if k[0] != community_id}
        self.message_ids.clear()

    def forget_member(self, community_id: int, external_id: str) -> None:
        self.member_ids.pop((community_id, external_id), None)
        self.message_ids.clear()  # their messages are gone

    def clear(self) -> None:
        self.member_ids.clear()
        self.channel_ids.clear()
        self.message_ids.clear()

    def _remember_messages(self, found: Iterable[tuple[tuple[int, str, str], int]]) -> None:
        cache = self.message_ids
        for key, mid in found:
            cache[key] = mid
        while len(cache) > MESSAGE_CACHE:
            cache.popitem(last=False)

    # --- the batch ------------------------------------------------------------------------
    def apply(self, conn: Connection, items: Sequence[Planned], now: datetime) -> IngestStats:
        stats = IngestStats()  # what the batch changed; the tracker counts the events
        self._now = now
        items = self._drop_seen(conn, items, now, stats)
        posts = [i for i in items if isinstance(i, PlannedPost)]
        actors = [(p.community_id, p.author) for p in posts]
        actors += [
            (i.community_id, i.actor) for i in items if isinstance(i, PlannedReaction | PlannedJoin)
        ]
        self._ensure_members(conn, actors, now)
        chans = [(p.community_id, p.channel) for p in posts]
        chans += [(i.community_id, i.channel) for i in items if isinstance(i, PlannedRename)]
        self._ensure_channels(conn, chans)

        touched: set[int] = set()
        posts = self._drop_tombstoned(conn, posts, stats)
        # Posts first, in bulk: every other kind of event refers to a message, and a message id
        # is never reused, so doing them first never changes an outcome.
        if posts:
            self._store_posts(conn, posts, stats, touched)
        rest = [i for i in items if not isinstance(i, PlannedPost | PlannedJoin)]
        run: list[PlannedReaction] = []
        for item in rest:
            if isinstance(item, PlannedReaction):
                run.append(item)
                continue
            if run:
                self._store_reactions(conn, run, stats)
                run = []
            if isinstance(item, PlannedEdit):
                self._store_edit(conn, item, stats, touched)
            elif isinstance(item, PlannedDelete):
                self._delete_message(conn, item, touched)
            elif isinstance(item, PlannedPurge):
                conn.execute(delete(m.communities).where(m.communities.c.id == item.community_id))
                self.forget_community(item.community_id)
        if run:
            self._store_reactions(conn, run, stats)
        if touched:
            self._drop_orphans(conn, touched)
            self.refresh_search_text(conn, touched)
        return stats

    def _drop_seen(
        self, conn: Connection, items: Sequence[Planned], now: datetime, stats: IngestStats
    ) -> list[Planned]:
        by_community: dict[int, set[str]] = {}
        for i in items:
            if i.event_key:
                by_community.setdefault(i.community_id, set()).add(i.event_key)
        if not by_community:
            return list(items)
        pe = m.processed_events
        seen: set[tuple[int, str]] = set()
        for cid, keys in by_community.items():
            for part in chunks(sorted(keys), 900):
                rows = conn.execute(
                    select(pe.c.event_key).where(pe.c.community_id == cid, pe.c.event_key.in_(part))
                )
                seen.update((cid, key) for (key,) in rows)
        kept: list[Planned] = []
        fresh: list[dict[str, Any]] = []
        for item in items:
            if item.event_key:
                key = (item.community_id, item.event_key)
                if key in seen:
                    stats.duplicates += 1
                    continue
                seen.add(key)
                fresh.append({"community_id": key[0], "event_key": key[1], "processed_at": now})
            kept.append(item)
        if fresh and conn.dialect.name == "postgresql":
            # Another process may be storing the same delivery right now, unseen by the SELECT
            # above: only the keys this transaction's insert won are ours to apply.
            stmt = insert_ignore(conn, pe).returning(pe.c.community_id, pe.c.event_key)
            won = {(cid, key) for cid, key in conn.execute(stmt, fresh)}
            lost = len(fresh) - len(won)
            if lost:
                stats.duplicates += lost
                kept = [i for i in kept if not i.event_key or (i.community_id, i.event_key) in won]
        elif fresh:
            bulk_insert_ignore(conn, pe, fresh)
        return kept

    @staticmethod
    def _drop_tombstoned(
        conn: Connection, posts: list[PlannedPost], stats: IngestStats
    ) -> list[PlannedPost]:
        """Posts of messages already deleted on the platform are late redeliveries: drop them."""
        if not posts:
            return posts
        tt = m.message_tombstones
        dead: set[tuple[int, str, str]] = set()
        by_community: dict[int, set[str]] = {}
        for p in posts:
            by_community.setdefault(p.community_id, set()).add(p.message_id)
        for cid, ids in by_community.items():
            for part in chunks(sorted(ids), 900):
                for ch, msg in conn.execute(
                    select(tt.c.channel_external_id, tt.c.message_external_id).where(
                        tt.c.community_id == cid, tt.c.message_external_id.in_(part)
                    )
                ):
                    dead.add((cid, ch, msg))
        if not dead:
            return posts
        kept = []
        for p in posts:
            if (p.community_id, p.channel.external_id, p.message_id) in dead:
                stats.duplicates += 1
            else:
                kept.append(p)
        return kept

    def _ensure_members(
        self, conn: Connection, actors: Iterable[tuple[int, Actor]], now: datetime
    ) -> None:
        by_key = {(cid, a.external_id): a for cid, a in actors}
        _ensure_named_rows(
            conn,
            m.members,
            "display_name",
            self.member_ids,
            {key: a.display_name for key, a in by_key.items()},
            lambda key: {
                "community_id": key[0],
                "external_id": key[1],
                "display_name": by_key[key].display_name,
                "is_bot": by_key[key].is_bot,
                "first_seen_at": now,
            },
        )

    def _ensure_channels(
        self, conn: Connection, chans: Iterable[tuple[int, PlannedChannel]]
    ) -> None:
        by_key = {(cid, ch.external_id): ch for cid, ch in chans}
        _ensure_named_rows(
            conn,
            m.channels,
            "name",
            self.channel_ids,
            {key: ch.name for key, ch in by_key.items()},
            lambda key: {
                "community_id": key[0],
                "external_id": key[1],
                "name": by_key[key].name,
                "is_private": by_key[key].is_private,
            },
        )

    def _store_posts(
        self,
        conn: Connection,
        posts: Sequence[PlannedPost],
        stats: IngestStats,
        touched: set[int],
    ) -> None:
        mt = m.messages
        rows = []
        by_key: dict[tuple[int, int, str], PlannedPost] = {}
        for p in posts:
            chid = self.channel_ids[(p.community_id, p.channel.external_id)][0]
            key = (p.community_id, chid, p.message_id)
            if key in by_key:
                continue
            by_key[key] = p
            rows.append(
                {
                    "community_id": p.community_id,
                    "channel_id": chid,
                    "external_id": p.message_id,
                    "author_id": self.member_ids[(p.community_id, p.author.external_id)][0],
                    "thread_external_id": p.thread_id,
                    "posted_at": p.posted_at,
                    "text": p.text,
                }
            )
        keys = (mt.c.id, mt.c.community_id, mt.c.channel_id, mt.c.external_id)
        if conn.dialect.name == "postgresql":
            # Several processes may insert the same message at once, and a row another one
            # committed meanwhile must not count as ours (its edit may since have dropped a
            # link this post carried): RETURNING names exactly the rows this insert added.
            inserted = conn.execute(insert_ignore(conn, mt).returning(*keys), rows).all()
            # A delete committed while this insert waited on it left a tombstone the look
            # before the insert could not see: look again, and undo those rows.
            ours = [by_key[(cid, chid, ext)] for _, cid, chid, ext in inserted]
            alive = {id(p) for p in self._drop_tombstoned(conn, ours, IngestStats())}
            dead = [row[0] for row, p in zip(inserted, ours, strict=True) if id(p) not in alive]
            if dead:
                conn.execute(delete(mt).where(mt.c.id.in_(dead)))
                inserted = [row for row in inserted if row[0] not in set(dead)]
        else:
            # Rows with an id above the current maximum are the ones this statement added:
            # cheaper than RETURNING through executemany, and exact on SQLite's single writer.
            before = conn.execute(select(func.coalesce(func.max(mt.c.id), 0))).scalar_one()
            bulk_insert_ignore(conn, mt, rows)
            inserted = conn.exec_driver_sql(
                "SELECT id, community_id, channel_id, external_id FROM messages WHERE id > ?",
                (before,),
            ).all()
        new: list[tuple[int, int, PlannedPost]] = []  # (message id, channel id, post)
        for mid, cid, chid, ext in inserted:
            post = by_key.get((cid, chid, ext))
            if post is not None:
                new.append((mid, chid, post))
        self._remember_messages(
            ((p.community_id, p.channel.external_id, p.message_id), mid) for mid, _, p in new
        )
        stats.messages += len(new)
        stats.duplicates += len(posts) - len(new)
        with_links = [(mid, chid, p) for mid, chid, p in new if p.resources]
        if with_links:
            stats.shares += self._store_shares(conn, with_links, touched)

    def _store_shares(
        self,
        conn: Connection,
        items: Sequence[tuple[int, int, PlannedPost | PlannedEdit]],
        touched: set[int],
    ) -> int:
        """Create resources as needed and one share per (message, resource)."""
        wanted: dict[tuple[int, str], PlannedResource] = {}
        texts: dict[tuple[int, str], list[str]] = {}
        for _, _, p in items:
            for r in p.resources:
                key = (p.community_id, r.canonical_url)
                wanted.setdefault(key, r)
                texts.setdefault(key, []).append(p.text)
        resource_ids, created = self._ensure_resources(conn, wanted, texts)
        share_rows = []
        url_rows = []
        for mid, chid, p in items:
            author = self._author_of(conn, p, mid)
            at = p.posted_at if isinstance(p, PlannedPost) else p.edited_at
            for r in p.resources:
                rid = resource_ids[(p.community_id, r.canonical_url)]
                if rid not in created:  # new resources got their search text on insert
                    touched.add(rid)
                share_rows.append(
                    {
                        "community_id": p.community_id,
                        "resource_id": rid,
                        "message_id": mid,
                        "member_id": author,
                        "channel_id": chid,
                        "shared_at": at,
                    }
                )
                url_rows.append({"resource_id": rid, "original_url": r.original_url[:2048]})
        bulk_insert_ignore(conn, m.shares, share_rows)
        bulk_insert_ignore(conn, m.resource_urls, url_rows)
        return len(share_rows)

    def _author_of(self, conn: Connection, p: PlannedPost | PlannedEdit, message_id: int) -> int:
        if isinstance(p, PlannedPost):
            return self.member_ids[(p.community_id, p.author.external_id)][0]
        author = conn.execute(
            select(m.messages.c.author_id).where(m.messages.c.id == message_id)
        ).scalar_one()
        return int(author)

    def _ensure_resources(
        self,
        conn: Connection,
        wanted: dict[tuple[int, str], PlannedResource],
        texts: dict[tuple[int, str], list[str]],
    ) -> tuple[dict[tuple[int, str], int], set[int]]:
        """Ids of these resources, creating the missing ones; also returns the created ids."""
        rt = m.resources
        ids = self._find_resources(conn, list(wanted))
        missing = [k for k in wanted if k not in ids]
        created: set[int] = set()
        if missing:
            rows = [
                {
                    "community_id": cid,
                    "canonical_url": url,
                    "kind": wanted[(cid, url)].kind,
                    "title": wanted[(cid, url)].title,
                    "domain": wanted[(cid, url)].domain,
                    "created_at": self._now,
                    "search_text": search_text(
                        wanted[(cid, url)].title, None, url, texts.get((cid, url), ())
                    ),
                }
                for cid, url in missing
            ]
            if conn.dialect.name == "postgresql":
                # Another process may create the same resource meanwhile; only rows this insert
                # added already hold their search text.
                stmt = insert_ignore(conn, rt).returning(rt.c.id)
                created.update(rid for (rid,) in conn.execute(stmt, rows))
                ids.update(self._find_resources(conn, missing))
            else:
                conn.execute(insert_ignore(conn, rt), rows)
                found = self._find_resources(conn, missing)
                ids.update(found)
                created.update(found.values())
        return ids, created

    @staticmethod
    def _find_resources(
        conn: Connection, keys: Sequence[tuple[int, str]]
    ) -> dict[tuple[int, str], int]:
        rt = m.resources
        by_community: dict[int, list[str]] = {}
        for cid, url in keys:
            by_community.setdefault(cid, []).append(url)
        ids: dict[tuple[int, str], int] = {}
        for cid, urls in by_community.items():
            for part in chunks(urls, 500):
                for rid, url in conn.execute(
                    select(rt.c.id, rt.c.canonical_url).where(
                        rt.c.community_id == cid, rt.c.canonical_url.in_(part)
                    )
                ):
                    ids[(cid, url)] = rid
        return ids

    def _message_ids(
        self, conn: Connection, refs: Iterable[tuple[int, str, str]]
    ) -> dict[tuple[int, str, str], int]:
        """(community id, channel external id, message external id) -> message row id."""
        by_channel: dict[tuple[int, str, int], list[str]] = {}
        out: dict[tuple[int, str, str], int] = {}
        for cid, ch_ext, msg_ext in refs:
            known = self.message_ids.get((cid, ch_ext, msg_ext))
            if known is not None:
                out[(cid, ch_ext, msg_ext)] = known
                continue
            cached = self.channel_ids.get((cid, ch_ext))
            if cached is None:
                found = conn.execute(
                    select(m.channels.c.id, m.channels.c.name).where(
                        m.channels.c.community_id == cid, m.channels.c.external_id == ch_ext
                    )
                ).first()
                if found is None:
                    continue
                cached = (found[0], found[1])
                self.channel_ids[(cid, ch_ext)] = cached
            by_channel.setdefault((cid, ch_ext, cached[0]), []).append(msg_ext)
        mt = m.messages
        for (cid, ch_ext, chid), exts in by_channel.items():
            for part in chunks(sorted(set(exts))):
                for mid, ext in conn.execute(
                    select(mt.c.id, mt.c.external_id).where(
                        mt.c.community_id == cid,
                        mt.c.channel_id == chid,
                        mt.c.external_id.in_(part),
                    )
                ):
                    out[(cid, ch_ext, ext)] = mid
                    self._remember_messages((((cid, ch_ext, ext), mid),))
        return out

    def _store_reactions(
        self, conn: Connection, run: Sequence[PlannedReaction], stats: IngestStats
    ) -> None:
        ids = self._message_ids(conn, ((r.community_id, r.channel_id, r.message_id) for r in run))
        # Replay the run in order per (message, member, emoji): the last word wins.
        final: dict[tuple[int, int, str], PlannedReaction] = {}
        for r in run:
            mid = ids.get((r.community_id, r.channel_id, r.message_id))
            if mid is None:
                stats.skip("reaction on a message not tracked")
                continue
            member = self.member_ids[(r.community_id, r.actor.external_id)][0]
            final[(mid, member, r.emoji)] = r
        adds = [
            {
                "community_id": r.community_id,
                "message_id": mid,
                "member_id": member,
                "emoji": emoji[:100],
                "reacted_at": r.at,
            }
            for (mid, member, emoji), r in final.items()
            if r.added
        ]
        removes = [(mid, member, emoji) for (mid, member, emoji), r in final.items() if not r.added]
        bulk_insert_ignore(conn, m.reactions, adds)
        rt = m.reactions
        for part in chunks(removes):
            conn.execute(
                delete(rt).where(tuple_(rt.c.message_id, rt.c.member_id, rt.c.emoji).in_(part))
            )
        stats.reactions += len(adds)

    def _store_edit(
        self, conn: Connection, e: PlannedEdit, stats: IngestStats, touched: set[int]
    ) -> None:
        ids = self._message_ids(conn, [(e.community_id, e.channel_id, e.message_id)])
        mid = ids.get((e.community_id, e.channel_id, e.message_id))
        if mid is None:
            stats.skip("edit of a message not tracked")
            return
        conn.execute(
            update(m.messages)
            .where(m.messages.c.id == mid)
            .values(text=e.text, edited_at=e.edited_at)
        )
        st, rt = m.shares, m.resources
        current = {
            url: (rid, kind)
            for rid, url, kind in conn.execute(
                select(rt.c.id, rt.c.canonical_url, rt.c.kind)
                .join(st, st.c.resource_id == rt.c.id)
                .where(st.c.message_id == mid)
            )
        }
        wanted = {r.canonical_url for r in e.resources}
        gone = [
            rid
            for url, (rid, kind) in current.items()
            if url not in wanted and (kind != "file" or e.replaces_files)
        ]
        if gone:
            conn.execute(delete(st).where(st.c.message_id == mid, st.c.resource_id.in_(gone)))
            touched.update(gone)
        added = tuple(r for r in e.resources if r.canonical_url not in current)
        chid = self.channel_ids[(e.community_id, e.channel_id)][0]
        if added:
            # A link added by an edit counts as shared when the edit happened, so an edit can
            # never take first-sharer credit from someone who shared it in between.
            edit = PlannedEdit(
                community_id=e.community_id,
                event_key=None,
                channel_id=e.channel_id,
                message_id=e.message_id,
                edited_at=e.edited_at,
                text=e.text,
                resources=added,
                replaces_files=False,
            )
            stats.shares += self._store_shares(conn, [(mid, chid, edit)], touched)
        # The message's own text is part of its resources' search text.
        touched.update(rid for url, (rid, _) in current.items() if url in wanted)

    def _delete_message(self, conn: Connection, d: PlannedDelete, touched: set[int]) -> None:
        conn.execute(
            insert_ignore(conn, m.message_tombstones),
            [
                {
                    "community_id": d.community_id,
                    "channel_external_id": d.channel_id,
                    "message_external_id": d.message_id,
                    "deleted_at": self._now,
                }
            ],
        )
        ids = self._message_ids(conn, [(d.community_id, d.channel_id, d.message_id)])
        mid = ids.get((d.community_id, d.channel_id, d.message_id))
        self.message_ids.pop((d.community_id, d.channel_id, d.message_id), None)
        if mid is None:
            return
        touched.update(
            conn.execute(
                select(m.shares.c.resource_id).where(m.shares.c.message_id == mid)
            ).scalars()
        )
        conn.execute(delete(m.messages).where(m.messages.c.id == mid))

    # --- derived upkeep ---------------------------------------------------------------------
    @staticmethod
    def _drop_orphans(conn: Connection, resource_ids: set[int]) -> None:
        """A resource nobody shares any more is gone (its shares were deleted)."""
        rt, st = m.resources, m.shares
        for part in chunks(sorted(resource_ids)):
            conn.execute(
                delete(rt).where(rt.c.id.in_(part), ~exists().where(st.c.resource_id == rt.c.id))
            )

    @staticmethod
    def refresh_search_text(conn: Connection, resource_ids: Iterable[int]) -> None:
        """Rebuild what search indexes: title, description, URL, and the sharing messages."""
        rt, st, mt = m.resources, m.shares, m.messages
        ids = sorted(set(resource_ids))
        for part in chunks(ids):
            texts: dict[int, list[str]] = {}
            heads = conn.execute(
                select(rt.c.id, rt.c.title, rt.c.description, rt.c.canonical_url).where(
                    rt.c.id.in_(part)
                )
            ).all()
            meta = {rid: (title, desc, url) for rid, title, desc, url in heads}
            for rid in meta:
                texts[rid] = []
            for rid, text in conn.execute(
                select(st.c.resource_id, mt.c.text)
                .join(mt, mt.c.id == st.c.message_id)
                .where(st.c.resource_id.in_(part))
                .order_by(st.c.shared_at)
            ):
                texts[rid].append(text)
            rows = [
                {"rid": rid, "text": search_text(*meta[rid], parts)} for rid, parts in texts.items()
            ]
            if rows:
                conn.execute(
                    update(rt)
                    .where(rt.c.id == bindparam("rid"))
                    .values(search_text=bindparam("text")),
                    rows,
                )


def _ensure_named_rows(
    conn: Connection,
    table: Table,
    name_column: str,
    cache: dict[tuple[int, str], tuple[int, str | None]],
    names: dict[tuple[int, str], str | None],
    new_row: Callable[[tuple[int, str]], dict[str, Any]],
) -> None:
    """Row ids of members or channels by (community, external id) into `cache`, creating the
    missing rows and keeping their names current (people and channels get renamed)."""
    wanted: list[tuple[int, str]] = []
    renamed: list[dict[str, Any]] = []
    for key, name in names.items():
        cached = cache.get(key)
        if cached is None:
            wanted.append(key)
        elif name and name != cached[1]:
            renamed.append({"row_id": cached[0], "new_name": name})
            cache[key] = (cached[0], name)
    if wanted:
        conn.execute(insert_ignore(conn, table), [new_row(key) for key in wanted])
        t = table.c
        for part in chunks(wanted):
            for row_id, cid, ext, stored in conn.execute(
                select(t.id, t.community_id, t.external_id, t[name_column]).where(
                    tuple_(t.community_id, t.external_id).in_(part)
                )
            ):
                cache[(cid, ext)] = (row_id, stored)
                new = names[(cid, ext)]
                if new and new != stored:
                    renamed.append({"row_id": row_id, "new_name": new})
                    cache[(cid, ext)] = (row_id, new)
    if renamed:
        conn.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({name_column: bindparam("new_name")}),
            renamed,
        )


def search_text(
    title: str | None, description: str | None, url: str, messages: Iterable[str]
) -> str:
    """What full-text search indexes for a resource: its metadata, address and sharing text."""
    address = url.split("://", 1)[-1].replace("/", " ").replace(".", " ")
    parts = [title or "", description or "", address, *messages]
    return " ".join(p for p in parts if p)[:SEARCH_TEXT_CHARS]


def delete_member_data(conn: Connection, community_id: int, member_id: int) -> None:
    """Remove every row about one member; resources only they shared go with them."""
    rt, st = m.resources, m.shares
    theirs = list(
        conn.execute(select(st.c.resource_id).where(st.c.member_id == member_id)).scalars()
    )
    conn.execute(
        delete(m.members).where(
            and_(m.members.c.id == member_id, m.members.c.community_id == community_id)
        )
    )
    if theirs:
        IngestStore._drop_orphans(conn, set(theirs))
        remaining = list(conn.execute(select(rt.c.id).where(rt.c.id.in_(set(theirs)))).scalars())
        IngestStore.refresh_search_text(conn, remaining)
