"""Small wording helpers every reply uses, so "1 days" or “"k8s"” cannot creep back in."""

from __future__ import annotations

_QUOTES = (('"', '"'), ("“", "”"), ("'", "'"), ("‘", "’"))
_SIBILANT_ENDINGS = ("s", "x", "z", "ch", "sh")


def plural(word: str) -> str:
    """The regular English plural of a lowercase noun (reply → replies, match → matches)."""
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(_SIBILANT_ENDINGS):
        return word + "es"
    return word + "s"


def count(n: int, word: str, many: str | None = None) -> str:
    """`n` and the noun in the right number: count(1, "day") is "1 day", count(2, "day")
    "2 days"; irregular plurals are given (count(n, "person", "people"))."""
    return f"{n} {word if n == 1 else (many or plural(word))}"


def quoted(text: str) -> str:
    """Text inside typographic quotes, without doubling quotes the text already carries."""
    inner = text.strip()
    for left, right in _QUOTES:
        if len(inner) >= 2 and inner.startswith(left) and inner.endswith(right):
            inner = inner[len(left) : -len(right)].strip()
            break
    return f"“{inner}”"
