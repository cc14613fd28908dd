"""A community's vocabulary: its known topics with their popularity, indexed for who-knows'
related wording, suggestions and autocomplete (built once per community, refreshed on a TTL)."""

from __future__ import annotations

import bisect
import itertools
import time
from collections.abc import Collection
from dataclasses import dataclass, field

from bot.interests.related import TopicIndex
from bot.interests.terms import has_cjk

__all__ = ["Vocabulary"]


@dataclass
class Vocabulary:
    """A community's topics with their popularity, for suggestions and autocomplete."""

    popularity: dict[str, float]
    loaded_at: float = field(default_factory=time.monotonic)
    ordered: list[str] = field(init=False)
    words: dict[str, list[str]] = field(init=False)
    compounds: list[str] = field(init=False)  # topics in kana or kanji, most popular first
    index: TopicIndex = field(init=False)

    def __post_init__(self) -> None:
        self.ordered = sorted(self.popularity)
        self.index = TopicIndex(self.ordered)
        words: dict[str, list[str]] = {}
        for topic in self.ordered:
            if " " in topic:
                for word in set(topic.split()):
                    words.setdefault(word, []).append(topic)
        for topics in words.values():
            topics.sort(key=lambda t: (-self.popularity[t], t))
        self.words = words
        self.compounds = sorted(
            (t for t in self.ordered if has_cjk(t)), key=lambda t: (-self.popularity[t], t)
        )

    def containing(self, word: str, limit: int) -> list[str]:
        """Longer topics with `word` in them: as a word of an English phrase, or inside a
        Japanese compound, which has no spaces (`パーサ` in `パーサーコンビネータ`)."""
        if has_cjk(word):
            return [t for t in self.compounds if word in t and t != word][:limit]
        return self.words.get(word, [])[:limit]

    def sharing_words(self, phrase: str, limit: int, skip: Collection[str] = ()) -> list[str]:
        """Known topics with a word of a phrase nobody holds (`training progress` -> `progress
        bar`, `split training`, `progress`), taken from each word in turn, most popular first:
        somewhere to go from an answer that would otherwise end at "nobody"."""
        words = [w for w in dict.fromkeys(phrase.split()) if w not in skip]
        if len(words) < 2:
            return []
        by_popularity = lambda t: (-self.popularity[t], t)  # noqa: E731
        each = [
            sorted(
                {*self.containing(w, limit), *([w] if w in self.popularity else [])},
                key=by_popularity,
            )
            for w in words
        ]
        found: list[str] = []
        for row in itertools.zip_longest(*each):
            found.extend(t for t in row if t is not None and t != phrase and t not in found)
        return found[:limit]

    def complete(self, prefix: str, limit: int) -> list[str]:
        """Topics starting with the prefix, then topics with a later word starting with it;
        each group most popular first."""
        p = " ".join(prefix.casefold().lstrip("#").split())
        by_popularity = lambda t: (-self.popularity[t], t)  # noqa: E731
        if not p:
            return sorted(self.ordered, key=by_popularity)[:limit]
        i = bisect.bisect_left(self.ordered, p)
        found = []
        while i < len(self.ordered) and self.ordered[i].startswith(p):
            found.append(self.ordered[i])
            i += 1
        found.sort(key=by_popularity)
        if len(found) < limit:
            inner = [t for t in self.ordered if f" {p}" in f" {t}" and not t.startswith(p)]
            found += sorted(inner, key=by_popularity)
        return found[:limit]
