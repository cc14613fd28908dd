"""SQLite → PostgreSQL transfer: every row, ids kept, sequences moved on, search working after."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot.app import Rhizome
from bot.clock import FixedClock
from bot.model import CommunityRef
from storage import models as m
from storage.db import Database
from storage.transfer import (
    TransferError,
    load_model_modules,
    migrate_sqlite_to_postgres,
    run_transfer_cli,
)
from tests.conftest import POSTGRES_URL, START, make_config
from tests.factories import Chat

needs_pg = pytest.mark.skipif(not POSTGRES_URL, reason="RHIZOME_TEST_POSTGRES_URL is not set")
COMMUNITY = CommunityRef("slack", "T1", "Practice")
OTHER = CommunityRef("discord", "G9", "Elsewhere")


async def build_sqlite_community(path: Path) -> str:
    """A small but complete community, written through the core as the bot would."""
    url = f"sqlite+aiosqlite:///{path}"
    rz = await Rhizome.start(make_config(storage={"url": url}), FixedClock(START))
    chat = Chat(COMMUNITY, START)
    other = Chat(OTHER, START, channel="lobby")
    await rz.ingest_many(
        [
            chat.post(
                "ana", "Great read on tokio internals https://tokio.rs/blog/scheduler", mid="1"
            ),
            chat.post(
                "ben",
                "same https://tokio.rs/blog/scheduler/ and https://example.org/a",
                mid="2",
                minutes=1,
            ),
            chat.post("cy", "thanks, the async chapter is good", thread="1", minutes=2),
            chat.post(
                "ana",
                "postgres tuning guide https://wiki.postgresql.org/wiki/Tuning",
                mid="4",
                channel="db",
                minutes=3,
            ),
            chat.react("ben", "1", "tada", minutes=4, event_id="Ev-r1"),
            chat.react("cy", "1", "heart", minutes=5, event_id="Ev-r2"),
            chat.react("ana", "4", "eyes", channel="db", minutes=6, event_id="Ev-r3"),
            chat.edit("2", "edited: https://example.org/b", minutes=7),
            other.post("dee", "elsewhere https://tokio.rs/blog/scheduler", mid="1"),
        ]
    )
    await rz.run_command(chat.command("ben", "privacy tracking off"))
    await rz.services.repos.state.set("discord.tree_hash", "abc123", START)
    await rz.close()
    return url


async def table_counts(db: Database, tables: list[str]) -> dict[str, int]:
    async with db.read() as conn:
        return {
            t: int((await conn.execute(text(f'SELECT count(*) FROM "{t}"'))).scalar_one())
            for t in tables
        }


@pytest.fixture
async def pg_schema() -> AsyncIterator[str]:
    assert POSTGRES_URL
    schema = f"x_{uuid.uuid4().hex[:12]}"
    admin = Database.open(POSTGRES_URL)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.close()


@needs_pg
async def test_every_table_is_copied_with_ids_and_search_works(
    tmp_path: Path, pg_schema: str
) -> None:
    assert POSTGRES_URL
    sqlite_url = await build_sqlite_community(tmp_path / "bot.db")
    seen: list[tuple[str, int, int]] = []
    counts = await migrate_sqlite_to_postgres(
        sqlite_url, POSTGRES_URL, schema=pg_schema, progress=lambda *a: seen.append(a)
    )

    source = Database.open(sqlite_url)
    target = Database.open(POSTGRES_URL, schema=pg_schema)
    try:
        # Every table of the models (including later features') was copied, in full.
        # The tables triggers keep are not copied: the target's triggers fill them as the
        # facts arrive, to the same rows.
        kept = ["resource_activity", "resource_totals"]
        known = set(load_model_modules().tables) - set(kept)
        assert known <= set(counts), known - set(counts)
        assert await table_counts(source, kept) == await table_counts(target, kept)
        assert (await table_counts(target, kept))["resource_activity"] > 0
        assert await table_counts(source, list(counts)) == counts
        assert await table_counts(target, list(counts)) == counts
        assert counts["messages"] == 5 and counts["reactions"] == 3 and counts["shares"] >= 4
        assert (
            counts["member_settings"] == 1 and counts["bot_state"] == 2
        )  # one set by the test, and the secure-delete flag
        assert {t for t, done, total in seen if done == total} == set(counts)

        # Ids are preserved: the same (id, natural key) pairs on both sides.
        for table, key in ((m.messages, "external_id"), (m.resources, "canonical_url")):
            stmt = select(table.c.id, table.c[key]).order_by(table.c.id)
            async with source.read() as s, target.read() as t:
                assert (await s.execute(stmt)).all() == (await t.execute(stmt)).all()
        async with target.read() as conn:
            assert (await conn.execute(select(m.member_settings.c.tracking))).scalar_one() is False

        # Search works on PostgreSQL, and the bot carries on: new rows get fresh ids.
        rz = await Rhizome.start(make_config(), FixedClock(START), db=target)
        community = await rz.services.repos.communities.find("slack", "T1")
        assert community is not None
        found = await rz.services.repos.resources.search(community.id, "tokio scheduler")
        assert [r.url for r in found] == ["https://tokio.rs/blog/scheduler"]
        assert (
            found[0].first_shared_by is not None and found[0].first_shared_by.external_id == "U-ana"
        )
        assert [
            r.url for r in await rz.services.repos.resources.search(community.id, "tuning")
        ] == ["https://wiki.postgresql.org/wiki/Tuning"]
        chat = Chat(COMMUNITY, START)
        stats = await rz.ingest(
            chat.post("cy", "new https://new.example.org/x", mid="9", minutes=9)
        )
        assert stats.messages == 1 and stats.shares == 1
        async with target.read() as conn:
            top = (await conn.execute(select(func.max(m.messages.c.id)))).scalar_one()
        assert top == max(counts["messages"], 5) + 1
        await rz.services.writer.stop()
    finally:
        await source.close()
        await target.close()


@needs_pg
async def test_a_second_transfer_into_a_non_empty_target_is_refused(
    tmp_path: Path, pg_schema: str
) -> None:
    assert POSTGRES_URL
    sqlite_url = await build_sqlite_community(tmp_path / "bot.db")
    first = await migrate_sqlite_to_postgres(sqlite_url, POSTGRES_URL, schema=pg_schema)
    target = Database.open(POSTGRES_URL, schema=pg_schema)
    try:
        before = await table_counts(target, list(first))
        with pytest.raises(TransferError, match="not empty"):
            await migrate_sqlite_to_postgres(sqlite_url, POSTGRES_URL, schema=pg_schema)
        assert await table_counts(target, list(first)) == before
    finally:
        await target.close()


@needs_pg
def test_cli_function_copies_then_refuses_politely(tmp_path: Path, pg_schema: str) -> None:
    """The synchronous entry point `rhizome db migrate-sqlite-to-postgres` calls."""
    assert POSTGRES_URL
    path = tmp_path / "bot.db"
    asyncio.run(build_sqlite_community(path))
    lines: list[str] = []
    # A bare path and a plain postgresql:// URL are accepted too.
    plain = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
    assert run_transfer_cli(str(path), plain, echo=lines.append, schema=pg_schema) == 0
    assert any(line.startswith("Copied ") for line in lines)
    assert any(line.split()[:2] == ["messages", "5"] for line in lines)

    again: list[str] = []
    assert run_transfer_cli(str(path), plain, echo=again.append, schema=pg_schema) == 2
    assert again == [again[0]] and again[0].startswith(
        "Nothing was copied: the target database is not empty"
    )


async def test_a_missing_sqlite_file_is_refused_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    with pytest.raises(TransferError, match="no SQLite database"):
        await migrate_sqlite_to_postgres(
            str(missing), "postgresql+asyncpg://postgres@127.0.0.1:1/none"
        )
    assert not missing.exists()


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        ("postgresql://x@h/db", "postgresql://x@h/db", "source must be a SQLite"),
        ("sqlite:///a.db", "sqlite:///b.db", "target must be a PostgreSQL"),
        ("sqlite:///a.db", "not a url", "not a database URL"),
    ],
)
async def test_wrong_kinds_of_database_are_refused(source: str, target: str, message: str) -> None:
    with pytest.raises(TransferError, match=message):
        await migrate_sqlite_to_postgres(source, target)


def test_model_modules_register_their_tables() -> None:
    tables = load_model_modules().tables
    assert {"communities", "messages", "resources", "shares", "reactions"} <= set(tables)
    assert "search_vector" not in tables["resources"].c  # generated on PostgreSQL, never copied
    assert not any(t.startswith("resource_fts") for t in tables)
