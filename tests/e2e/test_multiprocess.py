"""Several bot processes on one PostgreSQL: the same deliveries stored exactly once.

Slack retries a delivery to whichever worker the load balancer picks, and two workers may well
handle the same event at the same moment. Here real OS processes (`multiprocess_worker.py`)
start a `Rhizome` each on one shared schema, wait at a start barrier, then ingest the very same
event stream concurrently, each cutting it into differently sized batches. The result must equal
what one process storing the stream alone produces (on SQLite, as the reference).

The interleaving tests further down make the dangerous moment certain instead of likely: one
core's transaction is held open (a row lock taken by the test) while the other core stores the
same delivery, and the test waits, through `pg_blocking_pids`, until the second is queued
behind the first.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.app import Rhizome
from bot.clock import FixedClock
from bot.model import (
    Actor,
    CommunityRef,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionRemoved,
)
from storage import models as m
from storage.db import Database
from tests.conftest import POSTGRES_URL, REPO_ROOT, START, make_config
from tests.e2e.multiprocess_worker import race_events
from tests.factories import Chat

needs_pg = pytest.mark.skipif(not POSTGRES_URL, reason="RHIZOME_TEST_POSTGRES_URL is not set")

WORKER = REPO_ROOT / "tests" / "e2e" / "multiprocess_worker.py"
PROCESSES = 3
DEADLINE = 300.0  # seconds; only a guard against a hung worker, never a speed assertion


# --- helpers ------------------------------------------------------------------------------------
@pytest.fixture
async def schema() -> AsyncIterator[str]:
    assert POSTGRES_URL
    name = f"mp_{uuid.uuid4().hex[:12]}"
    admin = Database.open(POSTGRES_URL)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield name
    finally:
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        await admin.close()


async def migrated(schema: str) -> Database:
    """Migrate once up front, so the workers race on ingest rather than on start-up."""
    assert POSTGRES_URL
    db = Database.open(POSTGRES_URL, schema=schema)
    await db.migrate()
    return db


async def run_workers(
    tmp_path: Path, schema: str, task: str, extra: list[list[str]]
) -> list[dict[str, Any]]:
    """Start one process per `extra` argument list, release them together, collect results."""
    assert POSTGRES_URL
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    procs = []
    outs = []
    for k, more in enumerate(extra):
        out = tmp_path / f"out-{k}.json"
        outs.append(out)
        cmd = [sys.executable, str(WORKER), task, "--url", POSTGRES_URL, "--schema", schema]
        cmd += ["--barrier", str(barrier), "--worker", str(k), "--out", str(out), *more]
        procs.append(
            await asyncio.create_subprocess_exec(
                *cmd,
                cwd=REPO_ROOT,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            )
        )
    deadline = time.monotonic() + DEADLINE
    while len(list(barrier.glob("ready-*"))) < len(procs):
        failed = [p for p in procs if p.returncode not in (None, 0)]
        if failed:
            _, err = await failed[0].communicate()
            raise AssertionError(f"a worker died before the barrier:\n{err.decode()}")
        assert time.monotonic() < deadline, "workers never became ready"
        await asyncio.sleep(0.02)
    (barrier / "go").touch()
    results = []
    for p, out in zip(procs, outs, strict=True):
        _, err = await asyncio.wait_for(p.communicate(), DEADLINE)
        assert p.returncode == 0, err.decode()
        results.append(json.loads(out.read_text()))
    return results


async def snapshot(db: Database) -> dict[str, Any]:
    """Everything stored, by natural keys (row ids differ between databases)."""
    q = {
        "members": "SELECT external_id FROM members",
        "channels": "SELECT external_id, name FROM channels",
        "messages": "SELECT c.external_id, x.external_id, a.external_id, x.thread_external_id, "
        "x.text, x.edited_at IS NOT NULL FROM messages x JOIN channels c ON c.id = x.channel_id "
        "JOIN members a ON a.id = x.author_id",
        "resources": "SELECT canonical_url, kind FROM resources",
        "shares": "SELECT x.external_id, r.canonical_url, a.external_id FROM shares s "
        "JOIN messages x ON x.id = s.message_id JOIN resources r ON r.id = s.resource_id "
        "JOIN members a ON a.id = s.member_id",
        "resource_urls": "SELECT r.canonical_url, u.original_url FROM resource_urls u "
        "JOIN resources r ON r.id = u.resource_id",
        "reactions": "SELECT x.external_id, a.external_id, e.emoji FROM reactions e "
        "JOIN messages x ON x.id = e.message_id JOIN members a ON a.id = e.member_id",
        "processed_events": "SELECT event_key FROM processed_events",
    }
    out: dict[str, Any] = {}
    async with db.read() as conn:
        for name, sql in q.items():
            rows = [tuple(r) for r in await conn.execute(text(sql))]
            out[name] = sorted(rows, key=repr)
        words = await conn.execute(text("SELECT canonical_url, search_text FROM resources"))
        out["search_words"] = sorted((url, frozenset(t.split())) for url, t in words)
    return out


def assert_same(got: dict[str, Any], want: dict[str, Any]) -> None:
    for table in want:
        extra = set(got[table]) - set(want[table])
        missing = set(want[table]) - set(got[table])
        assert not extra and not missing, (
            f"{table}: extra {sorted(extra)[:5]} missing {sorted(missing)[:5]}"
        )
        assert len(got[table]) == len(want[table]), f"{table}: duplicates"


async def reference(tmp_path: Path, events: list[Any]) -> tuple[dict[str, Any], Any]:
    """The stream stored by one process alone, on SQLite."""
    db = Database.open(f"sqlite+aiosqlite:///{tmp_path / 'reference.db'}")
    rz = await Rhizome.start(make_config(), FixedClock(START), db=db)
    stats = await rz.ingest_many(events)
    snap = await snapshot(db)
    await rz.close()
    return snap, stats


# --- real processes -----------------------------------------------------------------------------
@needs_pg
@pytest.mark.parametrize(
    ("mode", "deletes"),
    [
        ("live", False),
        ("import", False),
        ("live", True),
    ],
)
@pytest.mark.slow
async def test_processes_ingesting_the_same_stream_store_it_exactly_once(
    tmp_path: Path, schema: str, mode: str, deletes: bool
) -> None:
    events = race_events(1200, deletes=deletes)
    want, want_stats = await reference(tmp_path, events)
    db = await migrated(schema)
    try:
        flags = ["--mode", mode] + (["--deletes"] if deletes else [])
        results = await run_workers(tmp_path, schema, "ingest", [flags] * PROCESSES)
        assert len({r["pid"] for r in results}) == PROCESSES
        assert all(r["failed"] == 0 for r in results), results
        got = await snapshot(db)
    finally:
        await db.close()
    assert want["messages"] and want["shares"] and want["reactions"]
    assert_same(got, want)
    if mode == "import":
        # Each new message was counted by exactly one process: the one whose insert won.
        stats = [r["stats"] for r in results]
        assert sum(s["messages"] for s in stats) == want_stats.messages


@needs_pg
@pytest.mark.slow
async def test_two_processes_tick_a_due_digest_and_it_is_posted_once(
    tmp_path: Path, schema: str
) -> None:
    pytest.importorskip("bot.digests.scheduler")
    from bot.digests.schedule import parse_schedule
    from bot.digests.service import service_for

    period = START + timedelta(days=7)  # a Monday 09:00 UTC
    db = await migrated(schema)
    try:
        rz = await Rhizome.start(make_config(), FixedClock(period - timedelta(days=1)), db=db)
        community = await rz.services.repos.communities.ensure(
            CommunityRef("slack", "TRACE", "Racers")
        )
        store = service_for(rz.services).store
        digest, _ = await store.upsert(
            community.id,
            "CDIGEST",
            "digest",
            False,
            schedule=parse_schedule("monday 09:00 UTC"),
            size=5,
            now=period - timedelta(days=6),
        )
        chat = Chat(CommunityRef("slack", "TRACE", "Racers"), period - timedelta(days=2))
        await rz.ingest_many(
            [
                chat.post("ana", "a good read https://example.com/a", mid="1"),
                chat.post("ben", "agreed", thread="1", minutes=5),
            ]
        )
        await rz.services.writer.stop()
        posts = tmp_path / "posts.jsonl"
        now = (period + timedelta(seconds=10)).isoformat()
        results = await run_workers(
            tmp_path, schema, "digest", [["--now", now, "--posts", str(posts)]] * PROCESSES
        )
        actions = sorted(o["action"] for r in results for o in r["outcomes"])
        lines = posts.read_text().splitlines() if posts.exists() else []
        runs = await store.runs(digest.id, 10)
    finally:
        await db.close()
    assert actions.count("posted") == 1, actions
    assert len(lines) == 1 and "example.com/a" in json.loads(lines[0])["text"]
    assert [(r.period, r.state.value) for r in runs] == [(period, "posted")]


# --- deterministic interleavings ----------------------------------------------------------------
async def two_cores(schema: str) -> tuple[Rhizome, Rhizome, Database]:
    """Two cores with engines of their own (as two processes have) and a third connection."""
    assert POSTGRES_URL
    cores = []
    for _ in range(2):
        db = Database.open(POSTGRES_URL, schema=schema)
        cores.append(await Rhizome.start(make_config(), FixedClock(START), db=db))
    return cores[0], cores[1], Database.open(POSTGRES_URL, schema=schema)


async def blocked_by(probe: Database, pid: int) -> int:
    """Wait until some backend waits on `pid`'s locks; returns that backend's pid."""
    deadline = time.monotonic() + 60
    while True:
        async with probe.read() as conn:
            found = (
                await conn.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE :p = ANY(pg_blocking_pids(pid)) "
                        "LIMIT 1"
                    ),
                    {"p": pid},
                )
            ).scalar()
        if found is not None:
            return int(found)
        assert time.monotonic() < deadline, "the expected lock wait never happened"
        await asyncio.sleep(0.01)


async def interleave(
    probe: Database, lock_sql: str, params: dict[str, Any], first: Awaitable[Any], second: Any
) -> None:
    """Hold a row lock so `first`'s transaction stalls mid-way (uncommitted); start `second`
    and wait until it queues behind `first`; then let everything finish."""
    async with probe.engine.connect() as holder:
        await holder.begin()
        me = (await holder.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        await holder.execute(text(lock_sql), params)
        a = asyncio.ensure_future(first)
        a_pid = await blocked_by(probe, me)
        b = asyncio.ensure_future(second())
        await blocked_by(probe, a_pid)
        await holder.commit()
    await asyncio.gather(a, b)


async def shares_of(db: Database, message_external_id: str) -> set[str]:
    st, rt, mt = m.shares, m.resources, m.messages
    async with db.read() as conn:
        rows = await conn.execute(
            select(rt.c.canonical_url)
            .join(st, st.c.resource_id == rt.c.id)
            .join(mt, mt.c.id == st.c.message_id)
            .where(mt.c.external_id == message_external_id)
        )
        return {r[0] for r in rows}


@needs_pg
async def test_a_post_stored_by_another_process_is_not_re_derived_after_its_edit(
    schema: str,
) -> None:
    """Process A stores a post and its edit (the edit drops a link); process B, holding the
    same post, queued behind A. B must not restore the link A's edit removed."""
    a, b, probe = await two_cores(schema)
    chat = Chat(CommunityRef("slack", "TRACE", "Racers"), START)
    try:
        warm = chat.post("ana", "a guide https://p.example.org/guide", mid="W")
        await a.ingest(warm)
        await b.ingest(warm)  # B now knows the member and channel, as a running process does
        post = chat.post(
            "ana", "https://one.example.org/a https://p.example.org/guide", mid="M", minutes=1
        )
        edit = MessageEdited(
            place=post.place,
            occurred_at=chat.at(2),
            message_id="M",
            text="https://two.example.org/b https://p.example.org/guide",
            event_id="EvEdit",
        )
        await interleave(
            probe,
            "SELECT id FROM resources WHERE canonical_url LIKE :u FOR NO KEY UPDATE",
            {"u": "%p.example.org/guide%"},
            a.ingest_many([post, edit]),
            lambda: b.ingest(post),
        )
        assert await shares_of(probe, "M") == {
            "https://two.example.org/b",
            "https://p.example.org/guide",
        }
    finally:
        await a.close()
        await b.close()
        await probe.close()


@needs_pg
async def test_a_removed_reaction_is_not_restored_by_a_concurrent_redelivery(
    schema: str,
) -> None:
    """A stores a reaction, its removal and an edit; B gets the reaction's redelivery while A
    is mid-transaction. The delivery id must make B drop it, even though A had not committed
    when B looked."""
    a, b, probe = await two_cores(schema)
    chat = Chat(CommunityRef("slack", "TRACE", "Racers"), START)
    try:
        warm = chat.post("ana", "hello", mid="W")
        await a.ingest(warm)
        await b.ingest(warm)
        add = chat.react("ben", "W", "tada", minutes=1, event_id="EvAdd")
        remove = ReactionRemoved(
            place=add.place,
            occurred_at=chat.at(2),
            message_id="W",
            actor=Actor("U-ben", "Ben"),
            emoji="tada",
            event_id="EvRemove",
        )
        edit = MessageEdited(
            place=add.place, occurred_at=chat.at(3), message_id="W", text="hello!", event_id="EvE"
        )
        async with probe.read() as conn:
            wid = (
                await conn.execute(select(m.messages.c.id).where(m.messages.c.external_id == "W"))
            ).scalar_one()
        await interleave(
            probe,
            "SELECT id FROM messages WHERE id = :id FOR NO KEY UPDATE",
            {"id": wid},
            a.ingest_many([add, remove, edit]),
            lambda: b.ingest(add),
        )
        async with probe.read() as conn:
            left = (await conn.execute(select(m.reactions.c.emoji))).all()
        assert left == []
    finally:
        await a.close()
        await b.close()
        await probe.close()


@needs_pg
async def test_a_redelivered_post_queued_behind_its_delete_stays_deleted(schema: str) -> None:
    """A deletes a message (tombstone written, row deleted, not yet committed); B stores a
    redelivery of its post meanwhile: B found no tombstone when it looked, and its insert
    waits on A's delete. Once A commits, the message must still be gone."""
    a, b, probe = await two_cores(schema)
    chat = Chat(CommunityRef("slack", "TRACE", "Racers"), START)
    try:
        warm = chat.post("ana", "hello", mid="W")
        post = chat.post("ana", "soon gone https://example.org/x", mid="M", event_id="EvPost")
        await a.ingest_many([warm, post])
        await b.ingest_many([warm, post])  # B knows the member and channel already
        delete = MessageDeleted(
            place=post.place, occurred_at=chat.at(1), message_id="M", event_id="EvDel"
        )
        edit = MessageEdited(
            place=warm.place, occurred_at=chat.at(2), message_id="W", text="hi", event_id="EvE"
        )
        async with probe.read() as conn:
            wid = (
                await conn.execute(select(m.messages.c.id).where(m.messages.c.external_id == "W"))
            ).scalar_one()
        await interleave(
            probe,
            "SELECT id FROM messages WHERE id = :id FOR NO KEY UPDATE",
            {"id": wid},
            a.ingest_many([delete, edit]),
            lambda: b.ingest(post),
        )
        async with probe.read() as conn:
            left = (await conn.execute(select(m.messages.c.external_id))).scalars().all()
            shares = (await conn.execute(select(m.shares.c.id))).all()
        assert left == ["W"] and shares == []
    finally:
        await a.close()
        await b.close()
        await probe.close()


@needs_pg
async def test_a_late_redelivered_post_does_not_resurrect_a_deleted_message(schema: str) -> None:
    """One process is enough: post, delete, then the post's redelivery (same event id), as a
    Slack retry that reached another worker late, or a Discord replay, delivers it."""
    assert POSTGRES_URL
    db = Database.open(POSTGRES_URL, schema=schema)
    rz = await Rhizome.start(make_config(), FixedClock(START), db=db)
    chat = Chat(CommunityRef("slack", "TRACE", "Racers"), START)
    try:
        post = chat.post("ana", "soon gone https://example.org/x", mid="M", event_id="EvPost")
        await rz.ingest(post)
        await rz.ingest(chat.delete("M", minutes=1))
        await rz.ingest(post)
        async with db.read() as conn:
            assert (await conn.execute(select(m.messages.c.id))).all() == []
    finally:
        await rz.close()


def test_worker_stream_is_well_formed() -> None:
    """The shared stream is what the tests claim: every kind of event, each with a delivery id."""
    events = race_events(300, deletes=True)
    kinds = {type(e).__name__ for e in events}
    assert {"MessagePosted", "ReactionAdded", "ReactionRemoved", "MessageEdited"} <= kinds
    assert "MessageDeleted" in kinds and "MessageDeleted" not in {
        type(e).__name__ for e in race_events(300)
    }
    assert all(e.event_id for e in events)
    assert len({e.event_id for e in events}) == len(events)
    assert events == race_events(
        300, deletes=True
    )  # reproducible: every process builds the same stream
    assert isinstance(events[0], MessagePosted)
