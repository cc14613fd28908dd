"""Run-together English words read apart: `eloquentjavascript` -> `eloquent javascript`.

Host names and URL segments cannot hold spaces, so sites name themselves with their words run
together (`eloquentjavascript.net`, `datajournalismhandbook.org`, `partiallyderivative.com`).
Read whole, such a name is one unknown token that no topic or member's question can meet.
Split only when every part is an everyday English word of four letters or more and the whole
is not a word itself (`stackoverflow`, `wordpress` and `javascript` are words); names of the
community's own (`infrahub`, `netbox`) have no such split, so they stay whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

__all__ = ["split_run_on"]

_PART_ZIPF = 3.0  # each part at least this frequent in everyday English (`eloquent` 3.2)
_WHOLE_ZIPF = 1.0  # a whole wordfreq lists at all is a word (`overleaf` 1.7, `cheatsheet` 1.6)
_MIN_PART = 4  # `my`, `the`, `net`: too short to tell a word from letters of a name
_MIN_WHOLE = 2 * _MIN_PART
_MAX_WHOLE = 40
_MAX_PARTS = 3


@lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """(parts, wholes): ASCII words frequent enough to be a part, and the words known whole
    that would otherwise split (a few thousand, not the 122k long words: 9 MB less). Read
    once, on the first title that needs them (~0.5 s, in the derive, never in a command),
    from wordfreq's bucketed list, whose cache is released afterwards."""
    import wordfreq

    buckets = wordfreq.get_frequency_list("en")

    def band(zipf: float, min_len: int) -> Iterator[str]:
        last = round((9.0 - zipf) * 100) + 1  # bucket i holds zipf 9 - i/100
        return (
            w
            for bucket in buckets[:last]
            for w in bucket
            if len(w) >= min_len and w.isascii() and w.isalpha()
        )

    parts = frozenset(band(_PART_ZIPF, _MIN_PART))
    wholes = frozenset(w for w in band(_WHOLE_ZIPF, _MIN_WHOLE) if _best_cuts(w, parts))
    wordfreq.get_frequency_list.cache_clear()
    return parts, wholes


def _best_cuts(low: str, parts: frozenset[str]) -> tuple[int, ...]:
    """Where to cut `low` into 2-3 parts (end offsets), or () when it does not split. Of
    several splits the one with the fewest parts wins, then the one whose shortest part is
    longest."""
    best: tuple[int, int, tuple[int, ...]] | None = None

    def search(start: int, cuts: tuple[int, ...]) -> None:
        nonlocal best
        if start == len(low):
            sizes = [b - a for a, b in zip((0, *cuts), cuts, strict=False)]
            key = (len(cuts), -min(sizes), cuts)
            if len(cuts) > 1 and (best is None or key < best):
                best = key
            return
        if len(cuts) >= _MAX_PARTS:
            return
        for end in range(start + _MIN_PART, len(low) + 1):
            if low[start:end] in parts:
                search(end, (*cuts, end))

    search(0, ())
    return best[2] if best else ()


@lru_cache(maxsize=20_000)
def split_run_on(word: str) -> str | None:
    """The words of a run-together name, space-separated in its own letters' case, or None
    when it is a word, too short, or does not split wholly into everyday words."""
    low = word.casefold()
    if not (_MIN_WHOLE <= len(low) <= _MAX_WHOLE) or not (low.isascii() and low.isalpha()):
        return None
    parts, wholes = _lexicon()
    if low in wholes:
        return None
    cuts = _best_cuts(low, parts)
    if not cuts:
        return None
    return " ".join(word[a:b] for a, b in zip((0, *cuts), cuts, strict=False))
