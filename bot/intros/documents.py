"""What introductions look like and how they are kept: the values a round is made of (`Group`,
`Draft`, `RoundResult`), explanations as stored JSON, and the neutral documents posted (the
intro, the "Did you meet?" follow-up, the pause notice) or shown (the moderators' preview)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.documents import (
    Actions,
    Block,
    Button,
    Document,
    Item,
    ItemList,
    Mention,
    Paragraph,
    Span,
    Text,
    spans,
)
from bot.interests.profiles import EvidenceKind, Profile
from bot.intros.eligibility import ACTIVE_WINDOW
from bot.intros.explain import Explanation, MemberRef, Reason, Starter
from bot.model import Member
from bot.wording import count as counted
from storage.intros import IntroMember

PREVIEW_GROUPS = 25
IGNORED_STREAK = 3  # intros ignored in a row before a member is paused


# --- values ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Group:
    """One planned intro: its members, why, and the matching score."""

    members: tuple[Member, ...]
    explanation: Explanation
    score: float


@dataclass(frozen=True, slots=True)
class Draft:
    """A round as it would be made now (a preview, or the plan recorded before posting)."""

    candidates: tuple[Member, ...]
    groups: tuple[Group, ...]
    unmatched: tuple[Member, ...]
    to_pause: tuple[Member, ...]
    method: str
    # What the groups were matched and explained on (member id -> profile cut to what an
    # intro may name; topic -> share of members holding it): lets a reviewer ask why any
    # two candidates were or were not paired (`bench/quality_intros.py`).
    focused: Mapping[int, Profile] = field(default_factory=dict)
    common: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RoundResult:
    state: Literal["posted", "skipped", "partial", "failed", "busy", "no-outlet"]
    round_id: int | None = None
    posted: int = 0  # intros posted by this call
    total: int = 0  # intros in the round
    failed: int = 0  # intros given up
    reason: str | None = None


# --- explanations as stored JSON ---------------------------------------------------------------


def explanation_json(explanation: Explanation) -> str:
    """The reasons' wording and the starter; member references stay ids until posted."""

    def part(p: str | MemberRef) -> Any:
        return p if isinstance(p, str) else {"m": p.member_id}

    starter = explanation.starter
    return json.dumps(
        {
            "reasons": [
                {"topic": r.topic, "kind": r.kind, "parts": [part(p) for p in r.parts]}
                for r in explanation.reasons
            ],
            "starter": None
            if starter is None
            else {
                "title": starter.title,
                "url": starter.url,
                "member": starter.member_id,
                "kind": starter.kind.value,
                "topic": starter.topic,
            },
        },
        ensure_ascii=False,
    )


def explanation_from_json(text: str) -> Explanation:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return Explanation((), None)

    def part(p: Any) -> str | MemberRef:
        return MemberRef(int(p["m"])) if isinstance(p, dict) else str(p)

    reasons = tuple(
        Reason(r["topic"], r["kind"], tuple(part(p) for p in r["parts"]), (), 0.0)
        for r in data.get("reasons", ())
    )
    s = data.get("starter")
    starter = (
        None
        if not s
        else Starter(
            s.get("title"), s["url"], int(s["member"]), EvidenceKind(s["kind"]), s["topic"]
        )
    )
    return Explanation(reasons, starter)


# --- documents ----------------------------------------------------------------------------------


def mention(x: IntroMember | Member) -> Mention:
    return Mention(x.name, x.external_id)


def and_list(items: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    for i, item in enumerate(items):
        if i:
            out.append(Text(" and " if i == len(items) - 1 else ", "))
        out.append(item)
    return out


def _names(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def conversation_topic(names: Sequence[str]) -> str:
    return f"Rhizome intro: {_names(list(names))}"[:100]


def intro_document(members: Sequence[IntroMember | Member], explanation: Explanation) -> Document:
    """The post that introduces a pair or trio: who, why (real evidence), and where to start."""
    mentions = {x.member_id if isinstance(x, IntroMember) else x.id: mention(x) for x in members}
    you = "you two" if len(members) == 2 else "the three of you"
    blocks: list[Block] = [
        Paragraph(
            (
                Text("Hi "),
                *and_list([mention(x) for x in members]),
                Text(f"! Rhizome thinks {you} should meet."),
            )
        )
    ]
    if explanation.reasons:
        blocks.extend(explanation.blocks(mentions))
        named = {
            p.member_id for r in explanation.reasons for p in r.parts if isinstance(p, MemberRef)
        }
        for x in members:
            if (
                len(members) > 2
                and (x.member_id if isinstance(x, IntroMember) else x.id) not in named
            ):
                # The third member of a trio may share nothing with the others yet: say so.
                blocks.append(
                    Paragraph(
                        (
                            mention(x),
                            Text(
                                ", I haven't seen you share these topics yet: tell the others "
                                "what you're working on."
                            ),
                        )
                    )
                )
    else:
        blocks.append(
            Paragraph(
                spans(
                    "I haven't seen you share the same topics yet, so this one is about "
                    "widening the circle: tell each other what you're working on."
                )
            )
        )
        if explanation.starter is not None:
            blocks.extend(explanation.blocks(mentions))
    blocks.append(
        Paragraph(
            spans(
                "Say hello here and find a time for a short chat. In a week I'll ask whether you met."
            )
        )
    )
    blocks.append(
        Paragraph(
            (
                Text("Not the right time? ", italic=True),
                Text("/rhizome intros pause <weeks>", code=True),
                Text(", ", italic=True),
                Text("/rhizome intros not-with @member", code=True),
                Text(" or ", italic=True),
                Text("/rhizome intros off", code=True),
                Text(".", italic=True),
            )
        )
    )
    return Document(tuple(blocks), title="An introduction from Rhizome")


def followup_document(intro_id: int, members: Sequence[IntroMember]) -> Document:
    """ "Did you meet?" with buttons; each member's press is recorded as their own answer."""
    return Document(
        (
            Paragraph(
                (
                    Text("A week ago I introduced "),
                    *and_list([mention(x) for x in members]),
                    Text(". Did you meet?"),
                )
            ),
            Actions(
                (
                    Button("Yes, we met", f"rhizome intros met {intro_id} yes", style="primary"),
                    Button("Not yet", f"rhizome intros met {intro_id} no"),
                )
            ),
            Paragraph(
                (
                    Text("Or type "),
                    Text(f"/rhizome intros met {intro_id} yes", code=True),
                    Text(" or "),
                    Text("no", code=True),
                    Text(". Your answers help the next introductions."),
                )
            ),
        ),
        title="Did you meet?",
    )


def pause_notice(until: datetime) -> Document:
    return Document(
        (
            Paragraph(
                spans(
                    f"I've paused your Rhizome introductions until {until:%Y-%m-%d}: your last "
                    f"{IGNORED_STREAK} introductions went without an answer, so I'll stop for now."
                )
            ),
            Paragraph(
                (
                    Text("Want them back? "),
                    Text("/rhizome intros on", code=True),
                    Text(" turns them on again right away."),
                )
            ),
        ),
        title="Introductions paused",
    )


def preview_document(
    draft: Draft,
    cadence: str,
    next_round: str | None,
    *,
    then: tuple[str, Draft] | None = None,
) -> Document:
    """The pairs a round would make now, with their reasons; only the moderator sees it.
    `then`: nobody is active now, so this is the round as of the newest activity (its date):
    a moderator who just imported an archive sees what its rounds would look like."""
    head = f"{_preview_count(draft, 'right now', 'now')}. Preview only: nothing is posted."
    blocks: list[Block] = [Paragraph(spans(head))]
    shown = draft
    if then is not None:
        newest, shown = then
        days = ACTIVE_WINDOW.days
        past = _preview_count(shown, f"in the {days} days before it", "then")
        blocks.append(
            Paragraph(
                spans(
                    f"Nobody here has been active in the last {days} days; the newest activity "
                    f"is from {newest}. As of that day, {past} (a round now introduces only "
                    "members active now)."
                )
            )
        )
    blocks += _preview_groups(shown)
    tail = f"Rounds run {cadence}" + (f"; the next on {next_round}." if next_round else ".")
    blocks.append(Paragraph(spans(tail)))
    return Document(tuple(blocks), title="Introductions preview")


def _preview_count(draft: Draft, active: str, when: str) -> str:
    """How many could be introduced `active` and what a round `when` would make."""
    n = len(draft.candidates)
    trios = sum(1 for g in draft.groups if len(g.members) == 3)
    pairs = len(draft.groups) - trios
    return (
        f"{counted(n, 'member')} opted in and active {active}; a round {when} would make "
        f"{counted(pairs, 'pair')}" + (f" and {counted(trios, 'trio')}" if trios else "")
    )


def _preview_groups(draft: Draft) -> list[Block]:
    """A draft's groups with their reasons, and who is left out or would be paused."""
    blocks: list[Block] = []
    n = len(draft.candidates)
    if draft.groups:
        items = []
        for g in draft.groups[:PREVIEW_GROUPS]:
            names = {m.id: m.name for m in g.members}
            lines = g.explanation.lines(names) or [
                "No shared topics yet: an intro to widen the circle."
            ]
            items.append(
                Item(
                    title=(
                        Text(" + ".join(m.name for m in g.members), bold=True),
                        Text(f"  (score {g.score:.2f})"),
                    ),
                    details=tuple(spans(line) for line in lines),
                )
            )
        blocks.append(
            ItemList(
                tuple(items),
                title="Introductions",
                more=max(0, len(draft.groups) - PREVIEW_GROUPS),
            )
        )
    elif n < 2:
        blocks.append(
            Paragraph(
                spans(
                    "Fewer than two members can be introduced: members opt in with "
                    "/rhizome intros on, or a moderator opts a channel's members in with "
                    "/rhizome-admin intros default-on #channel."
                )
            )
        )
    if draft.unmatched:
        blocks.append(
            Paragraph(
                spans(
                    "Left out (every possible partner is excluded by not-with wishes or recent "
                    "intros): " + _names([m.name for m in draft.unmatched]) + "."
                )
            )
        )
    if draft.to_pause:
        blocks.append(
            Paragraph(
                spans(
                    f"Would be paused for ignoring {IGNORED_STREAK} intros in a row: "
                    + _names([m.name for m in draft.to_pause])
                    + "."
                )
            )
        )
    return blocks
