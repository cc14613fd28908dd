"""Wordings that mean the same subject, so a question finds people however it is phrased.

Members write `ml` or `machine learning`, `graph ql` or `graphql`, `viz` or `visualization`,
`postgrs` or `postgres`. Each rule below is general, and each relation carries a weight and
a reason the reply can show:

- the same letters once spaces, hyphens and dots are gone (`graph ql` = `graphql`);
- an acronym of a topic the community uses (`ml` = `machine learning`, both ways);
- a common abbreviation (`viz`, `k8s`, `db`...; moderators add their own as aliases);
- a longer topic that contains the word (`rust` -> `async rust`), weaker;
- a near-identical spelling of a known topic (a typo), when the query itself is unknown;
- the same word family (`idempotency`, `idempotence`; `reproducible`, `reproducibility`), by
  the Snowball stemmer, only to fill an answer;
- a katakana loanword and the English word it writes (`パーサ` = `parser`), from UniDic, or
  read aloud (`アプリカティブ` = `applicative`, `bot.interests.loanwords`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process

from bot.interests.loanwords import (
    english_words,
    english_written,
    is_katakana,
    may_be_loanword,
    reading_key,
    spoken_katakana,
)
from bot.interests.spellings import compact
from bot.interests.terms import loanword_origin, specificity

__all__ = [
    "ABBREVIATIONS",
    "ASKED_ALONE",
    "Related",
    "TopicIndex",
    "distinct_subjects",
    "one_subject",
    "phrase_parts",
    "related_topics",
]

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
    "env": "environment",
    "auth": "authentication",
    "gql": "graphql",
    "pg": "postgres",
    "postgresql": "postgres",
    "de": "differential equation",
    "ode": "differential equation",
    "diffeq": "differential equation",
    "plots": "plot",
}

# Subjects named by an everyday word: in chat `go` is a verb and never a topic, but asked or
# declared alone it is the language, which members also write `golang`.
ASKED_ALONE: Mapping[str, str] = {"go": "golang", "go lang": "golang"}

SAME = 1.0
ACRONYM = 0.9
ACRONYM_GUESS = 0.5
ABBREVIATION = 0.9
TYPO = 0.85
CONTAINS = 0.5  # `rust` asked, `async rust` known: related, not the same
TRANSLATION = 0.9  # `parser` for `パーサ`: one word in two scripts
FAMILY = 0.8  # `idempotence` for `idempotency`: the same word, another ending
PART = 0.3  # `reproducibility` for `reproducible research`: one telling word of a phrase
_MIN_STEM = 5  # shorter stems join too much (`art` of `article`, `artist`)
_FAMILY_SCAN = 400  # known topics read after the stem's place, at most


@dataclass(frozen=True, slots=True)
class Related:
    topic: str
    weight: float
    why: str  # "" for the topic itself; else how it relates, for the reply
    # A guess (`ad` for `automatic differentiation`) only fills an answer: `ca` may be a
    # certificate authority where `computed attribute` was asked.
    guess: bool = False


def _initials(topic: str) -> str:
    words = topic.split()
    return "".join(w[0] for w in words) if len(words) > 1 else ""


@lru_cache(maxsize=50_000)
def _stems(topic: str) -> str:
    return " ".join(_stemmer().stemWords(topic.split()))


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


@dataclass
class TopicIndex:
    """A community's known topics, indexed once for `related_topics`."""

    topics: list[str]
    known: set[str] = field(init=False)
    ordered: list[str] = field(init=False)  # for the word families, found by prefix
    compact: dict[str, list[str]] = field(init=False)
    initials: dict[str, list[str]] = field(init=False)
    loanwords: dict[str, list[str]] = field(init=False)  # `parser` -> [`パーサ`]
    # Only where the community writes katakana: its loanwords by reading, and the English
    # words they may write (`bot.interests.loanwords`).
    katakana: dict[str, list[str]] = field(init=False)
    english: list[str] = field(init=False)

    def family(self, topic: str, limit: int = 3) -> list[str]:
        """Known topics of the same word family (`idempotence` for `idempotency`): the same
        stems, word for word. Read from the topics sharing the first word's stem as a prefix,
        so no stem is computed for the rest of the vocabulary."""
        if not topic.isascii():
            return []
        stems = _stems(topic)
        first = stems.split(" ", 1)[0]
        if len(first) < _MIN_STEM:
            return []
        found: list[str] = []
        start = bisect.bisect_left(self.ordered, first)
        words = topic.count(" ")
        for other in self.ordered[start : start + _FAMILY_SCAN]:
            if not other.startswith(first):
                break
            # as many words, or the stems cannot agree: most topics after `detail` are
            # phrases (`detail note`), and stemming each had cost a first query ~20 ms
            if other != topic and other.count(" ") == words and _stems(other) == stems:
                found.append(other)
                if len(found) >= limit:
                    break
        return found

    def __post_init__(self) -> None:
        self.known = set(self.topics)
        self.ordered = sorted(self.topics)
        self.compact = {}
        self.initials = {}
        self.loanwords = {}
        self.katakana = {}
        for t in self.topics:
            if is_katakana(t) and may_be_loanword(t):
                self.katakana.setdefault(reading_key(t), []).append(t)
            self.compact.setdefault(compact(t), []).append(t)
            origin = loanword_origin(t) if not t.isascii() else None
            if origin is not None:
                self.loanwords.setdefault(origin, []).append(t)
            if _initials(t):
                self.initials.setdefault(_initials(t), []).append(t)
        self.english = english_words(self.topics) if self.katakana else []

    def written_as(self, topic: str) -> list[str]:
        """The community's own wordings of `topic` in the other script, read aloud:
        `applicative` for `アプリカティブ`, and `アプリカティブ` for `applicative`."""
        if not self.katakana:
            return []
        if is_katakana(topic):
            return english_written(topic, self.english)
        spelled = spoken_katakana(topic)
        if spelled is None:
            return []
        # The topics known by that reading, and the usual spelling: members' topics from
        # their answers alone are no resource's, so not in this index.
        found = self.katakana.get(reading_key(spelled), [])
        return found if spelled in found else [*found, spelled]


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

    letters = compact(topic)
    expanded = abbreviations.get(topic)
    if expanded is not None:
        add(expanded, ABBREVIATION, f"{topic} = {expanded}")
    for short, long in abbreviations.items():
        if long == topic:
            add(short, ABBREVIATION, f"{short} = {topic}")
    for other in index.compact.get(letters, ()):
        add(other, SAME, f"{other} = {topic}")
    origin = loanword_origin(topic) if not topic.isascii() else None
    if origin is not None:
        add(origin, TRANSLATION, f"{topic} = {origin}")
    for other in index.loanwords.get(topic, ()):
        add(other, TRANSLATION, f"{other} = {topic}")
    for other in index.written_as(topic):
        add(other, TRANSLATION, f"{other} = {topic}" if topic.isascii() else f"{topic} = {other}")
    if " " not in topic and 2 <= len(topic) <= 5:
        for other in index.initials.get(topic, ())[:3]:
            add(other, ACRONYM, f"{topic} = {other}")
    if " " in topic and len(_initials(topic)) >= 2:
        # `automatic differentiation` asked, `ad` known or only in members' own answers: a
        # guess, said, and only filling the answer (`ca` is a certificate authority where
        # `computed attribute` was asked). Known pairs are in `abbreviations`.
        initials = _initials(topic)
        weight = ACRONYM if initials in index.known else ACRONYM_GUESS
        found.setdefault(
            initials, Related(initials, weight, f"{initials}, if it stands for {topic}", guess=True)
        )
    # A typo only where the community knows no spelling of the words (`pirate chain` asked,
    # `piratechain` known: `private chain` is another subject, not a slip of the keyboard).
    if topic not in index.known and not index.compact.get(letters) and len(topic) >= 5:
        for other, _, _ in process.extract(
            topic, index.topics, scorer=fuzz.ratio, score_cutoff=88, limit=2
        ):
            add(other, TYPO, f"spelled {other}")
    for other in index.family(topic):
        found.setdefault(other, Related(other, FAMILY, f"{other} ~ {topic}", guess=True))
    for other in containing:
        add(other, CONTAINS, "")
    return sorted(found.values(), key=lambda r: (-r.weight, r.topic))


def phrase_parts(phrase: str, index: TopicIndex) -> list[Related]:
    """For an English phrase nobody used, its telling words (rare in everyday English) as
    members wrote them: `reproducible research` -> `reproducibility`. Only to fill an answer;
    the phrase's head word (`sdk` of `python sdk`) is the caller's."""
    words = phrase.split()
    if len(words) < 2 or not phrase.isascii():
        return []
    out: dict[str, Related] = {}
    for i, word in enumerate(words):
        if specificity(word) < 1.0:
            continue  # `research`, `web`: everyday words say nothing alone
        own = [word] if word in index.known and i < len(words) - 1 else []
        for other in own + index.family(word):
            out.setdefault(other, Related(other, PART, f"{other} ~ {phrase}", guess=True))
    return list(out.values())


def one_subject(a: str, b: str) -> bool:
    """Do two topics of one list name one subject: the same letters (`datajam`, `data jam`),
    the same word family (`backport`, `backporting`), or one is the other with words added
    (`csv`, `csv file`; `プレース` inside `プレースホルダ`)?"""
    if compact(a) == compact(b):
        return True
    if a.isascii() and b.isascii():
        if _stems(a) == _stems(b):
            return True
        return f" {a} " in f" {b} " or f" {b} " in f" {a} "
    return a in b or b in a


def distinct_subjects(topics: Iterable[str]) -> list[str]:
    """Topics as a list shows them: the first of each subject only, so five slots name five
    subjects and not `datajam`, `data jam` and `datajam team`."""
    kept: list[str] = []
    for topic in topics:
        if not any(one_subject(topic, k) for k in kept):
            kept.append(topic)
    return kept
