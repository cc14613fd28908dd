"""Who talked about a subject in plain words: who-knows' very last resort.

A member's statement that names a subject ("some advice I was given: when sketching
visualizations, throw them away as easily as possible") is weaker evidence than an answer or
a share, and most such statements never become one of the member's topics (the conversation
answered no question, the word was one of many). When neither topics nor shared pages name
enough people, whoever said the words fills the answer, quoted, and the reply says so.
Questions, thanks, acknowledgements, what a member says in their own question's thread, their
own introduction (an interest, counted as one: `bot.interests.introductions`) and lines quoted
from someone else say nothing of what the speaker knows. What "says" means: `bot.naming`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.interests.answers import hands_over, is_substantive, is_thanks
from bot.mentions import split_quoted
from bot.naming import Phrase, phrases
from storage.interests.said import Statement

__all__ = ["Phrase", "Speaker", "phrases", "saying", "speakers"]


@dataclass(frozen=True, slots=True)
class Speaker:
    member_id: int
    statements: tuple[Statement, ...]  # newest first


def _says(text: str, wanted: Sequence[Phrase]) -> bool:
    own, _ = split_quoted(text)
    if own.lstrip().startswith("/") or not is_substantive(own):
        return False  # a command, a question, a "thanks"
    if is_thanks(own) or hands_over(own):
        return False  # what helped them, or where the answer is: someone else's knowledge
    return any(p.search(own) for p in wanted)


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
