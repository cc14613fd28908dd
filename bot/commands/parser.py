"""Parse command text (Slack, console) or structured options (Discord) against the specs.

Pure functions: no I/O, never raise anything but `UsageError`/`UnknownCommand`, whatever the
text, so hostile input yields a usage message rather than a crash.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from bot.commands.registry import (
    GROUPS,
    ChannelArg,
    CommandSpec,
    MemberArg,
    OptionKind,
    OptionSpec,
    Registry,
)

MAX_COMMAND_CHARS = 4000
_TOKEN = re.compile(r'"([^"]*)"?|“([^”]*)”?|\'([^\']*)\'|(\S+)')
_USER = re.compile(r"^<@!?([A-Za-z0-9]+)(?:\|([^>]*))?>$")
_CHANNEL = re.compile(r"^<#([A-Za-z0-9]+)(?:\|([^>]*))?>$")


class UsageError(Exception):
    def __init__(self, message: str, spec: CommandSpec) -> None:
        super().__init__(message)
        self.spec = spec


class UnknownCommand(Exception):
    """No command of the group is called that; `suggestions` are close, safe full names."""

    def __init__(self, words: str, suggestions: Sequence[str] = ()) -> None:
        super().__init__(words)
        self.words = words
        self.suggestions = tuple(suggestions)

    @property
    def suggestion(self) -> str | None:
        return self.suggestions[0] if self.suggestions else None


class HelpWanted(Exception):
    """The text asks for help rather than a command: nothing, `help …`, or a group word alone
    (`interests`, `digest`); `topic` is what to explain (None: everything)."""

    def __init__(self, topic: str | None) -> None:
        super().__init__(topic or "")
        self.topic = topic


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    start: int


def tokenize(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        value = next((g for g in match.groups() if g is not None), "")
        tokens.append(_Token(value, match.start()))
    return tokens


def parse_text(registry: Registry, group: str, text: str) -> tuple[CommandSpec, dict[str, Any]]:
    """Find the command named at the start of `text` and bind the rest to its options."""
    found = find_command(registry, group, text)
    return found.spec, bind_tokens(found.spec, found.tokens, found.remainder)


@dataclass(frozen=True, slots=True)
class FoundCommand:
    """A command recognised in typed text, before its options are bound (so the runner can
    check permission before it explains usage)."""

    spec: CommandSpec
    tokens: list[_Token]
    remainder: str


def find_command(registry: Registry, group: str, text: str) -> FoundCommand:
    """The command `text` names; `HelpWanted` or `UnknownCommand` when it names none."""
    text = text[:MAX_COMMAND_CHARS].strip()
    tokens = tokenize(text)
    words = [t.value.lower() for t in tokens[:2]]
    spec = None
    used = 0
    if len(words) >= 2:
        spec = registry.get(group, (words[0], words[1]))
        used = 2
    if spec is None and words:
        spec = registry.get(group, (words[0],))
        used = 1
    if spec is None:
        if not words:
            raise HelpWanted(None)
        if words[0] == "help":
            raise HelpWanted(text[tokens[1].start :].strip() if len(tokens) > 1 else None)
        if len(words) == 1 and any(registry.under(g, words[0]) for g in GROUPS):
            raise HelpWanted(words[0])
        raise UnknownCommand(" ".join(words), suggest(registry, group, words))
    rest = tokens[used:]
    remainder = text[rest[0].start :] if rest else ""
    return FoundCommand(spec, rest, remainder)


def bind_tokens(spec: CommandSpec, tokens: list[_Token], remainder: str) -> dict[str, Any]:
    args: dict[str, Any] = {}
    i = 0
    for option in spec.options:
        if option.kind is OptionKind.TEXT:
            value = (
                remainder[tokens[i].start - tokens[0].start :].strip() if i < len(tokens) else ""
            )
            if not value:
                if option.required:
                    raise UsageError(f"Please add {option.usage()}: {option.description}.", spec)
                args[option.name] = None
            else:
                args[option.name] = _unquoted(value)
            i = len(tokens)
            continue
        if i >= len(tokens):
            if option.required:
                raise UsageError(f"Please add {option.usage()}: {option.description}.", spec)
            args[option.name] = None
            continue
        if option.kind is OptionKind.MEMBER:
            end = _name_end(tokens, i, spec.options[spec.options.index(option) + 1 :])
            raw = " ".join(t.value for t in tokens[i:end])
            args[option.name] = convert(spec, option, raw)
            i = end
            continue
        args[option.name] = convert(spec, option, tokens[i].value)
        i += 1
    if i < len(tokens):
        extra = " ".join(t.value for t in tokens[i:])[:80]
        raise UsageError(f"I didn't expect “{extra}” here.", spec)
    return args


def bind_options(spec: CommandSpec, options: Mapping[str, Any]) -> dict[str, Any]:
    """Validate structured options (Discord) the same way typed text is validated."""
    args: dict[str, Any] = {}
    known = {o.name for o in spec.options}
    unknown = set(options) - known
    if unknown:
        raise UsageError(f"Unknown option {sorted(unknown)[0]!r}.", spec)
    for option in spec.options:
        value = options.get(option.name)
        if value is None or value == "":
            if option.required:
                raise UsageError(f"Please add {option.usage()}: {option.description}.", spec)
            args[option.name] = None
        elif isinstance(value, MemberArg | ChannelArg):
            args[option.name] = value
        else:
            args[option.name] = convert(spec, option, str(value))
    return args


def convert(spec: CommandSpec, option: OptionSpec, raw: str) -> Any:
    kind = option.kind
    if kind is OptionKind.INTEGER:
        try:
            value = int(raw)
        except ValueError:
            raise UsageError(
                f"{option.name} should be a whole number, not “{raw[:40]}”.", spec
            ) from None
        if option.min_value is not None and value < option.min_value:
            raise UsageError(f"{option.name} should be at least {option.min_value}.", spec)
        if option.max_value is not None and value > option.max_value:
            raise UsageError(f"{option.name} should be at most {option.max_value}.", spec)
        return value
    if kind is OptionKind.CHOICE:
        value_s = raw.lower()
        if value_s not in option.choices:
            raise UsageError(
                f"{option.name} should be one of {', '.join(option.choices)}, not “{raw[:40]}”.",
                spec,
            )
        return value_s
    if kind is OptionKind.MEMBER:
        m = _USER.match(raw)
        if m:
            return MemberArg(external_id=m.group(1), name=m.group(2) or None)
        return MemberArg(name=raw.lstrip("@")[:100])
    if kind is OptionKind.CHANNEL:
        if raw.strip().lower() in option.keywords:
            return ChannelArg(name=raw.strip().lower())
        m = _CHANNEL.match(raw)
        if m:
            return ChannelArg(external_id=m.group(1), name=m.group(2) or None)
        return ChannelArg(name=raw.lstrip("#")[:100])
    return raw[:500]


def _unquoted(value: str) -> str:
    """`"k8s"` typed as the whole text means k8s: the quotes group words, they are not content."""
    for left, right in (('"', '"'), ("“", "”"), ("'", "'")):
        inner = value[1:-1]
        if len(value) >= 2 and value[0] == left and value[-1] == right and left not in inner:
            return inner.strip() or value
    return value


def _name_end(tokens: list[_Token], start: int, later: Sequence[OptionSpec]) -> int:
    """Where a member name that may hold spaces ends (`@Peter Deffebach`): it takes the
    following plain words, leaving one for each required option after it and stopping at a
    mention, a channel or a word the next option accepts."""
    if _USER.match(tokens[start].value):
        return start + 1
    needed = sum(1 for o in later if o.required)
    end = start + 1
    while end < len(tokens) and len(tokens) - end > needed:
        word = tokens[end].value
        if word[:1] in ("<", "@", "#"):
            break
        if later and later[0].kind is OptionKind.CHOICE and word.lower() in later[0].choices:
            break
        end += 1
    return end


SUGGEST_CUTOFF = 75.0
SUGGEST_SPREAD = 8.0  # also offer those nearly as close as the best


def suggest(registry: Registry, group: str, words: Sequence[str], limit: int = 3) -> list[str]:
    """Close, safe full command names for mistyped `words` ("serch" → /rhizome search).

    Only commands that change nothing irreversibly are offered, and only when close: a typo
    must never be one keystroke away from forgetting someone or switching a digest off."""
    if not words:
        return []
    groups = [group] + [g for g in GROUPS if g != group]
    scored: list[tuple[float, int, str]] = []
    for order, g in enumerate(groups):
        for spec in registry.in_group(g):
            if spec.destructive:
                continue
            typed = " ".join(words[: len(spec.path)])
            score = fuzz.ratio(typed, spec.name)
            if score >= SUGGEST_CUTOFF:
                scored.append((-score, order, spec.full_name))
    scored.sort()
    best = -scored[0][0] if scored else 0.0
    return [name for score, _, name in scored[:limit] if -score >= best - SUGGEST_SPREAD]
