"""Where one command's time goes: SQL statements (count and time each) and Python (cProfile).

Runs one command a few times against a database built by `bench/generate.py` (derived
interest tables refreshed first, e.g. by `bench/who_knows.py`), with the clock at the
community's "now", and prints per run the statements it sent and how long each took, then
the Python functions that took longest over all runs.

    python bench/explain.py --db bench/out/community.db "profile <@U00000001>"
    python bench/explain.py --url postgresql+asyncpg://postgres@127.0.0.1/test --schema bench \
        "who-knows rust" --runs 5 --sql
    python bench/explain.py --db bench/out/community.db "profile" --busiest 0   # as the busiest
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event

from bench.commands import open_core
from bot.commands.registry import MEMBER_GROUP, Invocation
from bot.model import Actor, Place


async def run(args: argparse.Namespace, url: str) -> None:
    rz, community, members = await open_core(url, args.schema)
    text = args.command
    if args.busiest is not None:
        text = text.replace("{busiest}", members[args.busiest])
    actor = members[args.busiest] if args.busiest is not None else members[-1]
    inv = Invocation(
        community,
        Actor(actor, "Bench User"),
        MEMBER_GROUP,
        text=text,
        place=Place(community, "C000000", "c"),
    )
    statements: list[tuple[float, str]] = []
    started: list[float] = []

    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        started.append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append(((time.perf_counter() - started.pop()) * 1000, statement))

    checkouts: list[int] = []

    def checkout(*_: Any) -> None:
        checkouts.append(1)

    engine = rz.services.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    # Each checkout is a connection taken from the pool for reading: on PostgreSQL it costs a
    # ping, and its transaction a BEGIN and a ROLLBACK, none of them counted as statements.
    event.listen(engine, "checkout", checkout)
    try:
        await rz.run_command(inv)  # warm-up
        prof = cProfile.Profile()
        for i in range(args.runs):
            statements.clear()
            checkouts.clear()
            t0 = time.perf_counter()
            if args.python:
                prof.enable()
            reply = await rz.run_command(inv)
            if args.python:
                prof.disable()
            total = (time.perf_counter() - t0) * 1000
            sql = sum(ms for ms, _ in statements)
            print(
                f"run {i}: {total:.1f} ms, {len(statements)} statements, {sql:.1f} ms in SQL, "
                f"{len(checkouts)} connection checkouts"
            )
            if args.sql and i == args.runs - 1:
                for ms, stmt in statements:
                    print(f"  {ms:7.2f} ms  {' '.join(stmt.split())[: args.width]}")
        if args.show:
            print(reply.document.plain()[:3000])
        if args.python:
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats(args.sort).print_stats(args.top)
            print(out.getvalue())
    finally:
        await rz.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", help='the command line, e.g. "profile <@U1>"; {busiest}')
    parser.add_argument("--db", default="bench/out/community.db")
    parser.add_argument("--url")
    parser.add_argument("--schema")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--busiest", type=int, help="act as the n-th busiest poster (0 = the busiest)"
    )
    parser.add_argument("--sql", action="store_true", help="list the last run's statements")
    parser.add_argument("--python", action="store_true", help="cProfile the runs")
    parser.add_argument("--show", action="store_true", help="print the last reply")
    parser.add_argument("--top", type=int, default=40, help="cProfile lines")
    parser.add_argument("--sort", default="cumulative", help="cProfile order (tottime…)")
    parser.add_argument("--width", type=int, default=160, help="characters per statement")
    args = parser.parse_args(argv)
    url = args.url or f"sqlite+aiosqlite:///{Path(args.db).resolve()}"
    asyncio.run(run(args, url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
