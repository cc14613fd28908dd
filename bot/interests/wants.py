"""What members want to learn, as a profile shows it: the evidence of their own actions (a
plain message only when it asks something, with the topics of its words; a share or reply that
asks counts as asking), their strongest wants, and the questions behind each.

The profile used to work this out on every call; the interest pass now does it for every
member it recomputes (`TopicPipeline.recompute_members`) and stores the result in
`storage.wants`, which the profile reads back (`InterestService.stored_wants`). The same
functions serve both, so a stored answer is the live one.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime

from bot.interests.answers import is_substantive
from bot.interests.profiles import Evidence, EvidenceKind, Profile, build_profile, is_question
from bot.interests.related import one_subject
from bot.interests.terms import POST_FORMS, specificity
from bot.interests.topics import one_kanji
from bot.mentions import readable, split_quoted
from bot.model import Member
from bot.questions import asks_nothing_for_self, is_reaction, mostly_tells
from storage.interests import Action, InterestStore
from storage.wants import AskedRef, Want, text_hash

PROFILE_RECENT = 500  # newest actions of each kind a profile's questions are read from
QUESTION_TOPICS = 5  # topics of one question
WANTS_KEPT = 20  # stored wants per member (`storage.wants`; a profile shows 3)
WANTS_BATCH = 100  # members whose wants are worked out together (memory: their texts)

_LABELLED = re.compile(r"<[^<>|\s]+\|([^<>]*)>")  # Slack <url|label>
_MARKDOWN_LINK = re.compile(r"\[([^\[\]\n]+)\]\(\s*<?https?://[^()\s<>]*>?\s*\)")  # [label](url)
_LINK = re.compile(r"<(https?://[^<>\s]*)>|(https?://\S+)")
_SHORT_LINK = 40


def _short_link(url: str) -> str:
    """A link as a quote can carry it: host and last path segment (`github.com/…/client.py`)."""
    rest = url.split("://", 1)[-1].split("?", 1)[0].split("#", 1)[0].rstrip("/")
    host, _, path = rest.partition("/")
    host = host.removeprefix("www.")
    last = path.rsplit("/", 1)[-1]
    short = host if not last else f"{host}/{last}" if last == path else f"{host}/…/{last}"
    return short if len(short) <= _SHORT_LINK else short[: _SHORT_LINK - 1] + "…"


def _without_links(text: str, *, at_end: bool = True) -> str:
    """Links at the end go (they are shown as the resource); a link inside the sentence is
    part of what was said ("is there a way to use <link> ?") and stays, shortened. With
    `at_end` False the last ones stay too: nothing else shows them."""

    def keep(match: re.Match[str]) -> str:
        after = text[match.end() :].strip()
        return _short_link(match.group(1) or match.group(2)) if after or not at_end else ""

    return _LINK.sub(keep, text)


def snippet(text: str | None, limit: int = 300, *, link_shown: bool = True) -> str | None:
    """The member's words without the links at their end (those are shown as the resource)
    and without the members they mention (`readable`: no ids, nobody named by a quote).
    `link_shown` False: no resource is shown beside the quote (an answer, an introduction),
    so its links stay, shortened: "there's also github.com/…/37916" is the answer, "there's
    also" nothing."""
    if not text:
        return None
    # Lines quoting someone else are their words ("> attaching scientific machine learning
    # to…" had been shown as the member's).
    text = split_quoted(text)[0]
    text = _without_links(
        _MARKDOWN_LINK.sub(r"\1", _LABELLED.sub(r"\1", readable(text))), at_end=link_shown
    )
    # Slack escapes these three in message text ("`&lt;-`" was quoted as typed by Slack)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = " ".join(text.split()).rstrip(" :-—")
    if not text:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def action_evidence(
    actions: Iterable[Action],
    topics: Mapping[int, Sequence[tuple[str, float]]],
    heads: Mapping[int, tuple[str | None, str]],
    question_topics: Callable[[str], Sequence[tuple[str, float]]],
) -> dict[int, list[Evidence]]:
    """Per member, evidence from their actions as a profile counts it: a plain message only
    when it asks something (with the topics of its words), everything else with its
    resource's topics (a share or reply that asks counts as asking). A question in a thread
    someone else started is not asking when the member answers there too ("which version
    are you on?" from the helper), nor one put to "you" about them, nor a proposal to the
    group ("can we merge the branch?"), nor one mixing the two (`asks_nothing_for_self`):
    only a member's own questions are wants. CPU only."""
    actions = list(actions)
    helping = helping_in(actions)
    out: dict[int, list[Evidence]] = {}
    for a in actions:
        # A question where they help asks for the asker's details, not for their own learning.
        helps_here = a.thread_root is not None and (a.member_id, a.thread_root) in helping
        if a.kind == "said":
            if (
                helps_here
                or not is_question(a.text)
                or is_reaction(a.text)
                or asks_nothing_for_self(a.text)
            ):
                continue
            found = question_topics(a.text or "")
            if not found:
                continue
            ev = _question(a, found)
        else:
            rid = a.resource_id
            assert rid is not None
            title, url = heads.get(rid, (None, None))
            kind = EvidenceKind(a.kind)  # shared, replied or reacted: the same names
            asks = (
                kind is not EvidenceKind.REACTED
                and is_question(a.text)
                and not is_reaction(a.text)
                and not asks_nothing_for_self(a.text)
            )
            if asks and helps_here:
                continue
            own = _own_subjects(a, asks, topics.get(rid, ()), question_topics)
            if own is not None:
                # A reply under a link that asks about something else: a question of its own,
                # as the same words posted on their own would be.
                out.setdefault(a.member_id, []).append(_question(a, own))
                continue
            if asks:
                kind = EvidenceKind.ASKED  # decided on the whole text, not the shortened snippet
            ev = Evidence(
                kind=kind,
                topics=tuple(topics.get(rid, ())),
                at=a.at,
                resource_title=title,
                resource_url=url,
                snippet=snippet(a.text),
                channel=a.channel,
                resource_id=rid,
                message_id=a.message_id,
                asks=asks,
            )
        out.setdefault(a.member_id, []).append(ev)
    return out


def _question(a: Action, topics: Sequence[tuple[str, float]]) -> Evidence:
    """A member's question as evidence of what they want to learn, with its own topics."""
    return Evidence(
        kind=EvidenceKind.ASKED,
        topics=tuple(topics),
        at=a.at,
        snippet=snippet(a.text),
        channel=a.channel,
        message_id=a.message_id,
    )


def _own_subjects(
    a: Action,
    asks: bool,
    link_topics: Sequence[tuple[str, float]],
    question_topics: Callable[[str], Sequence[tuple[str, float]]],
) -> list[tuple[str, float]] | None:
    """The subjects of a reply under a link that asks about something else, or None. A
    question naming subjects of its own, none of them the link's ("how do I get the latest
    Julia onto colab?" under a post on Julia in Rust's chat room), is no wish to learn the
    link's subjects (`rust`). A share that asks is the member's own question, the link its
    context (a forum post "Question regarding Zygote.jl", about `sparsearray`); a reply that
    names no subject ("how does this work?") asks about the link. The link's topics come
    from its whole thread, this reply included, so a digression the thread took up
    ("…a Nature release on it now, but before was just a preprint?") still reads as one
    about the link."""
    if not asks or a.kind != "replied" or not link_topics:
        return None
    own = list(question_topics(a.text or ""))
    if not own or specificity(own[0][0]) < 1.0:
        return None  # "Can you please advise? Thanks in advance.": the thread's subject
    if any(one_subject(o, t) for o, _ in own for t, _ in link_topics):
        return None
    return own


def helping_in(actions: Iterable[Action]) -> set[tuple[int, int | None]]:
    """(member, thread root) pairs where the member helps in a thread someone else started:
    a substantive message of theirs there that asks nothing, a question of theirs that the
    thread's starter answered next (the helper asking for details: "which version?"), or one
    that tells at length before asking (`mostly_tells`: an answer ending "Does that work?").
    A link they give there is helping too: "is it this bug? <issue link>" asks for the asker."""
    return {
        (a.member_id, a.thread_root)
        for a in actions
        if a.thread_root is not None
        and a.root_author is not None
        and a.root_author != a.member_id
        and a.kind in ("said", "replied", "shared")
        and (
            is_substantive(a.text)
            or (is_question(a.text) and (a.owner_next or mostly_tells(a.text)))
        )
    }


def stored_wants(
    profile: Profile,
    shared: Collection[tuple[int, int]],
    texts: Mapping[int, str | None],
    shift: float,
    limit: int = WANTS_KEPT,
) -> list[Want]:
    """The wants of a profile as `storage.wants` keeps them: strongest first, only topics a
    profile would show (a question among the topic's strongest evidence), each with those
    questions; scores as log2 at the epoch, like `member_topics`. `shared` holds the
    (message, resource) pairs of the member's shares, which tells a share that asks from a
    reply that asks; `texts` the messages' texts, fingerprinted with each reference."""
    out: list[Want] = []
    for topic, score in sorted(profile.wants.items(), key=lambda kv: (-kv[1], kv[0])):
        if score <= 0:
            continue
        refs = []
        for ev in profile.evidence(topic, wants=True):
            if ev.message_id is None:
                continue
            fingerprint = text_hash(texts.get(ev.message_id))
            if ev.resource_id is None:
                refs.append(AskedRef("q", 0, ev.message_id, fingerprint))
            elif (ev.message_id, ev.resource_id) in shared:
                refs.append(AskedRef("s", ev.resource_id, ev.message_id, fingerprint))
            else:
                refs.append(AskedRef("r", ev.resource_id, ev.message_id, fingerprint))
        if refs and shown_as_want(topic):
            out.append(Want(topic, round(math.log2(score) + shift, 6), tuple(refs)))
            if len(out) >= limit:
                break
    return out


def shown_as_want(topic: str) -> bool:
    """One kanji names nothing alone (`元`, `型`), as "Knows about" holds too, nor does the
    form a thing takes ("is there a link for the slides?" asks for `slide`s, not to learn).
    (Asking an everyday word twice, as "Knows about" asks of its evidence, lost more right
    wants than wrong in a drawn sample: `server`, `button`, `テスト`, `記号` went, each asked
    once.)"""
    return not one_kanji(topic) and topic not in POST_FORMS


async def work_out_wants(
    store: InterestStore,
    community_id: int,
    members: Mapping[int, Member],
    *,
    since: datetime,
    now: datetime,
    half_life: float,
    shift: float,
    question_topics: Callable[[str], Sequence[tuple[str, float]]],
) -> dict[int, list[Want]]:
    """These members' wants from their newest actions, declared interests included (as in
    `InterestService.profiles`); `shift` is the epoch shift of `now` (see `storage.wants`)."""
    declared = await store.declared(community_id, [mb.external_id for mb in members.values()])
    actions = await store.actions(
        community_id, sorted(members), since=since, said=True, recent=PROFILE_RECENT
    )
    rids = {a.resource_id for a in actions if a.resource_id is not None}
    topics = await store.topics_of(rids)
    heads = await store.resource_heads(community_id, rids)
    # A reaction carries no text: the reacted-to message's own actions give it.
    texts = {
        a.message_id: a.text for a in actions if a.message_id is not None and a.kind != "reacted"
    }
    shared = {
        (a.message_id, a.resource_id)
        for a in actions
        if a.kind == "shared" and a.message_id is not None and a.resource_id is not None
    }

    def work() -> dict[int, list[Want]]:
        evidence = action_evidence(actions, topics, heads, question_topics)
        out: dict[int, list[Want]] = {}
        for mid, member in members.items():
            items = evidence.get(mid, [])
            items += [
                Evidence.declared(d.topic, d.declared_at)
                for d in declared.get(member.external_id, ())
            ]
            profile = build_profile(mid, items, now, half_life)
            out[mid] = stored_wants(profile, shared, texts, shift)
        return out

    return await asyncio.to_thread(work)
