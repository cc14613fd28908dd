"""Migration 0019 builds exactly the `threads` table the models declare, counts as threads
only what is known to be one (a root stored inside its own thread: a forum post), never a
chain of in-channel replies, and undoes."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage.db import Database
from storage.migrate import alembic_config
from storage.models import Base


def _message(n: int, external: str, thread: str | None) -> str:
    thread_sql = "NULL" if thread is None else f"'{thread}'"
    return (
        "INSERT INTO messages (id, community_id, channel_id, external_id, author_id, "
        f"thread_external_id, posted_at, text) VALUES ({n}, 1, 1, '{external}', 1, "
        f"{thread_sql}, '2026-01-01', 'm{n}')"
    )


HISTORY = (
    "INSERT INTO communities (id, platform, external_id, name, created_at) "
    "VALUES (1, 'discord', '1', 'x', '2026-01-01')",
    "INSERT INTO members (id, community_id, external_id, display_name, is_bot, "
    "first_seen_at) VALUES (1, 1, '7', 'ana', false, '2026-01-01')",
    "INSERT INTO channels (id, community_id, external_id, name, is_private) "
    "VALUES (1, 1, '5', 'help', false)",
    _message(1, "100", "100"),  # a forum post's starter, inside its thread
    _message(2, "101", "100"),  # its reply
    _message(3, "200", None),  # a channel message...
    _message(4, "201", "200"),  # ...and an in-channel reply to it: no thread
)


def _diff(conn: Connection) -> list[object]:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    return [d for d in compare_metadata(ctx, Base.metadata) if "threads" in repr(d)]


def _keys(conn: Connection) -> set[tuple[str, str | None]]:
    return {
        (fk["referred_table"], fk.get("options", {}).get("ondelete"))
        for fk in inspect(conn).get_foreign_keys("threads")
    }


async def test_upgrade_matches_models_keeps_reply_chains_out_and_downgrade_undoes(
    tmp_path: Path,
) -> None:
    db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    try:
        await db.migrate()
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            assert await conn.run_sync(_keys) == {
                ("channels", "CASCADE"),
                ("communities", "CASCADE"),
            }
        async with db.writer.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0018"))
            for statement in HISTORY:
                await conn.execute(text(statement))
        async with db.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert "threads" not in tables
        await db.migrate()
        async with db.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT * FROM threads"))).all()
        assert [tuple(r) for r in rows] == [(1, "100", 1)]
    finally:
        await db.close()
