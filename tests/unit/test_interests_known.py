"""A profile's "Knows about": breadth of evidence before one conversation's many words."""

from __future__ import annotations

from bot.interests.service import breadth, broadest, subject_counts
from storage.interests.values import EvidenceRef, TopicScore


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


def test_who_knows_counts_every_wording_that_matched() -> None:
    # haskell-jp: `モナド` counted one discussion while `関数モナド` held two more answers, and
    # the reply listed three pieces of evidence under "discussed 1".
    exact = TopicScore("モナド", 5.0, (EvidenceRef("replied", 7, 70),), 0, 1)
    other = TopicScore(
        "関数モナド",
        4.0,
        (
            EvidenceRef("answered", 0, 71),
            EvidenceRef("answered", 0, 72),
            EvidenceRef("replied", 7, 73),
        ),
        0,
        3,
    )
    shared = TopicScore("monad", 3.0, (EvidenceRef("shared", 9, 90),), 1, 0)
    assert subject_counts(exact, [exact, other, shared]) == (1, 3)  # resource 7 is one
    # the topic's own counts stand when its evidence list was cut short
    busy = TopicScore("d3", 9.0, (EvidenceRef("shared", 1, 10),), 10, 2)
    assert subject_counts(busy, [busy]) == (10, 2)
