"""Shared fixtures: a real database (SQLite always, PostgreSQL when configured) and a core."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import Rhizome
from bot.clock import FixedClock
from bot.config import Config, parse_config
from storage.db import Database

POSTGRES_URL = os.environ.get("RHIZOME_TEST_POSTGRES_URL")
REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = REPO_ROOT.parent / "shared" / "datasets"
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday

BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database on each backend; PostgreSQL gets a schema of its own."""
    if request.param == "sqlite":
        db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'rhizome.db'}")
        await db.migrate()
        yield db
        await db.close()
        return
    assert POSTGRES_URL
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = Database.open(POSTGRES_URL)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database.open(POSTGRES_URL, schema=schema)
    await db.migrate()
    try:
        yield db
    finally:
        await db.close()
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.close()


def make_config(**sections: dict[str, object]) -> Config:
    return parse_config(sections)


@pytest.fixture
def config() -> Config:
    return make_config()


@pytest.fixture
async def rhizome(database: Database, config: Config, clock: FixedClock) -> AsyncIterator[Rhizome]:
    core = await Rhizome.start(config, clock, db=database)
    yield core
    await core.services.writer.stop()
