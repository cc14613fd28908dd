"""The one pluralisation helper every reply uses, and quotes that never double."""

from __future__ import annotations

import pytest

from bot.wording import count, plural, quoted


@pytest.mark.parametrize(
    ("n", "word", "many", "expected"),
    [
        (1, "day", None, "1 day"),
        (0, "day", None, "0 days"),
        (2, "reply", None, "2 replies"),
        (1, "reply", None, "1 reply"),
        (3, "match", None, "3 matches"),
        (2, "key", None, "2 keys"),
        (1, "person", "people", "1 person"),
        (5, "person", "people", "5 people"),
        (1, "featured item", None, "1 featured item"),
    ],
)
def test_count(n: int, word: str, many: str | None, expected: str) -> None:
    assert count(n, word, many) == expected


def test_plural_of_regular_nouns() -> None:
    assert [plural(w) for w in ("message", "day", "reply", "box")] == [
        "messages",
        "days",
        "replies",
        "boxes",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [('"k8s"', "“k8s”"), ("“k8s”", "“k8s”"), ("k8s", "“k8s”"), ('say "hi" now', '“say "hi" now”')],
)
def test_quoted_never_doubles_quotes(text: str, expected: str) -> None:
    assert quoted(text) == expected
