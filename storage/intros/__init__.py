"""Introductions: schedules, rounds (the exactly-once claims), intros, answers and wishes.

Rounds are exactly-once claims (`bot.claims`, `storage.claims`): a round row keyed by (community,
period) is inserted with ON CONFLICT DO NOTHING before anything is planned or posted, so of any
number of processes (or a restarted one) exactly one gets it. The planned intros are written in one transaction with
the round's move to `planned`, each before its post; the platform ids are stored after. A crash
leaves the round `claimed` or `planned`; once stale, one atomic UPDATE hands it to a new owner,
who resumes the unposted intros instead of pairing again. Tables are migrated by revision 0005.

Members of an intro are kept by member row (ON DELETE CASCADE, so `forget-me` takes them) and by
platform id; `not-with` wishes and opt-in defaults are kept by platform id, like the settings.

The package: `tables` (the seven tables and their states), `values` (the facts stores return),
the store in parts (`people`: schedules, defaults, wishes, member state; `rounds`: candidates and
the claims; `records`: intros, answers, follow-ups) joined in `store.IntroStore`.
"""

from __future__ import annotations

from storage.intros.store import IntroStore
from storage.intros.tables import (
    CLAIMED,
    FAILED,
    FOLLOWUP_FAILED,
    FOLLOWUP_PENDING,
    FOLLOWUP_SENDING,
    FOLLOWUP_SENT,
    OPEN_STATES,
    PLANNED,
    POSTED,
    ROUNDS,
    SKIPPED,
    intro_channel_defaults,
    intro_member_state,
    intro_members,
    intro_not_with,
    intro_rounds,
    intro_schedules,
    intros,
)
from storage.intros.values import (
    CandidateRow,
    IntroFacts,
    IntroMember,
    IntroRecord,
    MemberIntroState,
    PlannedIntro,
    RoundRecord,
    RoundStats,
    ScheduleRecord,
    Stats,
)

__all__ = [
    "CLAIMED",
    "FAILED",
    "FOLLOWUP_FAILED",
    "FOLLOWUP_PENDING",
    "FOLLOWUP_SENDING",
    "FOLLOWUP_SENT",
    "OPEN_STATES",
    "PLANNED",
    "POSTED",
    "ROUNDS",
    "SKIPPED",
    "CandidateRow",
    "IntroFacts",
    "IntroMember",
    "IntroRecord",
    "IntroStore",
    "MemberIntroState",
    "PlannedIntro",
    "RoundRecord",
    "RoundStats",
    "ScheduleRecord",
    "Stats",
    "intro_channel_defaults",
    "intro_member_state",
    "intro_members",
    "intro_not_with",
    "intro_rounds",
    "intro_schedules",
    "intros",
]
