"""`storage.sql.among`: the rows of an IN list on both engines, and on PostgreSQL one
statement text for lists of any length (prepared once per connection, not once per length)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select

from storage import models as m
from storage.db import Database
from storage.sql import among


async def test_among_finds_what_in_finds_with_one_statement_text(database: Database) -> None:
    now = datetime(2026, 11, 2, tzinfo=UTC)
    async with database.write() as conn:
        await conn.execute(
            m.communities.insert(),
            [
                {"platform": "slack", "external_id": f"T{i}", "name": f"c{i}", "created_at": now}
                for i in range(12)
            ],
        )
    texts: list[str] = []

    @event.listens_for(database.engine.sync_engine, "before_cursor_execute")
    def _seen(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        texts.append(statement)

    ct = m.communities
    async with database.read() as conn:
        ids = list((await conn.execute(select(ct.c.id).order_by(ct.c.id))).scalars())
        texts.clear()
        for wanted in ([], ids[:1], ids[:3], ids[2:9], [*ids[::2], 10**9]):
            got = list(
                (
                    await conn.execute(
                        select(ct.c.id).where(among(conn, ct.c.id, wanted)).order_by(ct.c.id)
                    )
                ).scalars()
            )
            assert got == sorted(set(wanted) & set(ids))
            names = list(
                (
                    await conn.execute(
                        select(ct.c.id).where(
                            among(conn, ct.c.external_id, [f"T{i}" for i in range(3)])
                        )
                    )
                ).scalars()
            )
            assert len(names) == 3
    if database.dialect == "postgresql":
        assert len(set(texts)) == 2  # one text per query, whatever the list's length
