"""Fixtures shared by the storage tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import Database


@pytest.fixture
async def scratch_db(tmp_path: Path) -> AsyncIterator[Database]:
    """A SQLite file holding one table, t (x), for tests of how writes are carried out."""
    db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    async with db.write() as conn:
        await conn.execute(text("CREATE TABLE t (x)"))
    yield db
    await db.close()
