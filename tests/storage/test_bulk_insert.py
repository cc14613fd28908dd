"""The SQLite fast path stores values exactly as SQLAlchemy would, so queries compare them right."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, text

from storage import models as m
from storage.db import Database
from storage.ingest import bulk_insert_ignore


async def test_fast_path_writes_the_same_text_as_sqlalchemy(tmp_path: Path) -> None:
    db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    await db.migrate()
    when = datetime(2026, 3, 1, 9, 30, 0, 0, tzinfo=UTC)  # zero microseconds: the tricky case
    try:
        async with db.write() as conn:
            await conn.execute(
                insert(m.communities).values(
                    id=1, platform="slack", external_id="T", created_at=when
                )
            )
            await conn.execute(
                insert(m.processed_events).values(
                    community_id=1, event_key="core", processed_at=when
                )
            )
            rows = [{"community_id": 1, "event_key": "fast", "processed_at": when}]
            await conn.run_sync(bulk_insert_ignore, m.processed_events, rows)
            await conn.run_sync(bulk_insert_ignore, m.processed_events, rows)  # ignored
        async with db.read() as conn:
            stored = dict(
                (
                    await conn.execute(text("SELECT event_key, processed_at FROM processed_events"))
                ).all()
            )
            back = (await conn.execute(m.processed_events.select())).all()
        assert stored["fast"] == stored["core"] == "2026-03-01 09:30:00.000000"
        assert {r.processed_at.replace(tzinfo=UTC) for r in back} == {when}
    finally:
        await db.close()
