"""Profiles as members read them, against audits of the lines shown: "Wants to learn"
(`judgments/wants_shown.json`, RULES.md section 20), "Knows about"
(`judgments/knows_shown.json`, section 21) and its lines resting on an introduction
(`judgments/introductions_shown.json`, section 23).

Called by `bench/quality.py` once per dataset, after import and derive. For each audited member
it asks `/rhizome profile`'s own code (`bot.interests.commands.wanted_topics` and
`known_about`) which topics it lists, and counts each line right or wrong by the audit, or not
judged when the audit never saw that topic for that member (a line a change brought in):
precision is right over judged, and the unjudged are listed so that they can be judged and
added by the same rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.tally import Summed
from bot.interests.commands import introduced_about, known_about, wanted_topics

JUDGMENTS = Path(__file__).resolve().parent / "judgments"


@dataclass
class ShownTally(Summed):
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


Lister = Callable[[Any, int, Any], Awaitable[list[str]]]
PARTS: dict[str, tuple[str, Lister, str]] = {
    "wants": ("wants_shown.json", wanted_topics, "RULES.md section 20"),
    "knows": ("knows_shown.json", known_about, "RULES.md section 21"),
    "introduced": ("introductions_shown.json", introduced_about, "RULES.md section 23"),
}
TOTALS: dict[str, ShownTally] = {part: ShownTally() for part in PARTS}


def spacing_free(topic: str) -> str:
    """A judged line names its subject however the community spaces it: the audit of
    `datajam` holds for `data jam`, which a later version may show instead."""
    return re.sub(r"[\s.\-]", "", topic)


def load(name: str) -> list[dict[str, Any]]:
    path = JUDGMENTS / name
    return json.loads(path.read_text("utf-8")) if path.exists() else []


async def measure_shown(rz: Any, cid: int, dataset: str, verbose: bool) -> list[str]:
    """Score the audited members' profile lines of one dataset, both parts."""
    lines: list[str] = []
    for part, (file, listed, _) in PARTS.items():
        audited: dict[str, dict[str, bool]] = {}
        for row in load(file):
            if row["dataset"] == dataset:
                verdicts = audited.setdefault(row["member_id"], {})
                verdicts[spacing_free(row["topic"])] = bool(row["right"])
        tally = ShownTally()
        for ext, verdicts in audited.items():
            member = await rz.services.repos.members.by_external_id(cid, ext)
            if member is None:
                continue
            for topic in await listed(rz.services, cid, member):
                tally.shown += 1
                verdict = verdicts.get(spacing_free(topic))
                if verdict is True:
                    tally.right += 1
                elif verdict is False:
                    tally.wrong += 1
                if verbose:
                    said = {True: "right", False: "wrong", None: "NOT JUDGED"}[verdict]
                    lines.append(f"  {part} shown {member.name!r} {topic!r}: {said}")
        TOTALS[part].add(tally)
        lines.append(tally.summary(f"  {part} shown"))
    return lines


def summary() -> list[str]:
    return [
        TOTALS[part].summary(f"ALL {part} shown ({rules})") for part, (_, _, rules) in PARTS.items()
    ]
