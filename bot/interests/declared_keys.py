"""The key a topic a member types is stored and looked up under (`who-knows Go`,
`interests add Tezos`), and the same key for one an older version stored: one function for
the service that answers and for the pass that re-keys declared interests after an upgrade."""

from __future__ import annotations

from collections.abc import Mapping

from bot.interests.related import ASKED_ALONE
from bot.interests.topics import normalize_topic
from bot.interests.typos import s_names

__all__ = ["MAX_QUERY_CHARS", "asked_key", "declared_key"]

MAX_QUERY_CHARS = 200


def asked_key(text: str, aliases: Mapping[str, str]) -> str | None:
    """A topic as a member asks for or declares it (`go` alone is the Go language);
    `aliases` as `prepare_aliases` makes them."""
    alone = ASKED_ALONE.get(" ".join(text[:MAX_QUERY_CHARS].casefold().split()))
    return normalize_topic(alone or text[:MAX_QUERY_CHARS], aliases, asked=True)


def declared_key(topic: str, aliases: Mapping[str, str]) -> str:
    """A declared interest's key as this version spells it: folded further where the rules
    fold more now (`gpus` -> `gpu`), unfolded where a name in -s had lost its `s` (`tezo` ->
    `tezos`, `goldman sach` -> `goldman sachs`: `words.singularize`)."""
    *head, last = topic.split() or [""]
    if last and f"{last}s" in s_names():
        return " ".join([*head, f"{last}s"])
    return asked_key(topic, aliases) or topic
