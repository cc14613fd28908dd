"""Run-together English words read apart: `eloquentjavascript` -> `eloquent javascript`.

Host names and URL segments cannot hold spaces, so sites name themselves with their words run
together (`eloquentjavascript.net`, `datajournalismhandbook.org`, `partiallyderivative.com`).
Read whole, such a name is one unknown token that no topic or member's question can meet.
Split only when every part is an everyday English word of four letters or more and the whole
is not a word itself (`stackoverflow`, `wordpress` and `javascript` are words); names of the
community's own (`infrahub`, `netbox`) have no such split, so they stay whole.
"""

from __future__ import annotations

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
    once, on the first title that needs them (in the derive, never in a command), from
    wordfreq's list streamed bucket by bucket (`bot.wordlists`)."""
    from bot.wordlists import frequency_buckets

    def fits(word: str, min_len: int) -> bool:
        return len(word) >= min_len and word.isascii() and word.isalpha()

    # Most frequent first: every part is known once the buckets fall below `_PART_ZIPF`, so
    # only the long words above it wait; the 122k below are judged as they stream past.
    found: set[str] = set()
    waiting: list[str] = []
    wholes: set[str] = set()
    parts: frozenset[str] | None = None
    for zipf, bucket in frequency_buckets("en", _WHOLE_ZIPF):
        if zipf >= _PART_ZIPF:
            found.update(w for w in bucket if fits(w, _MIN_PART))
            waiting.extend(w for w in bucket if fits(w, _MIN_WHOLE))
            continue
        if parts is None:
            parts = frozenset(found)
            wholes.update(w for w in waiting if _best_cuts(w, parts))
        wholes.update(w for w in bucket if fits(w, _MIN_WHOLE) and _best_cuts(w, parts))
    if parts is None:  # the list ended above the floor
        parts = frozenset(found)
        wholes.update(w for w in waiting if _best_cuts(w, parts))
    return parts, frozenset(wholes)


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
