"""One key per subject however a community spaces it: `block chain`, `blockchain` and
`block-chain` are one topic, spelled the way the community's documents spell it most.

Who-knows already meets the other spelling of a question ("graph ql = graphql"), but stored
topics had kept both: a member who wrote `atomic swap` and one who wrote `atomicswap` shared no
topic an introduction could name, a profile listed the subject twice at half strength each, and
of the Komodo export's resource topics 76 subjects were split so (`smart contract` and
`smartcontract`, `notary node` and `notarynode`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

__all__ = ["Spellings", "compact", "joined_key"]

# Letters with spaces, dots or hyphens between them: `data frame`, `fast.ai`, `node-js`. Not
# digits (`julia 1.6` is no `julia16`) nor other marks (`c++` is no `c`).
_JOINABLE = re.compile(r"[a-z]+(?:[ .\-][a-z]+)*")
_SEPARATORS = re.compile(r"[ .\-]")


def compact(topic: str) -> str:
    """`graph ql`, `graph-ql` and `graphql` are one spelling; so are the module `debug.trace`
    and the words `debug trace` (who-knows meets them as one: `bot.interests.related`)."""
    return _SEPARATORS.sub("", topic)


@lru_cache(maxsize=1 << 16)
def joined_key(term: str) -> str | None:
    """The term's letters run together, the key its spellings share; None where spacing
    cannot be what sets two spellings apart (digits, other marks, other scripts)."""
    return compact(term) if _JOINABLE.fullmatch(term) else None


def _rank(term: str, df: Mapping[str, int]) -> tuple[int, int, str]:
    """More documents first; on a tie the spaced spelling (it reads better), then the
    alphabet, so that every spelling of one key picks the same one."""
    return (df.get(term, 0), len(_SEPARATORS.findall(term)), term)


class Spellings:
    """The community's spaced spellings by key, rebuilt from its document frequencies now and
    then (`rebuild`); `spelling` compares the current counts, so it never lags behind."""

    def __init__(self) -> None:
        self._spaced: dict[str, str] = {}  # key -> its most used spelling with separators

    def rebuild(self, df: Mapping[str, int]) -> None:
        spaced: dict[str, str] = {}
        for term in df:
            if not _SEPARATORS.search(term):
                continue
            key = joined_key(term)
            if key is None:
                continue
            held = spaced.get(key)
            if held is None or _rank(term, df) > _rank(held, df):
                spaced[key] = term
        self._spaced = spaced

    def spelling(self, term: str, df: Mapping[str, int]) -> str:
        """The spelling of the term's subject the community uses most (the term itself when
        it is the only one, or the most used). Runs for every candidate term of every
        document, hence the early returns."""
        key = joined_key(term)
        if key is None:
            return term
        best = term
        if key != term and df.get(key):
            best = key if _rank(key, df) > _rank(term, df) else term
        spaced = self._spaced.get(key)
        if spaced is not None and spaced != best and df.get(spaced):
            best = spaced if _rank(spaced, df) > _rank(best, df) else best
        return best
