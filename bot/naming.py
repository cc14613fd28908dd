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
_CJK = "\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f"
_LETTER = f"[^\\W_{_CJK}]"
_LATIN_LETTER = r"[^\W_]"
_CJK_RUN = re.compile(f"[{_CJK}]+")


@dataclass(frozen=True, slots=True)
class Phrase:
    """One wording: its words in order (for a database's LIKE) and the pattern a text's own
    words must match (`search`)."""

    pieces: tuple[str, ...]
    pattern: re.Pattern[str]
    latin: bool = False  # no Japanese word: `pattern` is read with Japanese set apart

    def search(self, text: str) -> bool:
        """Does the text say the phrase? A Latin phrase's pattern treats every letter as a
        letter; kana and kanji, which end a Latin word ("Lensはgetter"), are set apart first."""
        if self.latin and _CJK_RUN.search(text):
            text = _CJK_RUN.sub(" ", text)
        return self.pattern.search(text) is not None


def _stem(word: str) -> str:
    """A plural's singular, whose endings find both (`elections` finds "election")."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _word_pattern(word: str, letter: str = _LETTER) -> str:
    if has_cjk(word):  # no spaces between words: the word anywhere
        return re.escape(word)
    tail = "" if len(word) <= SHORT_WORD else f"{letter}{{0,{ENDING}}}"
    return f"(?<!{letter}){re.escape(word)}{tail}(?!{letter})"


def phrases(wordings: Iterable[str]) -> list[Phrase]:
    """Each distinct wording (a query as written, the subject it stands for) as a phrase."""
    out: dict[tuple[str, ...], Phrase] = {}
    for wording in wordings:
        # no stored text holds a NUL (PostgreSQL's cannot): one asked for matches nothing
        words = tuple(_stem(w) for w in wording.replace("\x00", " ").casefold().split())
        if words and words not in out:
            # A class holding the CJK ranges costs 3-8 ms to compile, three times a word: a
            # Latin phrase is matched with a plain letter class instead (0.2 ms), in a text
            # whose Japanese is set apart (`Phrase.search`). Every new who-knows query
            # compiles one; misspelt ones had been the slowest calls at 1M messages.
            latin = not any(has_cjk(w) for w in words)
            letter = _LATIN_LETTER if latin else _LETTER
            joined = _BETWEEN.join(_word_pattern(w, letter) for w in words)
            out[words] = Phrase(words, re.compile(joined, re.IGNORECASE), latin)
    return list(out.values())


def names(text: str, subject: str) -> bool:
    """Whether `text` says `subject`, by `phrases`' rule."""
    return any(p.search(text) for p in phrases([subject]))
