"""The bot's own key-value state and counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Text,
    cast,
    delete,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from storage import models as m
from storage.repositories.base import _Repo


class State(_Repo):
    async def get(self, key: str) -> str | None:
        async with self.db.read() as conn:
            return (
                await conn.execute(select(m.bot_state.c.value).where(m.bot_state.c.key == key))
            ).scalar()

    async def set(self, key: str, value: str, now: datetime) -> None:
        bs = m.bot_state
        async with self.db.write() as conn:
            await conn.execute(delete(bs).where(bs.c.key == key))
            await conn.execute(bs.insert().values(key=key, value=value, updated_at=now))

    async def next_number(self, key: str, now: datetime) -> int:
        """Add one to a counter and return it, in one statement: two sessions (or processes)
        counting on the same key never get the same number."""
        bs = m.bot_state
        dialect = postgresql if self.db.dialect == "postgresql" else sqlite
        stmt = dialect.insert(bs).values(key=key, value="1", updated_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=[bs.c.key],
            set_={
                "value": cast(cast(bs.c.value, BigInteger) + 1, Text),
                "updated_at": stmt.excluded.updated_at,
            },
        ).returning(bs.c.value)
        async with self.db.write() as conn:
            return int((await conn.execute(stmt)).scalar_one())
