"""Who talked about a subject in plain words: who-knows' very last resort.

A member's statement that names a subject ("some advice I was given: when sketching
visualizations, throw them away as easily as possible") is weaker evidence than an answer or
a share, and most such statements never become one of the member's topics (the conversation
answered no question, the word was one of many). When neither topics nor shared pages name
enough people, whoever said the words fills the answer, quoted, and the reply says so.
Questions, thanks, acknowledgements, what a member says in their own question's thread, their
own introduction (an interest, counted as one: `bot.interests.introductions`) and lines quoted
from someone else say nothing of what the speaker knows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.interests.answers import hands_over, is_substantive, is_thanks
from bot.interests.terms import has_cjk
from bot.mentions import split_quoted
from storage.interests.said import Statement

__all__ = ["SAID_TAIL", "Phrase", "Speaker", "phrases", "saying", "speakers"]

SAID_TAIL = 4  # letters an ending may add: `sketch` finds "sketching", `dashboard` "dashboards"
SHORT_WORD = 2  # a word this short is matched whole (`r`, `d3`, `ml`): as a prefix, it is anything
_BETWEEN = r"[\W_]{1,3}"  # "time series", "time-series", "time_series"
_LETTER = r"[^\W_]"  # a letter or digit: `_` joins words in names (`time_series`), as `-` does


@dataclass(frozen=True, slots=True)
class Phrase:
    """One wording of a query: its words in order (for the database's LIKE) and the pattern
    a message's own words must match."""

    pieces: tuple[str, ...]
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Speaker:
    member_id: int
    statements: tuple[Statement, ...]  # newest first


def _stem(word: str) -> str:
    """A plural's singular, whose endings find both (`elections` finds "election")."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _word_pattern(word: str) -> str:
    if has_cjk(word):  # no spaces between words: the word anywhere
        return re.escape(word)
    tail = "" if len(word) <= SHORT_WORD else f"{_LETTER}{{0,{SAID_TAIL}}}"
    return f"(?<!{_LETTER}){re.escape(word)}{tail}(?!{_LETTER})"


def phrases(wordings: Iterable[str]) -> list[Phrase]:
    """Each distinct wording (the query as written, the subject it stands for) as a phrase."""
    out: dict[tuple[str, ...], Phrase] = {}
    for wording in wordings:
        # no stored text holds a NUL (PostgreSQL's cannot): one asked for matches nothing
        words = tuple(_stem(w) for w in wording.replace("\x00", " ").casefold().split())
        if words and words not in out:
            joined = _BETWEEN.join(_word_pattern(w) for w in words)
            out[words] = Phrase(words, re.compile(joined, re.IGNORECASE))
    return list(out.values())


def _says(text: str, wanted: Sequence[Phrase]) -> bool:
    own, _ = split_quoted(text)
    if own.lstrip().startswith("/") or not is_substantive(own):
        return False  # a command, a question, a "thanks"
    if is_thanks(own) or hands_over(own):
        return False  # what helped them, or where the answer is: someone else's knowledge
    return any(p.pattern.search(own) for p in wanted)


def saying(statements: Iterable[Statement], wanted: Sequence[Phrase]) -> list[Statement]:
    """The statements whose own words say one of the phrases, in the given order."""
    return [s for s in statements if _says(s.text, wanted)]


def speakers(
    statements: Iterable[Statement],
    set_aside: Callable[[Statement], bool] = lambda s: False,
) -> list[Speaker]:
    """The members behind these statements (from `saying`, newest first), who said it most
    first (then the most recent); `set_aside` tells those that say nothing of what the speaker
    knows for where they were made (see `InterestService._speakers`)."""
    said: dict[int, list[Statement]] = {}
    for s in statements:
        if not set_aside(s):
            said.setdefault(s.member_id, []).append(s)
    ranked = sorted(said.items(), key=lambda ms: (-len(ms[1]), -ms[1][0].at.timestamp(), ms[0]))
    return [Speaker(mid, tuple(found)) for mid, found in ranked]
