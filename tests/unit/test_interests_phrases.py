"""`bot.interests.phrases`: where a key phrase sits in its text, and the verb it opens on."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from bot.interests.phrases import without_leading_verb, word_before


def _by_expression(phrase: str, text: str) -> tuple[str | None] | None:
    """What `word_before` replaces: one expression compiled per phrase."""
    found = re.search(r"(?:^|(?<=[.!?:|\n])\s*|(\S+)\s+)" + re.escape(phrase), text)
    return None if found is None else (found.group(1),)


# Letters of the phrase, the characters that open a sentence, and white space of every kind
# (`\s` is Unicode's white space, as `str.isspace` is).
_TEXT = st.text(alphabet="ab .!?:|\n\t\u00a0x", max_size=14)


@given(_TEXT, st.sampled_from(["ab", "a", "b a", "ab ab", "x.ab"]))
@example("x.ab ab", "ab")  # the second place starts earlier: at the word "x.ab"
@example("  \n ab", "ab")  # white space from the start: the match starts after the newline
@example("ab", "ab")
@example("q:ab", "ab")
def test_word_before_finds_what_the_expression_found(text: str, phrase: str) -> None:
    assert word_before(phrase, text) == _by_expression(phrase, text)


def test_word_before_names_the_word_or_a_start() -> None:
    assert word_before("add support", "we should add support for it") == ("should",)
    assert word_before("add support", "Done. add support later") == ("Done.",)  # the caller
    assert word_before("add support", "add support later") == (None,)  # reads the full stop
    assert word_before("add support", "Done.add support") == (None,)
    assert word_before("add support", "feature: add support for X") == ("feature:",)
    assert word_before("add support", "nothing like it") is None


def test_a_verb_opening_a_phrase_goes_after_a_modal_or_subject() -> None:
    assert without_leading_verb("query utilization", "cannot query utilization details") == (
        "utilization"
    )
    assert without_leading_verb("Google Fonts", "Google Fonts") == "Google Fonts"
