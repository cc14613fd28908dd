"""Migration 0008 turns every stored reaction into its canonical emoji, merging duplicates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.app import Rhizome
from bot.clock import FixedClock
from storage.db import Database
from storage.migrate import alembic_config
from tests.db.digests_support import (
    POSTGRES_URL,
    post,
    postgres_schema,
    react,
    sqlite_config,
    utc,
)

T = utc(2026, 3, 3, 9)


def _redo_0008(conn: Connection) -> None:
    command.downgrade(alembic_config(conn), "0007")
    command.upgrade(alembic_config(conn), "0008")


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not POSTGRES_URL, reason="RHIZOME_TEST_POSTGRES_URL is not set"),
            ],
        ),
    ]
)
async def rhizome(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rhizome]:
    async with AsyncExitStack() as stack:
        db = None
        if request.param == "postgres":
            assert POSTGRES_URL
            schema = await stack.enter_async_context(postgres_schema())
            db = Database.open(POSTGRES_URL, schema=schema)
        core = await Rhizome.start(sqlite_config(tmp_path / "m.db"), FixedClock(T), db=db)
        try:
            yield core
        finally:
            await core.close()


async def test_old_spellings_become_one_canonical_reaction(rhizome: Rhizome) -> None:
    await rhizome.ingest_many(
        [
            post("general", "1", "ana", "read https://example.com/a", T),
            react("general", "1", "bob", "zz_one", T + timedelta(minutes=1)),
            react("general", "1", "bob", "zz_two", T + timedelta(minutes=2)),
            react("general", "1", "cy", "zz_three", T + timedelta(minutes=3)),
        ]
    )
    await rhizome.flush()
    db = rhizome.services.db
    # what an older Rhizome stored: Slack names and Discord characters side by side
    async with db.writer.begin() as conn:
        for old, new in (("zz_one", "+1"), ("zz_two", "thumbsup"), ("zz_three", "no_bell")):
            await conn.execute(
                text("UPDATE reactions SET emoji = :new WHERE emoji = :old"),
                {"old": old, "new": new},
            )
    async with db.writer.begin() as conn:
        await conn.run_sync(_redo_0008)
    async with db.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT emoji FROM reactions ORDER BY emoji"))).all()
    assert sorted(r[0] for r in rows) == sorted(["👍", "🔕"])  # bob's two thumbs merged
