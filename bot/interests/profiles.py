"""Member profiles: what each member knows and wants to learn, with the evidence for it.

Pure: the caller gathers `Evidence` (what a member shared, replied about, reacted to, asked
or declared, with the topics of the resource involved) and a time; everything here is
arithmetic on that. Questions are kept apart from knowledge, because someone asking "how do
I cancel tokio tasks?" wants to learn about tokio, which is what makes good introductions.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from rapidfuzz import fuzz, process

from bot.interests.related import one_subject
from bot.interests.topics import normalize_topic
from bot.questions import is_question

__all__ = [
    "DEFAULT_HALF_LIFE_DAYS",
    "DEFAULT_WEIGHTS",
    "Evidence",
    "EvidenceKind",
    "Expert",
    "ExpertIndex",
    "Profile",
    "build_profile",
    "is_question",
    "shown_wants",
    "suggest_topics",
    "who_knows",
]

DEFAULT_HALF_LIFE_DAYS = 180.0


class EvidenceKind(StrEnum):
    SHARED = "shared"
    REPLIED = "replied"
    REACTED = "reacted"
    ASKED = "asked"
    DECLARED = "declared"  # `interests add`: never decays
    ANSWERED = "answered"  # a substantive reply to someone else's question
    THANKED = "thanked"  # someone else thanked them by name (`bot.interests.thanks`)
    INTRODUCED = "introduced"  # said so introducing themselves (`bot.interests.introductions`)
    SAID = "said"  # named it in plain words; only fills a short who-knows (`bot.interests.said`)


DEFAULT_WEIGHTS: Mapping[EvidenceKind, float] = {
    EvidenceKind.SHARED: 3.0,
    EvidenceKind.REPLIED: 2.0,
    EvidenceKind.REACTED: 1.0,
    EvidenceKind.ASKED: 2.0,
    EvidenceKind.DECLARED: 2.5,
    EvidenceKind.ANSWERED: 4.0,
    # As strong as an answer: the one who was helped says so, and says with what.
    EvidenceKind.THANKED: 4.0,
    # Their own words, as a declared interest: "my research is on X" is not yet shown knowledge.
    EvidenceKind.INTRODUCED: 2.5,
}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One thing a member did that says something about their interests.

    `topics` are the resource's (or message's) topics with weights in (0, 1]; for a declared
    interest, the one topic with weight 1. `snippet` is the member's own message text, if any.
    """

    kind: EvidenceKind
    topics: tuple[tuple[str, float], ...]
    at: datetime | None = None
    resource_title: str | None = None
    resource_url: str | None = None
    snippet: str | None = None
    channel: str | None = None
    resource_id: int | None = None
    message_id: int | None = None  # the member's message behind it, when there is one
    conversation: tuple[int, str] | None = None  # (channel, thread) it happened in, if known
    # Whether the member's message asks something, decided on its whole text where that was
    # read (the snippet has lost its links, and with them what makes "Need a regex tester?
    # <link>" a recommendation); None: decide from the snippet.
    asks: bool | None = None

    @property
    def resource_label(self) -> str | None:
        return self.resource_title or self.resource_url

    @classmethod
    def declared(cls, topic: str, at: datetime | None = None) -> Evidence:
        return cls(kind=EvidenceKind.DECLARED, topics=((topic, 1.0),), at=at)


@dataclass(frozen=True, slots=True)
class Profile:
    """Weighted topics a member knows and wants to learn, and the evidence behind each.

    `evidence_by_topic` lists the strongest evidence first, for both knows and wants; the
    kind of each item tells which side it supports (ASKED means wants)."""

    member_id: int
    knows: Mapping[str, float]
    wants: Mapping[str, float]
    evidence_by_topic: Mapping[str, tuple[Evidence, ...]] = field(default_factory=dict)
    main_channel: str | None = None
    # Topics of what they reacted to or bookmarked: interest, which is not knowing.
    interested: Mapping[str, float] = field(default_factory=dict)

    def evidence(self, topic: str, *, wants: bool | None = None) -> tuple[Evidence, ...]:
        """Evidence for a topic; `wants=True` only questions, `False` only knowledge."""
        items = self.evidence_by_topic.get(topic, ())
        if wants is None:
            return items
        return tuple(e for e in items if (e.kind is EvidenceKind.ASKED) == wants)


# --- building -------------------------------------------------------------------------------


def _half_life_days(half_life: timedelta | float) -> float:
    days = half_life.total_seconds() / 86400 if isinstance(half_life, timedelta) else half_life
    if not days > 0:
        raise ValueError("half_life must be positive")
    return float(days)


def build_profile(
    member_id: int,
    evidence_items: Iterable[Evidence],
    now: datetime,
    half_life: timedelta | float = DEFAULT_HALF_LIFE_DAYS,
    *,
    weights: Mapping[EvidenceKind, float] = DEFAULT_WEIGHTS,
    evidence_per_topic: int = 5,
) -> Profile:
    """A member's profile at `now`: kind weight x topic weight x 0.5^(age/half_life), summed.

    Shares and replies whose text is a question count as questions (wants); reactions count
    as interest, not knowledge; replies that only say "thanks" count for nothing; declared
    interests never decay; evidence from the future (clock skew) counts as new."""
    hl_days = _half_life_days(half_life)
    knows: dict[str, float] = {}
    wants: dict[str, float] = {}
    interested: dict[str, float] = {}
    channels: dict[str, float] = {}
    best: dict[str, list[tuple[float, int, Evidence]]] = {}
    seq = 0
    for ev in evidence_items:
        kind = ev.kind
        if kind in (EvidenceKind.SHARED, EvidenceKind.REPLIED) and (
            ev.asks if ev.asks is not None else is_question(ev.snippet)
        ):
            kind = EvidenceKind.ASKED
        elif kind is EvidenceKind.REPLIED and _says_nothing(ev.snippet):
            continue
        base = weights.get(kind, 0.0)
        if base <= 0.0:
            continue
        if kind is EvidenceKind.SHARED and bare_share(ev.snippet):
            base *= BARE_SHARE
        if kind is not EvidenceKind.DECLARED and ev.at is not None:
            age_days = max(0.0, (now - ev.at).total_seconds() / 86400)
            base *= 0.5 ** (age_days / hl_days)
        if kind is not ev.kind:
            ev = replace(ev, kind=kind)
        target = (
            wants
            if kind is EvidenceKind.ASKED
            else interested
            if kind is EvidenceKind.REACTED
            else knows
        )
        for topic, tw in ev.topics:
            contribution = base * tw
            if contribution <= 0.0:
                continue
            target[topic] = target.get(topic, 0.0) + contribution
            heap = best.setdefault(topic, [])
            seq += 1
            item = (contribution, -seq, ev)
            if len(heap) < evidence_per_topic:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)
        if ev.channel and kind is not EvidenceKind.DECLARED:
            channels[ev.channel] = channels.get(ev.channel, 0.0) + base
    evidence_by_topic = {
        topic: tuple(e for _, _, e in sorted(heap, reverse=True)) for topic, heap in best.items()
    }
    main_channel = max(channels.items(), key=lambda kv: (kv[1], kv[0]))[0] if channels else None
    return Profile(
        member_id=member_id,
        knows=knows,
        wants=wants,
        evidence_by_topic=evidence_by_topic,
        main_channel=main_channel,
        interested=interested,
    )


def shown_wants(
    wants: Iterable[tuple[str, Iterable[Evidence]]], limit: int
) -> list[tuple[str, Evidence]]:
    """The wishes to learn a profile shows, strongest first, each with a question not shown
    for a stronger one: one question is one wish ("have you seen this medical pathways
    database?" made `medical pathway`, `pathway` and `pathways database` three lines quoting
    it). Judged wants of 20 members shown among their three: 5 before, 6 with this rule (4
    with an everyday word such as `server` needing two questions instead, as intros ask; 3
    with both). A subject is shown once: `fig` adds nothing under `sig fig`, nor `inne` under
    `mike inne`, as "Knows about" keeps one of each (`distinct_subjects`)."""
    out: list[tuple[str, Evidence]] = []
    quoted: set[int | None] = set()
    for topic, evidence in wants:
        if any(one_subject(topic, shown) for shown, _ in out):
            continue
        fresh = next((e for e in evidence if e.message_id not in quoted), None)
        if fresh is None:
            continue
        quoted.add(fresh.message_id)
        out.append((topic, fresh))
        if len(out) >= limit:
            break
    return out


BARE_SHARE = 0.5  # a share's weight when the sharer wrote nothing beside the link


def bare_share(text: str | None) -> bool:
    """A link shared without a word of one's own ("Tweet by @…", a GIF, alone): it shows
    less of what the sharer knows than one they said something about (Komodo: a member's four
    bare tweets on oracles had put him before the members who explained them)."""
    from bot.interests.wants import snippet  # wants imports this module

    return not snippet(text)


def _says_nothing(text: str | None) -> bool:
    from bot.interests.answers import is_acknowledgement  # answers imports this module

    return is_acknowledgement(text)


# --- who knows ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Expert:
    member_id: int
    score: float
    topics: tuple[str, ...]  # the member's topics that matched the query, strongest first
    evidence: tuple[Evidence, ...]


_PARTIAL_FACTOR = 0.5  # "async rust" counts half towards a search for "rust"


class ExpertIndex:
    """Profiles indexed by topic, so `who_knows` answers without scanning every member.

    Build once per community (or per profile refresh), query many times."""

    def __init__(self, profiles: Iterable[Profile]) -> None:
        self._profiles: dict[int, Profile] = {}
        self._by_topic: dict[str, list[tuple[float, int]]] = {}
        self._by_word: dict[str, set[str]] = {}
        self.popularity: dict[str, float] = {}
        for profile in profiles:
            self._profiles[profile.member_id] = profile
            for topic, weight in profile.knows.items():
                self._by_topic.setdefault(topic, []).append((weight, profile.member_id))
                self.popularity[topic] = self.popularity.get(topic, 0.0) + weight
        for topic, members in self._by_topic.items():
            members.sort(key=lambda wm: (-wm[0], wm[1]))
            if " " in topic:
                for word in set(topic.split()):
                    self._by_word.setdefault(word, set()).add(topic)

    def topics(self) -> Mapping[str, float]:
        """Every known topic with its total weight (for suggestions)."""
        return self.popularity

    def who_knows(
        self,
        topic: str,
        limit: int = 5,
        *,
        aliases: Mapping[str, str] | None = None,
        exclude: Collection[int] = (),
    ) -> list[Expert]:
        query = normalize_topic(topic, aliases)
        if query is None or limit <= 0:
            return []
        scores: dict[int, float] = {}
        matched: dict[int, list[tuple[float, str]]] = {}
        related = [(query, 1.0)]
        if " " not in query:
            related += [(t, _PARTIAL_FACTOR) for t in sorted(self._by_word.get(query, ()))]
        for name, factor in related:
            for weight, member in self._by_topic.get(name, ()):
                if member in exclude:
                    continue
                scores[member] = scores.get(member, 0.0) + weight * factor
                matched.setdefault(member, []).append((weight * factor, name))
        ranked = heapq.nsmallest(limit, scores.items(), key=lambda ms: (-ms[1], ms[0]))
        experts = []
        for member, score in ranked:
            names = [n for _, n in sorted(matched[member], reverse=True)]
            profile = self._profiles[member]
            evidence: list[Evidence] = []
            for name in names:
                evidence.extend(profile.evidence(name, wants=False))
            experts.append(
                Expert(
                    member_id=member,
                    score=round(score, 6),
                    topics=tuple(names),
                    evidence=tuple(evidence[:3]),
                )
            )
        return experts


def who_knows(
    topic: str,
    profiles: Iterable[Profile] | ExpertIndex,
    limit: int = 5,
    *,
    aliases: Mapping[str, str] | None = None,
    exclude: Collection[int] = (),
) -> list[Expert]:
    """Members who know a topic, best first, each with the evidence that shows it.

    Exact topic matches count fully; longer topics containing the word count half
    (`rust` finds "async rust"). Pass an `ExpertIndex` to answer many queries fast."""
    index = profiles if isinstance(profiles, ExpertIndex) else ExpertIndex(profiles)
    return index.who_knows(topic, limit, aliases=aliases, exclude=exclude)


def suggest_topics(
    query: str,
    known_topics: Iterable[str] | Mapping[str, float],
    limit: int = 5,
    *,
    score_cutoff: float = 70.0,
    min_ratio: float = 0.0,
) -> list[str]:
    """Known topics close to a misspelled or unknown one (`kubernets` -> `kubernetes`),
    best match first; ties go to the more popular topic when weights are given.

    `min_ratio`: only topics this close as whole strings (`fuzz.ratio`) are weighed at all.
    That plain comparison is ~17x cheaper than `WRatio` (3 against 58 ms over 50,000 topics),
    which had made misspelt queries the slowest who-knows calls at 1M messages."""
    needle = normalize_topic(query) or query.casefold().strip()
    if not needle or limit <= 0:
        return []
    choices = list(known_topics)
    if min_ratio > 0.0:
        close = process.extract(
            needle, choices, scorer=fuzz.ratio, processor=None, limit=None,
            score_cutoff=min_ratio,
        )  # fmt: skip
        choices = [c[0] for c in close]
    popularity = known_topics if isinstance(known_topics, Mapping) else {}
    found = process.extract(
        needle,
        choices,
        scorer=fuzz.WRatio,
        processor=None,
        limit=max(limit * 4, 20),
        score_cutoff=score_cutoff,
    )
    found.sort(key=lambda f: (-f[1], -popularity.get(f[0], 0.0), f[0]))
    out = [name for name, _score, _i in found if name != needle]
    return out[:limit]
