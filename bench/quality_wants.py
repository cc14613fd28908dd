"""Wants as profiles show them, against an audit of the lines members read
(`judgments/wants_shown.json`, RULES.md section 20).

Called by `bench/quality.py` once per dataset, after import and derive. For each audited member
it asks `/rhizome profile`'s own code (`bot.interests.commands.wanted_topics`) which topics it
lists under "Wants to learn", and counts each line right or wrong by the audit, or not judged
when the audit never saw that topic for that member (a line a change brought in): precision is
right over judged, and the unjudged are shown so that they can be judged and added.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.interests.commands import wanted_topics

JUDGMENTS = Path(__file__).resolve().parent / "judgments" / "wants_shown.json"


@dataclass
class WantsTally:
    shown: int = 0
    right: int = 0
    wrong: int = 0

    @property
    def unjudged(self) -> int:
        return self.shown - self.right - self.wrong

    def summary(self, label: str) -> str:
        judged = self.right + self.wrong
        return (
            f"{label}: {self.shown} lines; right {self.right}/{judged} "
            f"({self.right / max(1, judged):.0%}), not judged {self.unjudged}"
        )


TOTAL = WantsTally()


def load(path: Path = JUDGMENTS) -> list[dict[str, Any]]:
    return json.loads(path.read_text("utf-8")) if path.exists() else []


async def measure_shown_wants(rz: Any, cid: int, dataset: str, verbose: bool) -> list[str]:
    """Score the audited members' "Wants to learn" lines of one dataset."""
    audited: dict[str, dict[str, bool]] = {}
    for row in load():
        if row["dataset"] == dataset:
            audited.setdefault(row["member_id"], {})[row["topic"]] = bool(row["right"])
    tally = WantsTally()
    lines: list[str] = []
    for ext, verdicts in audited.items():
        member = await rz.services.repos.members.by_external_id(cid, ext)
        if member is None:
            continue
        for topic in await wanted_topics(rz.services, cid, member):
            tally.shown += 1
            verdict = verdicts.get(topic)
            if verdict is True:
                tally.right += 1
            elif verdict is False:
                tally.wrong += 1
            if verbose:
                said = {True: "right", False: "wrong", None: "NOT JUDGED"}[verdict]
                lines.append(f"  wants shown {member.name!r} {topic!r}: {said}")
    TOTAL.shown += tally.shown
    TOTAL.right += tally.right
    TOTAL.wrong += tally.wrong
    lines.append(tally.summary("  wants shown"))
    return lines


def summary() -> str:
    return TOTAL.summary("ALL wants shown (RULES.md section 20)")
