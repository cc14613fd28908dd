"""Command latency on a big community: p50/p99 of search, top, who-knows, profile, saved
and network, and how long the core and the console take to start.

Runs each command a few hundred times with varied arguments through `Rhizome.run_command`
(parsing, authorization, queries and rendering of the reply document: everything but the
platform round trip) against a database built by `bench/generate.py`, with the clock set to
the community's "now". Targets: p99 < 50 ms; start-up < 2 s.

    python bench/generate.py --out bench/out/community.db       # once
    python bench/commands.py --db bench/out/community.db
    python bench/commands.py --url postgresql+asyncpg://postgres@127.0.0.1/test --schema bench
    # both engines in one run, side by side (each in a process of its own, as a bot runs):
    python bench/commands.py --db bench/out/community.db \
        --postgres postgresql+asyncpg://postgres@127.0.0.1/test --schema bench

Start-up is measured twice: `Rhizome.start` on the database (migration check, statistics,
features), and, on SQLite, `rhizome console --community` in a process of its own from launch
to its first reply (imports included), as a member would wait for it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import resource
import statistics
import subprocess
import sys
import tempfile
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
from bot.interests.service import service_for
from bot.model import Actor, CommunityRef, Place
from bot.runtime import tune_process
from storage import models as m
from storage.db import Database

TARGET_P99_MS = 50.0
TARGET_STARTUP_S = 2.0


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
    started = time.perf_counter()
    rz = await Rhizome.start(config, FixedClock(now), db=db)
    rz.services.extras["bench.start_seconds"] = time.perf_counter() - started
    interests = service_for(rz.services)
    # What `rhizome import` ends with: every topic and score worked out. A generated community
    # has none yet, and timing who-knows on it would time the first calls' catch-up (3 s
    # each, at most), not a command.
    started = time.perf_counter()
    await interests.refresh(sweep=False)
    rz.services.extras["bench.derive_seconds"] = time.perf_counter() - started
    warm_up = getattr(interests, "warm_up", None)
    if warm_up is not None:  # what a running bot's background loop has done after 2 s
        await warm_up()
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
    url: str,
    schema: str | None,
    runs: int,
    seed: int,
    echo: Callable[[str], Any] = print,
    only: str | None = None,
    tuned: bool = True,
) -> list[Latency]:
    """Each case `runs` times; cases whose command this build lacks are skipped. `tuned`: the
    process is tuned as `rhizome run` and `rhizome console` tune theirs once started
    (`bot.runtime.tune_process`: fewer garbage collections, none over the start-up heap; a
    shorter GIL switch interval), so the figures are a running bot's."""
    logging.getLogger("bot").setLevel(logging.CRITICAL)  # failures are counted, not printed
    rz, community, members = await open_core(url, schema)
    if tuned:
        tune_process()
    rng = random.Random(seed)
    busiest, everyone = members[:30], members[30:]

    def inv(text: str, actor_id: str | None = None) -> Invocation:
        actor = Actor(actor_id or rng.choice(everyone), "Bench User")
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
        "saved": ("saved", [inv("saved") for _ in range(runs)]),
        "network (any member)": ("network", [inv("network") for _ in range(runs)]),
        "network (top-30 poster)": (
            "network",
            [inv("network", rng.choice(busiest)) for _ in range(max(10, runs // 5))],
        ),
    }
    results: list[Latency] = []
    try:
        for name, (command, invocations) in cases.items():
            if only and not any(part in name for part in only.split(",")):
                continue
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
        started = rz.services.extras.get("bench.start_seconds")
        if started is not None:
            echo(f"  {'start-up (core)':<22} {started:7.2f} s")
        derived = rz.services.extras.get("bench.derive_seconds")
        if derived is not None:  # nearly nothing once a run has derived the database
            echo(f"  {'derive before timing':<22} {derived:7.1f} s")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        echo(f"  {'peak RSS so far':<22} {peak:7.0f} MB")
    finally:
        await rz.close()
    return results


def console_startup(db_path: str, community: str = "TBENCH", runs: int = 3) -> float:
    """Seconds from launching `rhizome console --community` (a one-line script) to the first
    line of its reply; the median of `runs`."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "rhizome.toml"
        url = f"sqlite+aiosqlite:///{Path(db_path).resolve()}"
        config.write_text(f'[storage]\nurl = "{url}"\n[unfurl]\nenabled = false\n')
        rhizome = Path(sys.executable).with_name("rhizome")
        cmd = [str(rhizome), "console", "--config", str(config), "--community", community]
        for _ in range(runs):
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                cwd=tmp,
            )
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write("/rhizome top 7\n")
            proc.stdin.close()
            first = proc.stdout.readline()
            times.append(time.perf_counter() - t0)
            proc.stdout.read()
            proc.wait()
            if not first:
                raise SystemExit("the console printed nothing")
    return statistics.median(times)


def side_by_side(engines: dict[str, list[Latency]], startup: dict[str, float]) -> str:
    """One table: each case's p50 / p99 per engine."""
    names = list(engines)
    cases: list[str] = []
    for results in engines.values():
        cases += [r.command for r in results if r.command not in cases]
    head = "| command | " + " | ".join(f"{n} p50 / p99 (ms)" for n in names) + " |"
    lines = [head, "|---|" + "---|" * len(names)]
    for case in cases:
        cells = []
        for n in names:
            found = [r for r in engines[n] if r.command == case]
            cells.append(f"{found[0].p50_ms:.1f} / {found[0].p99_ms:.1f}" if found else "—")
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    for label, seconds in startup.items():
        lines.append(f"| {label} | {seconds:.2f} s |" + " |" * (len(names) - 1))
    return "\n".join(lines)


def engine_in_own_process(
    url: str, schema: str | None, args: argparse.Namespace, echo: Callable[[str], Any]
) -> list[Latency]:
    """One engine's cases in a process of its own, as a bot runs one engine: run second in
    the process of the first, PostgreSQL's p99 had taken in the first engine's heap and
    caches (search 67-81 ms in three of six runs, 35-44 ms in every run of its own)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--url", url, "--no-console"]
        cmd += ["--runs", str(args.runs), "--seed", str(args.seed), "--results", str(out)]
        cmd += ["--schema", schema] if schema else []
        cmd += ["--only", args.only] if args.only else []
        cmd += ["--untuned"] if args.untuned else []
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        for line in done.stdout.splitlines()[1:]:  # its own heading line is ours already
            echo(line)
        if done.returncode != 0 or not out.exists():
            raise SystemExit(f"the {url.split('@')[-1]} run failed:\n{done.stderr[-2000:]}")
        return [Latency(**r) for r in json.loads(out.read_text())]


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
    parser.add_argument(
        "--postgres",
        help="also run on this PostgreSQL URL (with --schema), and print both side by side",
    )
    parser.add_argument(
        "--no-console", action="store_true", help="skip timing the console's start-up"
    )
    parser.add_argument("--runs", type=int, default=300, help="runs per command")
    parser.add_argument(
        "--only",
        help="only the cases whose names contain one of these (comma-separated: profile,top)",
    )
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--untuned",
        action="store_true",
        help="leave the process as Python starts it (CPython's garbage collection and GIL "
        "switch interval), not tuned as the bot's CLI tunes it",
    )
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("--results", type=Path, help=argparse.SUPPRESS)  # one engine's, as JSON
    args = parser.parse_args(argv)
    url = database_url(args)
    echo: Callable[[str], Any] = (lambda _: None) if args.json else print
    if not args.json:
        print(
            f"command latency on {url} ({args.runs} runs each; target p99 < {TARGET_P99_MS:.0f} ms)"
        )
    if not args.postgres:
        results = asyncio.run(
            run(url, args.schema, args.runs, args.seed, echo, args.only, not args.untuned)
        )
        if args.json:
            print(json.dumps([asdict(r) for r in results]))
        if args.results:
            args.results.write_text(json.dumps([asdict(r) for r in results]))
        return 0
    engines: dict[str, list[Latency]] = {}
    startup: dict[str, float] = {}
    for name, engine_url, schema in (
        ("SQLite", url, None),
        ("PostgreSQL", str(args.postgres), args.schema),
    ):
        echo(f"{name}: {engine_url.split('@')[-1]}")
        engines[name] = engine_in_own_process(engine_url, schema, args, echo)
    if not args.no_console and url.startswith("sqlite"):
        startup["console start-up to first reply (SQLite)"] = console_startup(
            url.split("///", 1)[1]
        )
    if args.json:
        print(
            json.dumps(
                {"engines": {n: [asdict(r) for r in rs] for n, rs in engines.items()}}
                | {"startup_seconds": startup}
            )
        )
    else:
        print()
        print(side_by_side(engines, startup))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
