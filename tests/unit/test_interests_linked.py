"""Who-knows' last resort: members ranked by the links matching the query that they shared."""

from __future__ import annotations

from bot.interests.linked import rank_link_sharers
from storage.interests.linked import LinkShare


def share(member: int, resource: int, message: int, text: str = "worth reading") -> LinkShare:
    return LinkShare(member, resource, message, text)


def test_better_and_more_matches_rank_first() -> None:
    # Resources 10, 20, 30 match best to worst: one share of the best match (1.0) beats one
    # of the second (0.5), and two lesser matches (0.5 + 0.33) beat one second-best.
    ranked = rank_link_sharers(
        [10, 20, 30],
        [share(2, 20, 200), share(3, 20, 201), share(3, 30, 300), share(1, 10, 100)],
        asking=lambda s: False,
    )
    assert [(s.member_id, s.score) for s in ranked] == [(1, 1.0), (3, 0.833333), (2, 0.5)]
    assert [r.resource_id for r in ranked[1].refs] == [20, 30]  # best match first
    assert all(r.kind == "shared" for s in ranked for r in s.refs)


def test_a_link_counts_once_and_asking_is_not_knowing() -> None:
    ranked = rank_link_sharers(
        [10],
        [
            share(1, 10, 100),
            share(1, 10, 101),  # the same link again: still one link
            share(2, 10, 102, "does anyone understand this?"),
            share(3, 99, 103),  # not among the matches
        ],
        asking=lambda s: s.text.endswith("?"),
    )
    assert [(s.member_id, s.score, len(s.refs)) for s in ranked] == [(1, 1.0, 1)]
    assert ranked[0].refs[0].message_id == 100  # the first share is the evidence


def test_nothing_matched_finds_nobody() -> None:
    assert rank_link_sharers([], [share(1, 10, 100)], asking=lambda s: False) == []
