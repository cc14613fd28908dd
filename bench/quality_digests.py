"""Digest quality on real exports, against hand judgments (`judgments/digests.json`).

Called by `bench/quality.py` once per dataset, after import and derive. For each judged week
(RULES.md section 15: the weeks with the most new links, each link labelled "learn", "meh" or
"no" for what a member could learn from it, and a curator's top five) the weekly digest is
built for exactly that week, as the scheduler builds one (`DigestService.build`; nothing is
posted), and its featured items are scored:

- **learn**: featured items judged "learn" (the rest "meh", "no", or not judged: shared before
  the week and discussed in it);
- **curator**: featured items among the judge's top five for the week;
- **popularity**: the same for the five candidates with the most replies, reactions and
  reshares, the digest's own pool ranked by popularity alone: what "ranked for learning, not
  popularity" is measured against;
- **open questions** (`judgments/open_questions.json`, RULES.md section 16: every message of
  the week that might ask something, judged genuine or not and answered or not): of the
  questions the digest holds to be open, how many the judge found genuine and unanswered
  (precision), and of those the judge found, how many it holds (recall); the same for six
  other weeks (`judgments/open_questions_holdout.json`, section 17: the weeks with the most
  such messages), judged after the rules for open questions were written, to check them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.digests.model import DigestConfig
from bot.digests.ranking import Candidate
from bot.digests.schedule import parse_schedule
from bot.digests.service import Window
from bot.digests.service import service_for as digest_service_for
from bot.urls import canonicalize

JUDGMENTS = Path(__file__).resolve().parent / "judgments" / "digests.json"
QUESTIONS = Path(__file__).resolve().parent / "judgments" / "open_questions.json"
HOLDOUT = Path(__file__).resolve().parent / "judgments" / "open_questions_holdout.json"
SIZE = 5  # a digest's default size


@dataclass
class DigestTally:
    weeks: int = 0
    featured: int = 0
    labels: dict[str, int] = field(
        default_factory=lambda: {"learn": 0, "meh": 0, "no": 0, "unjudged": 0}
    )
    curator: int = 0
    curator_size: int = 0
    popular: int = 0
    popular_labels: dict[str, int] = field(
        default_factory=lambda: {"learn": 0, "meh": 0, "no": 0, "unjudged": 0}
    )
    popular_curator: int = 0
    # open questions: the digest's (all it holds open), judged; and the judge's open ones
    questions: int = 0
    questions_open: int = 0  # genuine and unanswered, by the judge
    questions_answered: int = 0
    questions_not_asking: int = 0
    questions_unjudged: int = 0
    judged_open: int = 0
    judged_open_found: int = 0

    def add(self, other: DigestTally) -> None:
        for name in self.__dataclass_fields__:
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(mine, dict):
                for k, n in theirs.items():
                    mine[k] += n
            else:
                setattr(self, name, mine + theirs)

    def summary(self, label: str) -> str:
        def share(labels: dict[str, int], n: int) -> str:
            return (
                f"learn {labels['learn']}/{n} ({labels['learn'] / max(1, n):.0%}), meh "
                f"{labels['meh']}, no {labels['no']}, not judged {labels['unjudged']}"
            )

        if not self.featured and not self.popular:
            return f"{label}: {self.weeks} weeks; {self._questions()}"
        line = (
            f"{label}: {self.weeks} weeks; featured {share(self.labels, self.featured)}; in the "
            f"curator's top {self.curator}/{self.curator_size}; by popularity alone "
            f"{share(self.popular_labels, self.popular)}; in the curator's top "
            f"{self.popular_curator}/{self.curator_size}"
        )
        if self.questions or self.judged_open:
            line += f"; {self._questions()}"
        return line

    def _questions(self) -> str:
        return (
            f"open questions held open {self.questions}: really open "
            f"{self.questions_open} ({self.questions_open / max(1, self.questions):.0%}), "
            f"answered {self.questions_answered}, not asking {self.questions_not_asking}, "
            f"not judged {self.questions_unjudged}; of the judge's {self.judged_open} open, "
            f"held {self.judged_open_found}"
        )


TOTAL = DigestTally()
HOLDOUT_TOTAL = DigestTally()


def load_weeks(dataset: str, path: Path = JUDGMENTS) -> list[dict[str, Any]]:
    rows = json.loads(path.read_text("utf-8")) if path.exists() else []
    return [w for w in rows if w["dataset"] == dataset]


def load_questions(dataset: str, path: Path = QUESTIONS) -> dict[str, dict[str, Any]]:
    """The judged questions of a dataset's weeks, by week start then message ts."""
    rows = json.loads(path.read_text("utf-8")) if path.exists() else []
    return {
        w["week_start"]: {q["ts"]: q for q in w["questions"]}
        for w in rows
        if w["dataset"] == dataset
    }


def _day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _key(url: str) -> str:
    return canonicalize(url) or url


def popularity(candidates: Sequence[Candidate], size: int = SIZE) -> list[Candidate]:
    """The pool by replies, reactions and reshares alone (ties: the earlier share)."""
    return sorted(
        candidates,
        key=lambda c: (-(c.replies + c.reactions + c.reshares), c.first_shared_at, c.resource_id),
    )[:size]


async def measure_digests(rz: Any, cid: int, dataset: str, verbose: bool = False) -> list[str]:
    weeks = load_weeks(dataset)
    if not weeks:
        return []
    community = await rz.services.repos.communities.get(cid)
    svc = digest_service_for(rz.services)
    digest = DigestConfig(
        id=0,  # no stored digest: nothing was featured before, every week stands alone
        community_id=cid,
        channel_id="quality-bench",
        channel_name="digest",
        channel_private=False,
        enabled=True,
        schedule=parse_schedule("monday 00:00 UTC"),
        size=SIZE,
    )
    tally = DigestTally()
    lines: list[str] = []
    judged_questions = load_questions(dataset)
    for week in weeks:
        start, end = _day(week["week_start"]), _day(week["week_end"])
        built = await svc.build(community, digest, Window(start, end, start - timedelta(days=7)))
        labels = {_key(r["url"]): r["label"] for r in week["resources"]}
        top = {_key(u) for u in week.get("curator_top", [])}
        featured = [r.candidate for r in built.plan.featured]
        popular = popularity(built.input.candidates)
        tally.weeks += 1
        tally.curator_size += len(top)
        for chosen, counts, kind in (
            (featured, tally.labels, "featured"),
            (popular, tally.popular_labels, "popular"),
        ):
            for c in chosen:
                label = labels.get(_key(c.url), "unjudged")
                counts[label] += 1
                in_top = _key(c.url) in top
                if kind == "featured":
                    tally.featured += 1
                    tally.curator += in_top
                else:
                    tally.popular += 1
                    tally.popular_curator += in_top
                if verbose:
                    lines.append(
                        f"  digest {week['week_start']} {kind} [{label}{', top' if in_top else ''}]"
                        f" {c.title or c.url} <{c.url}>"
                    )
        judged = judged_questions.get(week["week_start"])
        if judged is not None:
            lines += score_questions(built.input.questions, judged, week, tally, verbose)
    TOTAL.add(tally)
    lines = [tally.summary("  digests"), *lines]
    holdout = DigestTally()
    for week in load_weeks(dataset, HOLDOUT):
        start, end = _day(week["week_start"]), _day(week["week_end"])
        built = await svc.build(community, digest, Window(start, end, start - timedelta(days=7)))
        judged = {q["ts"]: q for q in week["questions"]}
        holdout.weeks += 1
        lines += score_questions(built.input.questions, judged, week, holdout, verbose, "holdout ")
    HOLDOUT_TOTAL.add(holdout)
    return lines


def score_questions(
    questions: Sequence[Any],
    judged: dict[str, dict[str, Any]],
    week: dict[str, Any],
    tally: DigestTally,
    verbose: bool,
    label: str = "",
) -> list[str]:
    """Count the questions a digest holds open against the week's judgments."""
    lines: list[str] = []
    held = {q.message_id for q in questions}
    for message_id in sorted(held):
        q = judged.get(message_id)
        tally.questions += 1
        if q is None:
            verdict = "not judged"
            tally.questions_unjudged += 1
        elif not q["genuine"]:
            verdict = "not asking"
            tally.questions_not_asking += 1
        elif q["answered"]:
            verdict = "answered"
            tally.questions_answered += 1
        else:
            verdict = "open"
            tally.questions_open += 1
        if verbose:
            text = q["text"][:90] if q else message_id
            lines.append(f"  digest {label}{week['week_start']} question [{verdict}] {text}")
    really_open = [ts for ts, q in judged.items() if q["genuine"] and not q["answered"]]
    tally.judged_open += len(really_open)
    tally.judged_open_found += sum(1 for ts in really_open if ts in held)
    return lines


def summary() -> list[str]:
    return [
        TOTAL.summary("ALL digests"),
        HOLDOUT_TOTAL.summary("ALL open questions, other weeks (RULES.md section 17)"),
    ]
