"""The version of the rules that work out topics, expertise and wants from stored messages.

Bump `DERIVED_VERSION` with any change whose effect on rows already stored would otherwise
wait for `rhizome reindex` (a topic now spelled or kept differently, evidence weighed anew).
A community whose rows an older version worked out is worked out again by the next interest
pass, in the background and without deleting anything first: commands keep answering from the
old rows until each resource and member is replaced (`TopicPipeline`, migration 0018).
"""

from __future__ import annotations

__all__ = ["DERIVED_VERSION"]

# 1: the thirty-eighth pass (2026-12-07): spellings joined, a prolific answerer's older
# answers read. Databases before migration 0018 hold no version and count as older.
# 2: the thirty-ninth pass: a reply under a link that asks about a subject of its own wants
# that subject, not the link's.
# 3: the fortieth pass: JavaScript package spellings folded (`nodejs` = `node`, `nextjs` kept
# whole, where it had been stored as `nextj`); one-letter compounds one word (`kmeans`, not
# `means`); `php` kept.
# 4: the forty-first pass: a verb after its subject or a modal is no topic (`browse` of "we
# can browse?", `load` of "you can load schemas").
DERIVED_VERSION = 4
