"""One bot process of the multi-process tests: start a Rhizome on a shared PostgreSQL schema,
wait at a start barrier, then ingest the shared event stream (or tick the digest scheduler).

    python tests/e2e/multiprocess_worker.py ingest --url URL --schema S --barrier DIR --worker K
        [--mode live|import] [--events N] [--seed S] --out FILE
    python tests/e2e/multiprocess_worker.py digest --url URL --schema S --barrier DIR --worker K
        --now ISO --posts FILE --out FILE

The barrier: each worker creates `DIR/ready-K` once its core is started, then spins until
`DIR/go` exists, so every process starts writing within a millisecond of the others.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.app import Rhizome
from bot.clock import FixedClock
from bot.config import parse_config
from bot.documents import Document
from bot.model import (
    Actor,
    CommunityRef,
    InboundEvent,
    IngestStats,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    Place,
    ReactionAdded,
    ReactionRemoved,
)
from storage.db import Database

COMMUNITY = CommunityRef("slack", "TRACE", "Racers")
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def race_events(
    n_posts: int = 1200, seed: int = 11, *, deletes: bool = False
) -> list[InboundEvent]:
    """A Slack-like stream where every event carries its delivery id: posts (a third with
    links from a small, much-reused pool), thread replies, reactions and their removal,
    edits that change links, and (optionally) deletes; each refers only to earlier posts."""
    rng = random.Random(seed)
    members = [Actor(f"U{i:03d}", f"member{i}") for i in range(25)]
    channels = [f"C{i}" for i in range(4)]
    urls = [f"https://site{i % 17}.example.org/page/{i}" for i in range(60)]
    events: list[InboundEvent] = []
    posted: list[tuple[str, str]] = []  # (channel, message id) of top-level posts
    reacted: list[tuple[str, str, Actor, str]] = []
    deleted: set[str] = set()
    at = START
    for i in range(n_posts):
        at += timedelta(seconds=7)
        mid = f"{1_700_000_000 + i}.000100"
        text = rng.choice(("reading", "notes on", "great talk:", "see")) + f" item {i}"
        if rng.random() < 0.35:
            text += " " + " ".join(rng.sample(urls, rng.choice((1, 1, 2))))
        if posted and rng.random() < 0.25:
            channel, root = rng.choice(posted)
            place = Place(COMMUNITY, channel, channel.lower(), thread_id=root)
        else:
            channel = rng.choice(channels)
            place = Place(COMMUNITY, channel, channel.lower())
            posted.append((channel, mid))
        events.append(
            MessagePosted(
                place=place,
                occurred_at=at,
                message_id=mid,
                author=rng.choice(members),
                text=text,
                event_id=f"EvP{i}",
            )
        )
        live = [p for p in posted[-40:] if p[1] not in deleted]
        if not live:
            continue
        roll = rng.random()
        channel, target = rng.choice(live)
        where = Place(COMMUNITY, channel, channel.lower())
        if roll < 0.30:
            who, emoji = rng.choice(members), rng.choice(("tada", "eyes", "heart"))
            events.append(
                ReactionAdded(
                    place=where,
                    occurred_at=at,
                    message_id=target,
                    actor=who,
                    emoji=emoji,
                    event_id=f"EvRA{i}",
                )
            )
            reacted.append((channel, target, who, emoji))
        elif roll < 0.38 and reacted:
            channel, target, who, emoji = reacted.pop(rng.randrange(len(reacted)))
            events.append(
                ReactionRemoved(
                    place=Place(COMMUNITY, channel, channel.lower()),
                    occurred_at=at,
                    message_id=target,
                    actor=who,
                    emoji=emoji,
                    event_id=f"EvRR{i}",
                )
            )
        elif roll < 0.45:
            events.append(
                MessageEdited(
                    place=where,
                    occurred_at=at,
                    message_id=target,
                    text=f"edited {i} " + " ".join(rng.sample(urls, rng.choice((0, 1, 2)))),
                    event_id=f"EvE{i}",
                )
            )
        elif roll < 0.47 and deletes:
            events.append(
                MessageDeleted(place=where, occurred_at=at, message_id=target, event_id=f"EvD{i}")
            )
            deleted.add(target)
    return events


def wait_at_barrier(barrier: Path, worker: int) -> None:
    (barrier / f"ready-{worker}").touch()
    go = barrier / "go"
    deadline = time.monotonic() + 120
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit("the start signal never came")
        time.sleep(0.0005)


async def start_core(url: str, schema: str, now: datetime) -> Rhizome:
    db = Database.open(url, schema=schema, pool_size=2, max_overflow=2)
    return await Rhizome.start(parse_config({"storage": {"url": url}}), FixedClock(now), db=db)


async def ingest(args: argparse.Namespace) -> dict[str, object]:
    events = race_events(args.events, args.seed, deletes=args.deletes)
    rz = await start_core(args.url, args.schema, START)
    rng = random.Random(1000 + args.worker)  # each process cuts the stream differently
    wait_at_barrier(Path(args.barrier), args.worker)
    total = IngestStats()
    failed = 0
    i = 0
    while i < len(events):
        size = rng.choice((1, 3, 17, 60, 250))
        chunk = events[i : i + size]
        i += size
        if args.mode == "import":
            total.add(await rz.ingest_many(chunk))
            continue
        writer = rz.services.writer
        futures = [await writer.submit(e) for e in chunk]
        for outcome in await asyncio.gather(*futures, return_exceptions=True):
            failed += isinstance(outcome, BaseException)
    await rz.close()
    return {"worker": args.worker, "pid": os.getpid(), "stats": asdict(total), "failed": failed}


class FileOutlet:
    """A platform stand-in shared by processes: each post is one appended JSON line."""

    platform = COMMUNITY.platform

    def __init__(self, path: Path, worker: int) -> None:
        self.path = path
        self.worker = worker

    async def post(self, community: CommunityRef, channel_id: str, document: Document) -> str:
        line = json.dumps({"worker": self.worker, "channel": channel_id, "text": document.plain()})
        with self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
        return f"m-{self.worker}-{time.monotonic_ns()}"

    async def open_conversation(
        self, community: CommunityRef, member_external_ids: Sequence[str], topic: str
    ) -> str:
        return f"conv-{self.worker}"

    def permalink(self, community: CommunityRef, channel_id: str, message_id: str) -> str | None:
        return None


async def digest(args: argparse.Namespace) -> dict[str, object]:
    from bot.digests.scheduler import DigestScheduler

    rz = await start_core(args.url, args.schema, datetime.fromisoformat(args.now))
    rz.add_outlet(FileOutlet(Path(args.posts), args.worker))
    scheduler = DigestScheduler(rz.services)
    wait_at_barrier(Path(args.barrier), args.worker)
    outcomes = await scheduler.tick()
    await rz.close()
    return {
        "worker": args.worker,
        "pid": os.getpid(),
        "outcomes": [
            {"digest": o.digest_id, "period": o.period.isoformat(), "action": o.action}
            for o in outcomes
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("task", choices=("ingest", "digest"))
    parser.add_argument("--url", required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--barrier", required=True)
    parser.add_argument("--worker", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--mode", choices=("live", "import"), default="live")
    parser.add_argument("--events", type=int, default=1200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--deletes", action="store_true", help="delete some posts too")
    parser.add_argument("--now")
    parser.add_argument("--posts")
    args = parser.parse_args()
    run = ingest if args.task == "ingest" else digest
    result = asyncio.run(run(args))
    Path(args.out).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
