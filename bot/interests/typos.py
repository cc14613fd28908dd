"""Misspelled everyday words, which are never subjects: `equivilent`, `servrer`, `loction`,
`attribtue`, `enironment` had been topics of resources and members' profiles (Infrahub forum:
"enironment variable" was one member's second subject).

A word is taken for a misspelling when English does not know it (wordfreq's whole list, down
to zipf 1), it is not two known words run together (`docstring`, `filetree`, `reenable`:
coinages), and it is one edit (Damerau-Levenshtein) from a common word (zipf >= 3.5) with
the same first letter that is not simply inside it (`makie` is `make` plus a letter). Two
edits caught two more misspellings in the shared exports and four names (`observium`,
`pointful`, `graphiql`, `caravaca`). The extractor keeps such a word when the page's title
or three of the community's documents use it (`TopicExtractor.misspelt`). wordfreq also lists
the common misspellings themselves (`reponse`, `appology`, `manditory`, zipf 1-2): a word
that rare is taken for one only when the word it is one edit from is much more common (zipf
>= 4; `jupyter`, 1.6, is one edit from `jupiter`, 3.7). Over the four shared exports the
extractor dropped 78 words, 73 of them misspellings (`intsall`, `recevied`, `woudl`,
`libary`); the other five are names (`uvicorn`, `exercism`, `upserting`, `bazil`, `holling`).
"""

from __future__ import annotations

import threading
import zlib
from array import array
from bisect import bisect_left
from collections import defaultdict
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

__all__ = ["a_plurals", "is_english", "is_misspelling", "load_words", "s_names"]

_KNOWN_FLOOR = 1.0  # zipf of the rarest word wordfreq's English list holds
_COMMON_ZIPF = 3.5  # what a misspelling is of: words a member meant to write
# wordfreq counts the common misspellings too (`recieving`, `reponse`, `appology`): a word this
# rare is one when the word it is one edit from is this common (not `jupyter`, 1.6, for
# `jupiter`, 3.7).
_RARE_ZIPF = 2.0
_MEANT_FOR_RARE = 4.0
_PART_ZIPF = 3.0  # each part of a run-together coinage
_MIN_LETTERS = 5  # shorter words are one edit from too much (`yeat`, `mappe` stay)

_lock = threading.Lock()
_known: array[int] | None = None  # crc32 of every known word of five letters or more, sorted
_rare = array("I")  # the same of the words rarer than `_RARE_ZIPF`
_common: dict[tuple[str, int], list[str]] = {}  # (first letter, length) -> common words
_zipf: dict[str, float] = {}  # of the common words
_parts: set[str] = set()
_a_plurals: set[str] = set()  # `ideas`, `schemas`: see `a_plurals`
_s_names: set[str] = set()  # `james`, `tezos`, `jenkins`: see `s_names`
# A word in -s is a name, not a plural, when English uses it this much more than its stem
# (zipf 1.0: ten times): `james` 5.1 over `jame` 2.2, `sachs` 3.4 over `sach` 2.1.
_NAME_OVER_STEM = 1.0
# ...or when English has no such stem and the -s word is at least this common (`tezos` 1.6,
# `postgres` 2.0): rarer ones are plurals of a word too rare to be listed (`webhooks` 1.0).
_NAME_WITHOUT_STEM = 1.5
# Endings whose plural `singularize` reads by rules of its own (`classes`, `cities`, `status`).
_OWN_RULES = ("ss", "us", "is", "ies", "sses", "shes", "ches", "xes")


def _key(word: str) -> int:
    return zlib.crc32(word.encode())


def load_words() -> None:
    """Read wordfreq's English list once (~0.8 s; ~6 MB kept: a checksum per word, the words
    themselves only for the 14k common ones and the 28k parts of coinages); `load_lexicons`
    calls it before the first pass. The same pass notes the plurals in -as (`a_plurals`) and
    the names in -s (`s_names`): the whole list is read once, not once per question asked of
    it."""
    global _known
    if _known is not None:
        return
    from bot.wordlists import frequency_buckets

    with _lock:
        if _known is not None:
            return
        known, rare = array("I"), array("I")
        common: dict[tuple[str, int], list[str]] = defaultdict(list)
        in_a: dict[str, float] = {}
        in_s: dict[str, float] = {}  # words in -s, by zipf
        stem_after: dict[str, float] = {}  # a word in -s -> its stem's zipf, if lower
        three: set[str] = set()  # stems too short for `known`
        for zipf, words in frequency_buckets("en", _KNOWN_FLOOR):
            for word in words:
                if not (word.isascii() and word.isalpha()):
                    continue
                if word.endswith(("a", "as")):
                    in_a[word] = zipf
                if word[-1] == "s":  # a stem never ends in -s here (`ss` has own rules)
                    if len(word) >= 4 and not word.endswith(_OWN_RULES):
                        in_s.setdefault(word, zipf)
                elif (plural := word + "s") in in_s and plural not in stem_after:
                    stem_after[plural] = zipf
                if len(word) == 3:
                    three.add(word)
                if zipf >= _PART_ZIPF:
                    _parts.add(word)
                if len(word) >= _MIN_LETTERS - 1:
                    (known if zipf >= _RARE_ZIPF else rare).append(_key(word))
                    if zipf >= _COMMON_ZIPF:
                        common[(word[0], len(word))].append(word)
                        _zipf[word] = zipf
        _common.update(common)
        _a_plurals.update(
            w for w, z in in_a.items() if w.endswith("as") and in_a.get(w[:-1], 0.0) >= z
        )
        _rare.extend(sorted(rare))
        known_sorted = array("I", sorted(known))
        for word, zipf in in_s.items():
            if word in stem_after:
                named = zipf - stem_after[word] >= _NAME_OVER_STEM
            elif zipf < _NAME_WITHOUT_STEM:
                continue
            else:  # its stem came first, being more common, or English has none
                stem = word[:-1]
                named = not (stem in three or _holds(known_sorted, stem) or _holds(_rare, stem))
            if named:
                _s_names.add(word)
        _known = known_sorted


def _holds(keys: array[int], word: str) -> bool:
    key = _key(word)
    at = bisect_left(keys, key)
    return at < len(keys) and keys[at] == key


def a_plurals() -> frozenset[str]:
    """English words in -as that are plurals of a word in -a (`ideas`, `schemas`, `lambdas`):
    those whose -a form wordfreq's English list counts at least as often. Names in -as are more
    used than their stem, when it is a word at all (`texas` over `texa`)."""
    load_words()
    return frozenset(_a_plurals)


def s_names() -> frozenset[str]:
    """English words in -s that are names, not plurals (`james`, `jenkins`, `wikileaks`,
    `tezos`, `emacs`): English uses them ten times as much as their stem, or has no such stem
    at all. `singularize` had made `jame`, `goldman sach` and `tezo` of them."""
    load_words()
    return frozenset(_s_names)


def is_english(word: str) -> bool:
    """Does wordfreq's English list hold this lower-case word of four letters or more (at any
    frequency: `async` and `haskell` are in it, `julialang` and `infrahub` are not)?"""
    load_words()
    assert _known is not None
    return _holds(_known, word) or _holds(_rare, word)


def _run_together(word: str) -> bool:
    """Two known words written as one: `docstring`, `backtick`, `rcall`, `schannel`."""
    return any(word[:i] in _parts and word[i:] in _parts for i in range(1, len(word)))


@lru_cache(maxsize=100_000)
def is_misspelling(word: str) -> bool:
    """Is this lower-case word a misspelled common English word (see the module)?"""
    if len(word) < _MIN_LETTERS or not (word.isascii() and word.isalpha()):
        return False
    load_words()
    assert _known is not None
    if _holds(_known, word) or _run_together(word):
        return False
    rare = _holds(_rare, word)
    edits = 1
    choices = [
        w
        for length in range(len(word) - edits, len(word) + edits + 1)
        for w in _common.get((word[0], length), ())
    ]
    found = process.extractOne(
        word, choices, scorer=DamerauLevenshtein.distance, score_cutoff=edits
    )
    if found is None:
        return False
    meant = found[0]
    if rare and _zipf[meant] < _MEANT_FOR_RARE:
        return False
    return not (word.startswith(meant) or word.endswith(meant) or meant.startswith(word))
