"""Weekly-digest benchmark: time to build one digest in a big community on SQLite.

Generates a community of 1M messages and 100k resources spread over a year (rows inserted in
bulk through the storage tables, not through the core: this measures the digest, not ingest),
then builds the latest week's digest several times and prints the times. Target: < 1 s.

    python bench/digest.py                                       # 1M messages, 100k resources
    python bench/digest.py --messages 100000 --resources 10000   # quicker
    python bench/digest.py --db /tmp/big.db --keep               # reuse the generated file
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, event, func, select

from bot.app import Rhizome
from bot.clock import FixedClock
from bot.config import parse_config
from bot.digests.model import Featured, RunKind, RunState
from bot.digests.schedule import parse_schedule, period_start
from bot.digests.service import Window, service_for
from storage import models as m
from storage.db import Database

NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)  # a Monday, just after the digest time
SPAN = timedelta(days=364)
CHANNELS = 40
PRIVATE_CHANNELS = 4
MEMBERS = 8000
BATCH = 50_000
WORDS = [
    "rust",
    "async",
    "tokio",
    "python",
    "typing",
    "sqlalchemy",
    "postgres",
    "sqlite",
    "index",
    "query",
    "cache",
    "latency",
    "paper",
    "talk",
    "tutorial",
    "design",
    "review",
    "pattern",
    "testing",
    "fuzzing",
    "graph",
    "learning",
    "notes",
]
QUESTIONS = (
    "does anyone know a good {w} guide?",
    "how do I get started with {w}",
    "any recommendations for {w} tooling?",
)


def _chunks(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def generate(path: Path, n_messages: int, n_resources: int, seed: int = 11) -> None:
    """Bulk-insert a year of activity: ~30% replies, ~19% of top-level messages share a link
    (≈1.3 shares per resource), ~0.3 reactions per message, 2% of members opted out."""
    rng = random.Random(seed)
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _fast(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("PRAGMA foreign_keys=OFF")
        cur.close()

    start = NOW - SPAN
    with engine.begin() as conn:
        conn.execute(
            m.communities.insert(),
            [
                {
                    "id": 1,
                    "platform": "slack",
                    "external_id": "TBENCH",
                    "name": "Bench",
                    "created_at": start,
                }
            ],
        )
        conn.execute(
            m.channels.insert(),
            [
                {
                    "id": c,
                    "community_id": 1,
                    "external_id": f"C{c:03d}",
                    "name": f"channel-{c}",
                    "is_private": c <= PRIVATE_CHANNELS,
                    "tracked": None,
                }
                for c in range(1, CHANNELS + 1)
            ],
        )
        conn.execute(
            m.members.insert(),
            [
                {
                    "id": u,
                    "community_id": 1,
                    "external_id": f"U{u:05d}",
                    "display_name": f"member{u}",
                    "is_bot": False,
                    "first_seen_at": start,
                }
                for u in range(1, MEMBERS + 1)
            ],
        )
        conn.execute(
            m.member_settings.insert(),
            [
                {
                    "community_id": 1,
                    "member_external_id": f"U{u:05d}",
                    "tracking": False,
                    "updated_at": start,
                }
                for u in range(1, MEMBERS + 1, 50)
            ],
        )

    shares_target = int(n_resources * 1.3)
    top_level_share_p = min(1.0, shares_target / max(1, n_messages * 0.7))
    new_resource_p = n_resources / max(1, shares_target)
    step = SPAN / n_messages
    roots: dict[int, deque[tuple[int, str]]] = {c: deque(maxlen=60) for c in range(1, CHANNELS + 1)}
    shared_msgs: deque[tuple[int, datetime]] = deque(maxlen=3000)
    state = {"resource": 0, "share": 0, "reaction": 0}
    messages: list[dict[str, Any]] = []
    shares: list[dict[str, Any]] = []
    resources: list[dict[str, Any]] = []
    reactions: list[dict[str, Any]] = []
    seen_reactions: set[tuple[int, int]] = set()

    def flush(conn: Any) -> None:
        for table, rows in (
            (m.messages, messages),
            (m.resources, resources),
            (m.shares, shares),
            (m.reactions, reactions),
        ):
            if rows:
                conn.execute(table.insert(), rows)
                rows.clear()

    t0 = time.perf_counter()
    with engine.begin() as conn:
        for i in range(1, n_messages + 1):
            at = start + step * i
            channel = rng.randrange(1, CHANNELS + 1)
            author = rng.randrange(1, MEMBERS + 1)
            thread = None
            if rng.random() < 0.3 and roots[channel]:
                thread = rng.choice(roots[channel])[1]
            text = " ".join(rng.choices(WORDS, k=8))
            resource_id = None
            if thread is None:
                roots[channel].append((i, str(i)))
                roll = rng.random()
                if roll < 0.01:
                    text = rng.choice(QUESTIONS).format(w=rng.choice(WORDS))
                elif roll < 0.01 + top_level_share_p:
                    if state["resource"] < n_resources and (
                        rng.random() < new_resource_p or state["resource"] == 0
                    ):
                        state["resource"] += 1
                        resource_id = state["resource"]
                        url = f"https://site{rng.randrange(5000)}.example.org/p/{resource_id}"
                        resources.append(
                            {
                                "id": resource_id,
                                "community_id": 1,
                                "canonical_url": url,
                                "kind": "link",
                                "title": f"{rng.choice(WORDS).title()} {resource_id}",
                                "domain": url.split("/")[2],
                                "created_at": at,
                                "search_text": "",
                            }
                        )
                    else:
                        # A reshare, mostly of something recent.
                        top = max(1, state["resource"])
                        resource_id = max(1, top - int(rng.expovariate(1 / 2000)))
                    text = f"{text} https://example.org/{resource_id}"
            messages.append(
                {
                    "id": i,
                    "community_id": 1,
                    "channel_id": channel,
                    "external_id": str(i),
                    "author_id": author,
                    "thread_external_id": thread,
                    "posted_at": at,
                    "text": text,
                }
            )
            if resource_id is not None:
                state["share"] += 1
                shares.append(
                    {
                        "id": state["share"],
                        "community_id": 1,
                        "resource_id": resource_id,
                        "message_id": i,
                        "member_id": author,
                        "channel_id": channel,
                        "shared_at": at,
                    }
                )
                shared_msgs.append((i, at))
            # ~0.3 reactions per message, mostly on recent shares.
            if rng.random() < 0.3 and shared_msgs:
                target, target_at = rng.choice(shared_msgs)
                who = rng.randrange(1, MEMBERS + 1)
                if (target, who) not in seen_reactions:
                    seen_reactions.add((target, who))
                    state["reaction"] += 1
                    reactions.append(
                        {
                            "id": state["reaction"],
                            "community_id": 1,
                            "message_id": target,
                            "member_id": who,
                            "emoji": "no_bell" if rng.random() < 0.002 else "tada",
                            "reacted_at": max(at, target_at),
                        }
                    )
            if len(messages) >= BATCH:
                flush(conn)
        flush(conn)
    with engine.connect() as conn:
        counts = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar()
            for t in (m.messages, m.resources, m.shares, m.reactions)
        }
    engine.dispose()
    print(
        f"generated in {time.perf_counter() - t0:.1f} s: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
    )


async def measure(path: Path, runs: int) -> list[float]:
    config = parse_config({"storage": {"url": f"sqlite+aiosqlite:///{path}"}})
    rhizome = await Rhizome.start(config, FixedClock(NOW))
    try:
        services = rhizome.services
        svc = service_for(services)
        community = await services.repos.communities.resolve("TBENCH")
        assert community is not None
        schedule = parse_schedule("monday 09:00 UTC")
        existing = await svc.store.of_community(community.id)
        digest = existing[0] if existing else None
        if digest is None:
            digest, _ = await svc.store.upsert(
                community.id,
                "C040",
                "channel-40",
                False,
                schedule=schedule,
                size=5,
                now=NOW - timedelta(days=60),
            )
        period = period_start(schedule, NOW)
        window = Window.for_period(schedule, period)
        # Feature five resources last week, so the repeat rule's queries run too.
        if not await svc.store.runs(digest.id):
            previous = Window.for_period(schedule, window.start)
            built = await svc.build(community, digest, previous)
            run = await svc.store.claim(digest.id, window.start, RunKind.SCHEDULED, NOW, "bench")
            assert run is not None
            await svc.store.finish(
                run,
                "bench",
                RunState.POSTED,
                NOW,
                message_id="x",
                featured=[
                    Featured(r.candidate.resource_id, r.rank, r.engagement)
                    for r in built.plan.featured
                ],
                featured_at=window.start,
            )
        times = []
        built = None
        for _ in range(runs):
            t0 = time.perf_counter()
            built = await svc.build(community, digest, window)
            times.append(time.perf_counter() - t0)
        assert built is not None
        plan = built.plan
        print(
            f"window {window.start:%Y-%m-%d %H:%M} – {window.end:%Y-%m-%d %H:%M} UTC: "
            f"{len(built.input.candidates):,} candidates, {plan.eligible_count:,} eligible, "
            f"{len(built.input.questions)} open questions, "
            f"{len(plan.featured)} featured ({sum(r.resurfaced for r in plan.featured)} resurfaced)"
        )
        return times
    finally:
        await rhizome.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--resources", type=int, default=None, help="default: messages / 10")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, default=None, help="database file (kept)")
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    args = parser.parse_args()
    resources = args.resources if args.resources is not None else args.messages // 10

    tmp = None
    if args.db is None:
        tmp = Path(tempfile.mkdtemp(prefix="rhizome-bench-"))
        path = tmp / "digest.db"
    else:
        path = args.db
    try:
        if not path.exists():
            asyncio.run(_migrate(path))
            generate(path, args.messages, resources)
        times = asyncio.run(measure(path, args.runs))
        print(
            f"build one weekly digest: first {times[0] * 1000:.0f} ms, "
            f"median {statistics.median(times) * 1000:.0f} ms, best {min(times) * 1000:.0f} ms "
            f"over {len(times)} runs (target < 1000 ms)"
        )
    finally:
        if tmp is not None and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp is not None:
            print(f"kept {path}")


async def _migrate(path: Path) -> None:
    db = Database.open(f"sqlite+aiosqlite:///{path}")
    await db.migrate()
    await db.close()


if __name__ == "__main__":
    main()
