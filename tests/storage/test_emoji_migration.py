"""Migration 0008 turns every stored reaction into its canonical emoji, merging duplicates."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.app import Rhizome
from bot.clock import FixedClock
from storage.migrate import alembic_config
from tests.storage.digests_support import post, react, sqlite_config, utc

T = utc(2026, 3, 3, 9)


def _redo_0008(conn: Connection) -> None:
    command.downgrade(alembic_config(conn), "0007")
    command.upgrade(alembic_config(conn), "0008")


async def test_old_spellings_become_one_canonical_reaction(tmp_path: Path) -> None:
    rhizome = await Rhizome.start(sqlite_config(tmp_path / "m.db"), FixedClock(T))
    try:
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
    finally:
        await rhizome.close()
