"""Bulk, idempotent writes of tracked facts: one call stores a whole batch of planned events.

It runs synchronously inside one write transaction (`Database.run_write`: on SQLite a thread
of its own, elsewhere `AsyncConnection.run_sync`), so a batch costs no await per row; inserts
skip conflicts on natural keys (`ON CONFLICT DO NOTHING`), which is what makes redelivery
harmless. On SQLite each bulk statement reads its rows from one JSON array (see `insert_rows`
for why). (Long because a batch is one transaction whose statements are planned together; the
shared SQL helpers are `storage.sql`.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import (
    DateTime,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.engine import Connection

from bot.clock import as_utc
from bot.model import NO_SUCH_REACTION, Actor, IngestStats
from bot.titles import TitleSource, slug_title
from storage import models as m
from storage.sql import CHUNK as CHUNK
from storage.sql import chunks as chunks
from storage.sql import insert_ignore as insert_ignore
from storage.sql import thread_root as thread_root

MESSAGE_CACHE = 50_000
# Out-of-order delivery (retries, catch-up), remembered per process and bounded: when each
# reaction was last removed, and reactions that arrived before their message.
REMOVED_REACTIONS = 50_000
EARLY_REACTIONS = 10_000
ERASE_BATCH = 2000  # messages of a deleted channel erased per statement (its shares looked up once)
SEARCH_TEXT_CHARS = 4000


# What the tracker plans and this module stores. Not frozen: one or two are built per event on
# the ingest hot path, where a frozen dataclass's __init__ costs three times as much; nothing
# changes them after they are built.


@dataclass(slots=True)
class PlannedResource:
    canonical_url: str
    original_url: str
    domain: str | None
    kind: str = "link"
    title: str | None = None
    title_rank: int = 0  # bot.titles.TitleSource; 0 when there is no title


@dataclass(slots=True)
class PlannedChannel:
    external_id: str
    name: str | None
    is_private: bool


@dataclass(slots=True, kw_only=True)
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
    reply_to: str | None = None  # resolved to `thread_id` (the conversation's root) on write
    mentions: tuple[Actor, ...] = ()  # members it @-mentions (`message_mentions`)


@dataclass(slots=True, kw_only=True)
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
    mentions: tuple[Actor, ...] | None = None  # None: the platform did not say; keep them


@dataclass(slots=True, kw_only=True)
class PlannedDelete:
    community_id: int
    event_key: str | None
    channel_id: str
    message_id: str


@dataclass(slots=True, kw_only=True)
class PlannedErase:
    """Every message of a deleted channel, or of one deleted thread (`thread_id`)."""

    community_id: int
    event_key: str | None
    channel_id: str
    thread_id: str | None = None
    with_starter: bool = False  # a forum post: the thread's starter message goes too


@dataclass(slots=True, kw_only=True)
class PlannedClear:
    """Every reaction of a message, or every one of one emoji, removed at once."""

    community_id: int
    event_key: str | None
    channel_id: str
    message_id: str
    emoji: str | None
    at: datetime


@dataclass(slots=True, kw_only=True)
class PlannedReaction:
    community_id: int
    event_key: str | None
    channel_id: str
    message_id: str
    actor: Actor
    emoji: str
    added: bool
    at: datetime


@dataclass(slots=True, kw_only=True)
class PlannedJoin:
    community_id: int
    event_key: str | None
    actor: Actor
    at: datetime


@dataclass(slots=True, kw_only=True)
class PlannedRename:
    community_id: int
    event_key: str | None
    channel: PlannedChannel


@dataclass(slots=True, kw_only=True)
class PlannedPurge:
    community_id: int
    event_key: str | None = None


Planned = (
    PlannedPost
    | PlannedEdit
    | PlannedDelete
    | PlannedErase
    | PlannedClear
    | PlannedReaction
    | PlannedJoin
    | PlannedRename
    | PlannedPurge
)


def _reaction_time(r: PlannedReaction) -> datetime:
    return as_utc(r.at)


def bulk_insert_ignore(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, count: bool = False
) -> int:
    """Insert rows given as dicts, skipping natural-key conflicts (see `insert_rows`)."""
    if not rows:
        return 0
    columns = tuple(rows[0])
    getter = itemgetter(*columns)
    if len(columns) == 1:
        return insert_rows(conn, table, columns, [(getter(row),) for row in rows], count=count)
    return insert_rows(conn, table, columns, [getter(row) for row in rows], count=count)


def insert_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    count: bool = False,
) -> int:
    """Insert rows given as tuples in `columns` order, skipping natural-key conflicts; returns
    how many went in, or -1 where the driver does not say unless asked to (`count`: asyncpg
    gives no count for executemany, so PostgreSQL then names the new rows with RETURNING).

    On SQLite the whole batch is one statement reading one JSON array (`json_each`): the
    driver's executemany takes back the GIL for every row, so any Python running meanwhile on
    the event loop's thread (planning the next batch, a command) slows it down hundreds of
    times; one statement runs without the GIL from start to end. Values are written as
    SQLAlchemy writes them (times as its text, booleans as 0/1), so every query reads them
    alike. Other databases get SQLAlchemy's executemany, in chunks.
    """
    if not rows:
        return 0
    payload = _sqlite_json(conn, rows)
    if payload is not None:
        values = ", ".join(_sqlite_values(table, tuple(columns), "value"))
        sql = (
            f"INSERT OR IGNORE INTO {table.name} ({', '.join(columns)}) "
            f"SELECT {values} FROM json_each(?)"
        )
        return int(conn.exec_driver_sql(sql, (payload,)).rowcount)
    dicts = _dicts(columns, rows)
    stmt = insert_ignore(conn, table)
    if count and conn.dialect.name == "postgresql":
        stmt = stmt.returning(*table.primary_key.columns)
        return sum(len(conn.execute(stmt, list(part)).all()) for part in chunks(dicts))
    counts = [conn.execute(stmt, list(part)).rowcount for part in chunks(dicts)]
    return -1 if -1 in counts else sum(counts)


def update_rows(
    conn: Connection, table: Table, column: str, rows: Sequence[tuple[int, Any]]
) -> None:
    """Set `column` of each row given as (id, value); on SQLite in one statement (see
    `insert_rows`)."""
    if not rows:
        return
    payload = _sqlite_json(conn, rows)
    if payload is not None:
        row_id, value = _sqlite_values(table, ("id", column), "j.value")
        conn.exec_driver_sql(
            f"UPDATE {table.name} SET {column} = {value} "
            f"FROM json_each(?) AS j WHERE {table.name}.id = {row_id}",
            (payload,),
        )
        return
    stmt = update(table).where(table.c.id == bindparam("row_id"))
    stmt = stmt.values({column: bindparam("new_value")})
    for part in chunks(rows):
        conn.execute(stmt, [{"row_id": rid, "new_value": value} for rid, value in part])


@lru_cache(maxsize=128)
def _sqlite_values(table: Table, columns: tuple[str, ...], row: str) -> list[str]:
    """SQL reading each column's value from a JSON array `row` of the fast path.

    A time travels as orjson writes it ('YYYY-MM-DDTHH:MM:SS[.ffffff][offset]', 0.3 µs where
    Python's own formatting cost 3 µs) and SQLite turns it into the text SQLAlchemy's DateTime
    stores: 'YYYY-MM-DD HH:MM:SS.ffffff', wall time, no offset."""
    values = []
    for i, name in enumerate(columns):
        value = f"json_extract({row}, '$[{i}]')"
        if isinstance(table.c[name].type, DateTime):
            value = (
                f"substr({value}, 1, 10) || ' ' || substr({value}, 12, 8) || "
                f"CASE WHEN substr({value}, 20, 1) = '.' THEN substr({value}, 20, 7) "
                "ELSE '.000000' END"
            )
        values.append(value)
    return values


def _sqlite_json(conn: Connection, rows: Sequence[Any]) -> str | None:
    """`rows` as the JSON parameter of the SQLite fast path, or None to take the ordinary path:
    on other databases, and for values holding a NUL character, which SQLite's JSON functions
    would cut short."""
    if conn.dialect.name != "sqlite":
        return None
    payload = orjson.dumps(rows).decode()
    return None if "\\u0000" in payload else payload


def sqlite_json_rows(
    conn: Connection, columns: str, rest: str, params: Sequence[Any]
) -> list[list[Any]]:
    """`SELECT columns rest` on SQLite, the rows fetched as one JSON array in one value.

    Fetching row by row would take back the GIL at every row (see `insert_rows`)."""
    sql = f"SELECT json_group_array(json_array({columns})) {rest}"
    found: list[list[Any]] = orjson.loads(conn.exec_driver_sql(sql, tuple(params)).scalar_one())
    return found


def select_in(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    where: dict[str, Any],
    key: str | tuple[str, ...],
    values: Iterable[Any],
) -> Sequence[Sequence[Any]]:
    """`columns` of the rows whose `where` columns equal their values and whose `key` (a column,
    or a tuple of columns, then `values` are tuples) is one of `values` (strings or integers;
    text and number columns only).

    On SQLite one statement, however many values: they travel as one JSON array read by
    `json_each` and the rows come back as one (see `sqlite_json_rows`), so there is nothing
    for SQLAlchemy to compile per key. Elsewhere, chunked IN lists.
    """
    wanted = list(values)
    if not wanted:
        return []
    keys = (key,) if isinstance(key, str) else key
    payload = _sqlite_json(conn, wanted)
    if payload is not None:
        # One index probe per value, the values read first (CROSS JOIN fixes the order: left to
        # itself SQLite may scan the table and probe the values instead, or build a temporary
        # index of them for `IN (SELECT …)`, which costs more than the probes).
        if isinstance(key, str):
            match = [f"t.{key} = j.value"]
        else:
            match = [f"t.{name} = json_extract(j.value, '$[{i}]')" for i, name in enumerate(keys)]
        tests = " AND ".join([*(f"t.{name} = ?" for name in where), *match])
        rest = f"FROM json_each(?) AS j CROSS JOIN {table.name} AS t ON {tests}"
        selected = ", ".join(f"t.{c}" for c in columns)
        return sqlite_json_rows(conn, selected, rest, (payload, *where.values()))
    t = table.c
    tests_ = [t[name] == value for name, value in where.items()]
    column = t[key] if isinstance(key, str) else tuple_(*(t[name] for name in keys))
    found: list[Sequence[Any]] = []
    for part in chunks(wanted, 900 // len(keys)):
        stmt = select(*(t[c] for c in columns)).where(*tests_, column.in_(part))
        found += conn.execute(stmt).all()
    return found


def _dicts(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """Rows as SQLAlchemy's executemany takes them (the paths other than SQLite's)."""
    return [dict(zip(columns, row, strict=True)) for row in rows]


# Told, inside the transaction, which stored messages are about to be deleted or rewritten
# (community id, message row ids): a feature whose derived rows read other messages' words
# (a resource's topics borrow its thread's opening, its neighbours) marks them for redoing.
EraseHook = Callable[[Connection, int, Sequence[int]], None]


@dataclass
class IngestStore:
    """Member and channel ids are cached per process; purges and forgets invalidate them."""

    member_ids: dict[tuple[int, str], tuple[int, str | None]] = field(default_factory=dict)
    channel_ids: dict[tuple[int, str], tuple[int, str | None]] = field(default_factory=dict)
    # Row ids of recently stored messages, by (community, channel, message) external ids:
    # reactions, edits and deletes mostly concern recent messages, so this saves a query each.
    message_ids: dict[tuple[int, str, str], int] = field(default_factory=dict)
    # (community, channel, message, member, emoji) external ids -> when it was removed
    removed_reactions: dict[tuple[int, str, str, str, str], datetime] = field(default_factory=dict)
    # (community, channel, message) -> reactions that came before the message itself
    early_reactions: dict[tuple[int, str, str], list[PlannedReaction]] = field(default_factory=dict)
    _now: datetime = field(default=datetime.min)
    # An edit, deletion or purge left old text for `Database.scrub` to wipe from the files.
    erased: bool = False
    erase_hooks: list[EraseHook] = field(default_factory=list)

    def before_erase(self, conn: Connection, community_id: int, message_ids: Sequence[int]) -> None:
        """Run the features' hooks before these messages' words leave (see `EraseHook`)."""
        if message_ids:
            for hook in self.erase_hooks:
                hook(conn, community_id, message_ids)

    def forget_community(self, community_id: int) -> None:
        self.member_ids = {k: v for k, v in self.member_ids.items() if k[0] != community_id}
        self.channel_ids = {k: v for k, v in self.channel_ids.items() if k[0] != community_id}
        self.message_ids.clear()
        self.early_reactions = {
            k: v for k, v in self.early_reactions.items() if k[0] != community_id
        }
        self.removed_reactions = {
            k: v for k, v in self.removed_reactions.items() if k[0] != community_id
        }

    def forget_member(self, community_id: int, external_id: str) -> None:
        self.member_ids.pop((community_id, external_id), None)
        self.message_ids.clear()  # their messages are gone
        for key, waiting in list(self.early_reactions.items()):
            kept = [r for r in waiting if r.actor.external_id != external_id]
            if kept:
                self.early_reactions[key] = kept
            else:
                del self.early_reactions[key]

    def clear(self) -> None:
        self.member_ids.clear()
        self.channel_ids.clear()
        self.message_ids.clear()

    def _remember_messages(self, found: Iterable[tuple[tuple[int, str, str], int]]) -> None:
        cache = self.message_ids
        cache.update(found)
        if len(cache) > MESSAGE_CACHE:  # keep the newest; evicting a quarter at once costs less
            newest = list(cache.items())[-(MESSAGE_CACHE * 3 // 4) :]
            cache.clear()
            cache.update(newest)

    # --- the batch ------------------------------------------------------------------------
    def apply(self, conn: Connection, items: Sequence[Planned], now: datetime) -> IngestStats:
        stats = IngestStats()  # what the batch changed; the tracker counts the events
        self._now = now
        items = self._drop_seen(conn, items, now, stats)
        posts: list[PlannedPost] = []
        rest: list[Planned] = []  # in order: edits, deletes, reactions and purges
        actors: dict[tuple[int, str], Actor] = {}
        chans: dict[tuple[int, str], PlannedChannel] = {}
        for i in items:
            # Exact types: isinstance against a union costs more than the rest of the loop.
            if type(i) is PlannedPost:
                posts.append(i)
                if i.mentions:
                    for a in i.mentions:
                        actors.setdefault((i.community_id, a.external_id), a)
                actors[(i.community_id, i.author.external_id)] = i.author
                chans[(i.community_id, i.channel.external_id)] = i.channel
            elif type(i) is PlannedReaction or type(i) is PlannedJoin:
                actors[(i.community_id, i.actor.external_id)] = i.actor
                if type(i) is PlannedReaction:
                    rest.append(i)
            elif type(i) is PlannedRename:
                chans[(i.community_id, i.channel.external_id)] = i.channel
            else:
                if type(i) is PlannedEdit and i.mentions:
                    for a in i.mentions:
                        actors.setdefault((i.community_id, a.external_id), a)
                rest.append(i)
        if self.early_reactions and posts:
            # Their message is here at last: the reactions that waited for it go in after it.
            waiting = [
                r
                for p in posts
                for r in self.early_reactions.pop(
                    (p.community_id, p.channel.external_id, p.message_id), ()
                )
            ]
            for r in waiting:
                actors.setdefault((r.community_id, r.actor.external_id), r.actor)
            rest = [*waiting, *rest]
        self._ensure_members(conn, actors, now)
        self._ensure_channels(conn, chans)

        touched: set[int] = set()
        posts = self._drop_tombstoned(conn, posts, stats)
        # Posts first, in bulk: every other kind of event refers to a message, and a message id
        # is never reused, so doing them first never changes an outcome.
        if posts:
            self._store_posts(conn, posts, stats, touched)
        run: list[PlannedReaction] = []
        for item in rest:
            if type(item) is PlannedReaction:
                run.append(item)
                continue
            if run:
                self._store_reactions(conn, run, stats)
                run = []
            if isinstance(item, PlannedEdit):
                self.erased = True
                self._store_edit(conn, item, stats, touched)
            elif isinstance(item, PlannedDelete):
                self.erased = True
                self._delete_message(conn, item, touched)
            elif isinstance(item, PlannedErase):
                self.erased = True
                self._erase_conversation(conn, item, touched)
            elif isinstance(item, PlannedClear):
                self._clear_reactions(conn, item, stats)
            elif isinstance(item, PlannedPurge):
                self.erased = True
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
    ) -> Sequence[Planned]:
        # Most events carry no delivery key (see the tracker).
        keyed = [(i, i.community_id, i.event_key) for i in items if i.event_key]
        if not keyed:
            return items
        by_community: dict[int, set[str]] = {}
        for _, cid, key in keyed:
            by_community.setdefault(cid, set()).add(key)
        pe = m.processed_events
        seen: set[tuple[int, str]] = set()
        for cid, keys in by_community.items():
            for (key,) in select_in(
                conn, pe, ["event_key"], {"community_id": cid}, "event_key", keys
            ):
                seen.add((cid, key))
        dropped: set[int] = set()  # id() of the redelivered items
        fresh: list[tuple[int, str, datetime]] = []
        for item, cid, key in keyed:
            if (cid, key) in seen:
                stats.duplicates += 1
                dropped.add(id(item))
                continue
            seen.add((cid, key))
            fresh.append((cid, key, now))
        kept = [i for i in items if id(i) not in dropped] if dropped else items
        columns = ("community_id", "event_key", "processed_at")
        if fresh and conn.dialect.name == "postgresql":
            # Another process may be storing the same delivery right now, unseen by the SELECT
            # above: only the keys this transaction's insert won are ours to apply.
            stmt = insert_ignore(conn, pe).returning(pe.c.community_id, pe.c.event_key)
            won = {(cid, key) for cid, key in conn.execute(stmt, _dicts(columns, fresh))}
            lost = len(fresh) - len(won)
            if lost:
                stats.duplicates += lost
                kept = [i for i in kept if not i.event_key or (i.community_id, i.event_key) in won]
        elif fresh:
            insert_rows(conn, pe, columns, fresh)
        return kept

    @staticmethod
    def _drop_tombstoned(
        conn: Connection, posts: list[PlannedPost], stats: IngestStats
    ) -> list[PlannedPost]:
        """Posts of messages already deleted on the platform are late redeliveries: drop them."""
        if not posts:
            return posts
        dead: set[tuple[int, str, str]] = set()
        tombstones = m.message_tombstones
        pair = ("channel_external_id", "message_external_id")
        for cid in {p.community_id for p in posts}:  # nearly always one
            # Most communities have none (every import into a new one): one probe instead of
            # one look-up per post.
            anyone = select(tombstones.c.community_id).where(tombstones.c.community_id == cid)
            if conn.execute(anyone.limit(1)).first() is None:
                continue
            pairs = [(p.channel.external_id, p.message_id) for p in posts if p.community_id == cid]
            where = {"community_id": cid}
            for channel, msg in select_in(conn, tombstones, pair, where, pair, pairs):
                dead.add((cid, channel, msg))
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
        self, conn: Connection, actors: dict[tuple[int, str], Actor], now: datetime
    ) -> None:
        _ensure_named_rows(
            conn,
            m.members,
            ("community_id", "external_id", "display_name", "is_bot", "first_seen_at"),
            self.member_ids,
            {key: (a.display_name, (a.is_bot, now)) for key, a in actors.items()},
        )

    def _ensure_channels(
        self, conn: Connection, chans: dict[tuple[int, str], PlannedChannel]
    ) -> None:
        _ensure_named_rows(
            conn,
            m.channels,
            ("community_id", "external_id", "name", "is_private"),
            self.channel_ids,
            {key: (ch.name, (ch.is_private,)) for key, ch in chans.items()},
        )

    def _store_posts(
        self,
        conn: Connection,
        posts: Sequence[PlannedPost],
        stats: IngestStats,
        touched: set[int],
    ) -> None:
        mt = m.messages
        member_ids, channel_ids = self.member_ids, self.channel_ids
        self._store_threads(conn, posts)
        if any(p.reply_to for p in posts):
            self._reply_threads(conn, posts)
        rows: list[tuple[Any, ...]] = []
        by_key: dict[tuple[int, int, str], PlannedPost] = {}
        for p in posts:
            cid = p.community_id
            chid = channel_ids[(cid, p.channel.external_id)][0]
            key = (cid, chid, p.message_id)
            if key in by_key:
                continue
            by_key[key] = p
            author = member_ids[(cid, p.author.external_id)][0]
            rows.append(
                (
                    cid,
                    chid,
                    p.message_id,
                    author,
                    p.thread_id,
                    p.posted_at,
                    p.text,
                    True if p.reply_to else None,  # a reply in the channel: `in_channel`
                )
            )
        columns = (
            "community_id",
            "channel_id",
            "external_id",
            "author_id",
            "thread_external_id",
            "posted_at",
            "text",
            "in_channel",
        )
        keys = (mt.c.id, mt.c.community_id, mt.c.channel_id, mt.c.external_id)
        inserted: Sequence[Sequence[Any]] = ()
        new: list[tuple[int, int, PlannedPost]] = []  # (message id, channel id, post)
        if conn.dialect.name == "postgresql":
            # Several processes may insert the same message at once, and a row another one
            # committed meanwhile must not count as ours (its edit may since have dropped a
            # link this post carried): RETURNING names exactly the rows this insert added.
            stmt = insert_ignore(conn, mt).returning(*keys)
            inserted = conn.execute(stmt, _dicts(columns, rows)).all()
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
            # cheaper than RETURNING, and exact on SQLite, where one connection writes at a time
            # and a new row's id is the maximum plus one. When every row went in, they hold
            # the next ids in order, and there is nothing to read back.
            before = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM messages").scalar_one()
            if insert_rows(conn, mt, columns, rows) == len(rows):
                # by_key holds the posts in the rows' order.
                new = [
                    (before + i, row[1], post)
                    for i, (row, post) in enumerate(zip(rows, by_key.values(), strict=True), 1)
                ]
            else:
                inserted = sqlite_json_rows(
                    conn,
                    "id, community_id, channel_id, external_id",
                    "FROM messages WHERE id > ?",
                    [before],
                )
        for mid, cid, chid, ext in inserted:
            post = by_key.get((cid, chid, ext))
            if post is not None:
                new.append((mid, chid, post))
        self._remember_messages(
            ((p.community_id, p.channel.external_id, p.message_id), mid) for mid, _, p in new
        )
        stats.messages += len(new)
        stats.duplicates += len(posts) - len(new)
        with_links = [item for item in new if item[2].resources]
        if with_links:
            stats.shares += self._store_shares(conn, with_links, touched)
        mentioned = [(mid, p) for mid, _, p in new if p.mentions]
        if mentioned:
            self._store_mentions(conn, mentioned)

    def _store_mentions(
        self, conn: Connection, items: Sequence[tuple[int, PlannedPost | PlannedEdit]]
    ) -> None:
        """One row per (message, member it mentions); the members exist by now."""
        rows = {
            (mid, self.member_ids[(p.community_id, a.external_id)][0], p.community_id)
            for mid, p in items
            for a in p.mentions or ()
        }
        insert_rows(
            conn, m.message_mentions, ("message_id", "member_id", "community_id"), [*sorted(rows)]
        )

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
                known = wanted.get(key)
                if known is None or r.title_rank > known.title_rank:
                    wanted[key] = r
                texts.setdefault(key, []).append(p.text)
        resource_ids, created = self._ensure_resources(conn, wanted, texts)
        touched.update(self._better_titles(conn, wanted, resource_ids, created))
        share_rows: list[tuple[Any, ...]] = []
        url_rows: list[tuple[int, str]] = []
        for mid, chid, p in items:
            author = self._author_of(conn, p, mid)
            at = p.posted_at if isinstance(p, PlannedPost) else p.edited_at
            for r in p.resources:
                rid = resource_ids[(p.community_id, r.canonical_url)]
                if rid not in created:  # new resources got their search text on insert
                    touched.add(rid)
                share_rows.append((p.community_id, rid, mid, author, chid, at))
                url_rows.append((rid, r.original_url[:2048]))
        columns = (
            "community_id",
            "resource_id",
            "message_id",
            "member_id",
            "channel_id",
            "shared_at",
        )
        insert_rows(conn, m.shares, columns, share_rows)
        insert_rows(conn, m.resource_urls, ("resource_id", "original_url"), url_rows)
        return len(share_rows)

    def _store_threads(self, conn: Connection, posts: Sequence[PlannedPost]) -> None:
        """Note the platform's threads these posts are in (before reply chains get their
        roots as thread ids, which look the same in `messages`: see `models.ThreadRow`)."""
        found = {
            (self.channel_ids[(p.community_id, p.channel.external_id)][0], p.thread_id): (
                p.community_id
            )
            for p in posts
            if p.thread_id is not None and not p.reply_to  # an import files replies under roots
        }
        rows = [(ch, thread, cid) for (ch, thread), cid in found.items()]
        insert_rows(conn, m.threads, ("channel_id", "external_id", "community_id"), rows)

    def _reply_threads(self, conn: Connection, posts: Sequence[PlannedPost]) -> None:
        """A reply joins the conversation of the message it answers: its thread is that
        message's thread root, or that message itself (so a reply to a reply to a link
        still discusses the link, as in DiscordChatExporter imports)."""
        roots: dict[tuple[int, str, str], str] = {}
        for p in posts:  # earlier posts of this batch first
            key = (p.community_id, p.channel.external_id, p.message_id)
            if p.reply_to and p.thread_id is None:
                target = (p.community_id, p.channel.external_id, p.reply_to)
                p.thread_id = roots.get(target) or self._stored_root(conn, target)
            roots[key] = p.thread_id or p.message_id

    def _stored_root(self, conn: Connection, ref: tuple[int, str, str]) -> str:
        cid, channel, message = ref
        chid = self.channel_ids.get((cid, channel))
        if chid is None:
            return message
        mt = m.messages
        found = conn.execute(
            select(mt.c.thread_external_id).where(
                mt.c.community_id == cid, mt.c.channel_id == chid[0], mt.c.external_id == message
            )
        ).first()
        return (found[0] if found is not None else None) or message

    @staticmethod
    def _better_titles(
        conn: Connection,
        wanted: Mapping[tuple[int, str], PlannedResource],
        ids: Mapping[tuple[int, str], int],
        created: set[int],
    ) -> list[int]:
        """Give known resources this batch's title where it comes from a better source (a
        platform unfurl beats a link label, which beats a URL slug); returns their ids."""
        rows: list[dict[str, Any]] = [
            {"rid": ids[key], "new_title": r.title[:500], "new_rank": r.title_rank}
            for key, r in wanted.items()
            if r.title and r.title_rank and key in ids and ids[key] not in created
        ]
        if not rows:
            return []
        rt = m.resources
        stmt = (
            update(rt)
            .where(
                rt.c.id == bindparam("rid"),
                func.coalesce(rt.c.title_rank, 0) < bindparam("new_rank"),
            )
            .values(title=bindparam("new_title"), title_rank=bindparam("new_rank"))
        )
        conn.execute(stmt, rows)
        return [int(row["rid"]) for row in rows]

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
            columns = (
                "community_id",
                "canonical_url",
                "kind",
                "title",
                "title_rank",
                "shared_url",
                "domain",
                "created_at",
                "search_text",
            )
            rows = []
            for cid, url in missing:
                r = wanted[(cid, url)]
                title = r.title[:500] if r.title else None
                rank = r.title_rank if title else None
                text = search_text(title, None, url, texts.get((cid, url), ()))
                shared = r.original_url[:2048]
                rows.append((cid, url, r.kind, title, rank, shared, r.domain, self._now, text))
            if conn.dialect.name == "postgresql":
                # Another process may create the same resource meanwhile; only rows this insert
                # added already hold their search text.
                stmt = insert_ignore(conn, rt).returning(rt.c.id)
                created.update(rid for (rid,) in conn.execute(stmt, _dicts(columns, rows)))
                ids.update(self._find_resources(conn, missing))
            else:
                insert_rows(conn, rt, columns, rows)
                found = self._find_resources(conn, missing)
                ids.update(found)
                created.update(found.values())
        return ids, created

    @staticmethod
    def _find_resources(
        conn: Connection, keys: Sequence[tuple[int, str]]
    ) -> dict[tuple[int, str], int]:
        by_community: dict[int, list[str]] = {}
        for cid, url in keys:
            by_community.setdefault(cid, []).append(url)
        ids: dict[tuple[int, str], int] = {}
        for cid, urls in by_community.items():
            where = {"community_id": cid}
            for rid, url in select_in(
                conn, m.resources, ["id", "canonical_url"], where, "canonical_url", urls
            ):
                ids[(cid, url)] = rid
        return ids

    def _message_ids(
        self, conn: Connection, refs: Iterable[tuple[int, str, str]]
    ) -> dict[tuple[int, str, str], int]:
        """(community id, channel external id, message external id) -> message row id."""
        # community -> (channel row id, message external id) -> channel external id
        wanted: dict[int, dict[tuple[int, str], str]] = {}
        out: dict[tuple[int, str, str], int] = {}
        known = self.message_ids
        for ref in refs:
            mid = known.get(ref)
            if mid is not None:
                out[ref] = mid
                continue
            cid, ch_ext, msg_ext = ref
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
            wanted.setdefault(cid, {})[(cached[0], msg_ext)] = ch_ext
        remembered: list[tuple[tuple[int, str, str], int]] = []
        key = ("channel_id", "external_id")
        for cid, refs_by_key in wanted.items():
            where = {"community_id": cid}
            for mid, chid, ext in select_in(
                conn, m.messages, ["id", *key], where, key, list(refs_by_key)
            ):
                ref = (cid, refs_by_key[(chid, ext)], ext)
                out[ref] = mid
                remembered.append((ref, mid))
        self._remember_messages(remembered)
        return out

    def _store_reactions(
        self, conn: Connection, run: Sequence[PlannedReaction], stats: IngestStats
    ) -> None:
        ids = self._message_ids(conn, ((r.community_id, r.channel_id, r.message_id) for r in run))
        # Per (message, member, emoji) the latest by event time wins, whatever the arrival
        # order (ties: the later arrival); a removal remembered from an earlier batch beats an
        # addition older than it.
        final: dict[tuple[int, int, str], PlannedReaction] = {}
        added_in_run: set[tuple[int, int, str]] = set()
        removed = self.removed_reactions
        for r in sorted(run, key=_reaction_time):
            ref = (r.community_id, r.channel_id, r.message_id, r.actor.external_id, r.emoji)
            if not r.added:
                if ref not in removed or removed[ref] < r.at:
                    removed[ref] = r.at
            elif ref in removed and removed[ref] > r.at:
                stats.skip("reaction added before its removal")
                continue
            mid = ids.get((r.community_id, r.channel_id, r.message_id))
            if mid is None:
                if r.added:
                    self._wait_for_message(r)
                    stats.skip("reaction before its message (kept until it arrives)")
                else:
                    stats.skip("reaction on a message not tracked")
                continue
            member = self.member_ids[(r.community_id, r.actor.external_id)][0]
            final[(mid, member, r.emoji)] = r
            if r.added:
                added_in_run.add((mid, member, r.emoji))
        if len(removed) > REMOVED_REACTIONS:
            for key in list(removed)[: len(removed) - REMOVED_REACTIONS * 3 // 4]:
                del removed[key]
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
        removes = [
            (mid, member, emoji, r.at) for (mid, member, emoji), r in final.items() if not r.added
        ]
        rt = m.reactions
        # Only the rows that went in: a redelivered or re-imported reaction is already there.
        stats.reactions += bulk_insert_ignore(conn, rt, adds, count=True)
        for mid, member, emoji, at in removes:
            # an addition stored with a later time than this removal stands
            gone = conn.execute(
                delete(rt).where(
                    rt.c.message_id == mid,
                    rt.c.member_id == member,
                    rt.c.emoji == emoji,
                    rt.c.reacted_at <= at,
                )
            ).rowcount
            # Removing what was never stored changes nothing; say so (added in this run counts).
            if not gone and (mid, member, emoji) not in added_in_run:
                stats.skip(NO_SUCH_REACTION)

    def _wait_for_message(self, reaction: PlannedReaction) -> None:
        """Keep a reaction whose message has not arrived yet (bounded: the oldest go first)."""
        key = (reaction.community_id, reaction.channel_id, reaction.message_id)
        self.early_reactions.setdefault(key, []).append(reaction)
        if len(self.early_reactions) > EARLY_REACTIONS:
            del self.early_reactions[next(iter(self.early_reactions))]

    def _store_edit(
        self, conn: Connection, e: PlannedEdit, stats: IngestStats, touched: set[int]
    ) -> None:
        ids = self._message_ids(conn, [(e.community_id, e.channel_id, e.message_id)])
        mid = ids.get((e.community_id, e.channel_id, e.message_id))
        if mid is None:
            stats.skip("edit of a message not tracked")
            return
        stored_at, stored_text = conn.execute(
            select(m.messages.c.edited_at, m.messages.c.text).where(m.messages.c.id == mid)
        ).one()
        if stored_at is not None and as_utc(stored_at) > as_utc(e.edited_at):
            # Redelivered out of order (retries, catch-up): a newer edit already stands.
            stats.skip("edit older than the stored text")
            return
        if stored_text != e.text:  # not an unfurl arriving (Slack's message_changed)
            self.before_erase(conn, e.community_id, [mid])
        conn.execute(
            update(m.messages)
            .where(m.messages.c.id == mid)
            .values(text=e.text, edited_at=e.edited_at)
        )
        if e.mentions is not None:  # the new text names these members, and no others
            mm = m.message_mentions
            conn.execute(delete(mm).where(mm.c.message_id == mid))
            self._store_mentions(conn, [(mid, e)])
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
            self.drop_member_titles(conn, gone)  # its label or sentence went with the link
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
        # The message's own text is part of its resources' search text; a title taken from
        # its old words (a label, the sharing sentence) goes with them.
        kept = {url: rid for url, (rid, _) in current.items() if url in wanted}
        touched.update(kept.values())
        if kept:
            self.drop_member_titles(conn, kept.values())
            planned = {(e.community_id, r.canonical_url): r for r in e.resources}
            kept_ids = {(e.community_id, url): rid for url, rid in kept.items()}
            self._better_titles(conn, planned, kept_ids, set())

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
        shared = list(
            conn.execute(
                select(m.shares.c.resource_id).where(m.shares.c.message_id == mid)
            ).scalars()
        )
        touched.update(shared)
        self.drop_member_titles(conn, shared)
        self.before_erase(conn, d.community_id, [mid])
        conn.execute(delete(m.messages).where(m.messages.c.id == mid))

    def _erase_conversation(self, conn: Connection, e: PlannedErase, touched: set[int]) -> None:
        """A deleted channel's or thread's messages go as deleted messages do: shares,
        reactions and discussion by cascade, titles made of their words, resources nobody
        else shares (`_drop_orphans`, by the caller), in slices of `ERASE_BATCH`."""
        channel = conn.execute(
            select(m.channels.c.id).where(
                m.channels.c.community_id == e.community_id,
                m.channels.c.external_id == e.channel_id,
            )
        ).scalar()
        if channel is None:
            return
        msg, threads = m.messages, m.threads
        gone = [threads.c.channel_id == channel]
        if e.thread_id is not None:
            gone.append(threads.c.external_id == e.thread_id)
        conn.execute(delete(threads).where(*gone))
        where = [msg.c.channel_id == channel]
        if e.thread_id is not None:
            # Replies in the channel to the message the thread was opened on are filed under
            # the same id, and stay.
            inside = and_(msg.c.thread_external_id == e.thread_id, msg.c.in_channel.is_not(True))
            where.append(
                or_(inside, msg.c.external_id == e.thread_id) if e.with_starter else inside
            )
        while ids := list(
            conn.execute(select(msg.c.id).where(*where).limit(ERASE_BATCH)).scalars()
        ):
            shared = list(
                conn.execute(
                    select(m.shares.c.resource_id).where(m.shares.c.message_id.in_(ids))
                ).scalars()
            )
            touched.update(shared)
            self.drop_member_titles(conn, shared)
            self.before_erase(conn, e.community_id, ids)
            conn.execute(delete(msg).where(msg.c.id.in_(ids)))
        self.message_ids.clear()
        self.early_reactions = {
            k: v for k, v in self.early_reactions.items() if k[:2] != (e.community_id, e.channel_id)
        }

    def _clear_reactions(self, conn: Connection, c: PlannedClear, stats: IngestStats) -> None:
        """Remove a message's reactions (of one emoji, or all) that were there by `c.at`."""
        key = (c.community_id, c.channel_id, c.message_id)
        waiting = self.early_reactions.pop(key, [])
        kept = [r for r in waiting if c.emoji is not None and r.emoji != c.emoji]
        if kept:
            self.early_reactions[key] = kept
        mid = self._message_ids(conn, [key]).get(key)
        if mid is None:
            stats.skip("reaction on a message not tracked")
            return
        rt = m.reactions
        where = [rt.c.message_id == mid, rt.c.reacted_at <= c.at]
        if c.emoji is not None:
            where.append(rt.c.emoji == c.emoji[:100])
        conn.execute(delete(rt).where(*where))

    @staticmethod
    def drop_member_titles(
        conn: Connection,
        resource_ids: Iterable[int],
        sources: Sequence[TitleSource] = (TitleSource.LABEL, TitleSource.SENTENCE),
    ) -> None:
        """Titles made of a member's words (a link label, the sharing sentence) leave with the
        message they came from: back to the URL's words, until a share names it again."""
        rt = m.resources
        ids = sorted(set(resource_ids))
        words = tuple(int(source) for source in sources)
        for part in chunks(ids):
            rows = conn.execute(
                select(rt.c.id, rt.c.canonical_url).where(
                    rt.c.id.in_(part), rt.c.title_rank.in_(words)
                )
            ).all()
            for rid, url in rows:
                slug = slug_title(url)
                conn.execute(
                    update(rt)
                    .where(rt.c.id == rid)
                    .values(title=slug, title_rank=int(TitleSource.SLUG) if slug else None)
                )

    # --- derived upkeep ---------------------------------------------------------------------
    @staticmethod
    def _drop_orphans(conn: Connection, resource_ids: set[int]) -> None:
        """A resource nobody shares any more is gone (its shares were deleted), and so are
        its topics from the community's counts."""
        from storage.interests.topics import release_topics  # it builds on this module

        rt, st = m.resources, m.shares
        for part in chunks(sorted(resource_ids)):
            orphans = list(
                conn.execute(
                    select(rt.c.id).where(
                        rt.c.id.in_(part), ~exists().where(st.c.resource_id == rt.c.id)
                    )
                ).scalars()
            )
            if orphans:
                release_topics(conn, orphans)
                conn.execute(delete(rt).where(rt.c.id.in_(orphans)))

    @staticmethod
    def refresh_search_text(conn: Connection, resource_ids: Iterable[int]) -> None:
        """Rebuild what search indexes: title, description, URL, and the sharing messages."""
        ids = sorted(set(resource_ids))
        if not ids:
            return
        heads = select_in(
            conn, m.resources, ["id", "title", "description", "canonical_url"], {}, "id", ids
        )
        shared = select_in(
            conn, m.shares, ["resource_id", "shared_at", "id", "message_id"], {}, "resource_id", ids
        )
        shared = sorted(shared, key=itemgetter(1, 2))  # first shared first
        message_ids = {row[3] for row in shared}
        text_of: dict[int, str] = {
            mid: text
            for mid, text in select_in(conn, m.messages, ["id", "text"], {}, "id", message_ids)
        }
        texts: dict[int, list[str]] = {row[0]: [] for row in heads}
        for rid, _, _, message_id in shared:
            texts[rid].append(text_of[message_id])
        rows = [
            (rid, search_text(title, description, url, texts[rid]))
            for rid, title, description, url in heads
        ]
        update_rows(conn, m.resources, "search_text", rows)


def _ensure_named_rows(
    conn: Connection,
    table: Table,
    columns: tuple[str, ...],
    cache: dict[tuple[int, str], tuple[int, str | None]],
    wanted: dict[tuple[int, str], tuple[str | None, tuple[Any, ...]]],
) -> None:
    """Row ids of members or channels by (community, external id) into `cache`, creating the
    missing rows and keeping their names current (people and channels get renamed).

    `columns` are community id, external id, the name, then the rest of a new row, whose
    values `wanted` gives beside each key's current name.
    """
    name_column = columns[2]
    missing: list[tuple[int, str]] = []
    renamed: list[tuple[int, str]] = []
    for key, (name, _) in wanted.items():
        cached = cache.get(key)
        if cached is None:
            missing.append(key)
        elif name and name != cached[1]:
            renamed.append((cached[0], name))
            cache[key] = (cached[0], name)
    if missing:
        rows = [(*key, wanted[key][0], *wanted[key][1]) for key in missing]
        insert_rows(conn, table, columns, rows)
        by_community: dict[int, list[str]] = {}
        for cid, ext in missing:
            by_community.setdefault(cid, []).append(ext)
        for cid, exts in by_community.items():
            where = {"community_id": cid}
            for row_id, ext, stored in select_in(
                conn, table, ["id", "external_id", name_column], where, "external_id", exts
            ):
                cache[(cid, ext)] = (row_id, stored)
                new = wanted[(cid, ext)][0]
                if new and new != stored:
                    renamed.append((row_id, new))
                    cache[(cid, ext)] = (row_id, new)
    update_rows(conn, table, name_column, renamed)


def search_text(
    title: str | None, description: str | None, url: str, messages: Iterable[str]
) -> str:
    """What full-text search indexes for a resource: its metadata, address and sharing text."""
    address = url.split("://", 1)[-1].replace("/", " ").replace(".", " ")
    parts = [title or "", description or "", address, *messages]
    return " ".join(p for p in parts if p)[:SEARCH_TEXT_CHARS]


def drop_empty_threads(conn: Connection, community_id: int | None = None) -> int:
    """Forget the threads none of whose messages are stored any more (pruned, forgotten,
    deleted one by one): catch-up asks only about threads with messages anyway, and a Discord
    thread's id is its starter message's. Returns how many went."""
    th, msg = m.threads, m.messages
    where = [
        ~exists().where(
            msg.c.channel_id == th.c.channel_id, msg.c.thread_external_id == th.c.external_id
        )
    ]
    if community_id is not None:
        where.append(th.c.community_id == community_id)
    return int(conn.execute(delete(th).where(*where)).rowcount or 0)


def delete_member_data(
    conn: Connection, community_id: int, member_id: int, store: IngestStore
) -> None:
    """Remove every row about one member; resources only they shared go with them, and a
    title made of their words (a label, their sharing sentence) with their shares."""
    rt, st = m.resources, m.shares
    theirs = list(
        conn.execute(select(st.c.resource_id).where(st.c.member_id == member_id)).scalars()
    )
    said = conn.execute(select(m.messages.c.id).where(m.messages.c.author_id == member_id))
    store.before_erase(conn, community_id, list(said.scalars()))
    IngestStore.drop_member_titles(conn, theirs)
    conn.execute(
        delete(m.members).where(
            and_(m.members.c.id == member_id, m.members.c.community_id == community_id)
        )
    )
    if theirs:
        IngestStore._drop_orphans(conn, set(theirs))
        remaining = list(conn.execute(select(rt.c.id).where(rt.c.id.in_(set(theirs)))).scalars())
        IngestStore.refresh_search_text(conn, remaining)
    drop_empty_threads(conn, community_id)
