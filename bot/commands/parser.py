"""Parse command text (Slack, console) or structured options (Discord) against the specs.

Pure functions: no I/O, never raise anything but `UsageError`/`UnknownCommand`, whatever the
text, so hostile input yields a usage message rather than a crash.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz import process

from bot.commands.registry import (
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
    def __init__(self, words: str, suggestion: str | None) -> None:
        super().__init__(words)
        self.words = words
        self.suggestion = suggestion


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
            spec = registry.get(group, ("help",))
            if spec is not None:
                return spec, {o.name: None for o in spec.options}
        raise UnknownCommand(" ".join(words) or text, _suggest(registry, group, words))
    rest = tokens[used:]
    remainder = text[rest[0].start :] if rest else ""
    return spec, bind_tokens(spec, rest, remainder)


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
                args[option.name] = value
            i = len(tokens)
            continue
        if i >= len(tokens):
            if option.required:
                raise UsageError(f"Please add {option.usage()}: {option.description}.", spec)
            args[option.name] = None
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


def _suggest(registry: Registry, group: str, words: list[str]) -> str | None:
    if not words:
        return None
    names = [s.name for s in registry.in_group(group)]
    if not names:
        return None
    best = process.extractOne(" ".join(words[:2]), names, score_cutoff=60)
    if best is None:
        best = process.extractOne(words[0], names, score_cutoff=60)
    return best[0] if best else None
