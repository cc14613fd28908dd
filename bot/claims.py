"""Exactly-once side effects (a digest posted, a round of introductions made): the scheduling
side of claims. The storage side, one set of statements for every table of claims, is
`storage.claims`.

The protocol: before posting, a process claims a row keyed by (what, period) with INSERT … ON
CONFLICT DO NOTHING; exactly one process (or a restarted one) wins it. It records the platform's
message id after posting and closes the claim. A claim left open by a crash is re-taken, by one
atomic UPDATE, once it is older than the feature's stale limit and has had fewer than its most
attempts; after that it is closed as failed. Never a check-then-insert.
"""

from __future__ import annotations

import uuid
from enum import StrEnum


class ClaimState(StrEnum):
    CLAIMED = "claimed"  # taken: being done now (or the process doing it crashed)
    PLANNED = "planned"  # taken, and what to post is recorded; posts may still be waiting
    POSTED = "posted"  # done
    SKIPPED = "skipped"  # nothing to do (missed beyond grace, a quiet week, too few members)
    FAILED = "failed"  # gave up (too many attempts, or superseded)


def new_token() -> str:
    """Identifies one scheduler's claims; a restarted process is a new scheduler."""
    return uuid.uuid4().hex
