"""Katakana loanwords read aloud against the community's English words
(bot/interests/loanwords.py): pure, with e2k's and UniDic's real data, no database."""

from __future__ import annotations

import sys

import pytest

from bot.interests import loanwords
from bot.interests.loanwords import (
    english_words,
    english_written,
    may_be_loanword,
    reading_key,
    spoken_katakana,
)

# English single-word topics of the kind haskell-jp's vocabulary holds
HASKELL_WORDS = [
    "applicative",
    "arithmetic",
    "artifact",
    "combinator",
    "convert",
    "thunk",
    "snoc",
    "source",
    "css",
    "load",
    "prod",
    "parse",
    "path",
    "pointfree",
    "pointful",
    "workaround",
    "random",
    "tapl",
]


def test_jargon_unidic_does_not_know_finds_the_english_word() -> None:
    # haskell-jp: `アプリカティブ`, `コンビネータ`, `ワークアラウンド` have no origin in UniDic
    assert english_written("アプリカティブ", HASKELL_WORDS) == ["applicative"]
    assert english_written("コンビネータ", HASKELL_WORDS) == ["combinator"]
    assert english_written("ワークアラウンド", HASKELL_WORDS) == ["workaround"]
    assert english_written("ポイントフリー", HASKELL_WORDS) == ["pointfree"]


def test_the_communitys_word_comes_before_the_dictionarys_sense() -> None:
    # UniDic reads `サンク` as French cinq, `ソース` as sauce, `ロード` as road
    assert english_written("サンク", HASKELL_WORDS) == ["thunk"]
    assert english_written("ソース", HASKELL_WORDS) == ["source"]
    assert english_written("ロード", HASKELL_WORDS) == ["load"]


def test_a_long_vowel_inside_a_word_tells_words_apart() -> None:
    assert english_written("パース", HASKELL_WORDS) == ["parse"]
    # ...while the final one and a doubled consonant are spelling only
    assert reading_key("イテレーター") == reading_key("イテレータ")
    assert reading_key("ジェネリックス") == reading_key("ジェネリクス")
    assert reading_key("パース") != reading_key("パス")


def test_short_or_native_katakana_matches_nothing() -> None:
    # two sounds name too many words (`パス` path or pass)
    assert english_written("パス", HASKELL_WORDS) == []
    # `モノ` is 物 (a thing) written in katakana, not `mono`
    assert not may_be_loanword("モノ")
    assert english_written("モノ", ["mono", "monoid"]) == []
    assert may_be_loanword("テスト") and may_be_loanword("アプリカティブ")
    # nothing to read against, or not katakana at all
    assert english_written("アプリカティブ", []) == []
    assert english_written("型クラス", HASKELL_WORDS) == []


def test_acronyms_are_not_read_as_words() -> None:
    # `ffi` read as a word is `フィ`, and `フィールド` would have answered for it
    assert english_words(["ghc", "npm", "ffi", "applicative", "c", "io"]) == [
        "ffi",
        "applicative",
    ]
    assert spoken_katakana("ffi") is None
    assert spoken_katakana("ghc") is None
    assert spoken_katakana("applicative") == "アプリカティブ"
    assert spoken_katakana("functor") == "ファンクタ"  # kept as topics are, no final `ー`


def test_a_broken_e2k_install_reads_nothing_aloud(monkeypatch: pytest.MonkeyPatch) -> None:
    # the model cannot load (e.g. a wheel without its weights): matching falls back to UniDic
    monkeypatch.setitem(sys.modules, "e2k", None)  # `import e2k` now fails
    for cached in (loanwords._model, loanwords.katakana_spelling):
        cached.cache_clear()
    try:
        assert english_written("アプリカティブ", HASKELL_WORDS) == []
        assert spoken_katakana("applicative") is None
    finally:
        for cached in (loanwords._model, loanwords.katakana_spelling):
            cached.cache_clear()
