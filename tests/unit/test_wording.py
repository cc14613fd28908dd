"""The wording helpers every reply uses: plurals, quotes that never double, clipped quotes."""

from __future__ import annotations

import pytest

from bot.wording import clip, count, plural, quoted


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


LONG = (
    "When I modify the file to this I would expect it to remove both generics, but I only see "
    "one removed; the module definitions still list the old attributes and nothing else changes"
)


def test_clip_keeps_the_part_that_names_the_topic() -> None:
    # infrahub: an intro quoted "asked “When I modify the file to this I would expect it to
    # remove both generics, but I…”" as the wish to learn about `module`
    assert clip(LONG, 90) == LONG[:89].rstrip() + "…"
    shown = clip(LONG, 90, "module")
    assert "module" in shown and shown.startswith("…") and len(shown) <= 90
    assert "attributes" in clip(LONG, 60, "attribute")  # a stem finds the plural
    assert clip(LONG, 90, "kubernetes") == clip(LONG, 90)  # never named: the opening
    assert clip("a short question?", 90, "module") == "a short question?"
