"""Wordings that mean the same subject, so a question finds people however it is phrased.

Members write `ml` or `machine learning`, `graph ql` or `graphql`, `viz` or `visualization`,
`postgrs` or `postgres`. Each rule below is general, and each relation carries a weight and
a reason the reply can show:

- the same letters once spaces, hyphens and dots are gone (`graph ql` = `graphql`);
- an acronym of a topic the community uses (`ml` = `machine learning`, both ways);
- a common abbreviation (`viz`, `k8s`, `db`...; moderators add their own as aliases);
- a longer topic that contains the word (`rust` -> `async rust`), weaker;
- a near-identical spelling of a known topic (a typo), when the query itself is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

__all__ = ["ABBREVIATIONS", "Related", "TopicIndex", "related_topics"]

# Abbreviations common across communities of practice; config aliases come on top.
ABBREVIATIONS: Mapping[str, str] = {
    "viz": "visualization",
    "dataviz": "data visualization",
    "vis": "visualization",
    "k8s": "kubernetes",
    "js": "javascript",
    "ts": "typescript",
    "py": "python",
    "db": "database",
    "ml": "machine learning",
    "dl": "deep learning",
    "rl": "reinforcement learning",
    "ai": "artificial intelligence",
    "nlp": "natural language processing",
    "cv": "computer vision",
    "fp": "functional programming",
    "oop": "object oriented programming",
    "hpc": "high performance computing",
    "ci": "continuous integration",
    "gc": "garbage collection",
    "ui": "user interface",
    "ux": "user experience",
    "os": "operating system",
    "pl": "programming language",
    "stats": "statistics",
    "perf": "performance",
    "docs": "documentation",
    "doc": "documentation",
    "repo": "repository",
    "config": "configuration",
    "auth": "authentication",
    "gql": "graphql",
    "pg": "postgres",
    "postgresql": "postgres",
    "de": "differential equation",
    "ode": "differential equation",
    "diffeq": "differential equation",
    "plots": "plot",
}

SAME = 1.0
ACRONYM = 0.9
ACRONYM_GUESS = 0.5
ABBREVIATION = 0.9
TYPO = 0.85
CONTAINS = 0.5  # `rust` asked, `async rust` known: related, not the same


@dataclass(frozen=True, slots=True)
class Related:
    topic: str
    weight: float
    why: str  # "" for the topic itself; else how it relates, for the reply
    # A guess (`ad` for `automatic differentiation`) only fills an answer: `ca` may be a
    # certificate authority where `computed attribute` was asked.
    guess: bool = False


def _compact(topic: str) -> str:
    """`graph ql`, `graph-ql` and `graphql` are one spelling; so are the module `debug.trace`
    and the words `debug trace`."""
    return topic.replace(" ", "").replace("-", "").replace(".", "")


def _initials(topic: str) -> str:
    words = topic.split()
    return "".join(w[0] for w in words) if len(words) > 1 else ""


@dataclass
class TopicIndex:
    """A community's known topics, indexed once for `related_topics`."""

    topics: list[str]
    known: set[str] = field(init=False)
    compact: dict[str, list[str]] = field(init=False)
    initials: dict[str, list[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.known = set(self.topics)
        self.compact = {}
        self.initials = {}
        for t in self.topics:
            self.compact.setdefault(_compact(t), []).append(t)
            if _initials(t):
                self.initials.setdefault(_initials(t), []).append(t)


def related_topics(
    topic: str,
    index: TopicIndex,
    *,
    containing: Iterable[str] = (),
    abbreviations: Mapping[str, str] = ABBREVIATIONS,
) -> list[Related]:
    """The topics a who-knows for `topic` should count, strongest first: the topic itself,
    then its other wordings among the community's known topics, then the longer topics
    `containing` it."""
    found: dict[str, Related] = {topic: Related(topic, SAME, "")}

    def add(other: str, weight: float, why: str) -> None:
        if other and other not in found:
            found[other] = Related(other, weight, why)

    compact = _compact(topic)
    expanded = abbreviations.get(topic)
    if expanded is not None:
        add(expanded, ABBREVIATION, f"{topic} = {expanded}")
    for short, long in abbreviations.items():
        if long == topic:
            add(short, ABBREVIATION, f"{short} = {topic}")
    for other in index.compact.get(compact, ()):
        add(other, SAME, f"{other} = {topic}")
    if " " not in topic and 2 <= len(topic) <= 5:
        for other in index.initials.get(topic, ())[:3]:
            add(other, ACRONYM, f"{topic} = {other}")
    if " " in topic and len(_initials(topic)) >= 2:
        # `automatic differentiation` asked, `ad` known or only in members' own answers: a
        # guess, said, and only filling the answer (`ca` is a certificate authority where
        # `computed attribute` was asked). Known pairs are in `abbreviations`.
        initials = _initials(topic)
        weight = ACRONYM if initials in index.known else ACRONYM_GUESS
        found.setdefault(initials, Related(initials, weight, f"{initials} = {topic}?", guess=True))
    if topic not in index.known and len(topic) >= 5:
        for other, _, _ in process.extract(
            topic, index.topics, scorer=fuzz.ratio, score_cutoff=88, limit=2
        ):
            add(other, TYPO, f"spelled {other}")
    for other in containing:
        add(other, CONTAINS, "")
    return sorted(found.values(), key=lambda r: (-r.weight, r.topic))
