"""Why two members should meet, in words built only from their real evidence.

"You both shared about rust async: Ana shared 'Tokio tutorial', Ben asked "how do I cancel
tasks?"" plus one resource to start the conversation. Every phrase names something a
member actually did (a title they shared, a question they asked); when no evidence backs a
topic on both sides, the topic is not mentioned at all.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from bot.documents import Block, Link, Mention, Paragraph, Span, Text
from bot.interests.profiles import Evidence, EvidenceKind, Profile
from bot.interests.terms import POST_FORMS, is_junk, is_noun_word, is_subject_word, specificity
from bot.interests.topics import channel_topic
from bot.urls import is_public_page
from bot.wording import clip

__all__ = [
    "CENTRAL_TOPICS",
    "MAX_COMMON_SHARE",
    "Explanation",
    "MemberRef",
    "Nameable",
    "Reason",
    "Starter",
    "explain_group",
    "explain_pair",
    "focus",
    "nameable",
]

MAX_TITLE = 90
MAX_SNIPPET = 80
# A topic held by more than this share of the community's members (its own name, "bug",
# "beginner") connects everyone, and so nobody: it is never a reason to meet.
MAX_COMMON_SHARE = 0.3
# A reason must be among each member's strongest topics: what one thread a member joined
# once happened to mention is not what they care about.
CENTRAL_TOPICS = 12
# A wish to learn an everyday word (about 6 or more per million words, wordfreq zipf >= 3.75,
# which is `terms.specificity` <= 0.9: `server`, `profile`, `politics`, `documentation`,
# `ping`) needs two questions: one question that said "server" is no wish to learn about
# servers (over every pair of judged candidates, reasons 17/57 -> 17/55 relevant). Sharing
# about one (`database`) still counts once each: the same rule there lost the demo's fine
# database intro. At zipf >= 4 (0.8) `ドキュメント` (documentation) and `ping`, one link each,
# were reasons; at 3.75 every pair's reasons are 23/57 relevant, not 23/59, the round's 5/6.
EVERYDAY_SPECIFICITY = 0.9
EVERYDAY_QUESTIONS = 2
TOP_WANTS = 3  # a wish to learn among the strongest this many counts after one question


@dataclass(frozen=True, slots=True)
class MemberRef:
    """A member inside a sentence; rendered as a name or a platform mention."""

    member_id: int


Part = str | MemberRef


@dataclass(frozen=True, slots=True)
class Reason:
    topic: str
    kind: str  # "both_know" | "teaches" | "both_want"
    parts: tuple[Part, ...]
    evidence: tuple[tuple[int, Evidence], ...]  # (member id, the evidence quoted)
    strength: float


@dataclass(frozen=True, slots=True)
class Starter:
    """One real resource from the evidence to open the conversation with."""

    title: str | None
    url: str
    member_id: int  # who shared or discussed it
    kind: EvidenceKind
    topic: str

    @property
    def label(self) -> str:
        return clip(self.title, MAX_TITLE) if self.title else self.url


@dataclass(frozen=True, slots=True)
class Explanation:
    reasons: tuple[Reason, ...]
    starter: Starter | None

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(r.topic for r in self.reasons)

    def lines(self, names: Mapping[int, str]) -> list[str]:
        """Plain sentences; `names` maps member ids to display names."""
        out = [_plain(r.parts, names) for r in self.reasons]
        if self.starter is not None:
            out.append(_plain(_starter_parts(self.starter), names))
        return out

    def text(self, names: Mapping[int, str]) -> str:
        return "\n".join(self.lines(names))

    def blocks(self, mentions: Mapping[int, Mention]) -> tuple[Block, ...]:
        """Document paragraphs with real mentions and the starter as a link."""
        paragraphs: list[Block] = [Paragraph(_spans(r.parts, mentions)) for r in self.reasons]
        if self.starter is not None:
            s = self.starter
            head = _spans(("To start: ",), mentions)
            tail = _spans((f" ({_VERB_PAST[s.kind]} by ", MemberRef(s.member_id), ")"), mentions)
            paragraphs.append(Paragraph((*head, Link(s.url, s.label), *tail)))
        return tuple(paragraphs)


# --- wording --------------------------------------------------------------------------------

_VERB_PAST = {
    EvidenceKind.SHARED: "shared",
    EvidenceKind.REPLIED: "discussed",
    EvidenceKind.REACTED: "reacted to",
    EvidenceKind.ASKED: "asked about",
    EvidenceKind.DECLARED: "listed",
    EvidenceKind.INTRODUCED: "said so introducing themselves",
}
_KIND_RANK = {
    EvidenceKind.SHARED: 0,
    EvidenceKind.REPLIED: 1,
    EvidenceKind.DECLARED: 2,
    EvidenceKind.INTRODUCED: 2,
    EvidenceKind.REACTED: 3,
    EvidenceKind.ASKED: 4,
}


def _did(ev: Evidence, topic: str) -> str:
    """What the member did, in their own evidence's words (a long question quoted where it
    names the topic)."""
    label = ev.resource_title or ev.resource_url
    quoted = f"'{clip(label, MAX_TITLE)}'" if label else None
    if ev.kind is EvidenceKind.ASKED:
        if ev.snippet and ev.snippet.strip():
            return f"asked “{clip(ev.snippet, MAX_SNIPPET, topic)}”"
        return f"asked about {quoted}" if quoted else "asked about it"
    if ev.kind is EvidenceKind.DECLARED:
        return "listed it as an interest"
    if ev.kind is EvidenceKind.INTRODUCED:
        if ev.snippet and ev.snippet.strip():
            return f"introduced themselves: “{clip(ev.snippet, MAX_SNIPPET, topic)}”"
        return "said so introducing themselves"
    verb = _VERB_PAST[ev.kind]
    return f"{verb} {quoted}" if quoted else f"{verb} a link about it"


def _plain(parts: Sequence[Part], names: Mapping[int, str]) -> str:
    return "".join(
        p if isinstance(p, str) else names.get(p.member_id, f"member {p.member_id}") for p in parts
    )


def _spans(parts: Sequence[Part], mentions: Mapping[int, Mention]) -> tuple[Span, ...]:
    out: list[Span] = []
    for p in parts:
        if isinstance(p, str):
            out.append(Text(p))
        else:
            out.append(mentions.get(p.member_id, Mention(f"member {p.member_id}")))
    return tuple(out)


def _starter_parts(s: Starter) -> tuple[Part, ...]:
    return (
        "To start: '",
        s.label,
        "' <",
        s.url,
        f"> ({_VERB_PAST[s.kind]} by ",
        MemberRef(s.member_id),
        ")",
    )


# --- choosing reasons -----------------------------------------------------------------------


def _best(profile: Profile, topic: str, *, wants: bool) -> Evidence | None:
    """The evidence an intro quotes for a topic: the strongest that says it by itself, not
    only by the channel it was posted in (a link in #machine-learning with little text of
    its own is about machine learning by its channel alone: "Sukera shared 'Killedbygoogle'"
    was once the reason two members both cared about machine learning)."""
    items = profile.evidence(topic, wants=wants)
    own = [e for e in items if channel_topic(e.channel) != topic]
    return (own or items)[0] if items else None


def _covered(topic: str, chosen: Sequence[str]) -> bool:
    """'rust' adds nothing after 'async rust' (and the other way round)."""
    words = set(topic.split())
    return any(words <= set(c.split()) or set(c.split()) <= words for c in chosen)


def _both(a: MemberRef, b: MemberRef, pair: bool) -> tuple[Part, ...]:
    """ "You both" to a pair; "Ana and Ben both" in a trio, where "you" would be unclear."""
    return ("You both",) if pair else (a, " and ", b, " both")


@functools.lru_cache(maxsize=1 << 16)  # asked for every topic of both sides of every pair
def _substantive(topic: str) -> bool:
    """A topic worth introducing two people over: a subject, never chat words, file names or
    numbers (see `bot.interests.terms`). Phrases count when their last word is a noun."""
    words = topic.split()
    if topic in POST_FORMS or any(is_junk(w) for w in words):
        return False  # "You both shared about slide"
    return is_subject_word(words[0]) if len(words) == 1 else is_noun_word(words[-1])


def _everyday_in_passing(topic: str, *profiles: Profile, teaching: bool = False) -> bool:
    """An everyday word (`server`, `web`, `profile`, `定義` definition, `ツール` tool) these
    members used in passing: no channel they spoke about it in is named for it (`#databases`
    makes `database` a subject there), and, to share it, fewer than two links or
    conversations each; claiming to teach an everyday word takes the channel. Over every
    pair of judged candidates, the reasons on such words were 7, all irrelevant."""
    if " " in topic or specificity(topic) > EVERYDAY_SPECIFICITY:
        return False
    if any(channel_topic(ev.channel) == topic for p in profiles for ev in p.evidence(topic)):
        return False
    return teaching or min(_support(p, topic, wants=False) for p in profiles) < 2


def _support(profile: Profile, topic: str, *, wants: bool) -> int:
    """How many different resources or messages of the member's own back a topic (a
    declared interest counts as two: the member said so in so many words)."""
    keys: set[object] = set()
    for ev in profile.evidence(topic, wants=wants):
        if ev.kind is EvidenceKind.DECLARED:
            return 2
        keys.add(ev.resource_id if ev.resource_id is not None else (ev.resource_url, ev.snippet))
    return len(keys)


def _keys(p: Profile, topic: str, wants: bool | None) -> set[object]:
    return {
        ev.resource_id if ev.resource_id is not None else (ev.resource_url, ev.snippet)
        for ev in p.evidence(topic, wants=wants)
    }


def _only_together(a: Profile, b: Profile, topic: str) -> bool:
    """Both members' evidence for a topic is the same conversation: they already talked
    about it, which is no reason to introduce them."""
    ka, kb = _keys(a, topic, False), _keys(b, topic, False)
    return (bool(ka) and ka <= kb) or (bool(kb) and kb <= ka)


def _met_over(a: Profile, b: Profile, topic: str) -> bool:
    """They were in one conversation about the topic already (one answered the other's
    question, both discussed one thread): telling them they share it is no news."""
    return bool(_keys(a, topic, None) & _keys(b, topic, None))


def _wished(profile: Profile, topic: str, min_questions: int, at_least: int = 1) -> bool:
    """A wish to learn: asked about in `min_questions` different questions, or among the
    member's `TOP_WANTS` strongest wishes (so one question counts from someone who asks
    little, while a word in one of a prolific asker's many questions does not); never
    fewer than `at_least` questions."""
    asked = _support(profile, topic, wants=True)
    if asked < at_least:
        return False
    if asked >= min_questions:
        return True
    return topic in _top(profile.wants, set(profile.wants), TOP_WANTS)


def _questions_needed(topic: str) -> int:
    """Questions a member must have asked for a wish to learn `topic` (see
    `EVERYDAY_QUESTIONS`)."""
    if " " in topic or specificity(topic) > EVERYDAY_SPECIFICITY:
        return 1
    return EVERYDAY_QUESTIONS


def _top(scores: Mapping[str, float], keep: set[str], n: int) -> dict[str, float]:
    ranked = sorted((t for t in scores if t in keep), key=lambda t: (-scores[t], t))
    return {t: scores[t] for t in ranked[:n]}


def focus(
    profile: Profile,
    common: Mapping[str, float] | None = None,
    *,
    central: int = CENTRAL_TOPICS,
    max_common: float = MAX_COMMON_SHARE,
) -> Profile:
    """The profile cut to what an introduction may name: substantive topics that are not
    community-wide (`common`: topic -> share of the community's members who hold it), and
    only each side's `central` strongest (what they know, want, and showed interest in)."""
    common = common or {}

    def ok(topic: str) -> bool:
        return common.get(topic, 0.0) <= max_common and _substantive(topic)

    cares = _cares(profile)
    kept = {t for t in cares if ok(t)}
    # strongest as a reader weighs them: `artifact definition` before `click` of one weight
    strongest = set(_top({t: s * specificity(t) for t, s in cares.items()}, kept, central))
    knows = {t: s for t, s in profile.knows.items() if t in strongest}
    interested = {t: s for t, s in profile.interested.items() if t in strongest}
    wants = _top(profile.wants, {t for t in profile.wants if ok(t)}, central)
    keep = set(knows) | set(interested) | set(wants)
    return replace(
        profile,
        knows=knows,
        wants=wants,
        interested=interested,
        evidence_by_topic={t: e for t, e in profile.evidence_by_topic.items() if t in keep},
    )


def _cares(p: Profile) -> dict[str, float]:
    """What a member knows or showed interest in (reactions): both make a shared interest."""
    out = dict(p.interested)
    for topic, score in p.knows.items():
        out[topic] = out.get(topic, 0.0) + score
    return out


def _relative(scores: Mapping[str, float]) -> dict[str, float]:
    """Each topic's weight relative to the member's strongest: members active for years and
    members who posted twice (or long ago: decay) compare on one scale."""
    top = max(scores.values(), default=0.0)
    return {t: s / top for t, s in scores.items()} if top > 0 else dict.fromkeys(scores, 1.0)


@dataclass(frozen=True, slots=True)
class Nameable:
    """What an introduction could name for one member, by the rules `explain_group` applies
    to each side alone: matching uses it to prefer pairs with a reason to meet."""

    cares: frozenset[str] = frozenset()  # may be a "you both care about" topic
    knows: frozenset[str] = frozenset()  # may be taught
    wants: frozenset[str] = frozenset()  # a wish to learn that counts


def _may_share(p: Profile, topic: str, min_support: int) -> bool:
    """A topic this member may be said to care about (before the pair's own checks)."""
    return (
        _substantive(topic)
        and not _everyday_in_passing(topic, p)
        and _support(p, topic, wants=False) >= min_support
    )


def _may_teach(p: Profile, topic: str, min_support: int) -> bool:
    return (
        _substantive(topic)
        and _support(p, topic, wants=False) >= min_support
        and not _everyday_in_passing(topic, p, teaching=True)
    )


def _may_learn(p: Profile, topic: str, min_questions: int) -> bool:
    return (
        _substantive(topic)
        and _wished(p, topic, min_questions, _questions_needed(topic))
        and _best(p, topic, wants=True) is not None
    )


def nameable(
    profile: Profile,
    common: Mapping[str, float] | None = None,
    *,
    min_support: int = 1,
    min_questions: int = 1,
) -> Nameable:
    """The topics of `focus(profile, common)` an intro could name for this member. Two
    members share a reason when one's `cares` meets the other's, or `knows` meets `wants`,
    or both `wants` meet; the pair's own checks (not already discussed together) still
    apply when the intro is written, so this is what matching can know in advance."""
    p = focus(profile, common)
    return Nameable(
        frozenset(t for t in _cares(p) if _may_share(p, t, min_support)),
        frozenset(t for t in p.knows if _may_teach(p, t, min_support)),
        frozenset(t for t in p.wants if _may_learn(p, t, min_questions)),
    )


def _candidates(
    a: Profile,
    b: Profile,
    pair: bool,
    min_support: int = 1,
    min_questions: int = 1,
    not_met: bool = False,
) -> list[Reason]:
    out: list[Reason] = []
    ra, rb = MemberRef(a.member_id), MemberRef(b.member_id)
    cares_a, cares_b = _relative(_cares(a)), _relative(_cares(b))
    for topic in cares_a.keys() & cares_b.keys():
        if not _substantive(topic) or _everyday_in_passing(topic, a, b):
            continue
        if min(_support(a, topic, wants=False), _support(b, topic, wants=False)) < min_support:
            continue
        ea, eb = _best(a, topic, wants=False), _best(b, topic, wants=False)
        if ea is None or eb is None:
            continue
        if _only_together(a, b, topic) or (not_met and _met_over(a, b, topic)):
            continue
        both_shared = ea.kind is eb.kind is EvidenceKind.SHARED
        verb = " shared about " if both_shared else " care about "
        parts = (
            *_both(ra, rb, pair),
            verb,
            topic,
            ": ",
            ra,
            " ",
            _did(ea, topic),
            ", ",
            rb,
            " ",
            _did(eb, topic),
        )
        strength = min(cares_a[topic], cares_b[topic])
        out.append(
            Reason(topic, "both_know", parts, ((a.member_id, ea), (b.member_id, eb)), strength)
        )
    knows = {a.member_id: _relative(a.knows), b.member_id: _relative(b.knows)}
    wants = {a.member_id: _relative(a.wants), b.member_id: _relative(b.wants)}
    for teacher, learner in ((a, b), (b, a)):
        rt, rl = MemberRef(teacher.member_id), MemberRef(learner.member_id)
        for topic in teacher.knows.keys() & learner.wants.keys():
            if not _may_teach(teacher, topic, min_support):
                continue
            if not _may_learn(learner, topic, min_questions):
                continue  # one question that happened to use the word is not a wish to learn
            if not_met and _met_over(teacher, learner, topic):
                continue
            et = _best(teacher, topic, wants=False)
            el = _best(learner, topic, wants=True)
            if et is None or el is None:
                continue
            parts = (rl, " wants to learn about ", topic, " and ", rt, " knows it: ", rt, " ",
                     _did(et, topic), ", ", rl, " ", _did(el, topic))  # fmt: skip
            # the best reason
            strength = min(knows[teacher.member_id][topic], wants[learner.member_id][topic]) * 1.2
            evidence = ((teacher.member_id, et), (learner.member_id, el))
            out.append(Reason(topic, "teaches", parts, evidence, strength))
    for topic in a.wants.keys() & b.wants.keys():
        if not _substantive(topic):
            continue
        needed = _questions_needed(topic)
        if not (
            _wished(a, topic, min_questions, needed) and _wished(b, topic, min_questions, needed)
        ):
            continue
        ea, eb = _best(a, topic, wants=True), _best(b, topic, wants=True)
        if ea is None or eb is None:
            continue
        parts = (*_both(ra, rb, pair), " want to learn about ", topic, ": ", ra, " ", _did(ea, topic),
                 ", ", rb, " ", _did(eb, topic))  # fmt: skip
        strength = min(wants[a.member_id][topic], wants[b.member_id][topic]) * 0.6
        out.append(
            Reason(topic, "both_want", parts, ((a.member_id, ea), (b.member_id, eb)), strength)
        )
    out.sort(key=lambda r: (-r.strength, r.topic, r.kind))
    return out


def _evidence_keys(reason: Reason) -> frozenset[tuple[int, object]]:
    return frozenset(
        (mid, ev.resource_id if ev.resource_id is not None else (ev.resource_url, ev.snippet))
        for mid, ev in reason.evidence
    )


def _same_evidence(a: Reason, b: Reason) -> bool:
    """Two reasons quoting one same thing of a member say it twice: 'button' after
    'artifact definition', both from Damien's one thread, adds nothing but a weaker word."""
    return bool(_evidence_keys(a) & _evidence_keys(b))


def _pick_starter(reasons: Sequence[Reason], profiles: Sequence[Profile]) -> Starter | None:
    """A resource from the reasons' evidence, preferably one the others have not touched."""
    seen_by: dict[int, set[str]] = {}
    for p in profiles:
        urls: set[str] = set()
        for items in p.evidence_by_topic.values():
            urls.update(e.resource_url for e in items if e.resource_url)
        seen_by[p.member_id] = urls
    options: list[tuple[tuple[int, int, int], Starter]] = []
    for rank, reason in enumerate(reasons):
        for member_id, ev in reason.evidence:
            if not ev.resource_url or ev.kind is EvidenceKind.ASKED:
                continue
            if not is_public_page(ev.resource_url):
                continue  # a pasted config's example.org, an intranet address, a screenshot
            new_to_others = all(
                ev.resource_url not in urls for mid, urls in seen_by.items() if mid != member_id
            )
            key = (0 if new_to_others else 1, rank, _KIND_RANK[ev.kind])
            starter = Starter(ev.resource_title, ev.resource_url, member_id, ev.kind, reason.topic)
            options.append((key, starter))
    if not options:
        return None
    return min(options, key=lambda o: o[0])[1]


def explain_group(
    profiles: Sequence[Profile],
    *,
    max_reasons: int = 3,
    common: Mapping[str, float] | None = None,
    min_support: int = 1,
    min_questions: int = 1,
    not_met: bool = False,
    focused: bool = False,
) -> Explanation:
    """Reasons for a pair or trio to meet, strongest first, each topic once, and a starter.

    Only what `focus` keeps can be a reason (`common`: topic -> share of the community's
    members who hold it); a topic needs `min_support` different resources or messages of
    each member's own behind it, and a wish to learn `min_questions` questions; with
    `not_met`, not a topic they already discussed together. No reason left: an honest
    "widen the circle" intro. `focused`: the profiles are `focus(p, common)` already (a
    round checks thousands of pairs of the same members)."""
    cut = list(profiles) if focused else [focus(p, common) for p in profiles]
    candidates: list[Reason] = []
    for a, b in itertools.combinations(cut, 2):
        candidates.extend(
            _candidates(a, b, len(profiles) == 2, min_support, min_questions, not_met)
        )
    candidates.sort(key=lambda r: (-r.strength, r.topic, r.kind))
    chosen: list[Reason] = []
    for reason in candidates:
        if len(chosen) >= max_reasons:
            break
        if _covered(reason.topic, [c.topic for c in chosen]):
            continue
        if any(_same_evidence(reason, c) for c in chosen):
            continue  # 'opinion' after 'politics', from the same thread: nothing new
        chosen.append(reason)
    return Explanation(tuple(chosen), _pick_starter(chosen, profiles))


def explain_pair(
    a: Profile,
    b: Profile,
    *,
    max_reasons: int = 3,
    common: Mapping[str, float] | None = None,
    min_support: int = 1,
    min_questions: int = 1,
    not_met: bool = False,
    focused: bool = False,
) -> Explanation:
    return explain_group(
        (a, b),
        max_reasons=max_reasons,
        common=common,
        min_support=min_support,
        min_questions=min_questions,
        not_met=not_met,
        focused=focused,
    )
