"""Pruning what is older than a community keeps: messages (with what was derived from them),
tombstones of deleted messages, and delivery ids.

Runs in short transactions (`BATCH` messages each) so live ingest keeps flowing meanwhile.
Deleting a message here is deleting it as the platform would: its shares and reactions go by
cascade, resources nobody shares any more go, and the search text of the rest is rebuilt.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from storage import models as m
from storage.ingest import IngestStore, drop_empty_threads

BATCH = 2000


def community_ids(conn: Connection) -> list[int]:
    return list(conn.execute(select(m.communities.c.id).order_by(m.communities.c.id)).scalars())


def prune_messages(
    conn: Connection, store: IngestStore, community_id: int, before: datetime
) -> int:
    """Delete up to `BATCH` of a community's messages posted before `before` (its time index
    finds them); returns how many. Runs under the write lock, like ingest, so it may drop the
    ingest store's cached message ids (some are gone now)."""
    msg = m.messages
    ids = list(
        conn.execute(
            select(msg.c.id)
            .where(msg.c.community_id == community_id, msg.c.posted_at < before)
            .limit(BATCH)
        ).scalars()
    )
    if not ids:
        return 0
    touched = set(
        conn.execute(select(m.shares.c.resource_id).where(m.shares.c.message_id.in_(ids))).scalars()
    )
    store.before_erase(conn, community_id, ids)
    conn.execute(delete(msg).where(msg.c.id.in_(ids)))
    store.message_ids.clear()
    if touched:
        IngestStore._drop_orphans(conn, touched)
        alive = conn.execute(select(m.resources.c.id).where(m.resources.c.id.in_(touched)))
        IngestStore.refresh_search_text(conn, list(alive.scalars()))
    return len(ids)


def prune_records(
    conn: Connection, tombstones_before: datetime | None, deliveries_before: datetime
) -> tuple[int, int]:
    """Delete old tombstones (when a retention is set), old delivery ids, and threads left
    with no message."""
    tombstones = 0
    if tombstones_before is not None:
        ts = m.message_tombstones
        tombstones = conn.execute(delete(ts).where(ts.c.deleted_at < tombstones_before)).rowcount
    pe = m.processed_events
    deliveries = conn.execute(delete(pe).where(pe.c.processed_at < deliveries_before)).rowcount
    drop_empty_threads(conn)  # of the messages pruned, forgotten or deleted meanwhile
    return int(tombstones or 0), int(deliveries or 0)
