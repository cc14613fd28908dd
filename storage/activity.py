"""Discussion activity of resources, stored in the shape `top` and the summaries ask for.

`discussions` (the view of migration 0001) derives a resource's activity from the facts every
time it is read: a thread's replies are joined back to the message that shared the resource,
reactions to it, and shares to the resource's first share. At a million messages that costs
hundreds of milliseconds for a month and seconds for a year. Two tables keep the same facts
ready instead:

- `resource_activity`: one row per discussion event of a resource (a share of it, a reply in
  the thread of a message that shared it, a reaction to such a message): resource, member,
  kind and time, indexed by community and time (a window's events), by resource and time
  (one resource's events in a window) and by member and time (a member's newest events).
- `resource_totals`: per resource, how many events it has ever had and when the newest was.
  `top` over a long window ranks by people in the window, which no count summed over days can
  give (someone active on five days is one person); but a resource can never have more
  people in a window than events overall, so the totals bound the ranking and `top` reads only
  the events of the few resources that could still be in it (`Activity.top`).

Both are maintained by triggers on `shares`, `messages` and `reactions`, in the same
transaction as the write that changes the facts: the single writer, the importers, edits
(which replace a message's shares), deletions, `forget-me` and community purges (the
cascades delete the facts, and the triggers their events) all keep them exact without any
code of their own. A row names no text, only ids and a time, and goes when its fact goes.
`rebuild` recomputes a community's rows from the facts (`rhizome reindex`, the migration).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    Table,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import as_utc
from storage.models import Base, Id
from storage.sql import among

SHARE, REPLY, REACTION = 0, 1, 2
KIND_NAMES = {SHARE: "share", REPLY: "reply", REACTION: "reaction"}


class ResourceActivityRow(Base):
    """One discussion event of a resource. `share_id` is the share through which the event
    belongs to the resource; `source_id` the reply message (or the sharing message, for a
    share) or the reaction."""

    __tablename__ = "resource_activity"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(
        Id, ForeignKey("communities.id", ondelete="CASCADE"), nullable=False
    )
    resource_id: Mapped[int] = mapped_column(Id, nullable=False)
    share_id: Mapped[int] = mapped_column(Id, nullable=False)
    member_id: Mapped[int] = mapped_column(Id, nullable=False)
    kind: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    source_id: Mapped[int] = mapped_column(Id, nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    __table_args__ = (
        Index("ix_resource_activity_window", "community_id", "at", "resource_id", "member_id"),
        # Covering (migration 0014): a resource's people and events in a window are counted
        # from the index alone (`top` over long windows, resource summaries).
        Index("ix_resource_activity_resource", "resource_id", "at", "member_id", "kind"),
        # A member's newest events (`network`: what they took part in), migration 0012.
        Index("ix_resource_activity_member", "member_id", "at"),
    )


class ResourceTotalsRow(Base):
    """Per resource: events ever (an upper bound of its people in any window) and the newest."""

    __tablename__ = "resource_totals"
    resource_id: Mapped[int] = mapped_column(
        Id, ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = mapped_column(
        Id, ForeignKey("communities.id", ondelete="CASCADE"), nullable=False
    )
    events: Mapped[int] = mapped_column(Integer, nullable=False)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    __table_args__ = (Index("ix_resource_totals_events", "community_id", "events"),)


resource_activity = cast(Table, ResourceActivityRow.__table__)
resource_totals = cast(Table, ResourceTotalsRow.__table__)

_COLUMNS = "(community_id, resource_id, share_id, member_id, kind, source_id, at)"

# Every event of the facts, as the `discussions` view joins them (plus every share itself).
FILL = f"""
INSERT INTO resource_activity {_COLUMNS}
SELECT s.community_id, s.resource_id, s.id, s.member_id, {SHARE}, s.message_id, s.shared_at
FROM shares s WHERE {{where}}
UNION ALL
SELECT s.community_id, s.resource_id, s.id, r.author_id, {REPLY}, r.id, r.posted_at
FROM shares s
JOIN messages root ON root.id = s.message_id
JOIN messages r ON r.community_id = root.community_id AND r.channel_id = root.channel_id
    AND r.thread_external_id = root.external_id
WHERE {{where}}
UNION ALL
SELECT s.community_id, s.resource_id, s.id, x.member_id, {REACTION}, x.id, x.reacted_at
FROM shares s JOIN reactions x ON x.message_id = s.message_id
WHERE {{where}}
"""

FILL_TOTALS = """
INSERT INTO resource_totals (resource_id, community_id, events, last_at)
SELECT resource_id, min(community_id), count(*), max(at) FROM resource_activity
WHERE {where} GROUP BY resource_id
"""

_SHARE_INSERTED = f"""
INSERT INTO resource_activity {_COLUMNS}
VALUES (NEW.community_id, NEW.resource_id, NEW.id, NEW.member_id, {SHARE}, NEW.message_id,
        NEW.shared_at);
INSERT INTO resource_activity {_COLUMNS}
SELECT NEW.community_id, NEW.resource_id, NEW.id, r.author_id, {REPLY}, r.id, r.posted_at
FROM messages root
JOIN messages r ON r.community_id = root.community_id AND r.channel_id = root.channel_id
    AND r.thread_external_id = root.external_id
WHERE root.id = NEW.message_id;
INSERT INTO resource_activity {_COLUMNS}
SELECT NEW.community_id, NEW.resource_id, NEW.id, x.member_id, {REACTION}, x.id, x.reacted_at
FROM reactions x WHERE x.message_id = NEW.message_id;
"""
_SHARE_DELETED = """
DELETE FROM resource_activity WHERE resource_id = OLD.resource_id AND share_id = OLD.id;
"""
_REPLY_INSERTED = f"""
INSERT INTO resource_activity {_COLUMNS}
SELECT s.community_id, s.resource_id, s.id, NEW.author_id, {REPLY}, NEW.id, NEW.posted_at
FROM messages root JOIN shares s ON s.message_id = root.id
WHERE root.community_id = NEW.community_id AND root.channel_id = NEW.channel_id
    AND root.external_id = NEW.thread_external_id;
"""
# The root may be gone already (a cascade deleting both): its shares took their events along.
_REPLY_DELETED = f"""
DELETE FROM resource_activity WHERE kind = {REPLY} AND source_id = OLD.id AND resource_id IN (
    SELECT s.resource_id FROM messages root JOIN shares s ON s.message_id = root.id
    WHERE root.community_id = OLD.community_id AND root.channel_id = OLD.channel_id
        AND root.external_id = OLD.thread_external_id);
"""
_REACTION_INSERTED = f"""
INSERT INTO resource_activity {_COLUMNS}
SELECT s.community_id, s.resource_id, s.id, NEW.member_id, {REACTION}, NEW.id, NEW.reacted_at
FROM shares s WHERE s.message_id = NEW.message_id;
"""
_REACTION_DELETED = f"""
DELETE FROM resource_activity WHERE kind = {REACTION} AND source_id = OLD.id AND resource_id IN (
    SELECT s.resource_id FROM shares s WHERE s.message_id = OLD.message_id);
"""
_TOTALS_INSERTED = """
INSERT INTO resource_totals (resource_id, community_id, events, last_at)
VALUES (NEW.resource_id, NEW.community_id, 1, NEW.at)
ON CONFLICT (resource_id) DO UPDATE SET events = resource_totals.events + 1,
    last_at = {greatest}(resource_totals.last_at, excluded.last_at);
"""
# last_at is recomputed, not kept as an upper bound: no time of an erased event stays behind.
_TOTALS_DELETED = """
UPDATE resource_totals SET events = events - 1,
    last_at = coalesce((SELECT max(at) FROM resource_activity WHERE resource_id = OLD.resource_id),
                       last_at)
WHERE resource_id = OLD.resource_id;
DELETE FROM resource_totals WHERE resource_id = OLD.resource_id AND events <= 0;
"""

# (name, table, event, condition or None, body)
_TRIGGERS: tuple[tuple[str, str, str, str | None, str], ...] = (
    ("activity_share_ai", "shares", "INSERT", None, _SHARE_INSERTED),
    ("activity_share_ad", "shares", "DELETE", None, _SHARE_DELETED),
    (
        "activity_reply_ai",
        "messages",
        "INSERT",
        "NEW.thread_external_id IS NOT NULL",
        _REPLY_INSERTED,
    ),
    (
        "activity_reply_ad",
        "messages",
        "DELETE",
        "OLD.thread_external_id IS NOT NULL",
        _REPLY_DELETED,
    ),
    ("activity_reaction_ai", "reactions", "INSERT", None, _REACTION_INSERTED),
    ("activity_reaction_ad", "reactions", "DELETE", None, _REACTION_DELETED),
    ("activity_totals_ai", "resource_activity", "INSERT", None, _TOTALS_INSERTED),
    ("activity_totals_ad", "resource_activity", "DELETE", None, _TOTALS_DELETED),
)
TRIGGER_NAMES = tuple(t[0] for t in _TRIGGERS)


def create_triggers_sql(dialect: str) -> list[str]:
    """The statements creating the triggers (SQLite, or PostgreSQL functions + triggers)."""
    out: list[str] = []
    for name, table, event, when, body in _TRIGGERS:
        if dialect == "sqlite":
            body = body.replace("{greatest}", "max")
            cond = f" WHEN {when}" if when else ""
            out.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{cond} "
                f"BEGIN {body.strip()} END"
            )
        else:
            body = body.replace("{greatest}", "GREATEST")
            out.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$ "
                f"BEGIN {body.strip()} RETURN NULL; END $fn$"
            )
            cond = f" WHEN ({when})" if when else ""
            out.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{cond} "
                f"EXECUTE FUNCTION {name}()"
            )
    return out


def drop_triggers_sql(dialect: str) -> list[str]:
    out: list[str] = []
    for name, table, *_ in _TRIGGERS:
        if dialect == "sqlite":
            out.append(f"DROP TRIGGER IF EXISTS {name}")
        else:
            out.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            out.append(f"DROP FUNCTION IF EXISTS {name}()")
    return out


def fill_sql(community_id: int | None = None) -> list[str]:
    """Statements computing the tables from the facts, for tables left empty with the triggers
    off (a bulk load: `bench/generate.py`)."""
    where = "1 = 1" if community_id is None else f"s.community_id = {int(community_id)}"
    totals = "1 = 1" if community_id is None else f"community_id = {int(community_id)}"
    return [FILL.format(where=where), FILL_TOTALS.format(where=totals)]


def rebuild(conn: Connection, community_id: int) -> None:
    """Recompute a community's activity from its facts (the triggers keep it so afterwards)."""
    conn.execute(resource_totals.delete().where(resource_totals.c.community_id == community_id))
    conn.execute(resource_activity.delete().where(resource_activity.c.community_id == community_id))
    # The insert trigger counts every row into resource_totals as it goes.
    conn.execute(text(fill_sql(community_id)[0]))


def top_ids(
    conn: Connection, community_id: int, since: datetime, limit: int, *, direct_days: float = 20
) -> list[int]:
    """The `limit` resources with the most distinct people active since `since` (then most
    events, newest event, lowest id).

    A window of up to 20 days reads its own events (index by community and time; on the bench's
    1M messages that is the faster way for 14 days, both engines: 10-16 ms against 16-21 ms; for
    30 days, since the index by resource covers its columns (migration 0014), the other way is:
    SQLite 23 -> 10 ms, PostgreSQL 19 -> 15 ms, median of 7, same ids). A longer one starts from
    the resources with the most events ever (`resource_totals`, still active in the window),
    counts their people in the window through the index by resource and time, and stops once
    the last of the `limit` best has at least as many people as the next candidate has had
    events ever: no resource left out can reach it. Usually two small queries."""
    ra, rt = resource_activity, resource_totals
    ranked = (
        func.count(func.distinct(ra.c.member_id)).label("people"),
        func.count().label("events"),
        func.max(ra.c.at).label("newest"),
    )

    def order(q: Any) -> Any:
        return q.order_by(
            ranked[0].desc(), ranked[1].desc(), ranked[2].desc(), ra.c.resource_id
        ).limit(limit)

    newest = conn.execute(
        select(func.max(ra.c.at)).where(ra.c.community_id == community_id)
    ).scalar()
    if newest is None:
        return []
    span = as_utc(newest) - as_utc(since)
    if span.total_seconds() <= direct_days * 86400:
        if conn.dialect.name == "sqlite":
            # The same query, told its index: SQLite otherwise walks every event in resource
            # order (ix_resource_activity_resource) to spare itself the GROUP BY's sort,
            # 39-49 ms for 1-7 days at 1M messages against 1.2-7.6 ms through the window's
            # index range. (SQLAlchemy renders no table hints for SQLite.)
            params = {"community": community_id, "since": since, "limit": limit}
            rows = conn.execute(_WINDOW_SQLITE, params).all()
        else:
            rows = conn.execute(
                order(
                    select(ra.c.resource_id, *ranked)
                    .where(ra.c.community_id == community_id, ra.c.at >= since)
                    .group_by(ra.c.resource_id)
                )
            ).all()
        return [r.resource_id for r in rows]

    candidates = (
        select(rt.c.events)
        .where(rt.c.community_id == community_id, rt.c.last_at >= since)
        .order_by(rt.c.events.desc())
    )
    bound = conn.execute(candidates.offset(limit * 5).limit(1)).scalar() or 1
    while True:
        rows = conn.execute(
            order(
                select(ra.c.resource_id, *ranked)
                .select_from(rt)
                .join(ra, (ra.c.resource_id == rt.c.resource_id) & (ra.c.at >= since))
                .where(
                    rt.c.community_id == community_id,
                    rt.c.events >= bound,
                    rt.c.last_at >= since,
                )
                .group_by(ra.c.resource_id)
            )
        ).all()
        if bound <= 1:
            break
        if len(rows) < limit:
            bound = 1
            continue
        last_people = int(rows[-1].people)
        if last_people >= bound:
            break
        bound = max(1, last_people)
    return [r.resource_id for r in rows]


_WINDOW_SQLITE = text(
    "SELECT resource_id, count(DISTINCT member_id) AS people, count(*) AS events, "
    "max(at) AS newest FROM resource_activity INDEXED BY ix_resource_activity_window "
    "WHERE community_id = :community AND at >= :since GROUP BY resource_id "
    "ORDER BY people DESC, events DESC, newest DESC, resource_id LIMIT :limit"
).bindparams(
    bindparam("since", type_=resource_activity.c.at.type),
    bindparam("community", type_=Integer()),
    bindparam("limit", type_=Integer()),
)


def counts(
    conn: Connection, ids: Sequence[int], since: datetime | None
) -> dict[int, list[tuple[int, int, int]]]:
    """(member, kind, events) of each resource's events since `since` (or ever)."""
    ra = resource_activity
    q = select(ra.c.resource_id, ra.c.member_id, ra.c.kind, func.count()).where(
        among(conn, ra.c.resource_id, ids)
    )
    if since is not None:
        q = q.where(ra.c.at >= since)
    out: dict[int, list[tuple[int, int, int]]] = {}
    for rid, member, kind, n in conn.execute(
        q.group_by(ra.c.resource_id, ra.c.member_id, ra.c.kind)
    ):
        out.setdefault(rid, []).append((member, kind, n))
    return out
