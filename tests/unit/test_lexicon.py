"""The compact lemma table answers exactly as lemminflect's own dict does, for every word."""

import random

from lemminflect import config
from lemminflect.codecs.LemmaLUCodec import LemmaLUCodec

from bot.interests.lexicon import CompactLemmas, all_lemmas


def test_every_word_of_the_table_reads_back_as_the_library_loads_it() -> None:
    library = LemmaLUCodec.load(config.lemma_lu_fn)
    compact = CompactLemmas.load(config.lemma_lu_fn)
    assert len(compact) == len(library) > 60_000
    for word, expected in library.items():
        assert compact.get(word) == expected, word


def test_words_outside_the_table_get_the_default() -> None:
    compact = CompactLemmas.load(config.lemma_lu_fn)
    rng = random.Random(3)
    for word in ["", "zzzzqx", "infrahub", "makie", "ＡＢＣ", "モナド", "aaa" * 40]:
        assert compact.get(word, {}) == {}
    words = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz'-") for _ in range(8)) for _ in range(500)
    ]
    library = LemmaLUCodec.load(config.lemma_lu_fn)
    for word in words:
        assert compact.get(word, {}) == library.get(word, {}), word


def test_get_all_lemmas_keeps_the_library_overrides_and_capitals() -> None:
    # What lemminflect 0.2.3 answers with its own dict (checked in a process of its own).
    lemmas = all_lemmas()
    assert lemmas("running") == {"NOUN": ("running",), "VERB": ("run",)}
    assert lemmas("Templates") == {"VERB": ("Template",)}
    assert lemmas("AWARE") == {"ADJ": ("AWARE",)}
    assert lemmas("another") == {"NOUN": ("another",)}  # from lemminflect's overrides file
    assert lemmas("qwzx") == {}
