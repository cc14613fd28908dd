"""The interests service: profiles, who-knows, saved links, a member's network.

It joins the pure modules (`topics`, `profiles`) to storage (`storage.interests`) and keeps
the derived tables fresh through `pipeline`. Other features use it through the functions at
the top level: `load_profiles`, `member_interactions` and `main_channels` (introductions),
`topics_for` (digests, via `Services.topics_for`), and `refresh_topics` (tests, the demo).

Privacy: a member with tracking off has no profile, is never listed by who-knows and never
appears in anyone's network; only public-channel activity is ever used as evidence.

(Long because who-knows is one answer built in tiers, topics, related and nearby wording, then
who shared matching links, each checked against the same privacy rules; the ranking each tier
uses is pure and lives in its own module: `related`, `nearby`, `linked`, `profiles`.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import time
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from bot.emojis import canonical_set
from bot.interests.addresses import PLATFORMS
from bot.interests.asked import asked_subject, reads_as_sentence
from bot.interests.declared_keys import MAX_QUERY_CHARS, asked_key, declared_key
from bot.interests.introductions import is_introductions_channel
from bot.interests.linked import rank_link_sharers
from bot.interests.nearby import NEARBY, NEARBY_FLOOR, NEARBY_LIMIT, NearbyTopics
from bot.interests.pipeline import (
    KNOW_KINDS,
    PassReport,
    TopicPipeline,
    asked_in_own_thread,
    epoch_days,
    horizon,
    run_pass,
)
from bot.interests.profiles import (
    DEFAULT_WEIGHTS,
    Evidence,
    EvidenceKind,
    Profile,
    build_profile,
    shown_wants,
    suggest_topics,
)
from bot.interests.related import (
    ABBREVIATIONS,
    ACRONYM,
    SAME,
    Related,
    phrase_parts,
    related_topics,
)
from bot.interests.said import phrases, saying, speakers
from bot.interests.terms import (
    compound_part,
    has_cjk,
    is_subject_word,
    load_lexicons,
    loanword_origin,
    own_name_words,
    specificity,
)
from bot.interests.thanks import words_to
from bot.interests.topics import (
    HOST_CONTAINER,
    ResourceText,
    TopicExtractor,
    prepare_aliases,
    shown_topics,
)
from bot.interests.unfurl_pass import UnfurlPipeline
from bot.interests.vocabulary import Vocabulary
from bot.interests.wants import action_evidence, snippet
from bot.interests.words import FUNCTION_WORDS, STOPWORDS, singularize
from bot.model import Community, CommunityRef, Member
from bot.profiling import named_allowed
from bot.questions import is_question
from bot.wording import names_topic
from storage.ingest import chunks
from storage.interests import (
    Action,
    Declared,
    EvidenceRef,
    EvidenceRow,
    InterestStore,
    TopicScore,
)
from storage.interests.said import Statement

if TYPE_CHECKING:
    from bot.app import Rhizome
    from bot.services import Services
    from storage.wants import AskedRef

log = logging.getLogger(__name__)

EXTRA_KEY = "interests"
VOCABULARY_SIZE = 50_000
MEMBER_TOPIC_POPULARITY = 0.5  # a topic only members hold ranks below any resource's
VOCABULARY_TTL = 30.0  # seconds; refreshes in this process invalidate it at once
LOOP_SECONDS = 5.0
CATCH_UP_SECONDS = 3.0  # a command works out new activity itself for at most this long
BUSY_LOOP_SECONDS = 0.5
FIRST_PASS_DELAY = 2.0  # seconds after start before the background loop's first pass
MEMBER_CHUNK = 400
RECENT_ACTIONS = 2000  # per member and kind, for profiles built from evidence
QUESTION_TOPICS = 5
PART_SUGGESTIONS = 5  # topics with a word of a phrase nobody holds, offered instead of nothing
_NEEDLE_MARGIN = 10
SUGGEST_MIN_RATIO = 65  # whole-string similarity of a "did you mean" (`rsut` -> `rust` 75)
RELATED_TOPICS = 12
# Evidence read back per listed member, strongest first: 3 are shown, the rest stand in for
# any deleted since. Reading all of a member's matched evidence cost PostgreSQL ~10 ms a call.
EVIDENCE_READ = 6
_WORD = re.compile(r"[^\W\d_]+")
CHAT_WORD_MIN = 4  # letters of a chat-word query worth looking up in page titles (`checks`)
LINKED_RESOURCES = 20  # best search matches whose sharers fill a short who-knows answer
# ...only when the words are rare enough to rank cheaply: at 1M messages, ranking every match of
# three common words took who-knows p99 from 41 to 402 ms. A subject this many pages mention is
# among members' topics anyway.
LINKED_AT_MOST = 2000
# ...and at the very end, whoever said the words: read from the newest messages only (message
# text has no index), at most this many matching ones.
SAID_SCAN = 20_000
SAID_AT_MOST = 500
SAID_SHOWN = 2  # statements quoted for each
THANKS_WORDS = 3  # a thank-you's words for a member this short keep its link (what it was for)
HEAD_WORD = 0.3  # "sdk" towards "python sdk", when few know the whole phrase
LINKED_WORDINGS = 2  # related wordings whose pages are searched too (a search each)
HEAD_SPECIFICITY = 0.7  # a head word this everyday (`analysis`, `scheme`) says nothing alone
WIDE_CACHE_SECONDS = 60.0  # the saved community-wide words, read again after this long
# The most convincing evidence first: an answer, then a share, then discussion.
_KIND_ORDER = {
    EvidenceKind.ANSWERED: 0,
    EvidenceKind.THANKED: 1,
    EvidenceKind.SHARED: 2,
    EvidenceKind.INTRODUCED: 3,
    EvidenceKind.REPLIED: 4,
    EvidenceKind.REACTED: 5,
}


# --- values -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Expert:
    member: Member
    score: float
    topics: tuple[str, ...]  # the topics that matched, strongest first
    evidence: tuple[Evidence, ...]  # best first; always real, current rows
    shared: int  # resources on the topic they shared
    discussed: int  # resources and questions on the topic they replied about
    declared: bool  # listed the topic with `interests add`
    is_asker: bool = False  # the member who asked: shown, marked as "you"
    from_links: bool = False  # found by the links they shared, not by their topics
    from_words: bool = False  # found by what they said in conversation (`bot.interests.said`)


@dataclass(frozen=True, slots=True)
class WhoKnowsAnswer:
    query: str
    topic: str | None  # None: nothing topical in the query
    experts: tuple[Expert, ...]
    suggestions: tuple[str, ...] = ()
    behind: int = 0  # new activity not yet worked out when answering (see `catch_up`)
    via: tuple[str, ...] = ()  # related wordings that counted, e.g. "ml = machine learning"
    unnamed: int = 0  # members who know it but have not agreed to be named (bot.profiling)
    read_as: str | None = None  # the subject a sentence asked about (`bot.interests.asked`)
    parts: tuple[str, ...] = ()  # nobody holds the phrase: known topics with its words


# --- the service ------------------------------------------------------------------------------


class InterestService:
    """One per `Services` (see `service_for`); stateless apart from caches."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = InterestStore(services.db)
        self.owner = f"interests-{uuid.uuid4().hex[:12]}"
        self.topics = TopicPipeline(services, self.store, self.owner)
        self.wants = self.topics.wants
        self.unfurl = UnfurlPipeline(services, self.store)
        self._vocab: dict[int, Vocabulary] = {}
        self._wide: dict[int, tuple[float, frozenset[str]]] = {}  # saved `community_wide`
        self._reloading: dict[int, asyncio.Task[Vocabulary | None]] = {}  # the newest load
        self._reloading_generation: dict[int, int] = {}  # the generation it loads
        self._loads: set[asyncio.Task[Vocabulary | None]] = set()  # every load under way
        self._generation: dict[int, int] = {}  # bumped by `invalidate`
        self.nearby = NearbyTopics(self._popular_topics)
        self.topics.on_change.append(self.invalidate)
        self._task: asyncio.Task[None] | None = None

    # --- configuration ----------------------------------------------------------------------
    @property
    def half_life(self) -> float:
        return float(self.services.config.interests.half_life_days)

    @property
    def default_tracking(self) -> bool:
        return bool(self.services.config.privacy.default_tracking)

    def aliases(self) -> Mapping[str, str]:
        return prepare_aliases(dict(self.services.config.interests.aliases))

    def normalize(self, text: str) -> str | None:
        """A topic as a member asks for or declares it (`/rhizome who-knows Go`)."""
        return asked_key(text, self.aliases())

    def _respelled(self, topic: str) -> str:
        return declared_key(topic, self.aliases())

    def bookmark_emoji(self) -> set[str]:
        """Reactions are stored in one canonical form (`bot.emojis`), whatever the platform."""
        return set(canonical_set(self.services.config.tracking.bookmark_emoji))

    # --- caches -----------------------------------------------------------------------------
    def invalidate(self, community_id: int, *, reload: bool = True) -> None:
        """Drop the community's vocabulary after a change in this process. One that was
        loaded (the community asks who-knows) is loaded again at once in the background:
        after the background loop's pass, a command comes later and finds it ready instead
        of loading it itself (150-220 ms at 1M messages with members' own topics, 80-180 ms
        without them: more than the 50 ms a command has).
        A command that comes sooner waits for that load rather than starting its own."""
        self._wide.pop(community_id, None)
        loaded = self._vocab.pop(community_id, None) is not None
        self._generation[community_id] = self._generation.get(community_id, 0) + 1
        if loaded and reload:
            self._start_reload(community_id)

    async def vocabulary(self, community_id: int) -> Vocabulary:
        """The community's topics. Changes in this process drop it and load it again
        (`invalidate`): a caller never gets one older than the change. One older than
        `VOCABULARY_TTL` (another process may have changed topics) is still used while a
        background task loads the new one: 150-220 ms of query and index building at 1M
        messages that no command waits for."""
        found = self._vocab.get(community_id)
        if found is None:
            loading = self._reloading.get(community_id)
            if loading is not None and self._reloading_generation.get(
                community_id
            ) == self._generation.get(community_id, 0):
                loaded = await asyncio.shield(loading)  # loaded since the last change
                if loaded is not None:
                    return loaded
            return await self._load_vocabulary(community_id)
        if (
            time.monotonic() - found.loaded_at >= VOCABULARY_TTL
            and community_id not in self._reloading
        ):
            self._start_reload(community_id)
        return found

    def _start_reload(self, community_id: int) -> None:
        """Load the vocabulary in a task of its own (none without a running event loop)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        task = asyncio.create_task(self._reload_vocabulary(community_id))
        self._reloading[community_id] = task
        self._reloading_generation[community_id] = self._generation.get(community_id, 0)
        self._loads.add(task)

        def done(finished: asyncio.Task[Vocabulary | None]) -> None:
            self._loads.discard(finished)
            if self._reloading.get(community_id) is finished:
                del self._reloading[community_id]

        task.add_done_callback(done)

    async def _load_vocabulary(self, community_id: int) -> Vocabulary:
        generation = self._generation.get(community_id, 0)
        rows = await self.store.vocabulary(community_id, VOCABULARY_SIZE)
        popularity = {topic: float(n) for topic, n, _ in rows}
        for topic in await self.store.declared_topics(community_id):
            popularity.setdefault(topic, 0.5)
        # Members' own topics, after every resource's: related wording finds `amd gpu` for
        # `gpu` and `idempotence` for `idempotency` although only answers used them.
        for topic, held in await self.store.member_vocabulary(community_id, VOCABULARY_SIZE):
            popularity.setdefault(topic, MEMBER_TOPIC_POPULARITY * held / (held + 1))
        found = await asyncio.to_thread(Vocabulary, popularity)
        if self._generation.get(community_id, 0) == generation:  # nothing changed meanwhile
            self._vocab[community_id] = found
        self.nearby.prepare(community_id)  # embedded off the command path (`nearby`)
        return found

    async def _reload_vocabulary(self, community_id: int) -> Vocabulary | None:
        try:
            return await self._load_vocabulary(community_id)
        except Exception:
            log.exception("reloading the topic vocabulary failed")
            return None

    async def _popular_topics(self, community_id: int) -> list[str]:
        return list((await self.vocabulary(community_id)).popularity)  # most used first

    async def catch_up(self, community_id: int, budget: float = CATCH_UP_SECONDS) -> int:
        """Work out what is new before answering, for at most `budget` seconds; returns how
        much is still left (0: every answer is up to date). A share is reflected by the very
        next command; only a large import can leave something for the background loop."""
        if not await self.store.backlog(community_id, cap=1):  # four index probes
            return 0
        left = await self.store.backlog(community_id)
        deadline = time.monotonic() + budget
        changed = False
        while left and time.monotonic() < deadline:
            report = await self.topics.refresh(community_id, drain=False)
            left = await self.store.backlog(community_id)
            changed |= bool(report.resources or report.members)
            if report.held or not (report.more or report.resources or report.members):
                # Another process is working it out (its pass takes the lease): waiting for
                # it here cost every command 3 s while a bot beside it derived an import.
                break
        if changed:  # else the vocabulary stands: reloading it costs a command 150-220 ms at 1M
            self.invalidate(community_id)
        return left

    async def community_now(self, community_id: int, now: datetime | None = None) -> datetime:
        """The moment evidence decays towards: the community's newest message, or now if that
        is later. An archive imported today is as useful as a live community: its last
        month counts as recent, not as years ago."""
        now = now or self.services.clock.now()
        last = await self.services.repos.communities.last_activity(community_id)
        return min(now, last) if last is not None else now

    # --- profiles ---------------------------------------------------------------------------
    async def profiles(
        self,
        community_id: int,
        *,
        member_ids: Collection[int] | None = None,
        now: datetime | None = None,
        recent: int | None = RECENT_ACTIONS,
    ) -> dict[int, Profile]:
        """Profiles built from evidence; each member's `recent` newest actions of each kind
        count (older ones of someone that active have decayed to nearly nothing)."""
        now = await self.community_now(community_id, now)
        members = await self.store.members(community_id, member_ids, self.default_tracking)
        if not members:
            return {}
        declared = await self.store.declared(
            community_id, [m.external_id for m in members.values()]
        )
        corpus = await self.topics.corpus(community_id)
        since = horizon(now, self.half_life)
        out: dict[int, Profile] = {}
        introduced_in = await self.topics.introductions.channels(community_id)
        for part in chunks(sorted(members), MEMBER_CHUNK):
            actions = await self.store.actions(
                community_id, part, since=since, said=True, recent=recent
            )
            evidence = await self._evidence(community_id, actions, corpus)
            for said in await self.topics.introductions.read(
                community_id, part, since, corpus, introduced_in
            ):
                evidence.setdefault(said.member_id, []).append(
                    Evidence(
                        kind=EvidenceKind.INTRODUCED,
                        topics=tuple(said.topics),
                        at=said.at,
                        snippet=_snippet(said.text, link_shown=False),
                        channel=said.channel,
                        message_id=said.message_id,
                    )
                )
            for mid in part:
                items = evidence.get(mid, [])
                items += [
                    Evidence.declared(d.topic, d.declared_at)
                    for d in declared.get(members[mid].external_id, ())
                ]
                if not items and member_ids is None:
                    continue
                out[mid] = build_profile(mid, items, now, self.half_life)
        return out

    async def _evidence(
        self, community_id: int, actions: Sequence[Action], corpus: Any
    ) -> dict[int, list[Evidence]]:
        rids = {a.resource_id for a in actions if a.resource_id is not None}
        topics = await self.store.topics_of(rids)
        heads = await self.store.resource_heads(community_id, rids)
        return action_evidence(actions, topics, heads, corpus.question_topics)

    async def stored_wants(
        self, community_id: int, member_id: int, limit: int
    ) -> list[tuple[str, Evidence]] | None:
        """A member's strongest wants as the interest pass stored them (`storage.wants`),
        each with its best question; None when they are not current (the member's activity
        changed since the pass, or a question read back was edited or deleted): then the
        caller works them out with `profiles`. A few statements by key."""
        wants = await self.wants.current(community_id, member_id, limit * 4)
        if wants is None:
            return None
        refs = {ref for w in wants for ref in w.evidence}
        rows = await self.wants.asked_rows(community_id, member_id, refs)
        if len(rows) < len(refs):
            return None  # a question was edited or deleted since the pass: work them out

        def asked(ref: AskedRef) -> Evidence:
            row = rows[ref]
            return Evidence(
                kind=EvidenceKind.ASKED,
                topics=(),
                at=row.at,
                resource_title=row.title,
                resource_url=row.url,
                snippet=_snippet(row.text),
                channel=row.channel,
                resource_id=row.ref.resource_id or None,
                message_id=row.ref.message_id,
            )

        return shown_wants(
            ((w.topic, [asked(r) for r in w.evidence if r in rows]) for w in wants), limit
        )

    # --- who knows --------------------------------------------------------------------------
    async def community_wide(self, community_id: int) -> frozenset[str]:
        """The community's own subjects, in so many of its documents that knowing them tells
        members apart no more than being here does (`julia`, `haskell`): from the document
        counts in memory when this process has them, else as the last full pass saved them
        (one row; a command never waits for the corpus to load)."""
        own = await self.own_name(community_id)
        corpus = self.topics.loaded_corpus(community_id)
        if corpus is not None and corpus.extractor.doc_count >= corpus.extractor.min_docs:
            return corpus.community_wide() | own
        cached = self._wide.get(community_id)
        if cached is not None and time.monotonic() - cached[0] < WIDE_CACHE_SECONDS:
            return cached[1] | own
        found = await self.store.community_wide(community_id) or frozenset()
        self._wide[community_id] = (time.monotonic(), found)
        return found | own

    async def own_subject(self, community_id: int) -> frozenset[str]:
        """The community's own name (`own_name`) and the words in many of its documents that
        its name also holds (`julia` of JuliaLang, `infrahub` of "Infrahub (OpsMill)")."""
        community = await self.services.repos.communities.get(community_id)
        name = (community.name if community is not None else None) or ""
        folded = name.casefold()
        wide = await self.community_wide(community_id)
        # Three letters at least: `r` is inside most names without naming any.
        return own_name_words(name) | {w for w in wide if len(w) >= 3 and w in folded}

    async def own_name(self, community_id: int) -> frozenset[str]:
        """The community's own name as topics: the words of its name English does not know
        (`julialang`, `infrahub`, `opsmill`, `houstondatavis`), which name the place, not a
        subject of it. "You both know julialang" had been an intro's reason."""
        community = await self.services.repos.communities.get(community_id)
        return own_name_words(community.name if community is not None else None)

    async def who_knows(
        self,
        community_id: int,
        query: str,
        *,
        limit: int = 5,
        now: datetime | None = None,
        exclude: Collection[int] = (),
        asker: int | None = None,
        read: bool = False,  # the subject read from a sentence: looked up as it is
    ) -> WhoKnowsAnswer:
        behind = await self.catch_up(community_id)
        now = await self.community_now(community_id, now)
        query = " ".join(query.split())[:MAX_QUERY_CHARS]
        topic = self.normalize(query)
        vocab = await self.vocabulary(community_id)
        if not read and (
            topic is None or (topic not in vocab.index.known and reads_as_sentence(query, topic))
        ):
            # "how do I plot a heatmap?": nobody holds the sentence; the subject in it, if
            # this community knows one, is what was asked about, and the reply says so.
            terms = TopicExtractor(aliases=self.aliases()).terms(ResourceText.of(query))
            wide = await self.community_wide(community_id)
            in_sentence = asked_subject(terms, vocab.popularity, wide)
            if in_sentence is not None and in_sentence != topic:
                answer = await self.who_knows(
                    community_id,
                    in_sentence,
                    limit=limit,
                    now=now,
                    exclude=exclude,
                    asker=asker,
                    read=True,
                )
                return replace(answer, query=query, read_as=in_sentence)
        if topic is None:
            return await self._chat_word_answer(community_id, query, vocab, limit, exclude, asker)
        # Every wording of one subject asks the same question: `ml` is `machine learning`.
        subject = ABBREVIATIONS.get(topic, topic)
        longer = vocab.containing(subject, RELATED_TOPICS) if " " not in subject else []
        # `パーサ` asked: `oriented parser` is longer too; and every wording in the other
        # script (`applicative` for `アプリカティブ`) brings its own longer topics.
        for other in dict.fromkeys([loanword_origin(subject), *vocab.index.written_as(subject)]):
            if other is not None:
                longer += vocab.containing(other, RELATED_TOPICS)
        related = related_topics(subject, vocab.index, containing=longer)
        for i, r in enumerate(related):
            # An acronym the community's own resources carry beside the phrase (`ln` with
            # `lightning network`) is one of its wordings, not a guess that only fills.
            if (
                r.guess
                and r.weight == ACRONYM
                and await self.store.topics_meet(community_id, subject, r.topic)
            ):
                related[i] = Related(r.topic, ACRONYM, f"{r.topic} = {subject}")
        if subject != topic:  # answered through the expansion, and the reply says so
            why = f"{topic} = {subject}"
            related = [
                Related(topic, SAME, ""),
                *(Related(r.topic, r.weight, why) if r.topic == subject else r for r in related),
            ]
        head = self._head_word(subject, await self.community_wide(community_id))
        headed = head  # kept for the links below: `head` is spent once it is a relation
        if head is not None and subject not in vocab.index.known:
            related.append(Related(head, HEAD_WORD, ""))  # `python sdk` asked, only `sdk` known
            head = None
        factor: dict[str, float] = {}
        reasons: dict[str, str] = {}
        for r in related:
            if r.topic not in factor:
                factor[r.topic] = r.weight
                reasons[r.topic] = r.why
        wanted = limit + len(exclude) + 20
        found = await self.store.expert_candidates(
            community_id, list(factor), wanted, self.default_tracking
        )
        fill_in: set[str] = {r.topic for r in related if r.guess}
        short: set[str] = set()  # wordings looked up only because the answer is short
        if len(found.members) < limit:
            # Few know the wording asked: weaker relations fill the answer, and the reply
            # says so. The phrase names resources but few members' own topics (`python sdk`
            # is a page's title; its people know `sdk`); or a nearby wording is known
            # (`backported` for `backports`). Only here: the embedding costs a few ms.
            more = len(factor)
            if head is not None and head not in factor:
                factor[head] = HEAD_WORD
                reasons[head] = ""
            if subject not in vocab.index.known:
                for part in phrase_parts(subject, vocab.index):
                    factor.setdefault(part.topic, part.weight)
                    reasons.setdefault(part.topic, part.why)
            # Not for Japanese or Chinese: the model reads their text a character at a time,
            # so it finds the words that share a character (`各論` for `圏論`, category theory;
            # `関数プログラミング` for `競技プログラミング`), which `compound_part` does knowingly.
            nearby = None if has_cjk(subject) else await self.nearby.index(community_id)
            if nearby is not None:
                for other, _ in nearby.nearest(subject, NEARBY_LIMIT, NEARBY_FLOOR):
                    if other not in factor:
                        factor[other] = NEARBY
                        reasons[other] = f"{other} ~ {subject}"
            short.update(list(factor)[more:])
            fill_in.update(short)
            if len(factor) > more:
                found = await self.store.expert_candidates(
                    community_id, list(factor), wanted, self.default_tracking
                )
        members, declared = found.members, found.declared
        named = await named_allowed(
            self.services, community_id, [m.external_id for m in members.values()]
        )
        hidden = {mid for mid, m in members.items() if m.external_id not in named}
        unnamed = len(hidden)
        members = {mid: m for mid, m in members.items() if m.external_id in named}
        shift = epoch_days(now) / self.half_life
        scored: list[tuple[float, str, int, list[TopicScore], int]] = []
        for mid, member in members.items():
            if mid in exclude:
                continue
            weighed: list[tuple[float, TopicScore]] = []
            for ts in found.scores.get(mid, ()):
                weighed.append((factor[ts.topic] * 2.0 ** (ts.log_score - shift), ts))
            for name in declared.get(mid, ()):
                weighed.append(
                    (factor[name] * DEFAULT_WEIGHTS[EvidenceKind.DECLARED], TopicScore(name, 0.0))
                )
            # Wordings looked up for a short answer fill it and rank whom only they found;
            # they add nothing to anyone else, or how many were asked for would reorder the
            # first three (a command's five had differed from three asked).
            if any(ts.topic not in short for _, ts in weighed):
                weighed = [(w, ts) for w, ts in weighed if ts.topic not in short]
            total = sum(w for w, _ in weighed)
            if total > 0:
                weighed.sort(key=lambda wt: (-wt[0], wt[1].topic))
                # Fill-in wordings (nearby, the head word) only fill an answer: whoever knows
                # the subject asked comes first, however busy the fill-in member is; then
                # those through a wording with all of its words, then with some.
                filler = all(ts.topic in fill_in for _, ts in weighed)
                tier = 3 - max(word_cover(subject, ts.topic) for _, ts in weighed) if filler else 0
                scored.append((total, member.name.casefold(), mid, [ts for _, ts in weighed], tier))
        scored.sort(key=lambda s: (s[4], -s[0], s[1], s[2]))
        shortlist = scored[: limit * 2]
        checked = await self._checked_evidence(
            community_id,
            [(mid, matched) for _, _, mid, matched, _ in shortlist],
            {mid: members[mid].external_id for _, _, mid, _, _ in shortlist},
        )
        experts: list[Expert] = []
        for total, _, mid, matched, _ in shortlist:
            items = checked.get(mid, ())
            is_declared = mid in declared
            if not items and not is_declared:
                continue  # everything behind the score was deleted since: no evidence, no claim
            if is_declared and len(items) < 3:
                items = (*items, *(Evidence.declared(n) for n in declared[mid]))[:3]
            exact = next((ts for ts in matched if ts.topic == topic), None)
            counted = exact or max(matched, key=lambda ts: ts.shared + ts.discussed)
            shared_n, discussed_n = subject_counts(counted, matched)
            names = tuple(dict.fromkeys(ts.topic for ts in matched))
            experts.append(
                Expert(
                    members[mid],
                    round(total, 6),
                    names,
                    tuple(items),
                    shared_n,
                    discussed_n,
                    is_declared,
                    mid == asker,
                )
            )
            if len(experts) >= limit:
                break
        # A member who has the very topic asked came through no related wording, whatever
        # else of theirs counted (`scheme` beside `color scheme`): only the others need a why.
        used = {t for e in experts if not e.from_links and topic not in e.topics for t in e.topics}
        # Pages first with the wording asked, then with the related wordings that found
        # someone (`mac` for `macos`: the pages say "Mac").
        wordings = [t for t in factor if t in used and reasons[t]][:LINKED_WORDINGS]
        for words, label in [(query, topic), *((t, t) for t in wordings)]:
            if len(experts) >= limit:
                break
            linked, more_hidden = await self._link_sharers(
                community_id,
                words,
                label,
                limit - len(experts),
                {*exclude, *hidden, *(e.member.id for e in experts)},
                asker,
            )
            experts.extend(linked)
            unnamed += more_hidden
        if not experts and headed is not None and headed != topic:
            # Nobody's topics nor any page has the phrase (`web scraping`); the pages with
            # its head word (`scraping images from …`) name the people who brought it up.
            # Searched as written in the phrase: the index matches `scraping`, not `scrape`.
            written = subject.rsplit(" ", 1)[-1] if " " in subject else headed
            linked, more_hidden = await self._link_sharers(
                community_id, written, written, limit, {*exclude, *hidden}, asker
            )
            experts.extend(linked)
            unnamed += more_hidden
        if len(experts) < limit:
            # Last, whoever said the words in plain conversation ("when sketching
            # visualizations…"): the weakest evidence, shown as said.
            # Who said it without agreeing to be named is not counted among those who "know
            # about it but not agreed to be named": saying a word is not knowing it.
            experts.extend(
                await self._speakers(
                    community_id,
                    (query, subject),
                    subject,
                    limit - len(experts),
                    {*exclude, *hidden, *(e.member.id for e in experts)},
                    asker,
                )
            )
        suggestions: tuple[str, ...] = ()
        parts: tuple[str, ...] = ()
        if not experts:
            suggestions = tuple(s for s in self._suggest(query, vocab) if s != topic)
            if not suggestions:
                parts = tuple(vocab.sharing_words(subject, PART_SUGGESTIONS, skip=STOPWORDS))
        via = tuple(dict.fromkeys(reasons[t] for t in factor if t in used and reasons[t]))
        return WhoKnowsAnswer(
            query, topic, tuple(experts), suggestions, behind, via, unnamed, parts=parts
        )

    async def _speakers(
        self,
        community_id: int,
        wordings: Sequence[str],
        topic: str,
        wanted: int,
        considered: Collection[int],
        asker: int | None,
    ) -> list[Expert]:
        """Who said one of the wordings in their own words (`bot.interests.said`), for the
        places topics and links left empty; only members who may be named."""
        wanted_phrases = phrases(wordings)
        found = await self.store.statements(
            community_id,
            [p.pieces for p in wanted_phrases],
            scan=SAID_SCAN,
            at_most=SAID_AT_MOST,
            default_tracking=self.default_tracking,
        )
        members = found.members
        # the words checked first: a thread's roots are read only for what counts
        said = saying(found.statements, wanted_phrases)
        roots = await self.store.own_thread_roots([s.message_id for s in said])
        introductions = self.services.config.interests.introduction_channels

        def set_aside(s: Statement) -> bool:
            """Said while asking (in their own question's thread: "my config: <link>"), or
            introducing themselves ("I do a PhD in probabilistic programming"): an interest,
            which their introduction already counts as one."""
            own_thread = roots.get(s.message_id)
            if (s.opens or own_thread) and is_introductions_channel(s.channel, introductions):
                return True  # their introduction, or more of it in its thread
            return asked_in_own_thread(own_thread or ())

        ranked = [s for s in speakers(said, set_aside) if s.member_id not in considered]
        named = await named_allowed(
            self.services, community_id, [members[s.member_id].external_id for s in ranked]
        )
        experts = [
            Expert(
                members[s.member_id],
                0.0,
                (topic,),
                tuple(
                    Evidence(
                        kind=EvidenceKind.SAID,
                        topics=(),
                        at=said.at,
                        snippet=_snippet(said.text, link_shown=False),
                        channel=said.channel,
                        message_id=said.message_id,
                        conversation=said.conversation,
                    )
                    for said in s.statements[:SAID_SHOWN]
                ),
                0,
                0,
                False,
                s.member_id == asker,
                from_words=True,
            )
            for s in ranked
            if members[s.member_id].external_id in named
        ]
        return experts[:wanted]

    async def _chat_word_answer(
        self,
        community_id: int,
        query: str,
        vocab: Vocabulary,
        limit: int,
        exclude: Collection[int],
        asker: int | None,
    ) -> WhoKnowsAnswer:
        """A query of chat words alone (`checks`) is no topic anywhere; but where pages are
        named with it ("Creating a Check", Infrahub's checks), it is this community's subject,
        and who shared those pages answers it."""
        words = _WORD.findall(query.casefold())
        word = " ".join(words)
        if len(word) >= CHAT_WORD_MIN and not any(w in FUNCTION_WORDS for w in words):
            # As asked, then the singular (the index matches words by prefix: `checks*` misses
            # "Creating a Check", `check*` also finds every `checkout`).
            for wording in dict.fromkeys((word, " ".join(singularize(w) for w in words))):
                experts, unnamed = await self._link_sharers(
                    community_id, wording, word, limit, set(exclude), asker, titled=True
                )
                if experts or unnamed:
                    return WhoKnowsAnswer(query, word, tuple(experts), unnamed=unnamed)
        return WhoKnowsAnswer(query, None, (), tuple(self._suggest(query, vocab)))

    def _head_word(self, subject: str, community_wide: Collection[str]) -> str | None:
        """What a phrase is about at heart, as a one-word topic (`scrape` of `web scraping`,
        `sdk` of `python sdk`; a Japanese compound's telling part), when that word can name a
        subject and is not the whole community's (`haskell` of `template haskell`)."""
        if " " in subject:
            head = self.normalize(subject.rsplit(" ", 1)[1])  # `scraping` is stored `scrape`
            if head is not None and specificity(head) < HEAD_SPECIFICITY:
                return None  # `analysis` of `text analysis`: anyone's analysis of anything
        else:
            head = compound_part(subject)  # chosen as the compound's telling part already
        if head is None or " " in head or not is_subject_word(head):
            return None
        return None if head in community_wide else head

    async def _link_sharers(
        self,
        community_id: int,
        query: str,
        topic: str,
        wanted: int,
        considered: Collection[int],
        asker: int | None,
        *,
        titled: bool = False,
    ) -> tuple[list[Expert], int]:
        """Who shared the links that best match the query's words, for the places the
        topics left empty: a subject that names pages but nobody's strongest topics (`open
        data`, `web scraping`) still finds the people who brought it up; the reply says so.
        Also returns how many of them have not agreed to be named; members the topics
        already `considered` (listed, excluded or unnamed) are left out."""
        shares = await self.store.link_shares(
            community_id,
            query,
            resources=LINKED_RESOURCES,
            default_tracking=self.default_tracking,
            titled=titled,
            at_most=LINKED_AT_MOST,
        )
        if not shares.shares:
            return [], 0
        roots = await self.store.own_thread_roots([s.message_id for s in shares.shares])
        sharers = [
            s
            for s in rank_link_sharers(
                shares.resource_ids,
                shares.shares,
                lambda s: is_question(s.text) or asked_in_own_thread(roots.get(s.message_id, ())),
            )
            if s.member_id in shares.members and s.member_id not in considered
        ]
        members = shares.members
        named = await named_allowed(
            self.services, community_id, [members[s.member_id].external_id for s in sharers]
        )
        hidden = sum(1 for s in sharers if members[s.member_id].external_id not in named)
        sharers = [s for s in sharers if members[s.member_id].external_id in named][:wanted]
        checked = await self._checked_evidence(
            community_id,
            [(s.member_id, [TopicScore(topic, 0.0, s.refs)]) for s in sharers],
            {s.member_id: members[s.member_id].external_id for s in sharers},
        )
        experts = [
            Expert(
                members[s.member_id],
                s.score,
                (topic,),
                checked[s.member_id],
                len(s.refs),
                0,
                False,
                s.member_id == asker,
                from_links=True,
            )
            for s in sharers
            if checked.get(s.member_id)
        ]
        return experts, hidden

    async def _checked_evidence(
        self,
        community_id: int,
        members: Sequence[tuple[int, Sequence[TopicScore]]],
        external_ids: Mapping[int, str],
    ) -> dict[int, tuple[Evidence, ...]]:
        """Each member's stored evidence for their matched topics (strongest topic first),
        read back from the current rows: anything deleted meanwhile is not shown. Up to 3
        items on different resources (or different answers), shares first, and never one
        message twice: an answer in a thread whose opening post held two pictures is one
        answer, not an answer and two discussions of the same words."""
        refs: list[tuple[int, EvidenceRef]] = []
        for mid, parts in members:
            seen: set[int] = set()
            said: set[int] = set()
            for ts in parts:
                for ref in ts.evidence:
                    # answers carry no resource (0): each answered message is its own item
                    key = ref.resource_id or -ref.message_id
                    if key in seen or ref.message_id in said or len(seen) >= EVIDENCE_READ:
                        continue
                    seen.add(key)
                    said.add(ref.message_id)
                    refs.append((mid, ref))
        if not refs:
            return {}
        rows = await self.store.evidence_rows(community_id, refs)
        found = {(r.member_id, r.ref): r for r in rows}
        out: dict[int, tuple[Evidence, ...]] = {}
        for mid, parts in members:
            mine = [
                _evidence(found[(m, ref)], external_ids.get(mid, ""))
                for m, ref in refs
                if m == mid and (m, ref) in found
            ]
            shown = most_convincing(mine, [ts.topic for ts in parts])
            out[mid] = tuple(sorted(shown, key=lambda e: _KIND_ORDER[e.kind]))
        return out

    async def known(
        self, community_id: int, member: Member, limit: int, *, now: datetime | None = None
    ) -> list[tuple[str, float, tuple[Evidence, ...]]]:
        """A member's strongest known topics as who-knows sees them (stored scores, decayed
        to now, declared interests added), each with evidence that still holds."""
        await self.catch_up(community_id)
        now = await self.community_now(community_id, now)
        shift = epoch_days(now) / self.half_life
        wide = await self.community_wide(community_id)
        stored = broadest(
            [
                ts
                for ts in await self.store.member_topics(member.id, limit * 4)
                if ts.topic not in wide
            ],
            limit * 2,
        )
        scores = {ts.topic: 2.0 ** (ts.log_score - shift) * breadth(ts) for ts in stored}
        held = await self.store.widely_held(community_id, member.id, list(scores), HELD_BY)
        scores = {t: s * (1.0 if t in held else OWN_TOPIC) for t, s in scores.items()}
        declared = [d.topic for d in await self.declared(community_id, member.external_id)]
        for topic in declared:
            scores[topic] = scores.get(topic, 0.0) + DEFAULT_WEIGHTS[EvidenceKind.DECLARED]
        out = []
        evidence = await self._topic_evidence(community_id, member, stored)
        for topic, score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
            items = evidence.get(topic, ())
            if topic in declared:
                items = (*items, Evidence.declared(topic))
            if items:
                out.append((topic, score, items))
            if len(out) >= limit:
                break
        return out

    async def _topic_evidence(
        self, community_id: int, member: Member, stored: Sequence[TopicScore]
    ) -> dict[str, tuple[Evidence, ...]]:
        """Per topic, the member's stored evidence that still holds (one round trip)."""
        member_id = member.id
        refs = list(dict.fromkeys((member_id, ref) for ts in stored for ref in ts.evidence))
        if not refs:
            return {}
        rows = {r.ref: r for r in await self.store.evidence_rows(community_id, refs)}
        # One answer is evidence for several topics: each piece is worked out once.
        made: dict[EvidenceRef, Evidence] = {}
        out: dict[str, tuple[Evidence, ...]] = {}
        for ts in stored:
            items = []
            for ref in ts.evidence:
                row = rows.get(ref)
                if row is None:
                    continue
                found = made.get(ref)
                if found is None:
                    found = made[ref] = _evidence(row, member.external_id)
                items.append(found)
            if items:
                out[ts.topic] = tuple(items)
        return out

    def _suggest(self, query: str, vocab: Vocabulary, limit: int = 5) -> list[str]:
        """Close known topics, the most similar spelling first (`postgrs` -> `postgres`
        before `make postgres`, which WRatio's partial matching scores alike)."""
        if not vocab.popularity or not query.strip():
            return []
        query = query[:MAX_QUERY_CHARS]
        # Both needles compared whole: the one typed below, the normalised one here (a
        # plural's `s` dropped costs a point or two of the ratio, hence the margin).
        found = suggest_topics(
            query, vocab.popularity, limit * 2, min_ratio=SUGGEST_MIN_RATIO - _NEEDLE_MARGIN
        )
        needle = " ".join(query.casefold().lstrip("#").split())
        # WRatio's partial matching also finds words inside the query (`ping` and `brain` for
        # `web scraping`): a suggestion must be close as a whole to be a "did you mean".
        close = {t: fuzz.ratio(needle, t) for t in found}
        found = [t for t in found if close[t] >= SUGGEST_MIN_RATIO]
        found.sort(key=lambda t: (-close[t], -vocab.popularity[t], t))
        return found[:limit]

    async def complete_topics(self, community: CommunityRef, prefix: str, limit: int) -> list[str]:
        found = await self.services.repos.communities.find(
            community.platform, community.external_id
        )
        if found is None:
            return []
        vocab = await self.vocabulary(found.id)
        return vocab.complete(prefix[:MAX_QUERY_CHARS], max(0, min(limit, 25)))

    # --- declared interests -----------------------------------------------------------------
    async def declare(
        self, community: Community, actor_external_id: str, name: str | None, topics: Sequence[str]
    ) -> list[str]:
        now = self.services.clock.now()
        await self.store.ensure_member(community.id, actor_external_id, name, now)
        added = await self.store.declare(community.id, actor_external_id, topics, now)
        self.invalidate(community.id)
        return added

    async def undeclare(
        self, community_id: int, actor_external_id: str, topics: Sequence[str]
    ) -> list[str]:
        removed = await self.store.undeclare(community_id, actor_external_id, topics)
        self.invalidate(community_id)
        return removed

    async def declared(self, community_id: int, external_id: str) -> list[Declared]:
        return (await self.store.declared(community_id, [external_id])).get(external_id, [])

    # --- saved, network ---------------------------------------------------------------------
    async def saved(self, community_id: int, member_id: int, limit: int) -> list[int]:
        rows = await self.store.saved(community_id, member_id, self.bookmark_emoji(), limit)
        return [rid for rid, _ in rows]

    async def saved_count(self, community_id: int, member_id: int) -> int:
        return await self.store.saved_count(community_id, member_id, self.bookmark_emoji())

    async def discussed_with(
        self, community_id: int, member_id: int, limit: int
    ) -> list[tuple[Member, int, int]]:
        """Members (tracked ones only) who took part in the same resources' discussions."""
        rows = await self.store.co_participants(community_id, member_id)
        members = await self.store.members(
            community_id, [mid for mid, _, _ in rows[: limit * 4]], self.default_tracking
        )
        out = [(members[mid], n, rid) for mid, n, rid in rows if mid in members]
        return out[:limit]

    # --- privacy ----------------------------------------------------------------------------
    async def forget(self, community_id: int, external_id: str) -> None:
        await self.store.forget(community_id, external_id)
        # Others' resources and profiles that read their words (a reply in a thread, a
        # question a bare link answered) were marked dirty as the words left: redo them now,
        # so forget-me leaves none of those words in the derived tables either.
        await self.topics.settle(community_id)
        self.invalidate(community_id)

    async def export(self, community_id: int, external_id: str) -> dict[str, Any]:
        declared = await self.declared(community_id, external_id)
        member = await self.services.repos.members.by_external_id(community_id, external_id)
        topics: list[dict[str, Any]] = []
        wants: list[dict[str, Any]] = []
        if member is not None:
            shift = epoch_days(await self.community_now(community_id)) / self.half_life
            for topic, log_score in await self.store.member_topic_export(member.id):
                topics.append({"topic": topic, "score": round(2.0 ** (log_score - shift), 6)})
            for topic, log_score in await self.wants.export(member.id):
                wants.append({"topic": topic, "score": round(2.0 ** (log_score - shift), 6)})
        return {
            "interests": {
                "declared": [
                    {"topic": d.topic, "declared_at": d.declared_at.isoformat()} for d in declared
                ],
                "derived_topics": topics,
                "derived_wants": wants,  # worked out from their questions
            }
        }

    # --- upkeep -----------------------------------------------------------------------------
    async def refresh(self, community_id: int | None = None, *, sweep: bool = True) -> PassReport:
        """Bring every derived table up to date now (no network: see `unfurl_pending`).
        `sweep=False` after an import or a reset: only new activity is left to work out.
        The report's `held`: another process held a community's lease, and did the work."""
        ids = [community_id] if community_id is not None else await self.store.communities()
        total = PassReport()
        for cid in ids:
            total = total.plus(await self.topics.refresh(cid, drain=True, sweep=sweep))
            self.invalidate(cid)
        return total

    async def reindex(self, community_id: int) -> None:
        """Rebuild every derived table of a community from scratch (after changing how
        topics are found, or to repair): the same work an import ends with."""
        await self.store.respell_declared(community_id, self._respelled)
        await self.store.reset_derived(community_id)
        await self.wants.reset(community_id)
        self.topics.forget_corpus(community_id)
        await self.refresh(community_id, sweep=False)  # every watermark is back at the start

    async def unfurl_pending(self, community_id: int | None = None) -> int:
        """Fetch metadata of every link due now (new ones and due retries), when enabled;
        returns how many resources got a new title or description."""
        if not self.unfurl.enabled:
            return 0
        ids = [community_id] if community_id is not None else await self.store.communities()
        changed = 0
        for cid in ids:
            more = True
            while more:
                found, more = await self.unfurl.step(cid)
                changed += len(found)
        return changed

    async def topics_for(
        self, community_id: int, resource_ids: Sequence[int]
    ) -> dict[int, tuple[str, ...]]:
        """Stored topics of these resources as a reader sees them (`shown_topics`); those
        never computed are computed now. The community's own name and the subject it is
        named for are left out (`julialang` as a channel's only topic, `julia` on every Julia
        link, `infrahub`): they say what every link there is about. A word merely in many of
        its documents stays (`schema` is what many Infrahub pages are about)."""
        wanted = sorted(set(resource_ids))
        found = await self.store.topics_of(wanted, community_id)
        missing = await self.store.never_computed(
            community_id, [r for r in wanted if r not in found]
        )
        if missing:
            await self.topics.recompute_resources(community_id, missing)
            found.update(await self.store.topics_of(missing, community_id))
        own = await self.own_subject(community_id)
        return {
            rid: tuple(shown_topics([tw for tw in found[rid] if tw[0] not in own]))
            for rid in wanted
            if rid in found
        }

    async def run(self) -> None:
        """The background loop: unfurl new links, then refresh topics, every few seconds.
        The first pass waits a moment, so a start answers its first commands without a
        pass over a big community competing for the CPU (commands catch up themselves)."""
        await asyncio.sleep(FIRST_PASS_DELAY)
        await self.warm_up()
        while True:
            more = False
            try:
                more = await run_pass(self.topics, self.unfurl, await self.store.communities())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("interests background pass failed")
            await asyncio.sleep(BUSY_LOOP_SECONDS if more else LOOP_SECONDS)

    async def warm_up(self) -> None:
        """Load what the first who-knows would otherwise wait for (the English lexicons,
        ~0.5 s), in a thread; the background loop does it before its first pass."""
        try:
            await asyncio.to_thread(load_lexicons)
        except Exception:
            log.exception("loading the lexicons failed (the first command will try again)")

    async def close(self) -> None:
        await self.nearby.close()
        for task in list(self._loads):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.unfurl.close()


_snippet = snippet
QUESTION_CHARS = 2000  # of a question answered, cleaned for display (`clip` cuts it later)


def word_cover(subject: str, wording: str) -> int:
    """How much of a subject's wording another has: 2 every word (`type stable` of `type
    stability`, by stem) or its initials, 1 some (`stability`), 0 none. A fill-in with every
    word is the nearer: `numerical stability` had put its member before who wrote "type
    stable"."""
    words, asked = wording.split(), subject.split()
    if len(asked) > 1 and wording == "".join(w[0] for w in asked):
        return 2  # its acronym (`ad` for `automatic differentiation`)
    found = [any(_same_stem(w, o) for o in words) for w in asked]
    return 2 if all(found) else 1 if any(found) else 0


def _same_stem(a: str, b: str) -> bool:
    n = min(len(a), len(b), 4)
    return (n >= 3 and a[:n] == b[:n]) or a == b


def most_convincing(
    evidence: Sequence[Evidence], topics: Sequence[str], limit: int = 3
) -> list[Evidence]:
    """The pieces of evidence a who-knows line shows, from the strongest first: those whose own
    words (quote, page title, question answered) name a matched topic before those that do not,
    and one answer per conversation. Two answers in one thread had both been shown, the second
    "I hope this help, happy to have more brainstorming" (Infrahub, `who-knows kubernetes`)."""
    answered: set[object] = set()
    kept: list[Evidence] = []
    for e in evidence:
        if e.kind is EvidenceKind.ANSWERED:
            if e.conversation in answered:
                continue
            answered.add(e.conversation)
        kept.append(e)
    naming = {
        id(e)
        for e in kept
        if any(names_topic(e.snippet, t) or names_topic(e.resource_title, t) for t in topics)
    }
    return sorted(kept, key=lambda e: id(e) not in naming)[:limit]  # stable: strongest first


def subject_counts(counted: TopicScore, matched: Sequence[TopicScore]) -> tuple[int, int]:
    """How many resources a member shared and conversations they joined on the subject asked:
    the topic's own counts, but never fewer than the distinct evidence of every wording that
    matched (`モナド` counted one discussion while `関数モナド` held two more answers, and
    the reply showed three under "discussed 1")."""
    refs = {
        (r.kind == "shared", r.resource_id or -r.message_id)
        for ts in matched
        for r in ts.evidence
        if r.kind != "introduced"  # saying so joined no conversation
    }
    shared = sum(1 for is_share, _ in refs if is_share)
    return max(counted.shared, shared), max(counted.discussed, len(refs) - shared)


# A profile names what the member knows that others may ask about: of the topics judged
# members' profiles showed, 13% of those no one else held named a judged interest, 20% of those
# two or three held, 30% beyond. Topics fewer than two others hold count three quarters: 70 ->
# 74 of 295 relevant. At a half, 76; but in the demo's ten-member community the everyday words
# many hold (`chapter`, `database`, `sql`) then led profiles over `pinning`, `write ahead
# logging` and `sql indexing`. (Held by one other instead of two, 72; by three, 72.)
HELD_BY = 2
OWN_TOPIC = 0.75


def breadth(ts: TopicScore) -> float:
    """log2(1 + how many resources and conversations a member's topic rests on): 1 for one."""
    return math.log2(2 + max(0, ts.shared + ts.discussed - 1))


def broadest(stored: Sequence[TopicScore], limit: int) -> list[TopicScore]:
    """A member's topics for their profile: what they come back to in many conversations
    before what one long evening covered (`raspberry`, `raspbian`, `32bit`, `pi`, all from
    one thread, filled a maintainer's profile): the score times `breadth`. Judged members'
    "Knows about" 73 -> 78 of 295 relevant (`bench/quality.py`)."""
    ranked = sorted(stored, key=lambda ts: (-ts.log_score - math.log2(breadth(ts)), ts.topic))
    return ranked[:limit]


def _evidence(row: EvidenceRow, member_external_id: str = "") -> Evidence:
    kind = KNOW_KINDS[row.ref.kind]
    if kind is EvidenceKind.THANKED:  # the words for her, not the advice given to another
        text = words_to(row.text or "", member_external_id)
        # a thank-you's links are incidental ("…, see <link>"), unless they are all it says:
        # "<@vtjnash> for <a PR>" had read “for”
        shown = _snippet(text, link_shown=True)
        if len((shown or "").split()) < THANKS_WORDS:
            shown = _snippet(text, link_shown=False)
    else:  # an answer shows no resource beside it: its links are the answer
        shown = _snippet(row.text, link_shown=bool(row.url))
    title = row.title
    if kind is EvidenceKind.ANSWERED:  # the question, read as its asker wrote it
        title = _snippet(title, limit=QUESTION_CHARS, link_shown=False) or title
    return Evidence(
        kind=kind,
        topics=(),
        at=row.at,
        # A thanks: `title` is who thanked, the snippet their words without the mentions; an
        # answer: the question (Slack's `&gt;` and `<@U…>` as the member saw them).
        resource_title=title,
        resource_url=row.url or None,
        snippet=shown,
        channel=row.channel,
        resource_id=row.ref.resource_id or None,
        conversation=row.conversation,
        message_id=row.ref.message_id or None,
    )


def service_for(services: Services) -> InterestService:
    found = services.extras.get(EXTRA_KEY)
    if not isinstance(found, InterestService):
        found = InterestService(services)
        services.extras[EXTRA_KEY] = found
    return found


# --- the public functions other features call --------------------------------------------------


async def load_profiles(
    services: Services,
    community_id: int,
    *,
    member_ids: Collection[int] | None = None,
    now: datetime | None = None,
) -> dict[int, Profile]:
    """Interest profiles keyed by member row id, from stored evidence, decayed with
    `config.interests.half_life_days`. Members with tracking off (and bots) get none.

    With `member_ids`, every tracked one of them gets a profile (maybe empty); without,
    every tracked member with any evidence. Topics come from the stored resource topics, so
    call `refresh_topics` first when events were just ingested (the background loop does)."""
    return await service_for(services).profiles(community_id, member_ids=member_ids, now=now)


async def member_interactions(
    services: Services, community_id: int, *, member_ids: Collection[int] | None = None
) -> dict[tuple[int, int], int]:
    """How often two members already talk: replies to each other, threads and resources
    they both discussed (public channels only). Keys are (smaller id, larger id)."""
    return await service_for(services).store.interactions(community_id, member_ids)


async def document_shares(
    services: Services, community_id: int, topics: Collection[str]
) -> dict[str, float]:
    """Of the community's resources, the share whose text uses each of `topics` (from the
    topic extractor's document counts; nothing before it has seen enough documents to tell):
    `julia` in a Julia community, the subject that connects everyone and so nobody. Where
    everyone keeps and finds things counts as everywhere: the code and chat platforms
    (`github`, `slack`) and the hosts of many of the community's documents (`youtube`)."""
    svc = service_for(services)
    own = {t: 1.0 for t in topics if t in await svc.own_name(community_id) or t in PLATFORMS}
    extractor = (await svc.topics.corpus(community_id)).extractor
    own.update({t: 1.0 for t in topics if extractor.hosted.get(t, 0) >= HOST_CONTAINER})
    n = extractor.doc_count
    if n < extractor.min_docs:
        return own
    return {**{t: extractor.df[t] / n for t in topics if extractor.df.get(t)}, **own}


async def main_channels(
    services: Services, community_id: int, *, member_ids: Collection[int] | None = None
) -> dict[int, str]:
    """Each member's most active public channel (its name), keyed by member row id."""
    return await service_for(services).store.main_channels(community_id, member_ids)


async def refresh_topics(services: Services, community_id: int | None = None) -> None:
    """Process every pending change now (resource topics, members' topic scores, topic
    popularity) for one community or all; never fetches anything. The background loop does
    the same in bounded steps every few seconds, after fetching new links' metadata."""
    await service_for(services).refresh(community_id)


async def unfurl_pending(services: Services, community_id: int | None = None) -> int:
    """Fetch page metadata of links waiting for it now (nothing when `unfurl.enabled` is
    false); `refresh_topics` afterwards puts the new titles into topics."""
    return await service_for(services).unfurl_pending(community_id)


async def run_interests(rhizome: Rhizome) -> None:
    """Background work (`Feature.background`): the refresh loop, until cancelled."""
    await service_for(rhizome.services).run()


__all__ = [
    "Expert",
    "InterestService",
    "WhoKnowsAnswer",
    "load_profiles",
    "main_channels",
    "member_interactions",
    "refresh_topics",
    "run_interests",
    "service_for",
    "unfurl_pending",
]
