"""A command's reads on one connection (`Database.reads_together`): one pool checkout for
all of them, writes of the same task visible to the reads after them, other tasks on their
own connections, and a failed read leaves nothing broken behind it. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError

from storage import models as m
from storage.db import Database


def _checkouts(db: Database) -> list[int]:
    seen: list[int] = []

    @event.listens_for(db.engine.sync_engine, "checkout")
    def _checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        seen.append(id(dbapi_conn))

    return seen


async def _communities(db: Database) -> int:
    async with db.read() as conn:
        return len((await conn.execute(select(m.communities.c.id))).all())


async def _add_community(db: Database, external_id: str) -> None:
    async with db.write() as conn:
        await conn.execute(
            m.communities.insert().values(
                platform="slack", external_id=external_id, name=external_id, created_at=_now()
            )
        )


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime(2026, 11, 2, tzinfo=UTC)


async def test_reads_in_a_block_share_one_checkout(database: Database) -> None:
    seen = _checkouts(database)
    async with database.reads_together():
        for _ in range(5):
            assert await _communities(database) == 0
    assert len(seen) == 1
    seen.clear()
    for _ in range(3):  # outside a block: a checkout each, as before
        await _communities(database)
    assert len(seen) == 3


async def test_a_write_of_the_task_is_seen_by_its_next_read(database: Database) -> None:
    async with database.reads_together():
        assert await _communities(database) == 0
        await _add_community(database, "T1")
        assert await _communities(database) == 1
        await _add_community(database, "T2")
        await _add_community(database, "T3")
        assert await _communities(database) == 3


async def test_a_write_of_another_task_is_seen_after_it_says_so(database: Database) -> None:
    """A write in a task the block started (it reads and writes on its own connections)
    marks the shared transaction stale, so the block's next read sees it."""
    async with database.reads_together():
        assert await _communities(database) == 0
        await asyncio.create_task(_add_community(database, "T1"))
        assert await _communities(database) == 1


async def test_tasks_started_in_a_block_read_on_their_own_connections(
    database: Database,
) -> None:
    seen = _checkouts(database)
    async with database.reads_together():
        await _communities(database)
        counts = await asyncio.gather(*(_communities(database) for _ in range(3)))
    assert counts == [0, 0, 0]
    assert len(seen) == 4  # the block's one, and one for each of the three tasks


async def test_a_failed_read_leaves_the_next_read_working(database: Database) -> None:
    await _add_community(database, "T1")
    async with database.reads_together():
        with pytest.raises(DBAPIError):
            async with database.read() as conn:
                await conn.execute(text("SELECT * FROM no_such_table"))
        # PostgreSQL: the failed statement aborted its transaction; the next read is not in it.
        assert await _communities(database) == 1


async def test_blocks_nest_and_other_databases_keep_their_own_connections(
    database: Database, tmp_path: Any
) -> None:
    other = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'other.db'}")
    try:
        await other.migrate()
        seen = _checkouts(database)
        async with database.reads_together():
            await _communities(database)
            async with database.reads_together():
                await _communities(database)
            assert await _communities(other) == 0
            await _communities(database)
        assert len(seen) == 1
    finally:
        await other.close()


async def test_a_new_community_met_by_many_tasks_at_once_is_one_row_for_all(
    database: Database,
) -> None:
    """Slash commands from a workspace nobody has seen arrive together: every task gets the
    one community row, whether it inserted it, waited for it, or found its id known. A slow
    commit (a loaded machine) once let a second command take the id of a row not yet
    committed, read nothing, and fail (CI, `test_admin_command_for_admin_…`)."""
    from bot.model import CommunityRef
    from storage.repositories.communities import Communities

    plain_write = database.write

    @contextlib.asynccontextmanager
    async def slow_commit() -> AsyncIterator[Any]:
        async with plain_write() as conn:
            yield conn
            await asyncio.sleep(0.2)  # the commit is slow: other tasks run meanwhile

    database.write = slow_commit  # type: ignore[method-assign]
    communities = Communities(database)
    ref = CommunityRef("slack", "T-NEW", "New Team")
    first = asyncio.create_task(communities.ensure(ref))
    await asyncio.sleep(0.1)  # the first is committing its insert now
    found = await asyncio.gather(first, *(communities.ensure(ref) for _ in range(4)))
    assert {c.id for c in found} == {found[0].id}
    assert found[0].name == "New Team"
    assert await _communities(database) == 1
