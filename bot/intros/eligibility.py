"""Who may be introduced in a round: the policy over the facts storage returns
(`IntroStore.candidate_facts`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from storage.intros import CandidateRow, IntroFacts

ACTIVE_WINDOW = timedelta(days=90)  # members silent for longer are left out of rounds


def eligible(
    facts: Iterable[IntroFacts], now: datetime, active_since: datetime, default_tracking: bool
) -> list[CandidateRow]:
    """Members who may be introduced now: tracked, opted in (explicitly, or by a default-on
    channel they posted in), not paused, and active since `active_since` (or, having opted in
    explicitly, who made that choice since then)."""
    out: list[CandidateRow] = []
    for f in facts:
        tracking = default_tracking if f.tracking is None else f.tracking
        if not tracking:
            continue
        if f.paused_until is not None and f.paused_until > now:
            continue
        explicit = bool(f.intros)
        if f.intros is None:
            if not f.in_default_channel:
                continue
        elif not explicit:
            continue
        recently_chose = f.chose_at is not None and f.chose_at >= active_since
        if not f.active and not (explicit and recently_chose):
            continue
        out.append(CandidateRow(f.member, explicit))
    return out
