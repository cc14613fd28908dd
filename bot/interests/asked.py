"""Who-knows asked as a sentence ("how do I plot a heatmap?"): the subject it names.

Members type into who-knows what they would ask a person. The whole sentence is no topic
anyone holds ("Nobody here has shared or discussed “plot a heatmap”"), but a word or two of it
is one this community knows, and that is what to look up.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from bot.interests.terms import specificity
from bot.interests.words import FUNCTION_WORDS

__all__ = ["asked_subject", "reads_as_sentence"]

# How a question to people opens ("anyone familiar with…", "does anybody know…").
_OPENERS = frozenset(
    "how what which who whom where why when anyone anybody someone somebody does do did is are "
    "can could should would has have".split()
)


def reads_as_sentence(query: str, topic: str) -> bool:
    """Is the query put as a question or a sentence rather than named as a topic: it asks
    (`?`, a question's first word) or its topic keeps words no subject is made of (`plot a
    heatmap`)? `ledger hardware wallet` is a topic, however long."""
    words = query.casefold().split()
    if query.rstrip().endswith("?") or (words and words[0] in _OPENERS):
        return True
    return any(word in FUNCTION_WORDS for word in topic.split())


def asked_subject(
    terms: Iterable[str], popularity: Mapping[str, float], community_wide: Collection[str]
) -> str | None:
    """Of a sentence's terms, the one the community knows that says most: a phrase before a
    word, a word everyday English rarely uses before one it often does (`heatmap` before
    `plot`), then the rarer here. Never an everyday word alone (`familiar`, `best`) nor the
    community's own subject (`julia` of "… in julia"). None: it names nothing known here."""
    known = [
        term
        for term in set(terms)
        if term in popularity
        and term not in community_wide
        and (" " in term or specificity(term) >= 1.0)
    ]
    if not known:
        return None
    return min(known, key=lambda t: (" " not in t, -specificity(t), popularity[t], t))
