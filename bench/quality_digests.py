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

Links are scored the same way on six other weeks (`judgments/digests_holdout.json`, section
18: the next weeks by new links), judged after the ranking's changes were tried on the first
six, to check them. A finer measure than five featured items a week: of every pair of a judged
"learn" link and a "meh" or "no" one in the same week's pool, how many the digest's score
orders right (ties count half), against popularity's.

Headings (`judgments/digest_headings.json`, RULES.md section 24): the digest of every week of
the export, from its first activity to its last, is built the same way, and each topic it
groups links under is looked up among 167 judged headings (a week, a heading and the links
under it, judged right when the heading names a subject every one of those links is about):
of the headings shown, how many were judged and how many right, and how many links stand
under a right one. Headings the judge never saw (another grouping, other topics) are counted
as not judged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.tally import Summed
from bot.digests.document import group_by_topic
from bot.digests.model import DigestConfig
from bot.digests.ranking import Candidate, score
from bot.digests.schedule import parse_schedule
from bot.digests.service import Window
from bot.digests.service import service_for as digest_service_for
from bot.urls import canonicalize
from storage import models as m

JUDGMENTS = Path(__file__).resolve().parent / "judgments" / "digests.json"
QUESTIONS = Path(__file__).resolve().parent / "judgments" / "open_questions.json"
HOLDOUT = Path(__file__).resolve().parent / "judgments" / "open_questions_holdout.json"
LINKS_HOLDOUT = Path(__file__).resolve().parent / "judgments" / "digests_holdout.json"
HEADINGS = Path(__file__).resolve().parent / "judgments" / "digest_headings.json"
SIZE = 5  # a digest's default size


@dataclass
class HeadingTally(Summed):
    shown: int = 0  # headings over every week's digest
    judged: int = 0
    right: int = 0
    links: int = 0  # links under a heading
    links_right: int = 0  # under a heading judged right

    def summary(self, label: str) -> str:
        return (
            f"{label}: {self.shown} headings over every week, {self.judged} judged, right "
            f"{self.right} ({self.right / max(1, self.judged):.0%}); links under a heading "
            f"{self.links}, under a right one {self.links_right}"
        )


@dataclass
class DigestTally(Summed):
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
    # the whole pool's order: of the pairs (a "learn" link, a "meh"/"no" one), how many the
    # digest's score puts the right way round (ties half), and popularity's
    pairs: int = 0
    pairs_right: float = 0.0
    pairs_right_popular: float = 0.0

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
            f"{self.popular_curator}/{self.curator_size}; whole pool learn-before-other pairs "
            f"right: score {self.pairs_right / max(1, self.pairs):.2f}, popularity "
            f"{self.pairs_right_popular / max(1, self.pairs):.2f} of {self.pairs}"
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
LINKS_HOLDOUT_TOTAL = DigestTally()
HEADINGS_TOTAL = HeadingTally()


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
    headings = await measure_headings(rz, community, svc, digest, dataset, verbose)
    weeks = load_weeks(dataset)
    if not weeks:
        return headings
    tally = DigestTally()
    lines: list[str] = []
    judged_questions = load_questions(dataset)
    for week in weeks:
        built = await build_week(svc, community, digest, week)
        lines += score_links(built, week, tally, verbose)
        judged = judged_questions.get(week["week_start"])
        if judged is not None:
            lines += score_questions(built.input.questions, judged, week, tally, verbose)
    TOTAL.add(tally)
    lines = [tally.summary("  digests"), *lines]
    links = DigestTally()
    for week in load_weeks(dataset, LINKS_HOLDOUT):
        built = await build_week(svc, community, digest, week)
        lines += score_links(built, week, links, verbose, "holdout ")
    LINKS_HOLDOUT_TOTAL.add(links)
    questions = DigestTally()
    for week in load_weeks(dataset, HOLDOUT):
        built = await build_week(svc, community, digest, week)
        judged = {q["ts"]: q for q in week["questions"]}
        questions.weeks += 1
        lines += score_questions(
            built.input.questions, judged, week, questions, verbose, "holdout "
        )
    HOLDOUT_TOTAL.add(questions)
    return lines + headings


async def measure_headings(
    rz: Any, community: Any, svc: Any, digest: DigestConfig, dataset: str, verbose: bool
) -> list[str]:
    """Every week's digest headings against the judged ones (RULES.md section 24)."""
    judged = {
        (h["week_start"], h["heading"], tuple(i["url"] for i in h["items"])): h["label"]
        for h in json.loads(HEADINGS.read_text("utf-8"))
        if h["dataset"] == dataset
    }
    if not judged:
        return []
    async with rz.services.db.read() as conn:
        first, last = (
            await conn.execute(
                select(func.min(m.messages.c.posted_at), func.max(m.messages.c.posted_at)).where(
                    m.messages.c.community_id == community.id
                )
            )
        ).one()
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    start -= timedelta(days=start.weekday())  # the Monday the schedule's week opens on
    end = last.replace(tzinfo=UTC)
    tally = HeadingTally()
    lines: list[str] = []
    while start < end:
        built = await svc.build(
            community, digest, Window(start, start + timedelta(days=7), start - timedelta(days=7))
        )
        for topic, group in group_by_topic(built.plan.featured):
            if topic is None or topic == "More":
                continue
            urls = tuple(r.candidate.url for r in group)
            label = judged.get((start.date().isoformat(), topic, urls))
            tally.shown += 1
            tally.links += len(group)
            if label is not None:
                tally.judged += 1
                tally.right += label == "right"
                tally.links_right += len(group) if label == "right" else 0
            if verbose:
                lines.append(f"  heading {start.date()} [{label or 'not judged'}] {topic!r}")
                if label is None:  # what a judge needs to add the row
                    lines += [f"    - {r.candidate.title!r} <{r.candidate.url}>" for r in group]
        start += timedelta(days=7)
    HEADINGS_TOTAL.add(tally)
    return [tally.summary("  digest headings"), *lines]


async def build_week(svc: Any, community: Any, digest: DigestConfig, week: dict[str, Any]) -> Any:
    """The digest of exactly this judged week, as the scheduler builds one (nothing posted)."""
    start, end = _day(week["week_start"]), _day(week["week_end"])
    return await svc.build(community, digest, Window(start, end, start - timedelta(days=7)))


def score_links(
    built: Any, week: dict[str, Any], tally: DigestTally, verbose: bool, label: str = ""
) -> list[str]:
    """Count the featured links, and popularity's five, against the week's labels."""
    lines: list[str] = []
    labels = {_key(r["url"]): r["label"] for r in week["resources"]}
    top = {_key(u) for u in week.get("curator_top", [])}
    featured = [r.candidate for r in built.plan.featured]
    pool_order(built.input.candidates, labels, _day(week["week_end"]), tally)
    popular = popularity(built.input.candidates)
    tally.weeks += 1
    tally.curator_size += len(top)
    for chosen, counts, kind in (
        (featured, tally.labels, "featured"),
        (popular, tally.popular_labels, "popular"),
    ):
        for c in chosen:
            verdict = labels.get(_key(c.url), "unjudged")
            counts[verdict] += 1
            in_top = _key(c.url) in top
            if kind == "featured":
                tally.featured += 1
                tally.curator += in_top
            else:
                tally.popular += 1
                tally.popular_curator += in_top
            if verbose:
                lines.append(
                    f"  digest {label}{week['week_start']} {kind} "
                    f"[{verdict}{', top' if in_top else ''}] {c.title or c.url} <{c.url}>"
                )
    return lines


def pool_order(
    candidates: Sequence[Candidate], labels: dict[str, str], now: datetime, tally: DigestTally
) -> None:
    """Count how often the digest's score, and popularity, rank a judged "learn" link above a
    judged "meh" or "no" one of the same week: a finer measure than five featured items."""
    judged = [(c, labels[_key(c.url)]) for c in candidates if _key(c.url) in labels]
    learn = [c for c, label in judged if label == "learn"]
    other = [c for c, label in judged if label != "learn"]
    scored = {c.resource_id: score(c, now) for c, _ in judged}
    popular = {c.resource_id: c.replies + c.reactions + c.reshares for c, _ in judged}
    for a in learn:
        for b in other:
            tally.pairs += 1
            for values, attr in ((scored, "pairs_right"), (popular, "pairs_right_popular")):
                x, y = values[a.resource_id], values[b.resource_id]
                right = 1.0 if x > y else 0.5 if x == y else 0.0
                setattr(tally, attr, getattr(tally, attr) + right)


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
    if verbose:
        for ts in really_open:
            if ts not in held:
                text = judged[ts]["text"][:90]
                lines.append(f"  digest {label}{week['week_start']} question [missed open] {text}")
    return lines


def summary() -> list[str]:
    return [
        TOTAL.summary("ALL digests"),
        LINKS_HOLDOUT_TOTAL.summary("ALL digests, other weeks (RULES.md section 18)"),
        HOLDOUT_TOTAL.summary("ALL open questions, other weeks (RULES.md section 17)"),
        HEADINGS_TOTAL.summary("ALL digest headings (RULES.md section 24)"),
    ]
