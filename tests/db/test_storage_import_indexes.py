"""Secondary indexes a large SQLite import builds at its end (`storage.bulk_indexes`): the same
rows as an import that keeps them, every index back afterwards (also after a crash mid-import,
at the next start), re-imports adding nothing, and PostgreSQL left alone."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.app import Rhizome
from bot.clock import FixedClock, as_utc
from bot.config import parse_config
from bot.importers.run import (
    DEFER_INDEXES_MIN_MESSAGES,
    EXPORT_BYTES_PER_MESSAGE,
    ImportSummary,
    import_export,
    worth_deferring,
)
from storage.activity import top_ids
from storage.bulk_indexes import DEFERRABLE, MARKER
from storage.db import Database
from tests.conftest import REPO_ROOT, START

SLICE = REPO_ROOT / "tests" / "fixtures" / "import" / "slack-houstondatavis-slice"
LABEL = "Houston DataVis"
BATCH = 10  # events per transaction: the 82-message slice takes several

# What an import stores, by natural keys (row ids and the times of the import itself aside).
FACTS = {
    "messages": "SELECT c.external_id, m.external_id, a.external_id, m.thread_external_id, "
    "m.posted_at, m.edited_at, m.text FROM messages m JOIN channels c ON c.id = m.channel_id "
    "JOIN members a ON a.id = m.author_id",
    "members": "SELECT external_id, display_name, is_bot FROM members",
    "channels": "SELECT external_id, name, is_private FROM channels",
    "resources": "SELECT canonical_url, kind, title, title_rank, shared_url, domain, "
    "search_text FROM resources",
    "resource_urls": "SELECT r.canonical_url, u.original_url FROM resource_urls u "
    "JOIN resources r ON r.id = u.resource_id",
    "shares": "SELECT r.canonical_url, m.external_id, a.external_id, s.shared_at FROM shares s "
    "JOIN resources r ON r.id = s.resource_id JOIN messages m ON m.id = s.message_id "
    "JOIN members a ON a.id = s.member_id",
    "reactions": "SELECT m.external_id, a.external_id, x.emoji, x.reacted_at FROM reactions x "
    "JOIN messages m ON m.id = x.message_id JOIN members a ON a.id = x.member_id",
    "resource_activity": "SELECT r.canonical_url, a.external_id, e.kind, e.at "
    "FROM resource_activity e JOIN resources r ON r.id = e.resource_id "
    "JOIN members a ON a.id = e.member_id",
    "resource_totals": "SELECT r.canonical_url, t.events, t.last_at FROM resource_totals t "
    "JOIN resources r ON r.id = t.resource_id",
    "processed_events": "SELECT event_key FROM processed_events",
    "resource_fts": "SELECT rowid, search_text FROM resource_fts",
}


def facts(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as conn:
        return {name: sorted(conn.execute(sql).fetchall(), key=repr) for name, sql in FACTS.items()}


def indexes(path: Path) -> dict[str, str]:
    """Every index of the file with its SQL (SQLite's own ones have none)."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'").fetchall()
    return {name: sql for name, sql in rows if sql}


def marker(path: Path) -> str | None:
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT value FROM bot_state WHERE key = ?", (MARKER,)).fetchone()
    return row[0] if row else None


async def start(path: Path) -> Rhizome:
    config = parse_config({"storage": {"url": f"sqlite+aiosqlite:///{path}"}})
    return await Rhizome.start(config, FixedClock(START))


async def import_slice(
    core: Rhizome, *, defer: bool, progress: Callable[[Any], None] | None = None
) -> ImportSummary:
    """The slice imported as every test here does: small batches, nothing derived."""
    return await import_export(
        core,
        "slack",
        SLICE,
        community_label=LABEL,
        batch_events=BATCH,
        derive=False,
        defer_indexes=defer,
        progress=progress,
    )


async def imported(path: Path, *, defer: bool) -> tuple[int, int]:
    """Import the slice into the file at `path`; (messages stored, duplicates)."""
    core = await start(path)
    try:
        summary = await import_slice(core, defer=defer)
        assert summary.ok, summary.report.errors
        return summary.stored.messages, summary.stored.duplicates
    finally:
        await core.close()


async def test_deferred_indexes_store_the_same_rows_and_come_back(tmp_path: Path) -> None:
    kept, deferred = tmp_path / "kept.db", tmp_path / "deferred.db"
    assert await imported(kept, defer=False) == (82, 0)
    schema = indexes(kept)
    assert set(DEFERRABLE) <= set(schema)  # the list names real indexes

    seen_during: list[set[str]] = []
    core = await start(deferred)
    try:
        summary = await import_slice(
            core, defer=True, progress=lambda report: seen_during.append(set(indexes(deferred)))
        )
    finally:
        await core.close()
    assert summary.ok and summary.stored.messages == 82
    # While it ran, the deferred indexes were gone and every other one (UNIQUE ones) was there.
    assert seen_during[1] == set(schema) - set(DEFERRABLE)
    assert indexes(deferred) == schema
    assert marker(deferred) is None
    assert facts(deferred) == facts(kept)

    # Exactly once: importing it again, deferred or not, adds nothing.
    assert await imported(deferred, defer=True) == (0, 82)
    assert await imported(deferred, defer=False) == (0, 82)
    assert facts(deferred) == facts(kept)
    assert indexes(deferred) == schema


async def test_a_failing_import_rebuilds_its_indexes(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    core = await start(path)
    schema = indexes(path)
    calls = 0

    def progress(_: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("interrupted")

    try:
        with pytest.raises(RuntimeError, match="interrupted"):
            await import_slice(core, defer=True, progress=progress)
    finally:
        await core.close()
    assert indexes(path) == schema and marker(path) is None


CRASHING_IMPORT = """
import asyncio, os, sys
sys.path.insert(0, sys.argv[1])
from bot.app import Rhizome
from bot.config import parse_config
from bot.importers.run import import_export

async def main() -> None:
    core = await Rhizome.start(parse_config({"storage": {"url": sys.argv[2]}}))
    calls = 0

    def progress(_report: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:  # the first call gives the totals; then one after each commit
            os._exit(3)  # as a kill would: no clean-up of any kind

    await import_export(core, "slack", sys.argv[3], community_label=sys.argv[4],
                        batch_events=int(sys.argv[5]), derive=False, defer_indexes=True,
                        progress=progress)

asyncio.run(main())
"""


async def test_a_crash_mid_import_leaves_indexes_the_next_start_rebuilds(tmp_path: Path) -> None:
    reference, path = tmp_path / "reference.db", tmp_path / "crashed.db"
    assert await imported(reference, defer=False) == (82, 0)
    schema = indexes(reference)
    url = f"sqlite+aiosqlite:///{path}"
    crashed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", CRASHING_IMPORT, str(REPO_ROOT), url, str(SLICE), LABEL, str(BATCH)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    assert crashed.returncode == 3, crashed.stderr
    # Killed mid-import: part of the export stored, the deferred indexes missing and recorded.
    with sqlite3.connect(path) as conn:
        stored = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
    assert 0 < stored < 82
    assert set(indexes(path)) == set(schema) - set(DEFERRABLE)
    assert marker(path) is not None

    # The next start (any command, the bot, another import) rebuilds them first.
    core = await start(path)
    await core.close()
    assert indexes(path) == schema and marker(path) is None

    # Importing the export again completes it, exactly once.
    assert await imported(path, defer=True) == (82 - stored, stored)
    assert await imported(path, defer=False) == (0, 82)
    assert indexes(path) == schema
    assert facts(path) == facts(reference)


async def test_restoring_twice_changes_nothing(tmp_path: Path) -> None:
    db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'i.db'}")
    try:
        await db.migrate()
        schema = indexes(tmp_path / "i.db")
        assert sorted(await db.defer_indexes()) == sorted(DEFERRABLE)
        assert await db.defer_indexes() == []  # already deferred: still recorded once
        assert sorted(await db.restore_indexes()) == sorted(DEFERRABLE)
        assert await db.restore_indexes() == []
        assert indexes(tmp_path / "i.db") == schema
    finally:
        await db.close()


async def test_top_answers_while_indexes_are_deferred(tmp_path: Path) -> None:
    """`top` names one of the activity indexes (INDEXED BY): a bot running beside an import
    must still answer it."""
    path = tmp_path / "t.db"
    await imported(path, defer=False)
    core = await start(path)
    db = core.services.db
    try:
        community = await core.services.repos.communities.find("slack", "T061A2UFL")
        assert community is not None

        async def top(days: int) -> list[int]:
            async with db.read() as conn:
                newest = await conn.scalar(text("SELECT max(at) FROM resource_activity"))
                since = as_utc(datetime.fromisoformat(newest)) - timedelta(days=days)
                return await conn.run_sync(lambda c: top_ids(c, community.id, since, 10))

        before = [await top(days) for days in (7, 365)]
        assert before[1]
        assert await db.defer_indexes()
        assert [await top(days) for days in (7, 365)] == before
        await db.restore_indexes()
    finally:
        await core.close()


async def test_only_sqlite_defers_and_postgres_keeps_its_indexes(database: Database) -> None:
    deferred = await database.defer_indexes()
    assert await database.restore_indexes() == deferred
    if database.is_sqlite:
        assert set(deferred) == set(DEFERRABLE)
    else:
        assert deferred == []


def test_only_big_exports_against_what_is_stored_defer() -> None:
    big = DEFER_INDEXES_MIN_MESSAGES * EXPORT_BYTES_PER_MESSAGE
    assert worth_deferring(big, 0)
    assert worth_deferring(big, DEFER_INDEXES_MIN_MESSAGES)
    assert not worth_deferring(big - 1, 0)  # small exports keep their indexes
    assert not worth_deferring(big, DEFER_INDEXES_MIN_MESSAGES + 1)  # re-imports, top-ups
    assert worth_deferring(10 * big, 10 * DEFER_INDEXES_MIN_MESSAGES)
