"""Whether a text names a subject: the words of a phrase whole, in order, with short endings.

Who-knows' said fill looks for a query's words in what members wrote, and a digest heading
must be borne out by the titles under it; both need one answer to "does this text say X":
`sketch` finds "sketching", `time series` finds "time-series" and "time_series", `r` and `d3`
only whole (as a prefix they are anything), Japanese anywhere (no spaces between words).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.interests.terms import has_cjk

__all__ = ["ENDING", "SHORT_WORD", "Phrase", "names", "phrases"]

ENDING = 4  # letters an ending may add: `sketch` finds "sketching", `dashboard` "dashboards"
SHORT_WORD = 2  # a word this short is matched whole (`r`, `d3`, `ml`): as a prefix, it is anything
_BETWEEN = r"[\W_]{1,3}"  # "time series", "time-series", "time_series"
# A letter or digit that can continue a word: `_` joins words in names (`time_series`), as `-`
# does; kana and kanji end a Latin word ("Lensはgetter", "Cabalドキュメンテーション": Japanese
# writes no space between them).
_LETTER = r"[^\W_\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]"


@dataclass(frozen=True, slots=True)
class Phrase:
    """One wording: its words in order (for a database's LIKE) and the pattern a text's own
    words must match."""

    pieces: tuple[str, ...]
    pattern: re.Pattern[str]


def _stem(word: str) -> str:
    """A plural's singular, whose endings find both (`elections` finds "election")."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _word_pattern(word: str) -> str:
    if has_cjk(word):  # no spaces between words: the word anywhere
        return re.escape(word)
    tail = "" if len(word) <= SHORT_WORD else f"{_LETTER}{{0,{ENDING}}}"
    return f"(?<!{_LETTER}){re.escape(word)}{tail}(?!{_LETTER})"


def phrases(wordings: Iterable[str]) -> list[Phrase]:
    """Each distinct wording (a query as written, the subject it stands for) as a phrase."""
    out: dict[tuple[str, ...], Phrase] = {}
    for wording in wordings:
        # no stored text holds a NUL (PostgreSQL's cannot): one asked for matches nothing
        words = tuple(_stem(w) for w in wording.replace("\x00", " ").casefold().split())
        if words and words not in out:
            joined = _BETWEEN.join(_word_pattern(w) for w in words)
            out[words] = Phrase(words, re.compile(joined, re.IGNORECASE))
    return list(out.values())


def names(text: str, subject: str) -> bool:
    """Whether `text` says `subject`, by `phrases`' rule."""
    return any(p.pattern.search(text) for p in phrases([subject]))
