"""who-knows latency on a big community: p50/p99 after the topic backlog is processed.

Builds nothing itself unless asked: point it at a database made by `bench/generate.py`
(default scale: 10k members, 1M messages, 100k resources). It first brings the derived
interest tables up to date (`refresh_topics`: resource topics, members' topic scores,
topic popularity; timed, since that is the one-off cost after an import), then asks
who-knows a few hundred times with a realistic mix of queries — popular topics, rare ones,
two-word topics, single words that also match longer topics, misspellings and unknown
words — with the clock at the community's "now". Target: p99 < 50 ms.

    python bench/generate.py --out bench/out/community.db          # once (or --quick)
    python bench/who_knows.py --db bench/out/community.db
    python bench/who_knows.py --db /tmp/small.db --generate --quick  # build it first
    python bench/who_knows.py --url postgresql+asyncpg://postgres@127.0.0.1/test --schema bench

`--command` times the whole `/rhizome who-knows` command (parsing, rendering) instead of the
service call.

The process is set up as a running bot's (as `bench/commands.py` does): tuned as the CLI tunes
it (`bot.runtime.tune_process`), and with the lexicons and the embedding model loaded as the
bot's background loop loads them 2 s after start (`InterestService.warm_up`). Without them
(`--untuned`), CPython's default garbage collection paused 3-4 of 400 calls for 70-128 ms
(full collections over the whole heap) and the first two calls loaded lemminflect's and
wordfreq's tables (135-160 ms each): p99 74-90 ms that a running bot does not see. The
slowest calls are printed with their kind.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from bot.app import Rhizome
from bot.clock import FixedClock
from bot.commands.registry import MEMBER_GROUP, Invocation
from bot.config import parse_config
from bot.interests.service import service_for
from bot.model import Actor, CommunityRef
from bot.runtime import tune_process
from storage import models as m
from storage.db import Database

TARGET_P99_MS = 50.0
STATE_KEY = "bench.generate"
END = datetime.fromisoformat("2026-11-02T09:00:00+00:00")


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def misspell(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word + "x"
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1 :]


def queries(vocabulary: list[tuple[str, float]], rng: random.Random, n: int) -> list[str]:
    """A mix like members' real questions; vocabulary is (topic, popularity), most popular first."""
    return [q for _, q in kinded_queries(vocabulary, rng, n)]


def kinded_queries(
    vocabulary: list[tuple[str, float]], rng: random.Random, n: int
) -> list[tuple[str, str]]:
    """`queries`, each with its kind (popular, tail, single, typo, unknown)."""
    popular = [t for t, _ in vocabulary[:50]]
    rest = [t for t, _ in vocabulary[50:]] or popular
    single = [t for t in popular if " " not in t] or popular
    out = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.35:
            out.append(("popular", rng.choice(popular)))  # the big topics, many candidates
        elif roll < 0.6:
            out.append(("tail", rng.choice(rest)))  # the long tail
        elif roll < 0.8:
            out.append(("single", rng.choice(single).upper()))  # also inside longer topics
        elif roll < 0.9:
            out.append(("typo", misspell(rng.choice(popular), rng)))  # suggestions path
        else:
            out.append(("unknown", f"unheardof{rng.randrange(10_000)}"))  # nobody
    return out


async def run(args: argparse.Namespace, url: str) -> dict[str, object]:
    db = Database.open(url, schema=args.schema)
    async with db.read() as conn:
        state = (
            await conn.execute(select(m.bot_state.c.value).where(m.bot_state.c.key == STATE_KEY))
        ).scalar()
        community = (await conn.execute(select(m.communities).order_by(m.communities.c.id))).first()
    if community is None:
        raise SystemExit(f"{url} holds no community; build one with bench/generate.py")
    now = datetime.fromisoformat(json.loads(state)["end"]) if state else END
    config = parse_config({"storage": {"url": url}, "unfurl": {"enabled": False}})
    rz = await Rhizome.start(config, FixedClock(now), db=db)
    try:
        svc = service_for(rz.services)
        started = time.perf_counter()
        await svc.refresh(community.id)
        refresh_s = time.perf_counter() - started
        started = time.perf_counter()
        await svc.refresh(community.id)  # nothing changed: the cost of an idle full sweep
        idle_s = time.perf_counter() - started
        if not args.untuned:  # as a running bot: see the module docstring
            await svc.warm_up()
            tune_process()
        vocab = await svc.store.vocabulary(community.id, 5000)
        rng = random.Random(args.seed)
        asked = kinded_queries([(t, float(n)) for t, n, _ in vocab], rng, args.queries)
        ref = CommunityRef(community.platform, community.external_id, community.name)
        actor = Actor("bench-asker", "Bench")
        times: list[float] = []
        slowest: list[tuple[float, str, str]] = []
        answered = 0
        for kind, q in [("", "warm up"), *asked]:
            t0 = time.perf_counter()
            if args.command:
                reply = await rz.run_command(
                    Invocation(ref, actor, MEMBER_GROUP, text=f"who-knows {q}")
                )
                found = "Who knows about" in reply.document.plain()
            else:
                answer = await svc.who_knows(community.id, q, now=now)
                found = bool(answer.experts)
            elapsed = (time.perf_counter() - t0) * 1000
            if q != "warm up":
                times.append(elapsed)
                slowest.append((round(elapsed, 2), kind, q))
                answered += found
        return {
            "url": url.split("@")[-1],
            "resources_with_topics": await _count_topics(rz),
            "refresh_seconds": round(refresh_s, 1),
            "idle_refresh_seconds": round(idle_s, 2),
            "queries": len(times),
            "answered": answered,
            "p50_ms": round(percentile(times, 50), 2),
            "p99_ms": round(percentile(times, 99), 2),
            "mean_ms": round(statistics.fmean(times), 2),
            "max_ms": round(max(times), 2),
            "target_p99_ms": TARGET_P99_MS,
            "untuned": args.untuned,
            "slowest": sorted(slowest, reverse=True)[:5],
        }
    finally:
        await rz.close()


async def _count_topics(rz: Rhizome) -> int:
    from sqlalchemy import func

    from storage.interests.tables import resource_topic_state

    async with rz.services.db.read() as conn:
        return int(
            (
                await conn.execute(select(func.count()).select_from(resource_topic_state))
            ).scalar_one()
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="bench/out/community.db", help="SQLite file")
    parser.add_argument("--url", help="database URL instead of --db")
    parser.add_argument("--schema", help="PostgreSQL schema")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--command", action="store_true", help="time the whole command")
    parser.add_argument("--generate", action="store_true", help="build --db first if missing")
    parser.add_argument("--quick", action="store_true", help="with --generate: 1/10 scale")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--untuned",
        action="store_true",
        help="CPython's default garbage collection and no warm-up: not a running bot",
    )
    args = parser.parse_args(argv)
    if args.generate and not args.url and not Path(args.db).exists():
        from bench.generate import QUICK, Scale, generate

        Path(args.db).parent.mkdir(parents=True, exist_ok=True)
        built = generate(
            f"sqlite+aiosqlite:///{Path(args.db).resolve()}", QUICK if args.quick else Scale()
        )
        print(f"generated {args.db} in {built.seconds:.1f} s", file=sys.stderr)
    url = args.url or f"sqlite+aiosqlite:///{Path(args.db).resolve()}"
    result = asyncio.run(run(args, url))
    if args.json:
        print(json.dumps(result))
        return 0
    ok = "ok" if float(result["p99_ms"]) < TARGET_P99_MS else "SLOW"  # type: ignore[arg-type]
    print(
        f"who-knows on {result['url']}: {result['resources_with_topics']:,} resources with topics "
        f"(backlog refresh {result['refresh_seconds']} s, idle sweep {result['idle_refresh_seconds']} s)"
    )
    print(
        f"  {result['queries']} queries ({result['answered']} with experts)  "
        f"p50 {result['p50_ms']} ms  p99 {result['p99_ms']} ms  mean {result['mean_ms']} ms  "
        f"max {result['max_ms']} ms  {ok}"
    )
    slowest = ", ".join(f"{ms} ms {kind} {q!r}" for ms, kind, q in result["slowest"])  # type: ignore[attr-defined]
    print(f"  slowest: {slowest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
