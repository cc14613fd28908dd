"""Intro quality on real exports, against hand judgments (`judgments/member_interests.json`).

Called by `bench/quality.py` once per dataset, after import and derive. The judged members
(the most active posters, see RULES.md section 5) opt in, as with `/rhizome intros on`, at the
community's last activity. Then one round is drafted the way a weekly round is planned
(`IntroService.draft`, the same entry the scheduler's `run_round` uses). Nothing is posted.

- **relevant**: a reason is relevant when its topic matches (`quality.matches`) an interest
  judged for both members it names;
- **new ties**: the share of introduced pairs (a trio counts as three pairs) who had not talked
  before, by the rule in RULES.md section 6, computed here from the imported export files;
- **widen**: intros with no reason (honest "widen the circle" intros);
- **bad starters**: starters that are placeholders, private addresses or images.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.tally import Summed
from bot.intros.explain import MemberRef, explain_group
from bot.intros.service import MIN_QUESTIONS, MIN_SUPPORT
from bot.intros.service import service_for as intro_service_for
from bot.urls import is_public_page

JUDGMENTS = Path(__file__).resolve().parent / "judgments" / "member_interests.json"
ADJACENT_SECONDS = 30 * 60
_MENTION = re.compile(r"<@!?&?([A-Z0-9]+|\d+)(?:\|[^>]*)?>")
_IMAGE = re.compile(r"\.(png|jpe?g|gif|webp|bmp|svg|heic)(\?|#|$)", re.I)


@dataclass
class IntroTally(Summed):
    pairs: int = 0
    new_pairs: int = 0
    intros: int = 0
    widen: int = 0
    reasons: int = 0
    relevant: int = 0
    starters: int = 0
    bad_starters: int = 0
    candidates: int = 0
    # every pair of candidates the round could have explained, not only the pairs it chose
    # (a round names 5-8 reasons: too few to compare two versions of the rules by)
    all_reasons: int = 0
    all_relevant: int = 0
    all_pairs: int = 0
    all_explained: int = 0
    # a judged member's profile: its "Knows about" topics, and those naming a judged interest
    profile_shown: int = 0
    profile_relevant: int = 0
    # judged interests named by at least one shown topic: `datajam` and `data jam` name one
    profile_interests: int = 0
    profile_named: int = 0

    def summary(self, label: str) -> str:
        return (
            f"{label}: intros {self.intros} of {self.candidates} members "
            f"({self.widen} widen-the-circle); reasons relevant {self.relevant}/{self.reasons} "
            f"({self.relevant / max(1, self.reasons):.0%}); pairs new ties "
            f"{self.new_pairs}/{self.pairs} ({self.new_pairs / max(1, self.pairs):.0%}); "
            f"bad starters {self.bad_starters}/{self.starters}; all pairs: "
            f"{self.all_explained}/{self.all_pairs} explained, reasons relevant "
            f"{self.all_relevant}/{self.all_reasons} "
            f"({self.all_relevant / max(1, self.all_reasons):.0%}); profiles' knows relevant "
            f"{self.profile_relevant}/{self.profile_shown} "
            f"({self.profile_relevant / max(1, self.profile_shown):.0%}), judged interests "
            f"named {self.profile_named}/{self.profile_interests}"
        )


@dataclass
class Totals:
    all: IntroTally = field(default_factory=IntroTally)


TOTALS = Totals()


# --- "talked before", from the files the bench imports -----------------------------------------


def _slack_messages(folder: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for channel in sorted(p for p in folder.iterdir() if p.is_dir()):
        for day in sorted(channel.glob("*.json")):
            for msg in json.loads(day.read_text("utf-8")):
                if isinstance(msg, dict):
                    yield channel.name, msg


def _pairs_of(people: Iterable[str]) -> Iterator[frozenset[str]]:
    for a, b in itertools.combinations(sorted(set(people)), 2):
        yield frozenset((a, b))


def talked_slack(folder: Path) -> set[frozenset[str]]:
    """Rules 1 and 3-5 of RULES.md section 6 on a Slack export folder."""
    talked: set[frozenset[str]] = set()
    threads: dict[tuple[str, str], set[str]] = {}
    flat: dict[str, list[tuple[float, str]]] = {}
    for channel, msg in _slack_messages(folder):
        user = msg.get("user")
        if not user or msg.get("subtype") in {"channel_join", "channel_leave", "bot_message"}:
            continue
        text = msg.get("text") or ""
        for other in _MENTION.findall(text):
            if other != user:
                talked.add(frozenset((user, other)))
        for reaction in msg.get("reactions") or ():
            for who in reaction.get("users") or ():
                if who != user:
                    talked.add(frozenset((user, who)))
        root = msg.get("thread_ts")
        if root:
            threads.setdefault((channel, root), set()).add(user)
        if not root or root == msg.get("ts"):
            flat.setdefault(channel, []).append((float(msg["ts"]), user))
    for people in threads.values():
        talked.update(_pairs_of(people))
    for items in flat.values():
        items.sort()
        for (t0, a), (t1, b) in itertools.pairwise(items):
            if a != b and t1 - t0 <= ADJACENT_SECONDS:
                talked.add(frozenset((a, b)))
    return talked


def talked_dce(folder: Path) -> set[frozenset[str]]:
    """Rules 1-3 on DiscordChatExporter files (one forum thread per file)."""
    talked: set[frozenset[str]] = set()
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        authors: dict[str, str] = {}
        people: set[str] = set()
        for msg in data.get("messages", ()):
            author = str((msg.get("author") or {}).get("id") or "")
            if not author:
                continue
            authors[str(msg["id"])] = author
            people.add(author)
            for other in _MENTION.findall(msg.get("content") or ""):
                if other != author:
                    talked.add(frozenset((author, other)))
            ref = (msg.get("reference") or {}).get("messageId")
            target = authors.get(str(ref)) if ref else None
            if target and target != author:
                talked.add(frozenset((author, target)))
        talked.update(_pairs_of(people))
    return talked


def talked_before(path: Path, kind: str) -> set[frozenset[str]]:
    return talked_slack(path) if kind == "slack" else talked_dce(path)


# --- the round ---------------------------------------------------------------------------------


def bad_starter(url: str) -> bool:
    """A placeholder, private-address or image-only link (judged independently of Rhizome)."""
    return not is_public_page(url) or bool(_IMAGE.search(url.split("?")[0]))


def load_interests(dataset: str) -> dict[str, list[str]]:
    rows = json.loads(JUDGMENTS.read_text("utf-8")) if JUDGMENTS.exists() else []
    return {r["id"]: r["interests"] for r in rows if r["dataset"] == dataset}


async def measure_intros(
    rz: Any, cid: int, dataset: str, path: Path, kind: str, verbose: bool = False
) -> list[str]:
    """Opt the judged members in, draft one round at the last activity, score it."""
    from bench.quality import matches  # the scoring rule shared with the other judgments

    judged = load_interests(dataset)
    if not judged:
        return [f"  intros: no judged members for {dataset}"]
    services = rz.services
    community = await services.repos.communities.get(cid)
    now = await services.repos.communities.last_activity(cid) or datetime.now(UTC)
    svc = intro_service_for(services)
    for ext in judged:
        await services.repos.settings.update(
            cid, ext, now, svc.default_tracking, intros=True, intros_paused_until=None
        )
    draft = await svc.draft(community, now)
    talked = talked_before(path, kind)
    tally = IntroTally(candidates=len(draft.candidates))
    lines: list[str] = []
    for group in draft.groups:
        ext = {m.id: m.external_id for m in group.members}
        names = {m.id: m.name for m in group.members}
        tally.intros += 1
        for a, b in itertools.combinations(group.members, 2):
            tally.pairs += 1
            tally.new_pairs += frozenset((a.external_id, b.external_id)) not in talked
        explanation = group.explanation
        if not explanation.reasons:
            tally.widen += 1
        for reason in explanation.reasons:
            named = [p.member_id for p in reason.parts if isinstance(p, MemberRef)]
            members = sorted(set(named)) if len(set(named)) >= 2 else list(ext)
            ok = all(matches(reason.topic, judged.get(ext[mid], [])) for mid in members)
            tally.reasons += 1
            tally.relevant += ok
            if not ok:
                who = " + ".join(names[mid] for mid in members)
                lines.append(f"  irrelevant reason {reason.topic!r} for {who}")
        if explanation.starter is not None:
            tally.starters += 1
            if bad_starter(explanation.starter.url):
                tally.bad_starters += 1
                lines.append(f"  bad starter {explanation.starter.url}")
        if verbose:
            pair_new = all(
                frozenset((a.external_id, b.external_id)) not in talked
                for a, b in itertools.combinations(group.members, 2)
            )
            lines.append(
                f"  intro {' + '.join(m.name for m in group.members)} "
                f"({'new tie' if pair_new else 'talked before'}): "
                + (" | ".join(explanation.lines(names)) or "widen the circle")
            )
    lines += _all_pairs(draft, judged, tally, matches, verbose)
    lines += await _profiles(rz, cid, judged, tally, matches, verbose)
    TOTALS.all.add(tally)
    return [tally.summary("  intros"), *lines]


def _all_pairs(
    draft: Any, judged: dict[str, list[str]], tally: IntroTally, matches: Any, verbose: bool
) -> list[str]:
    """Explain every pair of candidates as the round explains its groups, and judge each
    reason: how relevant the reasons are, independent of which pairs the matching chose."""
    members = {m.id: m.external_id for m in draft.candidates}
    names = {m.id: m.name for m in draft.candidates}
    lines: list[str] = []
    for a, b in itertools.combinations(sorted(members), 2):
        if a not in draft.focused or b not in draft.focused:
            continue
        tally.all_pairs += 1
        explanation = explain_group(
            [draft.focused[a], draft.focused[b]],
            common=draft.common,
            min_support=MIN_SUPPORT,
            min_questions=MIN_QUESTIONS,
            not_met=True,
        )
        tally.all_explained += bool(explanation.reasons)
        for reason in explanation.reasons:
            ok = all(matches(reason.topic, judged.get(members[mid], [])) for mid in (a, b))
            tally.all_reasons += 1
            tally.all_relevant += ok
            if verbose:
                lines.append(
                    f"  pair {names[a]} + {names[b]}: {reason.kind} {reason.topic!r} "
                    f"{'relevant' if ok else 'IRRELEVANT'}"
                )
    return lines


async def _profiles(
    rz: Any, cid: int, judged: dict[str, list[str]], tally: IntroTally, matches: Any, verbose: bool
) -> list[str]:
    """Each judged member's profile as `/rhizome profile` shows it ("Knows about"), each topic
    judged by whether it names one of the member's judged interests."""
    from bot.interests.commands import known_about

    lines: list[str] = []
    for ext, interests in judged.items():
        member = await rz.services.repos.members.by_external_id(cid, ext)
        if member is None:
            continue
        shown = await known_about(rz.services, cid, member)
        ok = [t for t in shown if matches(t, interests)]
        tally.profile_shown += len(shown)
        tally.profile_relevant += len(ok)
        tally.profile_interests += len(interests)
        tally.profile_named += sum(1 for i in interests if any(matches(t, [i]) for t in shown))
        if verbose:
            lines.append(f"  profile {member.name}: {shown} ({len(ok)} judged) <- {interests}")
    return lines


def summary() -> str:
    return TOTALS.all.summary("ALL intros")
