"""Run every benchmark on SQLite (and on PostgreSQL when RHIZOME_TEST_POSTGRES_URL is set), print
one table and write `bench/out/results.json`.

Each phase runs as its own process, so its peak resident memory is its own (read from the
kernel when it exits, children included):

  generate   bench/generate.py builds the synthetic community (1M messages; --quick: 100k)
  who-knows  bench/who_knows.py: topic backlog refresh, then who-knows p50/p99    (if present)
  commands   bench/commands.py: search / top / who-knows / profile p50/p99 through the core;
             on SQLite twice: as the bot leaves the file, and after ANALYZE
  ingest     live events/s through the single writer, and the raw driver's rate for the same
             rows (SQLite: bench/ingest.py; PostgreSQL: asyncpg executemany and COPY)
  transfer   storage/transfer.py copies the SQLite community into PostgreSQL (rows/s)
  import     bench/import.py: Slack export and DCE file through the importers (SQLite) (if present)
  digest     bench/digest.py: one weekly digest at scale (SQLite)                  (if present)
  intros     bench/intros.py: a 10k-member intro round and its quality ratio       (if present)

    python bench/run.py --quick          # ~1/10 scale, a few minutes
    python bench/run.py                  # full scale
    python bench/run.py --only commands,ingest --keep   # reuse bench/out/*.db
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH = ROOT / "bench"
OUT = BENCH / "out"
PY = sys.executable
PHASES = ("generate", "who-knows", "commands", "ingest", "transfer", "import", "digest", "intros")
TARGETS = {
    "ingest_events_per_s": ">= 20,000 events/s",
    "command_p99_ms": "< 50 ms",
    "digest_s": "< 1 s",
    "intro_round_s": "< 10 s (10k members)",
    "peak_rss_mb": "< 500 MB at 1M messages",
}


# --- running a phase ----------------------------------------------------------------------------
@dataclass
class Child:
    ok: bool
    seconds: float
    peak_mb: float
    stdout: str
    stderr: str


def run_child(args: Sequence[str], timeout: float = 3600) -> Child:
    """Run a Python script; its peak RSS comes from wait4's rusage (exact, not sampled)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([PY, *args], cwd=ROOT, stdout=out, stderr=err, env=env)
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        return Child(
            proc.returncode == 0,
            elapsed,
            usage.ru_maxrss / 1024,  # KiB on Linux
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
        )


def last_json(text: str) -> Any:
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith(("{", "[")):
            return json.loads(line)
    raise ValueError("no JSON line in the output")


def failure(child: Child) -> dict[str, Any]:
    tail = (child.stderr or child.stdout).strip().splitlines()[-3:]
    return {"error": " | ".join(tail)[-400:], "peak_mb": round(child.peak_mb, 1)}


# --- phases -------------------------------------------------------------------------------------
@dataclass
class Backend:
    name: str
    url: str  # the generated community
    schema: str | None = None
    results: dict[str, Any] = field(default_factory=dict)

    def db_args(self) -> list[str]:
        if self.schema:
            return ["--url", self.url, "--schema", self.schema]
        return ["--url", self.url]


def phase_generate(b: Backend, quick: bool, keep: bool) -> None:
    args = [str(BENCH / "generate.py"), *b.db_args(), "--json"]
    if quick:
        args.append("--quick")
    if keep and b.name == "sqlite" and Path(b.url.split("///", 1)[1]).exists():
        b.results["generate"] = {"skipped": "kept from an earlier run"}
        return
    child = run_child([*args, "--force"])
    if not child.ok:
        b.results["generate"] = failure(child)
        return
    info = last_json(child.stdout)
    rows = sum(info["counts"].values())
    b.results["generate"] = {
        "seconds": info["seconds"],
        "rows": rows,
        "rows_per_s": round(rows / info["seconds"]),
        "messages": info["counts"].get("messages"),
        "peak_mb": round(child.peak_mb, 1),
    }


def phase_who_knows(b: Backend) -> None:
    if not (BENCH / "who_knows.py").exists():
        b.results["who-knows"] = {"skipped": "bench/who_knows.py not present"}
        return
    child = run_child([str(BENCH / "who_knows.py"), *b.db_args(), "--json"])
    if not child.ok:
        b.results["who-knows"] = failure(child)
        return
    info = last_json(child.stdout)
    keep = ("p50_ms", "p99_ms", "refresh_seconds", "queries", "answered")
    b.results["who-knows"] = {k: info.get(k) for k in keep} | {"peak_mb": round(child.peak_mb, 1)}


def phase_commands(b: Backend, runs: int, label: str = "commands") -> None:
    child = run_child([str(BENCH / "commands.py"), *b.db_args(), "--runs", str(runs), "--json"])
    if not child.ok:
        b.results[label] = failure(child)
        return
    cases = last_json(child.stdout)
    b.results[label] = {
        "cases": {c["command"]: c for c in cases},
        "worst_p99_ms": max((c["p99_ms"] for c in cases), default=None),
        "peak_mb": round(child.peak_mb, 1),
    }


def analyze_sqlite(url: str) -> float:
    import sqlite3

    t0 = time.perf_counter()
    con = sqlite3.connect(url.split("///", 1)[1])
    con.execute("ANALYZE")
    con.close()
    return time.perf_counter() - t0


def phase_ingest_sqlite(b: Backend, events: int) -> None:
    child = run_child([str(BENCH / "ingest.py"), "--events", str(events)])
    if not child.ok:
        b.results["ingest"] = failure(child)
        return
    text = child.stdout

    def grab(pattern: str) -> float | None:
        found = re.search(pattern, text)
        return float(found.group(1).replace(",", "")) if found else None

    b.results["ingest"] = {
        "events": events,
        "events_per_s": grab(r"core ingest\s+([\d,]+) events/s"),
        "raw_events_per_s": grab(r"raw sqlite3 baseline\s+([\d,]+) events/s"),
        "ratio": grab(r"ratio core / raw\s+([\d.]+)"),
        "p99_ms": grab(r"p50 / p99 latency\s+[\d.]+ / ([\d.]+) ms"),
        "peak_mb": round(child.peak_mb, 1),
    }


def phase_ingest_postgres(b: Backend, events: int) -> None:
    args = [str(BENCH / "run.py"), "pg-ingest", "--url", b.url, "--events", str(events)]
    child = run_child(args)
    if not child.ok:
        b.results["ingest"] = failure(child)
        return
    b.results["ingest"] = last_json(child.stdout) | {"peak_mb": round(child.peak_mb, 1)}


def phase_transfer(sqlite: Backend, pg_url: str) -> dict[str, Any]:
    schema = f"bench_transfer_{uuid.uuid4().hex[:8]}"
    args = [str(BENCH / "run.py"), "transfer", "--sqlite", sqlite.url, "--url", pg_url]
    child = run_child([*args, "--schema", schema])
    if not child.ok:
        return failure(child)
    return last_json(child.stdout) | {"peak_mb": round(child.peak_mb, 1)}


def phase_import(b: Backend, messages: int) -> None:
    if not (BENCH / "import.py").exists():
        b.results["import"] = {"skipped": "bench/import.py not present"}
        return
    child = run_child([str(BENCH / "import.py"), "--messages", str(messages)])
    if not child.ok:
        b.results["import"] = failure(child)
        return
    rows = {}
    pattern = re.compile(
        r"^(?P<name>\S.*?)\s{2,}(?P<msgs>[\d,]+) msgs\s+(?P<secs>[\d.]+) s\s+"
        r"(?P<rate>[\d,]+) msg/s\s+peak RSS\s+(?P<rss>[\d.]+) MB",
        re.MULTILINE,
    )
    for found in pattern.finditer(child.stdout):
        rows[found["name"].strip()] = {
            "messages": int(found["msgs"].replace(",", "")),
            "seconds": float(found["secs"]),
            "messages_per_s": int(found["rate"].replace(",", "")),
            "peak_mb": float(found["rss"]),
        }
    slack = next((v for k, v in rows.items() if k.startswith("import slack")), None)
    b.results["import"] = {
        "phases": rows,
        "messages_per_s": slack["messages_per_s"] if slack else None,
        "peak_mb": round(child.peak_mb, 1),
    }


def phase_digest(b: Backend, messages: int) -> None:
    if not (BENCH / "digest.py").exists():
        b.results["digest"] = {"skipped": "bench/digest.py not present"}
        return
    child = run_child([str(BENCH / "digest.py"), "--messages", str(messages)])
    if not child.ok:
        b.results["digest"] = failure(child)
        return
    found = re.search(
        r"first (\d+) ms, median (\d+) ms, best (\d+) ms over (\d+) runs", child.stdout
    )
    b.results["digest"] = {
        "first_ms": int(found.group(1)) if found else None,
        "median_ms": int(found.group(2)) if found else None,
        "messages": messages,
        "peak_mb": round(child.peak_mb, 1),
    }


def phase_intros(quick: bool) -> dict[str, Any]:
    if not (BENCH / "intros.py").exists():
        return {"skipped": "bench/intros.py not present"}
    child = run_child([str(BENCH / "intros.py"), *(["--quick"] if quick else [])])
    if not child.ok:
        return failure(child)
    text = child.stdout
    rnd = re.search(r"round, ([\d,]+) members \(([^)]*)\)\s+([\d.]+) s", text)
    ratios = [float(x) for x in re.findall(r"pruned / exact score, \d+ members\s+([\d.]+)", text)]
    return {
        "members": int(rnd.group(1).replace(",", "")) if rnd else None,
        "method": rnd.group(2) if rnd else None,
        "round_s": float(rnd.group(3)) if rnd else None,
        "min_quality_ratio": min(ratios) if ratios else None,
        "peak_mb": round(child.peak_mb, 1),
    }


# --- PostgreSQL ingest (a subcommand, so it runs in a process of its own) -------------------------
TABLES = (
    "communities",
    "members",
    "channels",
    "messages",
    "resources",
    "resource_urls",
    "shares",
    "reactions",
    "processed_events",
)


async def pg_ingest(url: str, n: int) -> dict[str, Any]:
    """Core ingest into PostgreSQL, then the same stored rows through raw asyncpg."""
    import asyncpg
    from sqlalchemy import text

    from bench.ingest import generate as ingest_events
    from bot.app import Rhizome
    from bot.config import parse_config
    from storage.db import Database

    events = ingest_events(n)
    core, raw = (f"bench_ingest_{uuid.uuid4().hex[:8]}_{k}" for k in ("core", "raw"))
    admin = Database.open(url)
    async with admin.engine.begin() as conn:
        for s in (core, raw):
            await conn.execute(text(f'CREATE SCHEMA "{s}"'))
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    try:
        db = Database.open(url, schema=core)
        rz = await Rhizome.start(parse_config({"storage": {"url": url}}), db=db)
        writer = rz.services.writer
        t0 = time.perf_counter()
        futures = [await writer.submit(e) for e in events]
        await asyncio.gather(*futures)
        elapsed = time.perf_counter() - t0
        await rz.close()

        target = Database.open(url, schema=raw)
        await target.migrate()
        await target.close()
        src = await asyncpg.connect(dsn, server_settings={"search_path": core})
        data: dict[str, tuple[list[str], list[Any]]] = {}
        for t in TABLES:
            cols = [
                r["column_name"]
                for r in await src.fetch(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 "
                    "AND table_name = $2 AND is_generated = 'NEVER' ORDER BY ordinal_position",
                    core,
                    t,
                )
            ]
            rows = await src.fetch(f"SELECT {', '.join(cols)} FROM {t}")
            data[t] = (cols, [tuple(r) for r in rows])
        await src.close()
        rows_total = sum(len(v[1]) for v in data.values())
        dst = await asyncpg.connect(dsn, server_settings={"search_path": raw})
        timings: dict[str, float] = {}
        for method in ("executemany", "copy"):
            t0 = time.perf_counter()
            async with dst.transaction():
                for t in TABLES:
                    cols, rows = data[t]
                    if not rows:
                        continue
                    if method == "copy":
                        await dst.copy_records_to_table(t, records=rows, columns=cols)
                    else:
                        marks = ", ".join(f"${i + 1}" for i in range(len(cols)))
                        await dst.executemany(
                            f"INSERT INTO {t} ({', '.join(cols)}) VALUES ({marks})", rows
                        )
            timings[method] = time.perf_counter() - t0
            await dst.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
        await dst.close()
    finally:
        async with admin.engine.begin() as conn:
            for s in (core, raw):
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{s}" CASCADE'))
        await admin.close()
    rate = n / elapsed
    return {
        "events": n,
        "events_per_s": round(rate),
        "rows": rows_total,
        "raw_executemany_events_per_s": round(n / timings["executemany"]),
        "raw_copy_events_per_s": round(n / timings["copy"]),
        "ratio": round(rate / (n / timings["executemany"]), 2),
        "ratio_vs_copy": round(rate / (n / timings["copy"]), 2),
    }


async def transfer(sqlite_url: str, url: str, schema: str) -> dict[str, Any]:
    from sqlalchemy import text

    from storage.db import Database
    from storage.transfer import migrate_sqlite_to_postgres

    admin = Database.open(url)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        t0 = time.perf_counter()
        counts = await migrate_sqlite_to_postgres(sqlite_url, url, schema=schema)
        elapsed = time.perf_counter() - t0
    finally:
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await admin.close()
    rows = sum(counts.values())
    return {"rows": rows, "seconds": round(elapsed, 2), "rows_per_s": round(rows / elapsed)}


# --- the report ---------------------------------------------------------------------------------
def fmt(value: Any, unit: str = "", digits: int = 0) -> str:
    if value is None:
        return "—"
    if isinstance(value, int | float):
        return f"{value:,.{digits}f}{unit}"
    return str(value)


def table_rows(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(measure, sqlite, postgres, target) rows of the summary table."""
    b = report["backends"]
    sq, pg = b.get("sqlite", {}), b.get("postgres", {})

    def both(getter: Callable[[dict[str, Any]], str]) -> tuple[str, str]:
        def safe(d: dict[str, Any]) -> str:
            if not d:
                return "n/a"
            try:
                return getter(d)
            except (KeyError, TypeError):
                return "—"

        return safe(sq), safe(pg)

    def err(d: dict[str, Any], key: str) -> str | None:
        v = d.get(key, {})
        if "error" in v:
            return "error"
        if "skipped" in v:
            return "skipped"
        return None

    rows: list[tuple[str, str, str, str]] = []

    def add(label: str, key: str, getter: Callable[[dict[str, Any]], str], target: str) -> None:
        s, p = both(lambda d: err(d, key) or getter(d[key]))
        rows.append((label, s, p, target))

    add("generate: rows/s", "generate", lambda g: fmt(g["rows_per_s"]), "")
    add(
        "ingest: events/s",
        "ingest",
        lambda g: fmt(g["events_per_s"]),
        TARGETS["ingest_events_per_s"],
    )
    add("ingest: core / raw driver", "ingest", lambda g: fmt(g["ratio"], digits=2), "")
    add("ingest: raw COPY events/s", "ingest", lambda g: fmt(g.get("raw_copy_events_per_s")), "")
    add("import: messages/s (Slack)", "import", lambda g: fmt(g["messages_per_s"]), ">= 20,000")
    for label in ("commands", "commands after ANALYZE"):
        cases = {**sq.get(label, {}).get("cases", {}), **pg.get(label, {}).get("cases", {})}
        for case in cases:
            add(
                f"{label}: {case} p50 / p99",
                label,
                lambda g, case=case: (
                    f"{fmt(g['cases'][case]['p50_ms'], digits=1)} / "
                    f"{fmt(g['cases'][case]['p99_ms'], digits=1)} ms"
                ),
                TARGETS["command_p99_ms"] + " (p99)",
            )
    add(
        "who-knows (service) p50 / p99",
        "who-knows",
        lambda g: f"{fmt(g['p50_ms'], digits=1)} / {fmt(g['p99_ms'], digits=1)} ms",
        "< 50 ms (p99)",
    )
    add(
        "who-knows: topic backlog refresh",
        "who-knows",
        lambda g: fmt(g["refresh_seconds"], " s", 1),
        "",
    )
    add(
        "digest: build (median)",
        "digest",
        lambda g: fmt(g["median_ms"], " ms"),
        TARGETS["digest_s"],
    )
    intro = report.get("intros", {})
    if intro.get("round_s") is not None:
        rows.append(
            (
                f"intro round ({fmt(intro['members'])} members)",
                fmt(intro["round_s"], " s", 2),
                "(pure)",
                TARGETS["intro_round_s"],
            )
        )
        rows.append(
            (
                "intro quality (pruned/exact, min)",
                fmt(intro["min_quality_ratio"], digits=4),
                "(pure)",
                ">= 0.97",
            )
        )
    elif intro:
        rows.append(
            (
                "intro round",
                "error" if "error" in intro else "skipped",
                "",
                TARGETS["intro_round_s"],
            )
        )
    if "transfer" in report:
        t = report["transfer"]
        rows.append(("transfer SQLite → PostgreSQL rows/s", "", fmt(t.get("rows_per_s")), ""))
    for d in (sq, pg):
        peaks = {
            k: v.get("peak_mb") for k, v in d.items() if isinstance(v, dict) and k != "generate"
        }
        peaks = {k: v for k, v in peaks.items() if v}
        if peaks:
            worst = max(peaks, key=lambda k: peaks[k])
            d["_peak"] = (worst, peaks[worst])
    add_peak = [d.get("_peak") for d in (sq, pg)]
    rows.append(
        (
            "peak RSS of a bot phase (which)",
            f"{add_peak[0][1]:.0f} MB ({add_peak[0][0]})" if add_peak[0] else "n/a",
            f"{add_peak[1][1]:.0f} MB ({add_peak[1][0]})" if add_peak[1] else "n/a",
            TARGETS["peak_rss_mb"],
        )
    )
    for d in (sq, pg):
        d.pop("_peak", None)
    return rows


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    widths = [
        max(len(r[i]) for r in [("measure", "SQLite", "PostgreSQL", "target"), *rows])
        for i in range(4)
    ]
    header = ("measure", "SQLite", "PostgreSQL", "target")
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line)
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="task")
    pg = sub.add_parser("pg-ingest", help="(internal) PostgreSQL ingest bench, JSON out")
    pg.add_argument("--url", required=True)
    pg.add_argument("--events", type=int, default=200_000)
    tr = sub.add_parser("transfer", help="(internal) time storage.transfer, JSON out")
    tr.add_argument("--sqlite", required=True)
    tr.add_argument("--url", required=True)
    tr.add_argument("--schema", required=True)
    parser.add_argument("--quick", action="store_true", help="~1/10 scale")
    parser.add_argument("--only", help=f"comma-separated phases of: {', '.join(PHASES)}")
    parser.add_argument(
        "--keep", action="store_true", help="reuse an existing generated SQLite file"
    )
    parser.add_argument("--runs", type=int, default=None, help="runs per command case")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--out", default=str(OUT / "results.json"))
    args = parser.parse_args(argv)
    if args.task == "pg-ingest":
        print(json.dumps(asyncio.run(pg_ingest(args.url, args.events))))
        return 0
    if args.task == "transfer":
        print(json.dumps(asyncio.run(transfer(args.sqlite, args.url, args.schema))))
        return 0

    phases = set(args.only.split(",")) if args.only else set(PHASES)
    unknown = phases - set(PHASES)
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    quick = args.quick
    messages = 100_000 if quick else 1_000_000
    events = 20_000 if quick else 200_000
    runs = args.runs or (100 if quick else 300)
    OUT.mkdir(parents=True, exist_ok=True)
    scale = "quick" if quick else "full"
    backends = [Backend("sqlite", f"sqlite+aiosqlite:///{OUT / f'community-{scale}.db'}")]
    pg_url = os.environ.get("RHIZOME_TEST_POSTGRES_URL")
    if pg_url and not args.no_postgres:
        backends.append(Backend("postgres", pg_url, f"bench_{scale}"))
    report: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": scale,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "targets": TARGETS,
        "backends": {},
    }
    started = time.perf_counter()

    def step(name: str, what: str) -> None:
        print(f"[{time.perf_counter() - started:6.0f} s] {name}: {what}", flush=True)

    for b in backends:
        report["backends"][b.name] = b.results
        if "generate" in phases:
            step(b.name, "generate")
            phase_generate(b, quick, args.keep)
        if "who-knows" in phases:
            step(b.name, "who-knows")
            phase_who_knows(b)
        if "commands" in phases:
            step(b.name, "commands")
            phase_commands(b, runs)
            if b.name == "sqlite":
                seconds = analyze_sqlite(b.url)
                step(b.name, f"commands after ANALYZE ({seconds:.1f} s)")
                phase_commands(b, runs, "commands after ANALYZE")
                b.results["commands after ANALYZE"]["analyze_seconds"] = round(seconds, 2)
        if "ingest" in phases:
            step(b.name, "ingest")
            if b.name == "sqlite":
                phase_ingest_sqlite(b, events)
            else:
                phase_ingest_postgres(b, events)
        if b.name == "sqlite" and "import" in phases:
            step(b.name, "import")
            phase_import(b, messages)
        if b.name == "sqlite" and "digest" in phases:
            step(b.name, "digest")
            phase_digest(b, messages)
    if "transfer" in phases and len(backends) > 1:
        step("postgres", "transfer from SQLite")
        report["transfer"] = phase_transfer(backends[0], backends[1].url)
    if "intros" in phases:
        step("pure", "intros")
        report["intros"] = phase_intros(quick)
    report["seconds"] = round(time.perf_counter() - started, 1)
    print()
    print_table(table_rows(report))
    Path(args.out).write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print(f"\nwrote {args.out} ({report['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
