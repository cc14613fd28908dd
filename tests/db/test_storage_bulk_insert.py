"""The SQLite fast path stores values exactly as SQLAlchemy would, so queries compare them right."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import OperationalError

from storage import models as m
from storage.db import Database
from storage.ingest import bulk_insert_ignore, update_rows

TIMES = [
    datetime(2026, 3, 1, 9, 30, 0, 0, tzinfo=UTC),  # zero microseconds: the tricky case
    datetime(2026, 3, 1, 9, 30, 0, 999_999, tzinfo=UTC),
    datetime(2024, 2, 29, 23, 59, 59, 1, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC),  # before the epoch
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(2026, 11, 30, 12, 0, 0, 123_456),  # naive: stored as it reads
]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite database holding community 1."""
    db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    await db.migrate()
    async with db.write() as conn:
        await conn.execute(
            insert(m.communities).values(
                id=1, platform="slack", external_id="T", created_at=TIMES[0]
            )
        )
    yield db
    await db.close()


async def test_fast_path_writes_the_same_text_as_sqlalchemy(db: Database) -> None:
    async with db.write() as conn:
        for i, when in enumerate(TIMES):
            await conn.execute(
                insert(m.processed_events).values(
                    community_id=1, event_key=f"core{i}", processed_at=when
                )
            )
        rows = [
            {"community_id": 1, "event_key": f"fast{i}", "processed_at": when}
            for i, when in enumerate(TIMES)
        ]
        await conn.run_sync(bulk_insert_ignore, m.processed_events, rows)
        await conn.run_sync(bulk_insert_ignore, m.processed_events, rows)  # ignored
    async with db.read() as conn:
        stored = dict(
            (await conn.execute(text("SELECT event_key, processed_at FROM processed_events"))).all()
        )
        back = (await conn.execute(m.processed_events.select())).all()
    assert len(stored) == 2 * len(TIMES)
    for i in range(len(TIMES)):
        assert stored[f"fast{i}"] == stored[f"core{i}"], TIMES[i]
    assert stored["fast0"] == "2026-03-01 09:30:00.000000"
    naive = {r.processed_at.replace(tzinfo=None) for r in back}
    assert naive == {t.replace(tzinfo=None) for t in TIMES}


async def test_fast_path_keeps_text_whole_and_booleans_as_sqlalchemy_does(db: Database) -> None:
    # NUL never gets here: the tracker drops it (PostgreSQL refuses it, SQLite's JSON ends at it).
    hostile = 'quote " back\\slash \U0001f600 emoji ünï «» \x01\x1f\n\t [1,2] {"a": 1}'
    when = TIMES[0]
    async with db.write() as conn:
        rows = [
            {
                "community_id": 1,
                "external_id": "U1",
                "display_name": hostile,
                "is_bot": True,
                "first_seen_at": when,
            },
            {
                "community_id": 1,
                "external_id": "42",  # digits stay text
                "display_name": None,
                "is_bot": False,
                "first_seen_at": when,
            },
        ]
        await conn.run_sync(bulk_insert_ignore, m.members, rows)
        ids = dict((await conn.execute(text("SELECT external_id, id FROM members"))).all())
        await conn.run_sync(update_rows, m.members, "display_name", [(ids["42"], "forty-two")])
    async with db.read() as conn:
        got = {r.external_id: r for r in (await conn.execute(m.members.select())).all()}
        kinds = dict(
            (await conn.execute(text("SELECT external_id, typeof(external_id) FROM members"))).all()
        )
    assert got["U1"].display_name == hostile
    assert got["U1"].is_bot is True and got["42"].is_bot is False
    assert got["42"].display_name == "forty-two"
    assert kinds == {"U1": "text", "42": "text"}


async def test_only_the_writer_connection_writes(db: Database) -> None:
    """SQLite read connections are query_only: every write goes through the one writer
    connection (whose page cache then stays valid), never around it."""
    async with db.read() as conn:
        with pytest.raises(OperationalError, match="readonly"):
            await conn.execute(text("DELETE FROM communities"))
    async with db.read() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM communities"))).scalar_one() == 1
    assert db.writer is not db.engine
    assert db.writer.pool.size() == 1  # type: ignore[attr-defined]
