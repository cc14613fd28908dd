"""Who-knows asked as a sentence: when it is one, and which of its terms is the subject."""

from __future__ import annotations

from bot.interests.asked import asked_subject, reads_as_sentence


def test_a_question_or_a_sentence_is_told_from_a_topic() -> None:
    assert reads_as_sentence("how do I plot a heatmap?", "plot a heatmap")
    assert reads_as_sentence("anyone familiar with DataFrames.jl joins", "familiar with join")
    assert reads_as_sentence("best way to do autodiff in julia", "best way to do autodiff")
    # a long topic is still a topic, and so is a short one
    assert not reads_as_sentence("ledger hardware wallet", "ledger hardware wallet")
    assert not reads_as_sentence("Flux.jl", "flux")


def test_the_subject_is_a_known_phrase_then_the_most_telling_known_word() -> None:
    popularity = {"plot": 40.0, "heatmap": 3.0, "makie": 9.0, "machine learning": 30.0, "julia": 90}
    assert asked_subject(["plot", "heatmap"], popularity, ()) == "heatmap"
    assert asked_subject(["learning", "machine learning", "makie"], popularity, ()) == (
        "machine learning"
    )
    # the community's own subject and everyday words are no subject of a question
    assert asked_subject(["julia", "familiar"], {**popularity, "familiar": 1.0}, {"julia"}) is None
    assert asked_subject(["heatmaps", "colour"], popularity, ()) is None  # nothing known here
