"""Secondary indexes a large SQLite import builds once at its end instead of row by row.

An import into an empty or small database inserts every row of `messages`, `shares`,
`reactions` and the activity tables that follow them; each non-unique index on them takes an
insert at a place of its own (by member, by resource), so at a million messages each batch
touches index pages all over the file. Built afterwards from the finished table, an index is
one sort: the bench's 1M-message Slack export imports about 1.3 times as fast with these built
at the end (4.7 s of it), side by side on a shared 2-core machine (README, tenth session).

Only indexes no write of an import reads are deferred: every UNIQUE constraint (what dedupe
and exactly-once rest on) stays, and so do the indexes the activity triggers and the ingest
store look rows up by (`ix_messages_thread`: a shared message's replies; `ix_shares_resource`:
a re-shared resource's search text). Without the deferred ones, queries of a bot running
beside the import are slower until it ends, never different.

Crash-safe: the indexes are dropped in the same transaction that records their exact SQL in
`bot_state`, and `restore` (at the import's end, and at every start before migrations, so a
migration always finds the schema it expects) recreates whatever the record names with
`CREATE INDEX IF NOT EXISTS`, then deletes the record in that same transaction. SQLite only;
PostgreSQL keeps its indexes (its imports are not bound by this).
"""

from __future__ import annotations

import json

from sqlalchemy.engine import Connection

MARKER = "storage.deferred_indexes"

# Non-unique indexes of the tables an import fills that nothing during an import reads.
# Not ix_resource_activity_window: `top` names it (INDEXED BY), and a bot running beside the
# import would fail without it rather than be slower; time-ordered, it only grows at its end.
DEFERRABLE: tuple[str, ...] = (
    "ix_messages_author_time",
    "ix_messages_community_posted",
    "ix_shares_community_time",
    "ix_shares_member_time",
    "ix_reactions_member",
    "ix_reactions_community_time",
    "ix_message_mentions_member",
    "ix_resource_activity_resource",
    "ix_resource_activity_member",
    "ix_resource_totals_events",
)

_CREATE = "CREATE INDEX "


def defer(conn: Connection) -> list[str]:
    """Drop the deferrable indexes that exist, recording their SQL first (one transaction:
    the caller's); returns their names. Already deferred ones stay recorded."""
    recorded = _recorded(conn)
    found = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN "
        f"({', '.join('?' * len(DEFERRABLE))})",
        DEFERRABLE,
    ).all()
    dropped = [(name, sql) for name, sql in found if sql and sql.startswith(_CREATE)]
    if not dropped:
        return []
    recorded.update(dropped)
    _record(conn, recorded)
    for name, _ in dropped:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [name for name, _ in dropped]


def restore(conn: Connection) -> list[str]:
    """Recreate every index `defer` recorded and forget the record (idempotent: an index that
    exists is left alone); returns their names. Nothing to do costs one look-up."""
    has_state = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bot_state'"
    ).first()
    if has_state is None:
        return []
    recorded = _recorded(conn)
    if not recorded:
        return []
    for sql in recorded.values():
        conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS " + sql[len(_CREATE) :])
    conn.exec_driver_sql("DELETE FROM bot_state WHERE key = ?", (MARKER,))
    return list(recorded)


def _recorded(conn: Connection) -> dict[str, str]:
    value = conn.exec_driver_sql("SELECT value FROM bot_state WHERE key = ?", (MARKER,)).scalar()
    found: dict[str, str] = json.loads(value) if value else {}
    return found


def _record(conn: Connection, indexes: dict[str, str]) -> None:
    # As SQLAlchemy's DateTime stores a time, like every other row of bot_state.
    now = "strftime('%Y-%m-%d %H:%M:%f000', 'now')"
    conn.exec_driver_sql(
        "INSERT INTO bot_state (key, value, updated_at) "
        f"VALUES (?, ?, {now}) ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
        "updated_at = excluded.updated_at",
        (MARKER, json.dumps(indexes)),
    )
