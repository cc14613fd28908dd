"""`bot.interests.service.word_cover`: which fill-in wording of a short who-knows is nearer."""

from __future__ import annotations

from bot.interests.service import word_cover


def test_every_word_by_stem_or_the_initials_is_nearest() -> None:
    assert word_cover("type stability", "type stable") == 2
    assert word_cover("automatic differentiation", "ad") == 2
    assert word_cover("backports", "backported") == 2


def test_some_words_then_none() -> None:
    assert word_cover("type stability", "stability") == 1
    assert word_cover("type stability", "numerical stability") == 1
    assert word_cover("web scraping", "crawler") == 0
    assert word_cover("data", "ad") == 0  # a one-word subject has no initials
