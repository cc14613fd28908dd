"""What one digest window holds, worked out from the facts storage gathers
(`storage.digest_content`): the engagement rules.

All counts are of activity by members other than the sharer (whoever first shared the resource
inside the digest's scope) within the window:

* replies — messages in the thread of any message sharing the resource;
* reactions — on any message sharing it (the silence emoji is not engagement: storage leaves
  those reactions out as it reads, since they decide which resources are read at all);
* reshares — the resource shared again by someone else.

For an item featured before by this digest, only activity after it was featured counts, and
only members who had not discussed it before count as discussants (the repeat rule).
Connectors are the members whose shares drew the most other discussants.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.digests.ranking import Candidate, Connector, OpenQuestion, PeriodCounts


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message by its external ids, so an outlet can make a permalink."""

    channel_id: str
    message_id: str


@dataclass(frozen=True, slots=True)
class Gathered:
    candidates: tuple[Candidate, ...]
    questions: tuple[OpenQuestion, ...]
    connectors: tuple[Connector, ...]
    counts: PeriodCounts
    previous_counts: PeriodCounts | None
    threads: Mapping[int, MessageRef]  # resource id -> the message that first shared it


# --- the facts storage gathers ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Chan:
    external_id: str
    name: str
    private: bool


@dataclass(frozen=True, slots=True)
class First:
    member_id: int
    channel_id: int
    message_id: int
    message_ext: str
    shared_at: datetime


@dataclass(frozen=True, slots=True)
class Event:
    kind: str  # reply | reaction | reshare
    resource_id: int
    actor: int
    at: datetime
    target: int  # the member whose share was discussed (connector credit)


@dataclass
class Activity:
    shared: set[int]
    events: list[Event]
    firsts: dict[int, First]
    active: int


@dataclass(frozen=True, slots=True)
class Question:
    message_id: int
    message_ext: str
    text: str
    author: int
    channel: int
    at: datetime
    silenced: bool = False


@dataclass(frozen=True, slots=True)
class Head:
    """A resource as the digest names it: its link as shared, its title and the title's rank
    (`bot.titles.TitleSource`: only a real title can bear a heading out)."""

    url: str
    title: str | None
    title_rank: int | None = None


@dataclass(frozen=True, slots=True)
class WindowFacts:
    """One window [start, end) inside a digest's scope, as stored."""

    start: datetime
    end: datetime
    channels: Mapping[int, Chan]  # the channels the digest may show, by row id
    activity: Activity
    previous: Activity | None  # the window before, for the pulse's comparison
    heads: Mapping[int, Head]  # resource id -> its link and title
    silenced: set[int]  # resources a sharing message of which carries the silence emoji
    prior: Mapping[int, set[int]]  # featured resource id -> who had discussed it by then
    first_ever: Mapping[int, datetime]  # sharer -> their first share ever
    questions: list[Question]  # unanswered, unsilenced, at most the digest's number
    said: Mapping[int, int] = field(default_factory=dict)  # resource id -> sharer's own words


# --- the rules ----------------------------------------------------------------------------------


def discussions(act: Activity) -> int:
    """Events on a resource by anyone but its first sharer (the pulse's discussions)."""
    return sum(1 for e in act.events if e.actor != act.firsts[e.resource_id].member_id)


def connectors(act: Activity, limit: int) -> list[tuple[int, int, int]]:
    """(member row id, distinct other discussants, resources of theirs discussed), best first."""
    people: dict[int, set[int]] = defaultdict(set)
    resources: dict[int, set[int]] = defaultdict(set)
    for e in act.events:
        if e.actor == e.target:
            continue
        people[e.target].add(e.actor)
        resources[e.target].add(e.resource_id)
    ranked = sorted(people, key=lambda t: (-len(people[t]), -len(resources[t]), t))
    return [(t, len(people[t]), len(resources[t])) for t in ranked[:limit]]


def members_needed(facts: WindowFacts, ranked: Sequence[tuple[int, int, int]]) -> set[int]:
    """The members a digest names: sharers, askers and connectors (`connectors`)."""
    return (
        {f.member_id for f in facts.activity.firsts.values()}
        | {q.author for q in facts.questions}
        | {c for c, *_ in ranked}
    )


def assemble(
    facts: WindowFacts,
    members: Mapping[int, tuple[str, str, bool]],
    ranked: Sequence[tuple[int, int, int]],
    featured: Mapping[int, tuple[float, datetime]],
) -> Gathered:
    """The digest's candidates, open questions, connectors and pulse from one window's facts;
    `members` maps member row ids to (external id, display name, opted out), `ranked` is
    `connectors(...)`, `featured` the digest's earlier features (engagement, when)."""
    act, chans, start, end = facts.activity, facts.channels, facts.start, facts.end
    heads, silenced, prior = facts.heads, facts.silenced, facts.prior
    first_ever, questions, connectors_raw = facts.first_ever, facts.questions, ranked
    previous = None
    if facts.previous is not None:
        prev = facts.previous
        previous = PeriodCounts(len(prev.shared), prev.active, discussions(prev))
    rids = sorted(act.firsts)

    per: dict[int, dict[str, int]] = defaultdict(lambda: {"reply": 0, "reaction": 0, "reshare": 0})
    people: dict[int, set[int]] = defaultdict(set)
    last: dict[int, datetime] = {}
    for e in act.events:
        sharer = act.firsts[e.resource_id].member_id
        if e.actor == sharer:
            continue
        feat = featured.get(e.resource_id)
        if feat is not None and e.at <= feat[1]:
            continue
        per[e.resource_id][e.kind] += 1
        if e.actor not in prior.get(e.resource_id, ()):
            people[e.resource_id].add(e.actor)
        if e.resource_id not in last or e.at > last[e.resource_id]:
            last[e.resource_id] = e.at

    candidates: list[Candidate] = []
    threads: dict[int, MessageRef] = {}
    for rid in rids:
        first = act.firsts[rid]
        head = heads.get(rid)
        if head is None:
            continue
        ext, name, opted_out = members.get(first.member_id, ("?", "a member", True))
        chan = chans[first.channel_id]
        counts = per.get(rid, {"reply": 0, "reaction": 0, "reshare": 0})
        feat = featured.get(rid)
        candidates.append(
            Candidate(
                resource_id=rid,
                url=head.url,
                title=head.title,
                title_rank=head.title_rank,
                sharer_id=ext,
                sharer_name=name,
                channel_id=chan.external_id,
                channel_name=chan.name,
                first_shared_at=first.shared_at,
                sharer_opted_out=opted_out,
                channel_private=chan.private,
                discussants=len(people.get(rid, ())),
                replies=counts["reply"],
                reactions=counts["reaction"],
                reshares=counts["reshare"],
                last_activity_at=last.get(rid),
                silenced=rid in silenced,
                is_first_share_of_member=(
                    start <= first.shared_at < end
                    and first_ever.get(first.member_id) == first.shared_at
                ),
                previously_featured_score=feat[0] if feat else None,
                said=facts.said.get(rid, 0),
            )
        )
        threads[rid] = MessageRef(chan.external_id, first.message_ext)

    open_questions = tuple(
        OpenQuestion(
            message_id=q.message_ext,
            text=q.text,
            author_id=members.get(q.author, ("?", "a member", True))[0],
            author_name=members.get(q.author, ("?", "a member", True))[1],
            channel_id=chans[q.channel].external_id,
            channel_name=chans[q.channel].name,
            asked_at=q.at,
            author_opted_out=members.get(q.author, ("?", "a member", True))[2],
            channel_private=chans[q.channel].private,
            silenced=q.silenced,
        )
        for q in questions
    )
    connectors = tuple(
        Connector(
            member_id=members.get(mid, ("?", "a member", True))[0],
            name=members.get(mid, ("?", "a member", True))[1],
            discussants=n_people,
            shares=n_shares,
            opted_out=members.get(mid, ("?", "a member", True))[2],
        )
        for mid, n_people, n_shares in connectors_raw
    )
    return Gathered(
        candidates=tuple(candidates),
        questions=open_questions,
        connectors=connectors,
        counts=PeriodCounts(len(act.shared), act.active, discussions(act)),
        previous_counts=previous,
        threads=threads,
    )
