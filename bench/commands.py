"""Command latency on a big community: p50/p99 of search, top, who-knows and profile.

Runs each command a few hundred times with varied arguments through `Rhizome.run_command`
(parsing, authorization, queries and rendering of the reply document: everything but the
platform round trip) against a database built by `bench/generate.py`, with the clock set to
the community's "now". Target: p99 < 50 ms.

    python bench/generate.py --out bench/out/community.db       # once
    python bench/commands.py --db bench/out/community.db
    python bench/commands.py --url postgresql+asyncpg://postgres@127.0.0.1/test --schema bench
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from bench.generate import GENERAL, STATE_KEY, TOPICS
from bot.app import Rhizome
from bot.clock import FixedClock
from bot.commands.registry import MEMBER_GROUP, Invocation
from bot.config import parse_config
from bot.model import Actor, CommunityRef, Place
from storage import models as m
from storage.db import Database

TARGET_P99_MS = 50.0


@dataclass(frozen=True, slots=True)
class Latency:
    command: str
    runs: int
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    empty: int  # replies that found nothing (a sanity check on the queries)
    errors: int  # "something went wrong" replies

    def line(self) -> str:
        ok = "ok" if self.p99_ms < TARGET_P99_MS and not self.errors else "MISS"
        return (
            f"  {self.command:<22} {self.runs:>5} runs  p50 {self.p50_ms:7.1f} ms  "
            f"p99 {self.p99_ms:7.1f} ms  max {self.max_ms:7.1f} ms  "
            f"empty {self.empty:>4}  errors {self.errors:>4}  {ok}"
        )


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def search_queries(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.5:
            q = rng.choice(TOPICS)
        elif roll < 0.8:
            q = " ".join(rng.sample(TOPICS, 2))
        elif roll < 0.9:
            q = " ".join([*rng.sample(TOPICS, 2), rng.choice(GENERAL)])
        elif roll < 0.95:
            q = rng.choice(TOPICS)[:4]  # a prefix, as people type
        else:
            q = rng.choice(("arxiv", "github", "youtube", "wikipedia", "zyxwvut"))
        out.append(q)
    return out


async def open_core(url: str, schema: str | None) -> tuple[Rhizome, CommunityRef, list[str]]:
    """A core on the generated database, clocked at its "now"; also some member ids."""
    db = Database.open(url, schema=schema)
    async with db.read() as conn:
        manifest = (
            await conn.execute(select(m.bot_state.c.value).where(m.bot_state.c.key == STATE_KEY))
        ).scalar()
        if manifest is None:
            await db.close()
            raise SystemExit(f"{url} holds no generated community: run bench/generate.py first")
        info = json.loads(manifest)
        mt, msg = m.members, m.messages
        busiest = (
            await conn.execute(
                select(mt.c.external_id)
                .join(msg, msg.c.author_id == mt.c.id)
                .group_by(mt.c.id, mt.c.external_id)
                .order_by(func.count().desc())
                .limit(30)
            )
        ).scalars()
        members = list(busiest) + list(
            (await conn.execute(select(mt.c.external_id).order_by(mt.c.id))).scalars()
        )
    now = datetime.fromisoformat(info["end"])
    config = parse_config({"storage": {"url": url}})
    rz = await Rhizome.start(config, FixedClock(now), db=db)
    return rz, CommunityRef(info["platform"], info["community"], "Bench"), members


async def measure(
    rz: Rhizome, invocations: list[Invocation], warmup: int = 3
) -> tuple[list[float], int, int]:
    for inv in invocations[:warmup]:
        await rz.run_command(inv)
    times: list[float] = []
    empty = errors = 0
    for inv in invocations:
        t0 = time.perf_counter()
        reply = await rz.run_command(inv)
        times.append((time.perf_counter() - t0) * 1000)
        text = reply.document.plain()
        if "something went wrong" in text:
            errors += 1
        elif "Nothing" in text or "nothing" in text[:80] or "don't know" in text:
            empty += 1
    return times, empty, errors


async def run(
    url: str, schema: str | None, runs: int, seed: int, echo: Callable[[str], Any] = print
) -> list[Latency]:
    """Each case `runs` times; cases whose command this build lacks are skipped."""
    logging.getLogger("bot").setLevel(logging.CRITICAL)  # failures are counted, not printed
    rz, community, members = await open_core(url, schema)
    rng = random.Random(seed)
    busiest, everyone = members[:30], members[30:]

    def inv(text: str) -> Invocation:
        actor = Actor(rng.choice(everyone), "Bench User")
        return Invocation(
            community, actor, MEMBER_GROUP, text=text, place=Place(community, "C000000", "c")
        )

    cases: dict[str, tuple[str, list[Invocation]]] = {
        "search": ("search", [inv(f"search {q}") for q in search_queries(rng, runs)]),
        "top (1-14 days)": ("top", [inv(f"top {rng.choice((1, 7, 7, 14))}") for _ in range(runs)]),
        "top (30-365 days)": (
            "top",
            [inv(f"top {rng.choice((30, 90, 365))}") for _ in range(runs)],
        ),
        "who-knows": ("who-knows", [inv(f"who-knows {rng.choice(TOPICS)}") for _ in range(runs)]),
        "profile (any member)": (
            "profile",
            [inv(f"profile <@{rng.choice(everyone)}>") for _ in range(runs)],
        ),
        "profile (top-30 poster)": (
            "profile",
            [inv(f"profile <@{rng.choice(busiest)}>") for _ in range(max(10, runs // 5))],
        ),
    }
    results: list[Latency] = []
    try:
        for name, (command, invocations) in cases.items():
            if rz.registry.get(MEMBER_GROUP, tuple(command.split())) is None:
                echo(f"  {name:<22} /rhizome {command} is not registered in this build: skipped")
                continue
            times, empty, errors = await measure(rz, invocations)
            lat = Latency(
                name,
                len(times),
                round(statistics.median(times), 2),
                round(percentile(times, 99), 2),
                round(statistics.fmean(times), 2),
                round(max(times), 2),
                empty,
                errors,
            )
            results.append(lat)
            echo(lat.line())
    finally:
        await rz.close()
    return results


def database_url(args: argparse.Namespace) -> str:
    if args.url:
        return str(args.url)
    return f"sqlite+aiosqlite:///{Path(args.db).resolve()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="bench/out/community.db", help="generated SQLite file")
    parser.add_argument("--url", help="database URL instead of --db")
    parser.add_argument("--schema", help="PostgreSQL schema")
    parser.add_argument("--runs", type=int, default=300, help="runs per command")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    args = parser.parse_args(argv)
    url = database_url(args)
    echo: Callable[[str], Any] = (lambda _: None) if args.json else print
    if not args.json:
        print(
            f"command latency on {url} ({args.runs} runs each; target p99 < {TARGET_P99_MS:.0f} ms)"
        )
    results = asyncio.run(run(url, args.schema, args.runs, args.seed, echo))
    if args.json:
        print(json.dumps([asdict(r) for r in results]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
