"""Which resources a digest features, ranked for learning rather than popularity alone.

Score
-----
For a candidate resource, counting only activity by members *other than the sharer* inside the
digest's window (for an item featured before: since it was featured)::

    engagement = 1 + 3.0·discussants + 1.0·replies + 1.0·reshares + 0.5·reactions
    score      = engagement^0.25 · boost · 2^(−age_days / half_life_days)

* ``discussants`` — distinct members who replied, reacted or reshared. Weighted highest:
  many people thinking about a resource is what makes it worth a busy member's two minutes.
* ``replies`` and ``reshares`` (the same link posted again by someone else) count one each;
  ``reactions`` half, being the cheapest signal. The leading 1 credits the share itself, so a
  fresh undiscussed share can still fill a slot in a small community.
* The fourth root: discussion tells what the network is thinking about, more than what one
  can learn from. Over twelve judged weeks of three real communities
  (`bench/quality_digests.py`), popularity alone ordered a "learn" link above a "meh" or "no"
  one in 0.47 and 0.41 of pairs, no better than chance. Engagement to the power 1 / 0.5 /
  0.25 / 0 featured 18 / 19 / 20 / 21 of 30 "learn" links in the first six weeks and
  15 / 16 / 18 / 21 in six judged afterwards, and of the judge's own top five 11 / 11 / 12 / 9
  of 28 and 10 / 12 / 13 / 13 of 27. A quarter is best on both: a discussed link still counts
  up to about twice a bare one.
* ``boost`` = 1.25 when this is the sharer's first share ever (welcome newcomers), else 1;
  times 1.5 when the sharer said why in 8 words or more around the link (`said`: links with
  8 words or more were "learn" 64% of the time, bare ones 47%; without it 20 and 16 of 30 "learn"
  in the two sets of weeks); times 0.25 for a link that is no page to read
  (`bot.urls.is_public_page`: a bare image or video file, a placeholder or private address,
  a link to join a call). A screenshot or a meme may be the week's most reacted-to item, but
  a learning digest features what members can read: in the first six judged weeks none of 23
  pictures was judged something to learn from.
* ``age_days`` is measured from the last activity on the resource (its first share if there
  was none); the default half-life is 7 days, so a week-old discussion counts half.

Selection (`select`)
--------------------
1. Eligibility: left out are items whose message carries the silence reaction, items from
   private channels when the digest is posted publicly, channels outside the digest's
   include list or inside its exclude list, and items featured in an earlier digest unless
   they drew **substantial new discussion** since: at least 3 new distinct discussants, *or*
   a new engagement of at least half the engagement recorded when featured
   (`Ranked.engagement` is what the caller stores as `previously_featured_score`).
2. Greedy maximal marginal relevance: each step takes the item maximising
   ``λ·score/max_score − (1−λ)·max Jaccard(topics, topics of items already chosen)`` with
   λ = 0.7, so a second item on the same topics must be clearly better to beat a new topic.
   Items without topics have similarity 0 (pure score order when no topics are known).
3. Diversity caps: at most 2 items per sharer and 3 per channel while other candidates exist;
   if the caps leave slots empty, a second pass fills them from the remaining items.
Ties break on earlier first share, then resource id, so the outcome is deterministic.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.questions import asks_someone_else, is_question
from bot.urls import is_public_page

W_DISCUSSANT = 3.0
W_REPLY = 1.0
W_RESHARE = 1.0
W_REACTION = 0.5
W_SHARE = 1.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """A resource with activity in the digest's window, as storage reports it.

    Ids are platform external ids (`sharer_id` of the member, `channel_id` of the channel), so
    the document can render real mentions and channel links. `discussants`, `replies`,
    `reactions` and `reshares` count only other members' activity in the window; for a
    previously featured item, only activity after it was featured, and `discussants` only
    members who had not discussed it before.
    """

    resource_id: int
    url: str
    title: str | None
    sharer_id: str
    sharer_name: str
    channel_id: str
    channel_name: str
    first_shared_at: datetime
    sharer_opted_out: bool = False
    channel_private: bool = False
    discussants: int = 0
    replies: int = 0
    reactions: int = 0
    reshares: int = 0
    last_activity_at: datetime | None = None
    topics: tuple[str, ...] = ()
    silenced: bool = False
    is_first_share_of_member: bool = False
    previously_featured_score: float | None = None
    thread_url: str | None = None
    said: int = 0  # words the sharer wrote around the link (`bot.titles.own_words`)
    title_rank: int | None = None  # `bot.titles.TitleSource` of `title`

    @property
    def discussion_count(self) -> int:
        """Replies, reactions and reshares by others — the number shown in the digest."""
        return self.replies + self.reactions + self.reshares


EXPLAINED_WORDS = 8  # the sharer's own words around a link that say why it is worth reading


@dataclass(frozen=True, slots=True)
class RankingConfig:
    """The knobs of the score and the selection, with the documented defaults."""

    half_life_days: float = 7.0
    first_share_boost: float = 1.25
    not_a_page: float = 0.25
    explained: float = 1.5
    engagement_power: float = 0.25
    max_per_sharer: int = 2
    max_per_channel: int = 3
    mmr_lambda: float = 0.7
    substantial_new_discussants: int = 3
    substantial_ratio: float = 0.5

    def __post_init__(self) -> None:
        if self.half_life_days <= 0:
            raise ValueError("half_life_days must be positive.")
        if not 0.0 <= self.mmr_lambda <= 1.0:
            raise ValueError("mmr_lambda must be between 0 and 1.")
        if self.engagement_power < 0 or self.explained <= 0:
            raise ValueError("engagement_power must not be negative, explained must be positive.")
        if self.max_per_sharer < 1 or self.max_per_channel < 1:
            raise ValueError("diversity caps must be at least 1.")


@dataclass(frozen=True, slots=True)
class Ranked:
    """A selected item. Store `engagement` as the featured score for the repeat rule."""

    candidate: Candidate
    rank: int
    score: float
    engagement: float
    resurfaced: bool = False  # featured before, back with substantial new discussion
    relaxed: bool = False  # chosen in the fill pass, beyond a diversity cap


DEFAULT_CONFIG = RankingConfig()


def engagement(candidate: Candidate) -> float:
    """The undecayed, unboosted part of the score (see the module docstring)."""
    return (
        W_SHARE
        + W_DISCUSSANT * candidate.discussants
        + W_REPLY * candidate.replies
        + W_RESHARE * candidate.reshares
        + W_REACTION * candidate.reactions
    )


def decay(candidate: Candidate, now: datetime, half_life_days: float) -> float:
    """2^(−age/half-life) from the last activity; activity stamped in the future counts as now."""
    last = candidate.last_activity_at or candidate.first_shared_at
    age_days = max(0.0, (now - last).total_seconds() / 86400.0)
    return float(0.5 ** (age_days / half_life_days))


def score(
    candidate: Candidate,
    now: datetime,
    half_life_days: float = DEFAULT_CONFIG.half_life_days,
    *,
    first_share_boost: float = DEFAULT_CONFIG.first_share_boost,
    not_a_page: float = DEFAULT_CONFIG.not_a_page,
    explained: float = DEFAULT_CONFIG.explained,
    engagement_power: float = DEFAULT_CONFIG.engagement_power,
) -> float:
    boost = first_share_boost if candidate.is_first_share_of_member else 1.0
    if candidate.said >= EXPLAINED_WORDS:
        boost *= explained
    if not is_public_page(candidate.url):
        boost *= not_a_page
    return engagement(candidate) ** engagement_power * boost * decay(candidate, now, half_life_days)


def has_substantial_new_discussion(
    candidate: Candidate, config: RankingConfig = DEFAULT_CONFIG
) -> bool:
    """True for a previously featured item that earns a second appearance."""
    featured = candidate.previously_featured_score
    if featured is None:
        return True
    if candidate.discussants >= config.substantial_new_discussants:
        return True
    # The bare share credit is not new discussion: compare discussion alone.
    return engagement(candidate) - W_SHARE >= config.substantial_ratio * featured > 0


def exclusion_reason(
    candidate: Candidate,
    *,
    is_public: bool = True,
    include_channels: Collection[str] | None = None,
    exclude_channels: Collection[str] = (),
    config: RankingConfig = DEFAULT_CONFIG,
) -> str | None:
    """Why `candidate` may not appear in this digest, or None when it may."""
    if candidate.silenced:
        return "silenced"
    if candidate.channel_private and is_public:
        return "private channel"
    if include_channels is not None and candidate.channel_id not in include_channels:
        return "channel not included"
    if candidate.channel_id in exclude_channels:
        return "channel excluded"
    if not has_substantial_new_discussion(candidate, config):
        return "already featured"
    return None


def eligible(
    candidates: Iterable[Candidate],
    *,
    is_public: bool = True,
    include_channels: Collection[str] | None = None,
    exclude_channels: Collection[str] = (),
    config: RankingConfig = DEFAULT_CONFIG,
) -> list[Candidate]:
    return [
        c
        for c in candidates
        if exclusion_reason(
            c,
            is_public=is_public,
            include_channels=include_channels,
            exclude_channels=exclude_channels,
            config=config,
        )
        is None
    ]


def jaccard(a: Collection[str], b: Collection[str]) -> float:
    """|a ∩ b| / |a ∪ b|, with 0 when either side has no topics (unknown, not unrelated)."""
    if not a or not b:
        return 0.0
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb)


def select(
    candidates: Iterable[Candidate],
    size: int,
    now: datetime,
    *,
    is_public: bool = True,
    include_channels: Collection[str] | None = None,
    exclude_channels: Collection[str] = (),
    config: RankingConfig = DEFAULT_CONFIG,
) -> list[Ranked]:
    """Up to `size` items in digest order: eligibility, MMR over topics, diversity caps."""
    if size <= 0:
        return []
    unique = {c.resource_id: c for c in reversed(list(candidates))}  # first occurrence wins
    pool = eligible(
        unique.values(),
        is_public=is_public,
        include_channels=include_channels,
        exclude_channels=exclude_channels,
        config=config,
    )
    scored = {
        c.resource_id: score(
            c,
            now,
            config.half_life_days,
            first_share_boost=config.first_share_boost,
            not_a_page=config.not_a_page,
            explained=config.explained,
            engagement_power=config.engagement_power,
        )
        for c in pool
    }
    # Deterministic base order: score, then earlier share, then id.
    remaining = sorted(
        pool, key=lambda c: (-scored[c.resource_id], c.first_shared_at, c.resource_id)
    )
    top = max(scored.values(), default=0.0) or 1.0
    chosen: list[tuple[Candidate, bool]] = []
    per_sharer: Counter[str] = Counter()
    per_channel: Counter[str] = Counter()

    def mmr(c: Candidate) -> float:
        similarity = max((jaccard(c.topics, s.topics) for s, _ in chosen), default=0.0)
        return config.mmr_lambda * scored[c.resource_id] / top - (1 - config.mmr_lambda) * (
            similarity
        )

    for capped in (True, False):
        while len(chosen) < size:
            allowed: Sequence[Candidate] = [
                c
                for c in remaining
                if not capped
                or (
                    per_sharer[c.sharer_id] < config.max_per_sharer
                    and per_channel[c.channel_id] < config.max_per_channel
                )
            ]
            if not allowed:
                break
            # max() keeps the first of equals, and `remaining` is in tie-break order.
            best = max(allowed, key=mmr)
            remaining.remove(best)
            chosen.append((best, not capped))
            per_sharer[best.sharer_id] += 1
            per_channel[best.channel_id] += 1

    return [
        Ranked(
            candidate=c,
            rank=i,
            score=scored[c.resource_id],
            engagement=engagement(c),
            resurfaced=c.previously_featured_score is not None,
            relaxed=relaxed,
        )
        for i, (c, relaxed) in enumerate(chosen, 1)
    ]


# --- the rest of a digest's input ------------------------------------------------------------


MIN_QUESTION_CHARS = 8  # "ok?" asks, but is not worth featuring as an open question


# Opening with a mention: "<@U66GD0880>, can you turn on the musl buildbot?", "<@U061A5N1G>:
# have you seen vispy?" (Slack), "<@123>" / "<@!123>" (Discord).
_TO_ONE_MEMBER = re.compile(r"^\s*(?:<@!?[A-Za-z0-9]+(?:\|[^>]*)?>\s*[,:]?\s*)+")


def worth_featuring_as_question(text: str) -> bool:
    """A top-level message the digest may feature as an open question: it asks (the one
    detector, `bot.questions`), says enough to be worth a reader's time, and is not addressed
    to one member, whose question it is to answer (all six such in the judged weeks asked the
    community nothing: `bench/quality_digests.py`)."""
    return (
        len(" ".join(text.split())) >= MIN_QUESTION_CHARS
        and not _TO_ONE_MEMBER.match(text)
        and is_question(text)
        and not asks_someone_else(text)
    )


@dataclass(frozen=True, slots=True)
class OpenQuestion:
    """A question asked in the window that got no reply, so the network can answer it."""

    message_id: str
    text: str
    author_id: str
    author_name: str
    channel_id: str
    channel_name: str
    asked_at: datetime
    url: str | None = None  # permalink to the message
    author_opted_out: bool = False
    channel_private: bool = False
    silenced: bool = False


@dataclass(frozen=True, slots=True)
class Connector:
    """A member whose shares others discussed; `discussants` counts distinct other members."""

    member_id: str
    name: str
    discussants: int
    shares: int
    opted_out: bool = False


@dataclass(frozen=True, slots=True)
class PeriodCounts:
    """Activity in one period, for the pulse line."""

    resources_shared: int
    members_active: int
    discussions: int


@dataclass(frozen=True, slots=True)
class DigestInput:
    """Everything storage gathers for one digest; `build_digest` turns it into a Document.

    `period_start`/`period_end` bound the window (end = the scheduled instant being posted);
    pass them in the community's zone to get local dates in the title. `is_public` says whether
    the target channel is public: then nothing from a private channel is shown.
    """

    period_start: datetime
    period_end: datetime
    candidates: tuple[Candidate, ...]
    counts: PeriodCounts
    previous_counts: PeriodCounts | None = None
    questions: tuple[OpenQuestion, ...] = ()
    connectors: tuple[Connector, ...] = ()
    is_public: bool = True
    community_name: str | None = None
