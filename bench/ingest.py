"""Live-ingest benchmark: N neutral events through the core's single writer into SQLite.

Prints events/s and p99 event-to-stored latency, and — in the same run, on the same schema —
the rate of a raw `sqlite3` executemany of the rows the core ended up storing, as a ratio.

    python bench/ingest.py                 # 200k events
    python bench/ingest.py --events 20000  # quicker
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import Rhizome
from bot.config import parse_config
from bot.model import Actor, CommunityRef, InboundEvent, MessagePosted, Place, ReactionAdded
from bot.runtime import tune_process
from storage.db import Database

RAW_RUNS = 3

WORDS = (
    "rust async tokio python typing sqlalchemy postgres sqlite index query cache "
    "latency paper talk tutorial design review pattern testing fuzzing graph"
).split()


def generate(n: int, seed: int = 7) -> list[InboundEvent]:
    """~30% of messages carry links, ~25% of events are thread replies, ~15% reactions."""
    rng = random.Random(seed)
    community = CommunityRef("slack", "TBENCH", "Bench")
    members = [Actor(f"U{i:05d}", f"member{i}") for i in range(2000)]
    channels = [f"C{i:03d}" for i in range(50)]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    events: list[InboundEvent] = []
    roots: list[tuple[str, str]] = []
    urls = [f"https://site{rng.randrange(3000)}.example.org/post/{i}" for i in range(40_000)]
    for i in range(n):
        at = start + timedelta(seconds=i)
        roll = rng.random()
        if roll < 0.15 and roots:
            channel, mid = roots[rng.randrange(max(0, len(roots) - 500), len(roots))]
            events.append(
                ReactionAdded(
                    place=Place(community, channel, channel),
                    occurred_at=at,
                    message_id=mid,
                    actor=rng.choice(members),
                    emoji=rng.choice(("tada", "heart", "+1", "eyes")),
                    event_id=f"Ev{i}",
                )
            )
            continue
        text = " ".join(rng.choices(WORDS, k=rng.randrange(4, 25)))
        if rng.random() < 0.3:
            text += " " + rng.choice(urls)
        mid = f"{1_700_000_000 + i}.{i % 1000000:06d}"
        if roll < 0.40 and roots:
            channel, root = roots[rng.randrange(max(0, len(roots) - 500), len(roots))]
            place = Place(community, channel, channel, thread_id=root)
        else:
            channel = rng.choice(channels)
            place = Place(community, channel, channel)
            roots.append((channel, mid))
        events.append(
            MessagePosted(
                place=place,
                occurred_at=at,
                message_id=mid,
                author=rng.choice(members),
                text=text,
                event_id=f"Ev{i}",
            )
        )
    return events


async def run_core(
    path: Path, events: list[InboundEvent], paced: list[InboundEvent], rate: float
) -> tuple[float, list[float]]:
    """Throughput with everything queued at once; then latency at a steady `rate` of events/s
    (a flood measures only the backlog, not how long one event waits to be stored)."""
    config = parse_config({"storage": {"url": f"sqlite+aiosqlite:///{path}"}})
    rhizome = await Rhizome.start(config)
    tune_process()  # as the CLI does
    writer = rhizome.services.writer
    t0 = time.perf_counter()
    futures = [await writer.submit(e) for e in events]
    await asyncio.gather(*futures)
    elapsed = time.perf_counter() - t0
    writer.latencies = []
    tick = 0.005
    per_tick = max(1, int(rate * tick))
    futures = []
    start = time.perf_counter()
    for i in range(0, len(paced), per_tick):
        futures += [await writer.submit(e) for e in paced[i : i + per_tick]]
        delay = start + (i // per_tick + 1) * tick - time.perf_counter()
        await asyncio.sleep(max(0.0, delay))
    await asyncio.gather(*futures)
    latencies = writer.latencies
    await rhizome.close()
    return elapsed, latencies


def raw_baseline(stored: Path, target: Path) -> tuple[float, int]:
    """Copy every stored row into a fresh, identically migrated database with executemany."""
    src = sqlite3.connect(stored)
    dst = sqlite3.connect(target)
    dst.execute("PRAGMA journal_mode=WAL")  # as the core's connections
    dst.execute("PRAGMA synchronous=NORMAL")
    dst.execute("PRAGMA cache_size=-65536")
    tables = [
        "communities",
        "members",
        "channels",
        "messages",
        "resources",
        "resource_urls",
        "shares",
        "reactions",
        "processed_events",
    ]
    data = {t: src.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
    rows = sum(len(v) for v in data.values())
    t0 = time.perf_counter()
    with dst:
        for t in tables:
            if data[t]:
                marks = ",".join("?" * len(data[t][0]))
                dst.executemany(f"INSERT INTO {t} VALUES ({marks})", data[t])
    elapsed = time.perf_counter() - t0
    src.close()
    dst.close()
    return elapsed, rows


async def migrate(path: Path) -> None:
    db = Database.open(f"sqlite+aiosqlite:///{path}")
    await db.migrate()
    await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument(
        "--paced-rate",
        type=float,
        default=5000.0,
        help="events/s for the latency phase (default 5000)",
    )
    args = parser.parse_args()
    everything = generate(args.events + int(args.paced_rate * 4))
    events, paced = everything[: args.events], everything[args.events :]
    with tempfile.TemporaryDirectory() as tmp:
        core_db, raw_db = Path(tmp) / "core.db", Path(tmp) / "raw.db"
        elapsed, latencies = asyncio.run(run_core(core_db, events, paced, args.paced_rate))
        # The raw copy is short and this machine's speed wanders: take the fastest of three
        # (the ratio can only look worse for it).
        runs = []
        for attempt in range(RAW_RUNS):
            target = raw_db.with_name(f"raw{attempt}.db")
            asyncio.run(migrate(target))
            runs.append(raw_baseline(core_db, target))
        raw_elapsed, rows = min(runs)
    rate = len(events) / elapsed
    raw_rate = len(events) / raw_elapsed
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    print(f"events                 {len(events):>12,}")
    print(f"core ingest            {rate:>12,.0f} events/s   ({elapsed:.2f} s)")
    print(
        f"p50 / p99 latency      {statistics.median(latencies) * 1000:>8.1f} / {p99:.1f} ms "
        f"(event to stored, at a steady {args.paced_rate:,.0f} events/s)"
    )
    print(
        f"raw sqlite3 baseline   {raw_rate:>12,.0f} events/s   ({rows:,} rows by executemany in {raw_elapsed:.2f} s, fastest of {RAW_RUNS})"
    )
    print(
        f"ratio core / raw       {rate / raw_rate:>12.2f}      (target >= 0.25; target rate >= 20,000/s)"
    )


if __name__ == "__main__":
    main()
