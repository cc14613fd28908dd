"""Benchmark for interests and introductions (pure parts).

Generates a seeded, heavy-tailed community (topics in clusters with Zipf popularity,
resources with 2-5 topics, members with Zipf-distributed activity), builds profiles, plans
an introduction round for 10,000 members and compares the pruned method's total score with
the exact optimum where the exact method still runs. Also times who-knows queries.

    python bench/intros.py            # full run (~1-2 minutes)
    python bench/intros.py --quick    # smaller sizes, a few seconds

Targets: 10k-member round < 10 s; pruned / exact >= 0.97.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.interests.profiles import (
    Evidence,
    EvidenceKind,
    ExpertIndex,
    Profile,
    build_profile,
    suggest_topics,
)
from bot.interests.topics import ResourceText, TopicExtractor, normalize_topic
from bot.intros.explain import explain_group, explain_pair, focus, nameable
from bot.intros.matching import (
    Candidate,
    Constraints,
    RoundHistory,
    plan_round,
)

NOW = datetime(2025, 6, 1, tzinfo=UTC)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Resource:
    id: int
    title: str
    url: str
    topics: tuple[tuple[str, float], ...]
    cluster: int


@dataclass
class Community:
    topics: list[str]
    clusters: list[list[str]]
    resources: list[Resource]
    by_cluster: list[list[Resource]]
    evidence: dict[int, list[Evidence]]


def _zipf_weights(n: int, s: float) -> list[float]:
    return [1.0 / (i + 1) ** s for i in range(n)]


_SYLLABLES = [c + v for c in "bdfgklmnprtvz" for v in ("a", "e", "i", "o", "u", "an", "or", "el")]


def _topic_names(count: int, rng: random.Random) -> list[str]:
    """Pronounceable made-up topic names that normalize to themselves ("kelvor", "dazun")."""
    names: dict[str, None] = {}
    while len(names) < count:
        name = "".join(rng.choices(_SYLLABLES, k=rng.randint(2, 3)))
        if rng.random() < 0.15:
            name += " " + "".join(rng.choices(_SYLLABLES, k=2))
        if normalize_topic(name) == name:
            names[name] = None
    return list(names)


def generate(members: int, resources: int, seed: int = 7) -> Community:
    rng = random.Random(seed)
    n_clusters = max(20, min(300, resources // 300))
    per_cluster = 25
    topics = _topic_names(n_clusters * per_cluster, rng)
    clusters = [topics[c * per_cluster : (c + 1) * per_cluster] for c in range(n_clusters)]
    cluster_w = _zipf_weights(n_clusters, 1.0)
    topic_w = _zipf_weights(per_cluster, 1.1)
    channels = [f"chan{c % 40}" for c in range(n_clusters)]

    res: list[Resource] = []
    by_cluster: list[list[Resource]] = [[] for _ in range(n_clusters)]
    cluster_of = rng.choices(range(n_clusters), cluster_w, k=resources)
    for rid, c in enumerate(cluster_of):
        k = rng.randint(2, 5)
        chosen = dict.fromkeys(rng.choices(clusters[c], topic_w, k=k))
        if rng.random() < 0.3:
            other = rng.choices(range(n_clusters), cluster_w)[0]
            chosen[rng.choices(clusters[other], topic_w)[0]] = None
        tw = tuple((t, round(1.0 / (1 + 0.5 * i), 3)) for i, t in enumerate(chosen))
        r = Resource(rid, f"Resource {rid} on {tw[0][0]}", f"https://example.org/r/{rid}", tw, c)
        res.append(r)
        by_cluster[c].append(r)

    kinds = [EvidenceKind.SHARED, EvidenceKind.REPLIED, EvidenceKind.REACTED, EvidenceKind.ASKED]
    kind_w = [0.2, 0.3, 0.4, 0.1]
    evidence: dict[int, list[Evidence]] = {}
    for mid in range(1, members + 1):
        interests = list(
            dict.fromkeys(rng.choices(range(n_clusters), cluster_w, k=rng.randint(1, 4)))
        )
        activity = min(400, max(1, int(rng.paretovariate(1.3) * 4)))
        items: list[Evidence] = []
        for _ in range(activity):
            c = rng.choice(interests)
            pool = by_cluster[c] or res
            r = (
                pool[min(len(pool) - 1, int(rng.paretovariate(0.8)) - 1)]
                if rng.random() < 0.5
                else rng.choice(pool)
            )
            kind = rng.choices(kinds, kind_w)[0]
            items.append(
                Evidence(
                    kind=kind,
                    topics=r.topics,
                    at=NOW - timedelta(days=rng.expovariate(1 / 120)),
                    resource_title=r.title,
                    resource_url=r.url,
                    snippet="how do I use this?" if kind is EvidenceKind.ASKED else None,
                    channel=channels[r.cluster],
                    resource_id=r.id,
                )
            )
        if rng.random() < 0.2:
            for _ in range(rng.randint(1, 3)):
                items.append(Evidence.declared(rng.choice(clusters[rng.choice(interests)])))
        evidence[mid] = items
    return Community(topics, clusters, res, by_cluster, evidence)


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def history_for(profiles: list[Profile], rounds: int, seed: int) -> RoundHistory:
    """Random past rounds, so the repeat constraint takes part in the work."""
    rng = random.Random(seed)
    ids = [p.member_id for p in profiles]
    past = []
    for number in range(1, rounds + 1):
        rng.shuffle(ids)
        past.append((number, [tuple(ids[i : i + 2]) for i in range(0, len(ids) - 1, 2)]))
    return RoundHistory.from_rounds(rounds + 1, past)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a short run")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    members, resources = (2_000, 20_000) if args.quick else (10_000, 100_000)
    exact_sizes = (200, 500) if args.quick else (200, 500, 1000)
    rows: list[tuple[str, str, str]] = []

    def row(what: str, value: str, note: str = "") -> None:
        rows.append((what, value, note))
        print(f"  {what:<44} {value:>14}  {note}", flush=True)

    print(f"intros bench: {members:,} members, {resources:,} resources, seed {args.seed}")
    community, t_gen = timed(lambda: generate(members, resources, args.seed))
    n_ev = sum(len(v) for v in community.evidence.values())
    row("generate community", f"{t_gen:.2f} s", f"{n_ev:,} evidence items")

    # Topic extraction cost (YAKE on metadata + token path on chat), on a sample.
    extractor = TopicExtractor()
    sample = [
        ResourceText(
            title=f"Understanding {r.topics[0][0]} in depth: a practical guide",
            description="A long-form tutorial about "
            + ", ".join(t for t, _ in r.topics)
            + " with worked examples, benchmarks and pitfalls to avoid in production.",
            messages=(f"great read on {r.topics[0][0]} #{r.topics[-1][0]}", "thanks for sharing"),
            channel_name="reading-list",
        )
        for r in community.resources[:300]
    ]
    _, t_obs = timed(lambda: extractor.observe(sample))
    _, t_top = timed(lambda: [extractor.topics(d) for d in sample])
    per_doc = t_top / len(sample) * 1000
    row(
        "topics(): per resource (YAKE + tokens)",
        f"{per_doc:.2f} ms",
        f"=> {per_doc * 100:.0f} s per 100k",
    )
    row("observe(): per resource (df counts)", f"{t_obs / len(sample) * 1000:.3f} ms")

    profiles, t_prof = timed(
        lambda: [build_profile(mid, ev, NOW, 90.0) for mid, ev in community.evidence.items()]
    )
    row("build profiles", f"{t_prof:.2f} s", f"{len(profiles):,} members")

    # Who knows: index once, query many times.
    index, t_index = timed(lambda: ExpertIndex(profiles))
    row("who-knows index build", f"{t_index * 1000:.0f} ms")
    rng = random.Random(args.seed)
    queries = rng.choices(community.topics, k=2000) + ["nonexistent topic"] * 50
    lat = []
    for q in queries:
        start = time.perf_counter()
        index.who_knows(q, 5)
        lat.append(time.perf_counter() - start)
    lat.sort()
    p50, p99 = lat[len(lat) // 2], lat[int(len(lat) * 0.99)]
    row("who-knows query p50 / p99", f"{p50 * 1e3:.3f} / {p99 * 1e3:.3f} ms", f"{len(lat)} queries")
    topics_map = index.topics()
    _, t_sug = timed(lambda: suggest_topics(community.topics[3][:-1] + "x", topics_map))
    row("suggest_topics over all topics", f"{t_sug * 1000:.1f} ms", f"{len(topics_map):,} topics")

    # A full round, as the service plans it: what each member could be named for, and the
    # intro's own check on the pairs chosen; beside it the same round on scores alone.
    by_id = {p.member_id: p for p in profiles}
    cut = {p.member_id: focus(p) for p in profiles}
    named, t_named = timed(lambda: [nameable(p) for p in profiles])
    row("what intros could name, per member", f"{t_named / len(profiles) * 1e3:.3f} ms", "")
    cands = [Candidate.from_profile(p, n) for p, n in zip(profiles, named, strict=True)]
    plain = [Candidate.from_profile(p) for p in profiles]
    checks = 0

    def explains(a: int, b: int) -> bool:
        nonlocal checks
        checks += 1
        return bool(explain_pair(cut[a], cut[b], not_met=True, focused=True).reasons)

    history = history_for(profiles, 12, args.seed)
    rng.shuffle(ids := [p.member_id for p in profiles])
    not_with = frozenset(frozenset(ids[i : i + 2]) for i in range(0, min(len(ids), 400), 2))
    constraints = Constraints(not_with=not_with)
    base, t_base = timed(lambda: plan_round(plain, history, constraints, NOW))
    plan, t_round = timed(lambda: plan_round(cands, history, constraints, NOW, explains=explains))
    placed = sum(len(g) for g in plan.groups)
    target = "OK" if t_round < 10 else "SLOW (target < 10 s)"
    row(
        f"round, {len(cands):,} members ({plan.method})",
        f"{t_round:.2f} s",
        f"{target}; {len(plan.groups):,} groups, {placed:,} placed, {len(plan.unmatched)} unmatched",
    )

    def with_reason(groups: tuple[tuple[int, ...], ...]) -> int:
        return sum(bool(explain_group([by_id[i] for i in g], not_met=True).reasons) for g in groups)

    row(
        "  same round on scores alone (baseline)",
        f"{t_base:.2f} s",
        f"x{t_round / t_base:.2f}; groups with a reason {with_reason(base.groups):,} -> "
        f"{with_reason(plan.groups):,} ({checks:,} pairs checked)",
    )

    # Quality of the pruned method against the exact optimum.
    ratios = []
    for size in exact_sizes:
        sub = rng.sample(cands, size)
        exact, t_exact = timed(
            lambda sub=sub, size=size: plan_round(
                sub, history, constraints, NOW, exact_threshold=size
            )
        )
        pruned, t_pruned = timed(
            lambda sub=sub: plan_round(sub, history, constraints, NOW, exact_threshold=0)
        )
        ratio = pruned.total_score / exact.total_score if exact.total_score else 1.0
        ratios.append(ratio)
        flag = "OK" if ratio >= 0.97 else "LOW (target >= 0.97)"
        row(
            f"pruned / exact score, {size} members",
            f"{ratio:.4f}",
            f"{flag}; exact {t_exact:.2f} s, pruned {t_pruned:.2f} s",
        )

    print()
    print("summary")
    print(f"  {'measure':<44} {'value':>14}  note")
    print(f"  {'-' * 44} {'-' * 14}  {'-' * 30}")
    for what, value, note in rows:
        print(f"  {what:<44} {value:>14}  {note}")
    ok = t_round < 10 and min(ratios) >= 0.97
    print(
        f"\n  targets {'met' if ok else 'NOT met'} (round < 10 s, ratio >= 0.97; min ratio {min(ratios):.4f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
