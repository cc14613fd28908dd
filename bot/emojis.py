"""One canonical form for a reaction emoji, whatever platform or person wrote it.

Slack sends names (`no_bell`, `+1::skin-tone-3`), Discord and the console unicode (🔕, 👍🏽) or
custom emoji (`<:ferris:123>`), config files either. The core stores and compares only
`canonical(...)`: the fully-qualified unicode emoji without skin tone for every emoji the
`emoji` package knows (its data ships in the wheel), and the lower-case bare name for custom
emoji, so `no_bell`, `:no_bell:` and 🔕 are one reaction everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import emoji as emoji_data

_SKIN_TONES = "".join(chr(c) for c in range(0x1F3FB, 0x1F400))
_VARIATION = "\ufe0f\ufe0e"
_STRIP = str.maketrans("", "", _SKIN_TONES + _VARIATION)
# Slack appends a skin tone to the name ("+1::skin-tone-3"); Discord writes custom emoji as
# <:name:id> or <a:name:id> in text.
_SLACK_TONE = re.compile(r"::skin-tone-\d$")
_DISCORD_CUSTOM = re.compile(r"^<a?:([A-Za-z0-9_~\-]+):\d+>$")
MAX_CHARS = 100  # the stored column's width


@lru_cache(maxsize=1)
def _by_bare_unicode() -> dict[str, str]:
    """Emoji without skin tones and variation selectors → their fully-qualified toneless form."""
    fully = emoji_data.STATUS["fully_qualified"]
    table: dict[str, str] = {}
    for char, data in emoji_data.EMOJI_DATA.items():
        bare = char.translate(_STRIP)
        if not bare:
            continue
        if any(c in _SKIN_TONES for c in char) or data.get("status") != fully:
            table.setdefault(bare, bare)
        else:
            table[bare] = char
    return table


@lru_cache(maxsize=4096)
def canonical(raw: str) -> str:
    """The form the core stores and compares; empty only for blank input."""
    text = raw.strip()
    custom = _DISCORD_CUSTOM.match(text)
    if custom:
        return custom.group(1).lower()
    text = _SLACK_TONE.sub("", text.strip(":")).strip(":")
    if not text:
        return ""
    if not text.isascii() and emoji_data.emoji_count(text):
        return _unicode(text)[:MAX_CHARS]
    for name in (text, text.lower()):
        found = emoji_data.emojize(f":{name}:", language="alias")
        if found != f":{name}:":
            return _unicode(found)
    return text.lower()[:MAX_CHARS]


def _unicode(text: str) -> str:
    bare = text.translate(_STRIP)
    return _by_bare_unicode().get(bare, bare or text)


def canonical_set(names: Iterable[str]) -> frozenset[str]:
    """Configured emoji (names, `:names:` or unicode) as the canonical forms to compare with."""
    return frozenset(c for c in (canonical(n) for n in names) if c)


def shortcode(value: str) -> str | None:
    """`:no_bell:` for 🔕 (the name people type on Slack and Discord), None for custom emoji."""
    form = canonical(value)
    if form not in emoji_data.EMOJI_DATA:
        return None  # a custom emoji, or a toneless sequence that has no name of its own
    name = emoji_data.demojize(form, language="alias")
    return name if name != form and name.startswith(":") else None


def label(value: str) -> str:
    """How to show an emoji to people on any platform: `🔕 (:no_bell:)`, or `:ferris:`."""
    form = canonical(value)
    if form.isascii():
        return f":{form}:"
    name = shortcode(form)
    return f"{form} ({name})" if name else form
