"""A profile's "Knows about": breadth of evidence before one conversation's many words."""

from __future__ import annotations

from bot.interests.service import breadth, broadest
from storage.interests.values import TopicScore


def topic(name: str, log_score: float, shared: int, discussed: int) -> TopicScore:
    return TopicScore(name, log_score, (), shared, discussed)


def test_what_a_member_comes_back_to_outranks_one_threads_words() -> None:
    # One thread gave `raspbian` a slightly higher score than `llvm`, which rests on six
    # resources and answers: the profile leads with `llvm`.
    one_thread = [topic(t, 10.2, 0, 1) for t in ("raspbian", "32bit", "pi")]
    stored = [*one_thread, topic("llvm", 10.0, 2, 4)]
    assert [ts.topic for ts in broadest(stored, 2)] == ["llvm", "32bit"]
    # …but a much stronger single piece of evidence still comes first.
    assert broadest([topic("gpu", 14.0, 1, 0), topic("llvm", 10.0, 2, 4)], 1)[0].topic == "gpu"


def test_breadth_is_one_for_a_single_piece_of_evidence_and_grows_slowly() -> None:
    assert breadth(topic("x", 0.0, 1, 0)) == 1.0
    assert breadth(topic("x", 0.0, 0, 0)) == 1.0  # declared only
    assert breadth(topic("x", 0.0, 2, 1)) == 2.0  # log2(1 + 3)
