"""British and American spellings fold to the one more used, and only that way."""

from __future__ import annotations

import pytest

from bot.interests.spelling import american, spelling_table
from bot.interests.topics import ResourceText, TopicExtractor, normalize_topic


@pytest.mark.parametrize(
    ("british", "us"),
    [
        ("visualisation", "visualization"),
        ("colour", "color"),
        ("behaviour", "behavior"),
        ("modelling", "modeling"),
        ("serialisation", "serialization"),
        ("licence", "license"),
        # Not in breame's table: the -ise rule, by which form wordfreq sees more.
        ("parallelisation", "parallelization"),
        ("tokenising", "tokenizing"),
        ("optimisers", "optimizers"),
    ],
)
def test_a_british_spelling_folds_to_the_american(british: str, us: str) -> None:
    assert american(british) == us
    assert american(us) == us


@pytest.mark.parametrize(
    "word",
    [
        "analyses",  # breame pairs it with `analyzes`; it is the plural of analysis
        "prologue",  # would become the language Prolog
        "dialogue",  # `dialog` is the rarer form: the pair is left apart
        "aesthetic",
        "otherwise",  # -ise words with no -ize form
        "expertise",
        "exercise",
        "flux.jl",
    ],
)
def test_a_word_is_left_alone_where_the_other_form_is_rarer_or_not_a_word(word: str) -> None:
    assert american(word) == word


def test_the_table_keeps_only_folds_to_the_more_used_form() -> None:
    table = spelling_table()
    assert len(table) > 1000  # breame's ~1,730 pairs, less those where British wins
    assert "analyses" not in table and table["colour"] == "color"


def test_topics_and_queries_meet_whatever_the_spelling() -> None:
    assert normalize_topic("Colour Schemes") == normalize_topic("color scheme") == "color scheme"
    assert normalize_topic("data visualisations") == "data visualization"
    extractor = TopicExtractor()
    text = ResourceText(
        title="Colour in data visualisation: a practical guide",
        messages=("great read on colour choices",),
    )
    found = [t for t, _ in extractor.topics(text, k=8)]
    assert "color" in found or any("visualization" in t for t in found)
    assert not any("colour" in t or "visualisation" in t for t in found)
