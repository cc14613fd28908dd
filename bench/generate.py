"""Build a big, realistic synthetic community straight into a migrated Rhizome database.

Default scale: 10k members, 200 channels, 1M messages over a year, 100k resources, threads and
reactions — activity heavy-tailed the way real communities are (Zipf-like: a few members,
channels and links get most of it; links are re-shared by preferential attachment). Everything
follows from the seed, so two runs build the same community.

Rows are written directly with bulk inserts (sqlite3 executemany, or asyncpg COPY on
PostgreSQL) into the schema the migrations built — secondary indexes are dropped during the load
and rebuilt after, as any bulk load does — so a million messages take well under two minutes on
SQLite. Resources carry their `search_text` (same recipe as live ingest), so SQLite's FTS5
triggers and PostgreSQL's generated tsvector index them.

    python bench/generate.py --out bench/out/community.db           # 1M messages, SQLite
    python bench/generate.py --quick --out /tmp/small.db            # 1/10 scale
    python bench/generate.py --url postgresql+asyncpg://postgres@127.0.0.1/test --schema bench

The generation parameters (seed, scale, end time, community) are stored in `bot_state` under
`bench.generate`, so later benchmarks set their clock to the community's "now".
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import random
import sqlite3
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.engine import make_url

from storage import activity
from storage.db import Database
from storage.ingest import search_text

END = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday morning: "now" for the benchmarks
PLATFORM, COMMUNITY_ID, COMMUNITY_NAME = "slack", "TBENCH", "Bench Practice"
STATE_KEY = "bench.generate"
BATCH = 20_000

GENERAL = (
    "the a to and of is it this that for in on with you have just I we be at was what about "
    "really think good great thanks here there more some how like new read found nice anyone "
    "interesting useful look looks worth check also very today week post idea question answer "
    "agree maybe could would should time people work team thread write wrote notes learning "
    "practice community share shared sharing helpful clear explains detail details overview "
    "intro example examples long short summary article talk video slides paper book course"
).split()
TOPICS = (
    "rust async tokio python typing asyncio sqlalchemy postgres sqlite index query planner "
    "cache latency throughput kubernetes docker terraform ansible linux kernel networking tcp "
    "http grpc graphql rest api design patterns refactoring testing fuzzing property mutation "
    "benchmark profiling memory allocator garbage collector compiler llvm parser lexer grammar "
    "types inference haskell ocaml elixir erlang beam actors concurrency threads locks mutex "
    "channels ownership borrow lifetimes wasm webassembly javascript typescript react vue svelte "
    "css accessibility design usability research ethnography interviews survey statistics "
    "regression bayesian inference causal experiment ab pandas numpy polars arrow parquet duckdb "
    "spark kafka streaming batch etl warehouse lakehouse dbt airflow dagster orchestration "
    "machine learning embeddings transformers attention llm finetuning evaluation prompts "
    "retrieval vector search ranking recommender graph network centrality community detection "
    "visualization d3 charts dashboards maps geospatial gis openstreetmap climate energy "
    "security cryptography tls oauth authentication authorization privacy gdpr audit logging "
    "observability tracing metrics alerts incidents postmortem sre reliability chaos resilience "
    "pedagogy teaching mentoring onboarding documentation writing technical communication "
    "connectivism learning networks knowledge management wiki notes zettelkasten obsidian"
).split()
EMOJI = ("+1", "tada", "heart", "eyes", "rocket", "bulb", "thinking_face", "100", "pray", "fire")
FIRST = "ana ben cy dee eli fay gus hal ivy jo kai lea max nia oz pia quin ray sol tea uma vic wen xia yan zoe".split()
LAST = "ng diaz kim moreau okafor silva tanaka weber rossi novak haddad lund park ortiz ivanova".split()
DOMAINS_TOP = tuple(
    "github.com arxiv.org youtube.com medium.com en.wikipedia.org news.ycombinator.com "
    "stackoverflow.com dev.to docs.python.org doc.rust-lang.org blog.rust-lang.org "
    "martinfowler.com lwn.net increment.com queue.acm.org substack.com notion.so figma.com".split()
)


@dataclass(frozen=True, slots=True)
class Scale:
    members: int = 10_000
    channels: int = 200
    messages: int = 1_000_000
    resources: int = 100_000
    days: int = 365
    link_ratio: float = 0.15  # messages carrying a link (at least one per resource)
    thread_ratio: float = 0.3  # messages that are replies in a thread
    reactions_per_message: float = 0.3

    def scaled(self, factor: float) -> Scale:
        return replace(
            self,
            members=max(10, int(self.members * factor)),
            channels=max(3, int(self.channels * factor)),
            messages=max(10, int(self.messages * factor)),
            resources=max(1, int(self.resources * factor)),
        )

    @property
    def links(self) -> int:
        return min(self.messages, max(self.resources, int(self.messages * self.link_ratio)))


QUICK = Scale().scaled(0.1)


@dataclass
class Generated:
    url: str
    schema: str | None
    seed: int
    scale: Scale
    end: datetime
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def manifest(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "scale": asdict(self.scale),
            "end": self.end.isoformat(),
            "platform": PLATFORM,
            "community": COMMUNITY_ID,
            "counts": self.counts,
        }


class Zipf:
    """Draw indices 0..n-1 with weight 1/(rank+1)^s, ranks shuffled by the seed."""

    def __init__(self, n: int, s: float, rng: random.Random, shuffle: bool = True) -> None:
        self.order = list(range(n))
        if shuffle:
            rng.shuffle(self.order)
        self.cum = list(itertools.accumulate(1.0 / (i + 1) ** s for i in range(n)))
        self.total = self.cum[-1]
        self.rng = rng

    def __call__(self) -> int:
        return self.order[bisect.bisect_left(self.cum, self.rng.random() * self.total)]


# --- the community, as row tuples ---------------------------------------------------------------
@dataclass
class Rows:
    """Row tuples in the column order of `COLUMNS`, produced in FK-safe order."""

    table: str
    rows: list[tuple[Any, ...]]


COLUMNS: dict[str, tuple[str, ...]] = {
    "communities": ("id", "platform", "external_id", "name", "created_at"),
    "members": ("id", "community_id", "external_id", "display_name", "is_bot", "first_seen_at"),
    "member_settings": (
        "id", "community_id", "member_external_id", "tracking", "intros", "intros_paused_until",
        "updated_at",
    ),
    "channels": ("id", "community_id", "external_id", "name", "is_private", "tracked"),
    "messages": (
        "id", "community_id", "channel_id", "external_id", "author_id", "thread_external_id",
        "posted_at", "edited_at", "text",
    ),
    "reactions": ("id", "community_id", "message_id", "member_id", "emoji", "reacted_at"),
    "resources": (
        "id", "community_id", "canonical_url", "kind", "title", "description", "domain",
        "created_at", "search_text",
    ),
    "resource_urls": ("id", "resource_id", "original_url"),
    "shares": ("id", "community_id", "resource_id", "message_id", "member_id", "channel_id", "shared_at"),
    "bot_state": ("key", "value", "updated_at"),
}  # fmt: skip
LOADED = tuple(COLUMNS)


def community_rows(scale: Scale, seed: int, end: datetime) -> Iterator[Rows]:
    """The whole community, table by table in FK order; messages and reactions in batches."""
    rng = random.Random(seed)
    start = end - timedelta(days=scale.days)
    cid = 1
    yield Rows("communities", [(cid, PLATFORM, COMMUNITY_ID, COMMUNITY_NAME, start)])

    names = set()
    members = []
    for i in range(scale.members):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name in names:
            name = f"{name} {i}"
        names.add(name)
        joined = start + timedelta(days=rng.random() * scale.days * 0.5)
        members.append((i + 1, cid, f"U{i:07X}", name.title(), False, joined))
    yield Rows("members", members)
    settings = [
        (
            n + 1, cid, members[i][2], True, rng.random() < 0.6, None, start,
        )
        for n, i in enumerate(sorted(rng.sample(range(scale.members), max(1, scale.members // 50))))
    ]  # fmt: skip
    yield Rows("member_settings", settings)

    topic_of: list[list[str]] = []
    channels = []
    for c in range(scale.channels):
        cluster = rng.sample(TOPICS, 8)
        topic_of.append(cluster)
        channels.append((c + 1, cid, f"C{c:06X}", f"{cluster[0]}-{c}", c % 25 == 24, None))
    yield Rows("channels", channels)

    # Four in ten members never post (they read and react); posting is Zipf among the rest.
    posters = max(1, int(scale.members * 0.6))
    author = Zipf(posters, 0.9, rng)
    reactor = Zipf(scale.members, 0.8, rng)
    channel = Zipf(scale.channels, 0.9, rng)
    general = Zipf(len(GENERAL), 1.0, rng, shuffle=False)
    emoji = Zipf(len(EMOJI), 1.2, rng, shuffle=False)
    domain_count = max(50, scale.resources // 30)
    domain = Zipf(domain_count, 1.1, rng, shuffle=False)
    domains = DOMAINS_TOP + tuple(
        f"{rng.choice(TOPICS)}{k}.{rng.choice(('dev', 'io', 'org', 'net', 'blog'))}"
        for k in range(domain_count - len(DOMAINS_TOP))
    )

    n = scale.messages
    is_link = set(rng.sample(range(n), scale.links))
    new_left, links_left = scale.resources, scale.links
    step = (end - start) / n
    roots: list[deque[str]] = [deque(maxlen=40) for _ in range(scale.channels)]
    shares: list[tuple[int, int, int, int, int, datetime]] = []  # (rid, mid, member, ch, at)
    # One entry per share, so popular links get re-shared more (preferential attachment);
    # mostly within the channel that saw them, sometimes across the community.
    share_pool: list[int] = []
    channel_pool: list[list[int]] = [[] for _ in range(scale.channels)]
    resources: list[list[Any]] = []  # [url, domain, title, kind, created_at, texts, chars]
    extra_urls: list[tuple[int, str]] = []
    messages: list[tuple[Any, ...]] = []
    reactions: list[tuple[Any, ...]] = []
    reaction_id = 0
    for i in range(n):
        mid = i + 1
        at = start + step * (i + rng.random() * 0.9)
        ch = channel()
        who = author() + 1
        cluster = topic_of[ch]
        words = [GENERAL[general()] for _ in range(rng.randint(3, 14))]
        words += rng.choices(cluster, k=rng.randint(1, 3))
        rng.shuffle(words)
        text = " ".join(words)
        thread = None
        if roots[ch] and rng.random() < scale.thread_ratio:
            recent = roots[ch]
            thread = recent[-1 - min(len(recent) - 1, int(rng.expovariate(0.3)))]
        ext = f"{int(at.timestamp())}.{i % 1_000_000:06d}"
        link = i in is_link
        if link:
            if new_left and (not share_pool or rng.random() < new_left / links_left):
                rid = len(resources) + 1
                new_left -= 1
                dom = domains[domain()]
                slug = "-".join(rng.sample(cluster, 2))
                kind = "file" if rng.random() < 0.04 else "link"
                if kind == "file":
                    dom = "files.slack.com"
                url = f"https://{dom}/{slug}/{rid}"
                title = (
                    " ".join(w.capitalize() for w in rng.sample(cluster, rng.randint(2, 4)))
                    if rng.random() < 0.6
                    else None
                )
                resources.append([url, dom, title, kind, at, [], 0])
            else:
                pool = channel_pool[ch] if channel_pool[ch] and rng.random() < 0.8 else share_pool
                rid = pool[rng.randrange(len(pool))]
            links_left -= 1
            share_pool.append(rid)
            channel_pool[ch].append(rid)
            res = resources[rid - 1]
            original = res[0]
            if rng.random() < 0.15:
                original += f"?utm_source={rng.choice(GENERAL)}"
                extra_urls.append((rid, original))
            text = f"{text} {original}"
            if res[6] < 4000:
                res[5].append(text)
                res[6] += len(text)
            shares.append((rid, mid, who, ch + 1, at))
        if thread is None:
            roots[ch].append(ext)
        messages.append((mid, cid, ch + 1, ext, who, thread, at, None, text))

        lam = scale.reactions_per_message * (2.5 if link else 0.75)
        if rng.random() < lam / 2.1:
            count = min(25, int(rng.paretovariate(1.6)))
            seen: set[tuple[int, str]] = set()
            for _ in range(count):
                key = (reactor() + 1, EMOJI[emoji()])
                if key in seen or key[0] == who:
                    continue
                seen.add(key)
                reaction_id += 1
                when = min(end, at + timedelta(minutes=rng.expovariate(1 / 120)))
                reactions.append((reaction_id, cid, mid, key[0], key[1], when))
        if len(messages) >= BATCH:
            yield Rows("messages", messages)
            yield Rows("reactions", reactions)
            messages, reactions = [], []
    yield Rows("messages", messages)
    yield Rows("reactions", reactions)

    rows = []
    for rid, (url, dom, title, kind, at, texts, _) in enumerate(resources, 1):
        rows.append(
            (rid, cid, url, kind, title, None, dom, at, search_text(title, None, url, texts))
        )
        if len(rows) >= BATCH:
            yield Rows("resources", rows)
            rows = []
    yield Rows("resources", rows)
    urls = [(rid, r[0]) for rid, r in enumerate(resources, 1)] + sorted(set(extra_urls))
    yield Rows("resource_urls", [(n, rid, u) for n, (rid, u) in enumerate(urls, 1)])
    yield Rows(
        "shares",
        [(n, cid, rid, mid, who, ch, at) for n, (rid, mid, who, ch, at) in enumerate(shares, 1)],
    )


# --- writers ------------------------------------------------------------------------------------
def _sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):  # SQLAlchemy's SQLite DATETIME storage format (UTC, no zone)
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, bool):
        return int(v)
    return v


def write_sqlite(
    path: str, parts: Iterable[Rows], on_rows: Callable[[str, int], None], analyze: bool = False
) -> None:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-131072")
    con.execute("PRAGMA temp_store=MEMORY")
    indexes = [
        (name, sql)
        for name, sql in con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({','.join('?' * len(LOADED))})",
            LOADED,
        )
    ]
    con.execute("BEGIN")
    for name, _ in indexes:
        con.execute(f'DROP INDEX "{name}"')
    for statement in activity.drop_triggers_sql("sqlite"):  # filled once, after the load
        con.execute(statement)
    for part in parts:
        if not part.rows:
            continue
        cols = COLUMNS[part.table]
        sql = f"INSERT INTO {part.table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        con.executemany(sql, ([_sqlite_value(v) for v in row] for row in part.rows))
        on_rows(part.table, len(part.rows))
    for _, sql in indexes:
        con.execute(sql)
    for statement in activity.fill_sql() + activity.create_triggers_sql("sqlite"):
        con.execute(statement)
    con.execute("COMMIT")
    if analyze:
        con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


async def write_postgres(
    url: str, schema: str | None, parts: Iterable[Rows], on_rows: Callable[[str, int], None]
) -> None:
    import asyncpg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    con = await asyncpg.connect(dsn, server_settings={"search_path": schema} if schema else {})
    try:
        async with con.transaction():
            indexes = await con.fetch(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename = ANY($1::text[]) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname "
                "AND c.connamespace = to_regnamespace(current_schema()))",
                list(LOADED),
            )
            for ix in indexes:
                await con.execute(f'DROP INDEX "{ix["indexname"]}"')
            for statement in activity.drop_triggers_sql("postgresql"):
                await con.execute(statement)
            for part in parts:
                if part.rows:
                    await con.copy_records_to_table(
                        part.table, records=part.rows, columns=list(COLUMNS[part.table])
                    )
                    on_rows(part.table, len(part.rows))
            for ix in indexes:
                await con.execute(ix["indexdef"])
            for statement in activity.fill_sql() + activity.create_triggers_sql("postgresql"):
                await con.execute(statement)
            for table, cols in COLUMNS.items():
                if cols[0] == "id":
                    await con.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
                    )
        # A bulk load leaves no visibility map: without VACUUM, index-only scans visit the heap.
        await con.execute("VACUUM ANALYZE")
    finally:
        await con.close()


# --- entry points -------------------------------------------------------------------------------
class NotEmpty(Exception):
    pass


async def prepare(url: str, schema: str | None, force: bool) -> None:
    """Migrate the target; refuse (or with `force`, wipe) one that already holds a community."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" and schema:
        from sqlalchemy import text

        admin = Database.open(url)
        async with admin.engine.begin() as conn:
            if force:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await admin.close()
    db = Database.open(url, schema=schema)
    try:
        await db.migrate()
        from sqlalchemy import func, select

        from storage import models as m

        async with db.read() as conn:
            held = (await conn.execute(select(func.count()).select_from(m.communities))).scalar()
        if held:
            raise NotEmpty(
                f"{url} already holds {held} communit{'y' if held == 1 else 'ies'}; "
                "pass --force to rebuild it (SQLite file or --schema only)"
            )
    finally:
        await db.close()


def generate(
    url: str,
    scale: Scale = Scale(),
    *,
    seed: int = 1,
    schema: str | None = None,
    force: bool = False,
    end: datetime = END,
    verbose: bool = False,
    analyze: bool = False,
) -> Generated:
    """Build the community into `url` (SQLite or PostgreSQL); returns counts and timing.

    PostgreSQL is always analyzed afterwards (autovacuum would do it within minutes); SQLite
    only with `analyze`, since the bot itself does not run ANALYZE (compare both).
    """
    started = time.perf_counter()
    parsed = make_url(url)
    if force and parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
    asyncio.run(prepare(url, schema, force))
    result = Generated(url, schema, seed, scale, end)
    counts = result.counts

    def on_rows(table: str, n: int) -> None:
        counts[table] = counts.get(table, 0) + n
        if verbose and table == "messages" and counts[table] % 100_000 < n:
            print(
                f"  {counts[table]:>10,} messages  {time.perf_counter() - started:6.1f} s",
                flush=True,
            )

    def parts() -> Iterator[Rows]:
        yield from community_rows(scale, seed, end)
        manifest = json.dumps(result.manifest() | {"counts": None})
        yield Rows("bot_state", [(STATE_KEY, manifest, end)])

    if parsed.get_backend_name() == "sqlite":
        write_sqlite(parsed.database or "", parts(), on_rows, analyze)
    else:
        asyncio.run(write_postgres(url, schema, parts(), on_rows))
    counts.pop("bot_state", None)
    result.seconds = time.perf_counter() - started
    return result


def parse_scale(args: argparse.Namespace) -> Scale:
    base = QUICK if args.quick else Scale()
    picks = {k: getattr(args, k) for k in ("members", "channels", "messages", "resources", "days")}
    return replace(base, **{k: v for k, v in picks.items() if v is not None})


def add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="1/10 scale (100k messages)")
    parser.add_argument("--members", type=int)
    parser.add_argument("--channels", type=int)
    parser.add_argument("--messages", type=int)
    parser.add_argument("--resources", type=int)
    parser.add_argument("--days", type=int)
    parser.add_argument("--seed", type=int, default=1)


def target_url(args: argparse.Namespace) -> str:
    if args.url:
        return str(args.url)
    return f"sqlite:///{Path(args.out).resolve()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_scale_arguments(parser)
    parser.add_argument("--out", default="bench/out/community.db", help="SQLite file")
    parser.add_argument("--url", help="database URL instead of --out (SQLite or PostgreSQL)")
    parser.add_argument("--schema", help="PostgreSQL schema (created if missing)")
    parser.add_argument("--force", action="store_true", help="rebuild a non-empty target")
    parser.add_argument("--analyze", action="store_true", help="ANALYZE a SQLite target after")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    url = target_url(args)
    if make_url(url).get_backend_name() == "sqlite":
        url = make_url(url).set(drivername="sqlite+aiosqlite").render_as_string(False)
        Path(make_url(url).database or "").parent.mkdir(parents=True, exist_ok=True)
    scale = parse_scale(args)
    try:
        result = generate(
            url,
            scale,
            seed=args.seed,
            schema=args.schema,
            force=args.force,
            verbose=not args.json,
            analyze=args.analyze,
        )
    except NotEmpty as e:
        print(f"generate: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.manifest() | {"seconds": round(result.seconds, 2), "url": url}))
        return 0
    print(f"built {url} in {result.seconds:.1f} s (seed {args.seed})")
    for table, n in result.counts.items():
        print(f"  {table:<16} {n:>12,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
