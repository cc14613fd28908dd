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


def clip(text: str, limit: int, about: str | None = None) -> str:
    """Text in at most `limit` characters, spaces collapsed and cut with "…". With `about`
    (a topic), the part that names it is kept: a quote shown as evidence that someone asked
    about `module` should show where they said it, not the first words of a long message."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    at, size = _mention_of(text.casefold(), about) if about else (-1, 0)
    if at < 0 or at + size <= limit - 1:
        return text[: limit - 1].rstrip() + "…"
    start = max(0, at - limit // 3)
    space = text.rfind(" ", 0, start + 1)
    start = space + 1 if space >= max(0, start - 12) else start
    body = text[start : start + limit - 2].rstrip()
    return "…" + body + ("…" if start + limit - 2 < len(text) else "")


def names_topic(text: str | None, topic: str) -> bool:
    """Does the text name the topic (as `clip` finds it: the words, a Latin word by stem)?"""
    if not text:
        return False
    return _mention_of(" ".join(text.split()).casefold(), topic)[0] >= 0


def _mention_of(text: str, topic: str) -> tuple[int, int]:
    """Where a text names a topic (its first match and length), trying the whole topic, then
    its words longest first; a Latin word is matched by its stem (`attribute` in "attributes",
    `plot` in "plotting"). (-1, 0) when the text never names it."""
    for probe in dict.fromkeys((topic, *sorted(topic.split(), key=len, reverse=True))):
        stem = probe[:-2] if probe.isascii() and len(probe) > 5 else probe
        at = text.find(stem)
        if at >= 0:
            return at, len(stem)
    return -1, 0
