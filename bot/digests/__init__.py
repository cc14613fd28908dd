"""Weekly digests: ranking what to feature, building the neutral document, and the schedule.

Everything here is pure (no storage, no clock): storage gathers a `DigestInput`, the scheduler
asks `schedule.check` which period is due, and `document.plan_digest` says what to post.
"""

from __future__ import annotations

from bot.digests.document import DigestOptions, DigestPlan, build_digest, plan_digest
from bot.digests.ranking import (
    Candidate,
    Connector,
    DigestInput,
    OpenQuestion,
    PeriodCounts,
    Ranked,
    RankingConfig,
    score,
    select,
)
from bot.digests.schedule import (
    DueCheck,
    Schedule,
    check,
    due,
    next_run,
    parse_schedule,
    period_start,
)

__all__ = [
    "Candidate",
    "Connector",
    "DigestInput",
    "DigestOptions",
    "DigestPlan",
    "DueCheck",
    "OpenQuestion",
    "PeriodCounts",
    "Ranked",
    "RankingConfig",
    "Schedule",
    "build_digest",
    "check",
    "due",
    "next_run",
    "parse_schedule",
    "period_start",
    "plan_digest",
    "score",
    "select",
]
