"""lemminflect's English lexicon, held compactly: which parts of speech a word can be.

lemminflect loads its 80k-line lemma table (1.8 MB of text in its wheel) into a dict of
dicts of tuples: 45 MB resident, a seventh of a running bot. Here the same table stays one
sorted bytes object with an offset per word (2 MB), looked up by bisection (~5 µs; every
caller in `bot.interests.terms` caches its answer). lemminflect's own `Lemmatizer` still does
the rest (overrides, capitals), reading its table through `CompactLemmas.get`, so answers are
exactly the library's (`tests/unit/test_lexicon.py` compares every word).
"""

from __future__ import annotations

import gzip
from array import array
from bisect import bisect_left
from collections.abc import Callable
from typing import Any

# Imported only when the lexicon is first needed (`bot.interests.terms._lemmas`).
from lemminflect import Lemmatizer, getAllLemmas
from lemminflect.codecs.LemmaLUCodec import LemmaLUCodec
from lemminflect.core.LexicalUtils import categoryToUPos


class CompactLemmas:
    """The mapping `LemmaLUCodec.load` builds (word -> {upos: lemma spellings}), as far as
    `Lemmatizer` uses it: `get`."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        starts = array("I")
        previous = b""
        at = 0
        while at < len(data):
            word = data[at : data.index(b",", at)]
            if word != previous:  # the table is sorted by word: its lines are together
                starts.append(at)
                previous = word
            end = data.find(b"\n", at)
            at = len(data) if end < 0 else end + 1
        self._starts = starts

    @classmethod
    def load(cls, path: str) -> CompactLemmas:
        with gzip.open(path, "rb") as f:
            return cls(f.read())

    def _word_at(self, index: int) -> bytes:
        at = self._starts[index]
        return self._data[at : self._data.index(b",", at)]

    def get(self, word: str, default: Any = None) -> Any:
        key = word.encode()
        index = bisect_left(range(len(self._starts)), key, key=self._word_at)
        if index == len(self._starts) or self._word_at(index) != key:
            return default
        data, found = self._data, {}
        at = self._starts[index]
        end = self._starts[index + 1] if index + 1 < len(self._starts) else len(data)
        for line in data[at:end].decode().splitlines():
            _, category, forms = LemmaLUCodec.fromString(line)
            found[categoryToUPos(category)] = forms  # a later line wins, as in `load`
        return found

    def __len__(self) -> int:
        return len(self._starts)


def all_lemmas() -> Callable[..., dict[str, tuple[str, ...]]]:
    """lemminflect's `getAllLemmas`, reading the compact table (loaded on first call)."""
    lemmatizer = Lemmatizer()
    if not isinstance(getattr(lemmatizer, "lemma_dict", None), CompactLemmas):
        # `_getLemmaDict` loads the table only when this attribute is missing.
        lemmatizer.lemma_dict = CompactLemmas.load(lemmatizer.lemma_lu_fn)
    return getAllLemmas
