"""One spelling per word across British and American English (`visualisation` is
`visualization`, `colour scheme` is `color scheme`), so that a subject is one topic whoever
writes it and a query in either spelling finds both.

The pairs come from breame's table (1,730 British -> American spellings, shipped in its
package). Which form is kept is decided by use, not by country: the pair folds to the American
form only where wordfreq's English list has that form at least as often. So `analyses` stays a
plural of analysis (breame pairs it with `analyzes`), `prologue` never becomes the language
`prolog`, and `dialogue` and `dialog` stay apart rather than becoming the rarer one. Words
breame does not list (`parallelisation`, `tokenising`) fold by the same test when they end in
-ise/-isation and their -ize form is the more used one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping

__all__ = ["american", "spelling_table"]

# -ise words breame leaves out are mostly technical coinages; wordfreq knows many of them.
_ISE = re.compile(r"^(?P<stem>[a-z]{3,})is(?P<end>e|es|ed|ing|er|ers|ation|ations|able)$")
_ZIPF_FLOOR = 1.0  # rarer words are absent from the comparison (zipf 0)

_lock = threading.Lock()
_table: dict[str, str] | None = None
_zipf: dict[str, float] = {}  # wordfreq zipf of the pairs' words and of -ise/-ize words


def _is_ise_word(word: str) -> bool:
    return _ISE.match(word) is not None or _ISE.match(word.replace("iz", "is", 1)) is not None


def _build() -> dict[str, str]:
    from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

    from bot.wordlists import frequency_buckets

    wanted = set(BRITISH_ENGLISH_SPELLINGS) | set(BRITISH_ENGLISH_SPELLINGS.values())
    zipf: dict[str, float] = {}
    for value, words in frequency_buckets("en", _ZIPF_FLOOR):
        for word in words:
            if word in wanted or (("is" in word or "iz" in word) and _is_ise_word(word)):
                zipf[word] = value
    _zipf.update(zipf)
    return {
        british: us
        for british, us in BRITISH_ENGLISH_SPELLINGS.items()
        if zipf.get(us, 0.0) >= zipf.get(british, 0.0) and zipf.get(us, 0.0) > 0.0
    }


def spelling_table() -> Mapping[str, str]:
    """British spellings and the form they fold to (built once, on first use: ~80 ms)."""
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                _table = _build()
    return _table


def american(word: str) -> str:
    """`word` (lower case) in the more used of its spellings; unchanged when it has no
    other spelling or the other one is the rarer."""
    table = spelling_table()
    found = table.get(word)
    if found is not None:
        return found
    match = _ISE.match(word)
    if match is None:
        return word
    other = f"{match['stem']}iz{match['end']}"
    if _zipf.get(other, 0.0) > 0.0 and _zipf[other] >= _zipf.get(word, 0.0):
        return other
    return word
