"""Keeping derived interests fresh: resource topics, members' topic scores, page metadata.

One pass per community, under a lease so only one process refreshes a community at a time:

1. watermarks: messages and reactions newer than the last pass mark the resources they share
   or discuss, and their authors, dirty;
2. sweeps: a window of resources and of members is fingerprinted and compared with what their
   topics were computed from, which catches what watermarks cannot see (deletions, edits,
   ids reused or committed out of order);
3. dirty resources get their topics recomputed (`TopicExtractor`, community document
   frequencies); when a resource's topics change, everyone who acted on it becomes dirty;
4. dirty members get their decay-normalized topic scores recomputed.

Each step is bounded, so a pass is short even with a 100k-resource backlog; `refresh`
repeats passes until nothing is left. `bot.interests.unfurl_pass` fetches new links' metadata
the same way.

(Long because the corpus that reads a community's texts and the pass that feeds it members'
actions, replies, thanks and introductions share its caches and limits.)
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from bot.interests.addresses import site_brand, site_title
from bot.interests.answers import (
    Answered,
    answered,
    hands_over,
    is_acknowledgement,
    is_me_too,
)
from bot.interests.declared_keys import declared_key
from bot.interests.derived_version import DERIVED_VERSION
from bot.interests.idset import IdSet
from bot.interests.introductions import ROLE_WORKS, named_fields, under_introduction
from bot.interests.introductions_read import IntroductionReader
from bot.interests.profiles import (
    BARE_SHARE,
    DEFAULT_WEIGHTS,
    EvidenceKind,
    bare_share,
    is_question,
)
from bot.interests.resource_text import (
    is_weak_label,
    names_a_subject,
    resource_text,
    screenshot_fallback,
    titled_by_site,
)
from bot.interests.terms import specificity
from bot.interests.thanks import thanked
from bot.interests.topics import ResourceText, TopicExtractor, channel_topic, prepare_aliases
from bot.interests.wants import (
    QUESTION_TOPICS,
    WANTS_BATCH,
    work_out_wants,
)
from bot.questions import wished_subject
from bot.titles import (
    TitleSource,
    chat_message_channel,
    fallback_title,
    is_address_title,
    is_person_page,
)
from storage.interests import (
    Action,
    EvidenceRef,
    InterestStore,
    ResourceDoc,
    State,
    TopicScore,
)
from storage.sql import chunks
from storage.wants import Want, WantStore

if TYPE_CHECKING:
    from bot.interests.unfurl_pass import UnfurlPipeline
    from bot.services import Services

log = logging.getLogger(__name__)

# Member scores are stored as log2 of the decay-normalized sum, shifted to this instant
# (`storage.interests.tables`): changing it changes the meaning of every stored score.
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
SCAN_BATCH = 5000  # new messages / reactions looked at per pass
DRAIN_SCAN_BATCH = 50_000  # the same when working off a backlog (after an import)
SWEEP_RESOURCES = 2000
SWEEP_MEMBERS = 1000
RESOURCE_BATCH = 1000
MEMBER_BATCH = 50  # members worked out together: 100 busy ones held ~160 MB of actions at 1M
TOPICS_PER_RESOURCE = 8
# A member's topics kept for who-knows (profiles and intros read the strongest 80). The
# busiest members of a real community touch hundreds of subjects, and at 120 their older but
# real ones (`javascript`, `tableau` for houstondatavis' organiser) fell below chat words:
# judged precision@3 0.67 at 120, 0.70 at 300, 0.72 at 1,000 (Julia: 7,414 -> 8,584 rows).
# 2,000 since all of a prolific answerer's answers are read (`RECENT_REPLIES`): Komodo's lead
# developer then holds over 1,000 subjects, and `51% attack`, judged his, fell off the list.
TOPICS_PER_MEMBER = 2000
ANSWER_TOPICS = 6  # topics an answer is evidence for
INTRODUCTION_TOPICS = 6  # topics an introduction is evidence for
QUESTION_RANK_STEP = 0.02  # a question's later topics weigh this much less each
HEADLINE_WORDS = 12  # a question's first line this short, with more after it, is its headline
HEADLINE_BOOST = 1.5  # of a headline's topics among the question's
EVERYDAY_WANT = 0.75  # of an everyday word's weight among a question's topics
EVIDENCE_PER_TOPIC = 6  # kept per member topic; who-knows shows 3 that still exist
CHANNEL_WEIGHT = 0.3  # the channel's topic, when the extractor's top-k left it out
DF_SAMPLE = 2000  # recent resources whose terms seed a community's document frequencies
HORIZON_HALF_LIVES = 40  # older activity is not read at all (it weighs < 1e-12)
LEASE = timedelta(minutes=2)
STATS_REBUILD = 300.0  # seconds between full recounts of topic popularity (background)


def horizon(now: datetime, half_life_days: float) -> datetime:
    return now - timedelta(days=half_life_days * HORIZON_HALF_LIVES)


def epoch_days(at: datetime) -> float:
    return (at - EPOCH).total_seconds() / 86400.0


def log_add(a: float, b: float) -> float:
    """log2(2^a + 2^b) without overflow."""
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    hi, lo = (a, b) if a >= b else (b, a)
    return hi + math.log2(1.0 + 2.0 ** (lo - hi))


KNOW_KINDS = {
    "shared": EvidenceKind.SHARED,
    "replied": EvidenceKind.REPLIED,
    "reacted": EvidenceKind.REACTED,
    "answered": EvidenceKind.ANSWERED,
    "thanked": EvidenceKind.THANKED,
    "introduced": EvidenceKind.INTRODUCED,
}
# Reacting or bookmarking shows interest, not knowledge: it is left out of who-knows.
KNOWING = frozenset(KNOW_KINDS.values()) - {EvidenceKind.REACTED}
# A word in this share of the community's documents is its own subject (as for intros).
COMMUNITY_WIDE_SHARE = 0.3
# Each member's newest replies read for answers (thread replies, and as many next messages in
# channels without threads). At 400 only the last tenth of the 3,870 messages of Komodo's lead
# developer, nearly all answers in a channel without threads, was read, and he was missing
# from who-knows on what he answers most (fourteenth sample 0.58 -> 0.67 at 1,000; 4,000 did
# no better). On the 100k-message generated community (top poster 10.7k messages) the backlog
# refresh took 26.1 / 29.9 s with 4,000 against 22.8 / 28.3 s with 400, peak +8 MB.
RECENT_REPLIES = 1000
RECENT_MENTIONS = 400  # each member's newest mentions read for thanks
# What counts towards *knowing* (who-knows, members' topics): as profiles weigh evidence, but
# discussing a shared link shows less knowledge than caring. At 2.0 (two-thirds of a share)
# frequent discussants outranked those who answered: judged precision@3 0.67 -> 0.69 at 1.0,
# the third judged sample 0.64 -> 0.67; 0.5 and 1.5 both lower. Profiles and intros (shared
# interests) keep 2.0. Sharing, too, shows less than answering: of the members named first to
# third over every judged query, 65% of those found by their shares alone were judged
# knowers, 83-86% of those who had discussed or answered; at 2.5 instead of 3.0 (of an
# answer's 4.0) judged knowers left out fell 92 -> 90 (three later samples +0.03, the first
# -0.01); 2.0 91, 1.0 95.
KNOWLEDGE_WEIGHTS: Mapping[EvidenceKind, float] = {
    **DEFAULT_WEIGHTS,
    EvidenceKind.REPLIED: 1.0,
    EvidenceKind.SHARED: 2.5,
    # "Interested in symbolic logic", said introducing oneself, is interest more than shown
    # knowledge: at the profile's 2.5 a newcomer's introduction came second for `symbolic
    # computation`, above a judged knower who had answered on it.
    EvidenceKind.INTRODUCED: 1.0,
}
QUESTION_SHARE = 0.5  # of a question's words in the topics of the reply that answers it


_OWN_THREAD_KINDS = frozenset({"shared", "replied"})


def asking_with(actions: Sequence[Action], roots: Mapping[int, Sequence[str]]) -> list[Action]:
    """A file or link a member adds to their own question thread (the config that fails,
    a screenshot of the error), and their replies there about the links others gave them
    ("tried that, same error"), belong to asking: interest, like a reaction, not knowledge.
    `roots`: each action's own thread's opening and its author's first word after it
    (`own_thread_roots`); a question there makes it their question thread."""
    return [
        replace(a, kind="reacted")
        if a.kind in _OWN_THREAD_KINDS and asked_in_own_thread(roots.get(a.message_id or 0, ()))
        else a
        for a in actions
    ]


def asked_in_own_thread(said: Sequence[str]) -> bool:
    """Whether a member asked in the thread they started, by what they said there."""
    return any(is_question(text) for text in said)


def conversation_topics(
    topics_of: Callable[[str], Sequence[tuple[str, float]]],
    question: str,
    reply: str,
    k: int = ANSWER_TOPICS,
) -> list[tuple[str, float]]:
    """Topics of a reply in its conversation: the reply's own words count fully, the words
    it answers half (the subject is often only named in the question: "how do I cancel a
    tokio task?" - "keep the JoinHandle and call abort"). `topics_of` gives one text's."""
    scores: dict[str, float] = {}
    for text, share in ((reply, 1.0), (question, QUESTION_SHARE)):
        for topic, weight in topics_of(text):
            scores[topic] = scores.get(topic, 0.0) + share * weight
    ranked = sorted(scores.items(), key=lambda ts: (-ts[1], ts[0]))[:k]
    if not ranked:
        return []
    top = ranked[0][1]
    return [(t, round(s / top, 4)) for t, s in ranked]


def knowledge_scores(
    actions: Iterable[Action],
    topics: Mapping[int, Sequence[tuple[str, float]]],
    half_life_days: float,
    *,
    limit: int = TOPICS_PER_MEMBER,
    evidence: int = EVIDENCE_PER_TOPIC,
    answers: Iterable[Answered] = (),
) -> dict[int, list[TopicScore]]:
    """Per member, the topics they know as log2 of the decay-normalized score (see
    `storage.interests.tables`): the same sum `build_profile` makes, shifted to a fixed epoch; with
    each topic's strongest evidence (different resources) and how many resources on it they
    shared and discussed. Questions are left out: asking shows what someone wants to learn,
    not what they know; so are reactions and bookmarks, which show interest. Answers (see
    `answered`) weigh most: answering a question about X is the best sign of knowing X."""
    acc: dict[int, dict[str, float]] = {}
    best: dict[tuple[int, str], dict[int, tuple[float, EvidenceRef]]] = {}
    shared: dict[tuple[int, str], set[int]] = {}
    discussed: dict[tuple[int, str], set[int]] = {}
    for a in actions:
        kind = KNOW_KINDS.get(a.kind)
        rid = a.resource_id
        if kind not in KNOWING or rid is None or a.message_id is None:
            continue
        if is_question(a.text) or (
            kind is EvidenceKind.REPLIED
            and (is_acknowledgement(a.text) or is_me_too(a.text) or hands_over(a.text))
        ):
            continue
        base = math.log2(KNOWLEDGE_WEIGHTS[kind]) + epoch_days(a.at) / half_life_days
        if kind is EvidenceKind.SHARED and bare_share(a.text):
            base += math.log2(BARE_SHARE)
        mine = acc.setdefault(a.member_id, {})
        ref = EvidenceRef(a.kind, rid, a.message_id)
        for topic, weight in topics.get(rid, ()):
            if weight <= 0:
                continue
            value = base + math.log2(weight)
            mine[topic] = log_add(mine.get(topic, -math.inf), value)
            key = (a.member_id, topic)
            per = best.setdefault(key, {})
            if rid not in per or value > per[rid][0]:
                per[rid] = (value, ref)
            (shared if kind is EvidenceKind.SHARED else discussed).setdefault(key, set()).add(rid)
    for ans in answers:
        kind_base = math.log2(KNOWLEDGE_WEIGHTS[KNOW_KINDS[ans.kind]])
        base = kind_base + math.log2(ans.weight) + epoch_days(ans.at) / half_life_days
        mine = acc.setdefault(ans.member_id, {})
        ref = EvidenceRef(ans.kind, 0, ans.message_id)
        slot = -ans.thread  # one evidence slot per thread, apart from resources' ids
        for topic, weight in ans.topics:
            if weight <= 0:
                continue
            value = base + math.log2(weight)
            mine[topic] = log_add(mine.get(topic, -math.inf), value)
            key = (ans.member_id, topic)
            per = best.setdefault(key, {})
            if slot not in per or value > per[slot][0]:
                per[slot] = (value, ref)
            if ans.kind != "introduced":  # saying so is no conversation joined
                discussed.setdefault(key, set()).add(slot)
    out: dict[int, list[TopicScore]] = {}
    for mid, scores in acc.items():
        ranked = sorted(scores.items(), key=lambda ts: (-ts[1], ts[0]))[:limit]
        rows = []
        for topic, score in ranked:
            key = (mid, topic)
            strongest = sorted(best[key].values(), key=lambda vr: (-vr[0], vr[1].message_id))
            mine_shared = shared.get(key, set())
            rows.append(
                TopicScore(
                    topic,
                    round(score, 6),
                    tuple(ref for _, ref in strongest[:evidence]),
                    len(mine_shared),
                    len(discussed.get(key, set()) - mine_shared),
                )
            )
        out[mid] = rows
    return out


@dataclass
class Corpus:
    """A community's topic extractor with document frequencies from a sample of its
    resources; every document processed later is counted in as well."""

    extractor: TopicExtractor
    observed: IdSet = field(default_factory=IdSet)  # resources counted in the frequencies
    _conversations: dict[tuple[str, str], list[tuple[str, float]]] = field(default_factory=dict)
    _texts: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    _channels: dict[str, str | None] = field(default_factory=dict)
    _wide: tuple[int, frozenset[str]] | None = None  # (document count, community_wide())

    def community_wide(self) -> frozenset[str]:
        """The words in `COMMUNITY_WIDE_SHARE` of the community's documents or more: its own
        subject (`julia`, `haskell`), which tells members apart no more than being here does;
        none before `min_docs` documents."""
        ex = self.extractor
        if ex.doc_count < ex.min_docs:
            return frozenset()
        if self._wide is None or self._wide[0] != ex.doc_count:
            floor = COMMUNITY_WIDE_SHARE * ex.doc_count
            # never a member's name: it is saved (`interest_state`), and forget-me keeps no name
            wide = frozenset(t for t, n in ex.df.items() if n >= floor and not ex.names_someone(t))
            self._wide = (ex.doc_count, wide)
        return self._wide[1]

    def topics(self, docs: Sequence[ResourceDoc]) -> dict[int, list[tuple[str, float]]]:
        """CPU only; callers run it in a worker thread."""
        texts = {d.resource_id: resource_text(d) for d in docs}
        fresh = [rid for rid in texts if rid not in self.observed]
        self.extractor.observe(texts[rid] for rid in fresh)
        self.observed.update(fresh)
        out = {
            rid: self.with_channel(self.extractor.topics(text, k=TOPICS_PER_RESOURCE), text)
            for rid, text in texts.items()
        }
        for doc in docs:
            rid = doc.resource_id
            if doc.thread_opening and not names_a_subject(out[rid]):
                # Its own words are everyday ones ("click this link to join… dial"): it is
                # about what the thread it was posted in is about.
                text = replace(texts[rid], messages=(*texts[rid].messages, doc.thread_opening))
                out[rid] = self.with_channel(
                    self.extractor.topics(text, k=TOPICS_PER_RESOURCE), text
                )
            if is_person_page(doc.shared_url or doc.url):
                # "Connect with me on LinkedIn <its page>": the site again, not a subject.
                brand = site_brand(doc.url)
                out[rid] = [(t, w) for t, w in out[rid] if t != brand]
            if not out[rid] and doc.weak_title and not is_address_title(doc.weak_title):
                # Nothing else says what it is: its site's name is better than no topic
                # ("Tweet by @Ledger" is none: 798 of Komodo's links had been about `tweet`).
                text = replace(texts[rid], title=doc.weak_title)
                out[rid] = self.extractor.topics(text, k=TOPICS_PER_RESOURCE)
        self.extractor.forget_texts()  # read twice within the batch; a bot holds many corpora
        return out

    def conversation_topics(
        self, question: str, reply: str, channel: str | None = None
    ) -> list[tuple[str, float]]:
        """Topics of a question and one reply to it, weighed against the community's
        documents like a resource's, plus the channel's subject: an answer in #pluto is
        about Pluto even when nobody names it (CPU only; cached per pair)."""
        key = (question[:2000], reply[:2000])
        found = self._conversations.get(key)
        if found is None:
            found = conversation_topics(self.text_topics, *key)
            if len(self._conversations) >= 20_000:
                self._conversations.clear()
            self._conversations[key] = found
        return self.with_channel(found, ResourceText(channel_name=channel)) if channel else found

    def forget_conversations(self) -> None:
        """Drop the per-pair and per-message topics: they are reused within one batch of
        members (a question read once for all its answers); across batches the same pair
        almost never comes back (0 of 133k pairs on the 1M-message bench), and keeping 20k of
        each raised the derive's peak by 20 MB."""
        self._conversations.clear()
        self._texts.clear()
        self.extractor.forget_texts()

    def question_topics(self, text: str) -> list[tuple[str, float]]:
        """The topics of a member's question (what they want to learn), a phrase before its
        own words where they weigh the same ("What's a sig fig?" wants `sig fig`, not `sig`);
        CPU only."""
        found = self.extractor.topics(
            ResourceText(messages=(text,)), k=QUESTION_TOPICS + 2, rarity_power=0.5
        )
        head, _, body = text.strip().partition("\n")
        if body.strip() and len(head.split()) <= HEADLINE_WORDS and not is_acknowledgement(head):
            # A forum post's title ("When are Generators triggered?"), or a headline line
            # before the details: it names what the question is about.
            named = self.spelled_terms(head)
            found = [(t, w * HEADLINE_BOOST if t in named else w) for t, w in found]
        # "…would like to learn julia, any courses?": a wish said in words names what is
        # wanted; the member's background beside it (`r`, `python`) is no wish.
        wished = wished_subject(text)
        if wished:
            said = self.spelled_terms(wished)
            inside = [(t, w) for t, w in found if t in said]
            found = inside or found
        # An everyday word (`project`, `front`, `copy`, `device`) weighs less than a subject's
        # name in what a question asks for: a question repeats its frame ("the front in ReasonML").
        found = [(t, w * EVERYDAY_WANT if specificity(t) < 1.0 else w) for t, w in found]
        found.sort(key=lambda tw: (-tw[1], -tw[0].count(" "), tw[0]))
        # The order holds in a profile too, where ties had gone alphabetical (`database`
        # before `experiment metadata`, both 1.0): each later topic weighs a little less.
        return [
            (t, round(w * (1.0 - QUESTION_RANK_STEP * i), 4))
            for i, (t, w) in enumerate(found[:QUESTION_TOPICS])
        ]

    def spelled_terms(self, text: str) -> set[str]:
        """A text's candidate terms as topics spell them (`TopicExtractor.respelled`)."""
        ex = self.extractor
        return {ex.respelled(t) for t in ex.terms(ResourceText(messages=(text,)))}

    def introduction_topics(self, stated: Sequence[str]) -> list[tuple[str, float]]:
        """The topics of the clauses an introduction states (CPU only); each clause its own
        sentence: "computer science. 3d modelling" must not run together."""
        found = self.extractor.topics(
            ResourceText(messages=(". ".join(stated),)), k=INTRODUCTION_TOPICS, rarity_power=0.5
        )
        named = [t for t in named_fields(stated) if t not in dict(found)]
        taken = [(t, 1.0) for t in named] + found
        fields = {t.rsplit(" ", 1)[1] for t, _ in taken if " " in t}
        taken = [(t, w) for t, w in taken if not (t in ROLE_WORKS and t in fields)]
        return taken[:INTRODUCTION_TOPICS]

    def text_topics(self, text: str) -> list[tuple[str, float]]:
        """One message's topics (cached: a question is read once for all its answers)."""
        found = self._texts.get(text)
        if found is None:
            found = self.extractor.topics(ResourceText(messages=(text,)), k=2 * ANSWER_TOPICS)
            if len(self._texts) >= 20_000:
                self._texts.clear()
            self._texts[text] = found
        return found

    def with_channel(
        self, found: list[tuple[str, float]], text: ResourceText
    ) -> list[tuple[str, float]]:
        """Keep the channel's own topic: a link shared in #databases is about databases even
        when the chat words around it outnumber the channel name (unless every channel's
        links are, which rarity tells). Not a channel named for a member (Komodo's
        `#ask-jl777`, its lead developer's question channel): a name is no subject."""
        name = text.channel_name or ""
        if name not in self._channels:
            self._channels[name] = channel_topic(name, self.extractor.aliases)
        topic = self._channels[name]
        if topic is None or any(t == topic for t, _ in found):
            return found
        if self.extractor.names_someone(topic) or self.extractor.in_sequence(topic):
            return found  # `#ask-jl777`, `#week1`
        weight = round(CHANNEL_WEIGHT * self.extractor.rarity(topic), 4)
        return [*found, (topic, weight)] if weight > 0 else found


@dataclass(frozen=True, slots=True)
class PassReport:
    resources: int = 0  # resources whose topics were recomputed
    members: int = 0
    more: bool = False  # work is left for another pass
    held: bool = False  # another process holds the community's refresh lease: it does the work

    def plus(self, other: PassReport) -> PassReport:
        """Two reports as one (several communities' passes)."""
        return PassReport(
            self.resources + other.resources,
            self.members + other.members,
            self.more or other.more,
            self.held or other.held,
        )


class TopicPipeline:
    """Incremental topic upkeep for the communities of one `Services`."""

    def __init__(self, services: Services, store: InterestStore, owner: str) -> None:
        self.services = services
        self.store = store
        self.wants = WantStore(store.db)
        self.introductions = IntroductionReader(services, store)
        self.owner = owner
        self._corpora: dict[int, Corpus] = {}
        self._saved_wide: dict[int, str] = {}  # community_wide() as last saved
        self._lock = asyncio.Lock()
        self._stats_rebuilt: dict[int, float] = {}
        self.on_change: list[Callable[[int], None]] = []

    @property
    def half_life(self) -> float:
        return float(self.services.config.interests.half_life_days)

    def _aliases(self) -> Mapping[str, str]:
        return dict(self.services.config.interests.aliases)

    async def corpus(self, community_id: int) -> Corpus:
        found = self._corpora.get(community_id)
        if found is None:
            names = await self.store.member_names(community_id)
            found = Corpus(TopicExtractor(aliases=self._aliases(), names=names))
            ids = await self.store.recent_resource_ids(community_id, DF_SAMPLE)
            docs, _ = await self.store.resource_docs(community_id, ids)
            texts = [resource_text(d) for d in docs.values()]
            await asyncio.to_thread(found.extractor.observe, texts)
            found.observed.update(docs)
            self._corpora[community_id] = found
        return found

    async def _save_community_wide(self, community_id: int, now: datetime) -> None:
        """Keep the community's own subjects where a process without its corpus (a piped
        console script, a bot in its first seconds) reads them; written when they change."""
        corpus = self._corpora.get(community_id)
        if corpus is None:
            return
        terms = "\n".join(sorted(corpus.community_wide()))
        if self._saved_wide.get(community_id) != terms:
            await self.store.set_state(community_id, now, community_wide=terms)
            self._saved_wide[community_id] = terms

    def loaded_corpus(self, community_id: int) -> Corpus | None:
        """The community's corpus if this process has it in memory (never loads it)."""
        return self._corpora.get(community_id)

    def forget_corpus(self, community_id: int) -> None:
        self._corpora.pop(community_id, None)

    # --- passes ---------------------------------------------------------------------------------
    async def refresh(
        self, community_id: int | None = None, *, drain: bool = True, sweep: bool = True
    ) -> PassReport:
        """Bring topics up to date: one bounded pass per community, or (drain) passes until
        every change is processed and one full sweep has run. Without `sweep`, only what the
        new messages and reactions touched: all there is to do after an import or a reset
        (the sweeps look for edits and deletions, which only live traffic makes)."""
        ids = [community_id] if community_id is not None else await self.store.communities()
        total = PassReport()
        for cid in ids:
            total = total.plus(await self._refresh_one(cid, drain=drain, sweep=sweep))
        return total

    async def _refresh_one(self, community_id: int, *, drain: bool, sweep: bool) -> PassReport:
        async with self._lock:  # one refresher per process; the lease covers other processes
            now = self.services.clock.now()
            if not await self.store.claim(community_id, self.owner, now, now + LEASE):
                return PassReport(more=True, held=True)
            try:
                done = PassReport()
                swept_resources = swept_members = False
                while True:
                    report, wrapped_r, wrapped_m = await self._pass(
                        community_id, drain=drain, sweep=sweep
                    )
                    swept_resources |= wrapped_r or not sweep
                    swept_members |= wrapped_m or not sweep
                    done = PassReport(
                        done.resources + report.resources,
                        done.members + report.members,
                        report.more,
                    )
                    if not drain:
                        break
                    if not report.more and swept_resources and swept_members:
                        break
                    now = self.services.clock.now()
                    await self.store.claim(community_id, self.owner, now, now + LEASE)
                    await asyncio.sleep(0)
                if drain:
                    # Topic popularity is kept up by each write; recounting it from scratch
                    # catches what deletions took along (once, not after every pass).
                    await self.store.rebuild_topic_stats(community_id)
                    self._stats_rebuilt[community_id] = time.monotonic()
                await self._save_community_wide(community_id, now)
            finally:
                await self.store.release(community_id, self.owner)
        if done.resources or done.members:
            for hook in self.on_change:
                hook(community_id)
        return done

    async def _upgrade(self, community_id: int, state: State, now: datetime) -> None:
        """Rows an older version of the rules worked out are worked out again, in place:
        what is stored stays readable until the pass replaces it (`derived_version`)."""
        if state.last_message_id or state.last_reaction_id:  # else nothing is derived yet
            log.info(
                "community %s: topics and expertise were worked out by an older version "
                "(%s); working them out again in the background",
                community_id,
                state.derived_version or "before 0018",
            )
            await self.store.mark_all_dirty(community_id)
            aliases = prepare_aliases(self._aliases())
            await self.store.respell_declared(community_id, partial(declared_key, aliases=aliases))
            self.forget_corpus(community_id)  # its counts were read with the older rules
        await self.store.set_state(community_id, now, derived_version=DERIVED_VERSION)

    async def _pass(
        self, community_id: int, *, drain: bool, sweep: bool = True
    ) -> tuple[PassReport, bool, bool]:
        store, now = self.store, self.services.clock.now()
        state = await store.state(community_id, now)
        if state.half_life_days != self.half_life:
            await store.mark_all_members_dirty(community_id)
            await store.set_state(community_id, now, half_life_days=self.half_life)
        if state.derived_version != DERIVED_VERSION:
            await self._upgrade(community_id, state, now)
        resources, members, last_msg, last_rx, scanned_all = await store.scan_new(
            community_id,
            state.last_message_id,
            state.last_reaction_id,
            DRAIN_SCAN_BATCH if drain else SCAN_BATCH,
        )
        swept_r: set[int] = set()
        swept_m: set[int] = set()
        next_r, next_m = state.resource_cursor, state.member_cursor
        # Catching up on new messages finds those anyway: sweep once that backlog is worked
        # off (sweeping while thousands of resources wait only fingerprints them twice).
        swept = False
        if (
            sweep
            and scanned_all
            and not resources
            and not await store.dirty_resources(community_id, 1)
        ):
            swept_r, next_r = await store.sweep_resources(community_id, next_r, SWEEP_RESOURCES)
            swept_m, next_m = await store.sweep_members(community_id, next_m, SWEEP_MEMBERS)
            swept = True
        await store.mark_dirty(community_id, resources | swept_r, members | swept_m)
        await store.set_state(
            community_id,
            now,
            last_message_id=last_msg,
            last_reaction_id=last_rx,
            resource_cursor=next_r,
            member_cursor=next_m,
        )
        last = self._stats_rebuilt.get(community_id)
        if (
            not drain  # a drain recounts once, at its end
            and swept
            and next_r == 0
            and (last is None or time.monotonic() - last > STATS_REBUILD)
        ):
            # A full cycle of the resource sweep: recount topic popularity from scratch, since
            # deleted resources take their topics along without telling anyone.
            await store.rebuild_topic_stats(community_id)
            self._stats_rebuilt[community_id] = time.monotonic()
        n_resources = await self.recompute_resources(community_id)
        n_members = 0
        if n_resources < RESOURCE_BATCH and scanned_all:
            # Members last: while resources still change topics, each batch would make their
            # actors dirty again (after an import, everyone would be recomputed many times).
            n_members = await self.recompute_members(community_id)
        more = not scanned_all or n_resources >= RESOURCE_BATCH or n_members >= MEMBER_BATCH
        return (
            PassReport(n_resources, n_members, more),
            scanned_all and next_r == 0,
            scanned_all and next_m == 0,
        )

    async def settle(self, community_id: int) -> None:
        """Recompute every resource marked dirty, then the members they changed: after an
        erasure (`storage.interests.documents.redo_readers`), before saying it is done. Under
        the pass's lock and lease, as a pass: when another process holds the lease, its pass
        recomputes them."""
        async with self._lock:
            now = self.services.clock.now()
            if not await self.store.claim(community_id, self.owner, now, now + LEASE):
                return
            try:
                for recompute in (self.recompute_resources, self.recompute_members):
                    while await recompute(community_id):
                        now = self.services.clock.now()
                        await self.store.claim(community_id, self.owner, now, now + LEASE)
            finally:
                await self.store.release(community_id, self.owner)

    async def recompute_resources(
        self, community_id: int, resource_ids: Sequence[int] | None = None
    ) -> int:
        """Recompute the topics of dirty resources (or of these); returns how many."""
        ids = (
            list(resource_ids)
            if resource_ids is not None
            else await self.store.dirty_resources(community_id, RESOURCE_BATCH)
        )
        if not ids:
            return 0
        docs, sigs = await self.store.resource_docs(community_id, ids)
        channels: dict[str, str] = {}  # links to messages are titled with their channel's name
        if any(not d.title and chat_message_channel(d.url) for d in docs.values()):
            channels = {  # a private channel's name is never shown
                c.external_id: c.name
                for c in await self.services.repos.channels.list(community_id)
                if c.name and not c.is_private
            }
        titles = {
            rid: found
            for rid, doc in docs.items()
            if not doc.title
            and (
                found := titled_by_site(
                    fallback_title(doc.url, doc.messages, site_title(doc.url), channels), doc.url
                )
                or screenshot_fallback(doc.url)
            )
        }
        # A label that only says how the sentence referred to the link (`code`, `issue`)
        # gives way to the URL's own words ("netket/netket: sr_onthefly_logic.py").
        relabeled = {
            rid: (doc.title, *found)
            for rid, doc in docs.items()
            if doc.title
            and doc.title_rank == TitleSource.LABEL
            and is_weak_label(doc.title, doc.url)
            and (found := fallback_title(doc.url, ()))
            and found[1] in (TitleSource.SLUG, TitleSource.ADDRESS)
        }
        if relabeled:
            await self.store.replace_labels(community_id, relabeled)
            sigs = {**sigs, **await self.store.resource_signatures(relabeled)}
            docs = {
                rid: replace(doc, title=relabeled[rid][1]) if rid in relabeled else doc
                for rid, doc in docs.items()
            }
        if titles:  # named from its URL or the sharing sentence: topics read those words
            await self.store.fill_titles(community_id, titles)
            sigs = {**sigs, **await self.store.resource_signatures(titles)}
            docs = {  # URL words name the page like its title; a sentence is already chat
                rid: doc
                if rid not in titles
                else replace(doc, title=titles[rid][0])
                if titles[rid][1] == TitleSource.SLUG
                else replace(doc, weak_title=titles[rid][0])
                for rid, doc in docs.items()
            }
        corpus = await self.corpus(community_id)
        topics = await asyncio.to_thread(corpus.topics, list(docs.values()))
        # Resources that vanished meanwhile still get their dirty flag cleared (by cascade).
        changed = await self.store.write_resource_topics(
            community_id, topics, sigs, self.services.clock.now()
        )
        if changed:
            actors = await self.store.actors_of(community_id, changed)
            await self.store.mark_dirty(community_id, (), actors)
        return len(ids)

    async def recompute_members(
        self, community_id: int, member_ids: Sequence[int] | None = None
    ) -> int:
        ids = (
            list(member_ids)
            if member_ids is not None
            else await self.store.dirty_members(community_id, MEMBER_BATCH)
        )
        if not ids:
            return 0
        now = self.services.clock.now()
        last = await self.services.repos.communities.last_activity(community_id)
        reference = min(now, last) if last is not None else now  # see InterestService
        since = horizon(reference, self.half_life)
        sigs = await self.store.member_signatures(community_id, ids)
        actions = await self.store.actions(community_id, ids, since=since, said=False)
        roots = await self.store.own_thread_roots(
            [a.message_id for a in actions if a.kind in _OWN_THREAD_KINDS and a.message_id]
        )
        actions = asking_with(actions, roots)
        topics = await self.store.topics_of({a.resource_id for a in actions if a.resource_id})
        replies = await self.store.replies(community_id, ids, since=since, recent=RECENT_REPLIES)
        corpus = await self.corpus(community_id)
        patterns = self.services.config.interests.introduction_channels
        welcomes = partial(under_introduction, patterns=patterns)
        answers = await asyncio.to_thread(
            answered, replies, corpus.conversation_topics, corpus.text_topics, welcomes
        )
        replied_in = {(r.member_id, r.root_id) for r in replies}
        answers += await self._thanks(community_id, ids, since, corpus, replied_in)
        answers += await self._introductions(community_id, ids, since, corpus)
        corpus.forget_conversations()
        scores = knowledge_scores(actions, topics, self.half_life, answers=answers)
        del actions, replies, answers, topics  # the wants below read their own, a few at a time
        # Wants first: they count as current only once the topic state has the same signature.
        wants = await self._wants(community_id, ids, since, reference, corpus)
        await self.wants.write(community_id, wants, sigs, now)
        await self.store.write_member_topics(community_id, scores, sigs, now)
        return len(ids)

    async def _thanks(
        self,
        community_id: int,
        ids: Sequence[int],
        since: datetime,
        corpus: Corpus,
        replied_in: set[tuple[int, int]],
    ) -> list[Answered]:
        """These members' thanks by name (`bot.interests.thanks`), scored like answers."""
        mentioned = await self.store.mentioned(
            community_id, ids, since=since, recent=RECENT_MENTIONS
        )
        if not mentioned:
            return []
        linked = await self.store.topics_of({r for x in mentioned for r in x.resource_ids})
        found = await asyncio.to_thread(
            thanked, mentioned, corpus.conversation_topics, linked, replied_in
        )
        return [
            Answered(t.member_id, t.message_id, t.at, t.topics, t.weight, t.thread, "thanked")
            for t in found
        ]

    async def _introductions(
        self, community_id: int, ids: Sequence[int], since: datetime, corpus: Corpus
    ) -> list[Answered]:
        """Introductions as evidence of knowing, weighed as little as discussing a link."""
        return [
            Answered(i.member_id, i.message_id, i.at, i.topics, 1.0, i.message_id, "introduced")
            for i in await self.introductions.read(community_id, ids, since, corpus)
        ]

    async def _wants(
        self,
        community_id: int,
        ids: Sequence[int],
        since: datetime,
        reference: datetime,
        corpus: Corpus,
    ) -> dict[int, list[Want]]:
        """What these members (tracked ones: nobody else has a profile) want to learn
        (`bot.interests.wants`), a few members at a time: up to 2,000 actions with their
        texts each."""
        tracking = bool(self.services.config.privacy.default_tracking)
        members = await self.store.members(community_id, ids, tracking)
        out: dict[int, list[Want]] = {}
        shift = epoch_days(reference) / self.half_life
        for part in chunks(sorted(members), WANTS_BATCH):
            out.update(
                await work_out_wants(
                    self.store,
                    community_id,
                    {mid: members[mid] for mid in part},
                    since=since,
                    now=reference,
                    half_life=self.half_life,
                    shift=shift,
                    question_topics=corpus.question_topics,
                )
            )
        return out


# --- page metadata ----------------------------------------------------------------------------


# --- the loop ---------------------------------------------------------------------------------


async def run_pass(
    topics: TopicPipeline, unfurl: UnfurlPipeline, community_ids: Iterable[int]
) -> bool:
    """One bounded round over these communities; True when work is left."""
    more = False
    for cid in community_ids:
        try:
            changed, unfurl_more = await unfurl.step(cid)
            report = await topics.refresh(cid, drain=False)
            more = more or unfurl_more or report.more or bool(changed)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("interests refresh of community %s failed", cid)
    return more
