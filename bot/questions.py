"""Which top-level messages read as questions, so unanswered ones can be surfaced.

Deliberately simple and predictable: a message that ends with a question mark, or that contains
one of a few phrases people use to ask for help. Storage pre-filters with `SQL_PATTERNS` (cheap
LIKE scans) and confirms with `looks_like_question`.
"""

from __future__ import annotations

import re

PHRASES: tuple[str, ...] = (
    "how do i",
    "how do you",
    "how can i",
    "does anyone know",
    "anyone know",
    "does anybody know",
    "is there a way",
    "can anyone",
    "can someone",
    "could someone",
    "any recommendations",
    "any idea",
    "any ideas",
)
# LIKE patterns that find every message `looks_like_question` may accept (a superset).
SQL_PATTERNS: tuple[str, ...] = ("%?%", *(f"%{p}%" for p in PHRASES))
MIN_CHARS = 8
_TRAILING = re.compile(r"[\s)\]\"'”’*_~.!]+$")
_LINK_ONLY = re.compile(r"^\s*<?https?://\S+>?\s*$")


def looks_like_question(text: str) -> bool:
    """True for "Has anyone used X?", "how do I profile asyncio", not for "ok?" or a bare link."""
    flat = " ".join(text.split())
    if len(flat) < MIN_CHARS or _LINK_ONLY.match(flat):
        return False
    if _TRAILING.sub("", flat).endswith("?"):
        return True
    # Phrases are matched in the text as written (not whitespace-collapsed), exactly as the
    # LIKE pre-filter sees it, so the pre-filter never drops a message this accepts.
    lowered = text.lower()
    return any(re.search(rf"\b{re.escape(p)}\b", lowered) for p in PHRASES)
