"""Interests storage: resource topics, members' topic scores, declared interests, fetch state.

Facts only; the scoring and ranking policy lives in `bot.interests`. The package: `tables` (the
eight tables, see its docstring), `values` (the facts stores return), `common` (SQL pieces the
parts share), the store in parts (`state`: watermarks and the lease; `changes`: signatures,
sweeps, dirty flags; `documents`: what a resource's text is; `topics`: resource and member
topics, popularity, who-knows candidates; `evidence`: what a member did; `members`; `declared`;
`participation`: who took part with whom; `mentions`: messages naming a member;
`introductions`: members' own posts in chosen channels; `unfurls`: page metadata fetch state)
joined in `store.InterestStore`.
"""

from __future__ import annotations

from storage.interests.store import InterestStore
from storage.interests.tables import (
    TOPIC_CHARS,
    declared_interests,
    interest_state,
    member_topic_state,
    member_topics,
    resource_topic_state,
    resource_topics,
    resource_unfurls,
    topic_stats,
)
from storage.interests.values import (
    Action,
    Candidates,
    Declared,
    EvidenceRef,
    EvidenceRow,
    Mentioned,
    Posted,
    Reply,
    ResourceDoc,
    State,
    TopicScore,
    TopicWeights,
    Unfurled,
    UnfurlTodo,
)

__all__ = [
    "TOPIC_CHARS",
    "Action",
    "Candidates",
    "Declared",
    "EvidenceRef",
    "EvidenceRow",
    "InterestStore",
    "Mentioned",
    "Posted",
    "Reply",
    "ResourceDoc",
    "State",
    "TopicScore",
    "TopicWeights",
    "UnfurlTodo",
    "Unfurled",
    "declared_interests",
    "interest_state",
    "member_topic_state",
    "member_topics",
    "resource_topic_state",
    "resource_topics",
    "resource_unfurls",
    "topic_stats",
]
