"""Commands declared once: specs, the registry, and invocation values.

Each command is a `CommandSpec` (group, path, typed options, handler, moderator flag). Slack
and the console feed raw text through `bot.commands.parser`; Discord builds app-command
groups from the same specs and passes structured options. Handlers never see a platform.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.documents import Reply
from bot.model import Actor, Community, CommunityRef, Place

if TYPE_CHECKING:
    from bot.services import Services

MEMBER_GROUP = "rhizome"
ADMIN_GROUP = "rhizome-admin"
GROUPS = (MEMBER_GROUP, ADMIN_GROUP)


class OptionKind(StrEnum):
    STRING = "string"  # one word (or a quoted phrase)
    TEXT = "text"  # the rest of the line; only as the last option
    INTEGER = "integer"
    CHOICE = "choice"  # one of `choices`
    MEMBER = "member"  # a mention, @name or name
    CHANNEL = "channel"  # a channel mention, #name or name


@dataclass(frozen=True, slots=True)
class OptionSpec:
    name: str
    kind: OptionKind
    description: str
    required: bool = True
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    # What the core can suggest while typing ("topics", "members"); Discord autocomplete uses it.
    autocomplete: str | None = None
    # Words a CHANNEL option takes instead of a channel (`all`, `none`); Discord, whose channel
    # picker cannot send a word, gets a yes/no option named after the first one.
    keywords: tuple[str, ...] = ()

    def usage(self) -> str:
        label = "|".join(self.choices) if self.kind is OptionKind.CHOICE else self.name
        if self.kind is OptionKind.MEMBER:
            label = f"@{self.name}"
        elif self.kind is OptionKind.CHANNEL:
            label = "|".join((f"#{self.name}", *self.keywords))
        elif self.kind is OptionKind.TEXT:
            label = f"{self.name}…"
        return f"<{label}>" if self.required else f"[{label}]"


@dataclass(frozen=True, slots=True)
class MemberArg:
    """A member named in a command; resolved against storage by the handler."""

    external_id: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        return self.name or self.external_id or "?"


@dataclass(frozen=True, slots=True)
class ChannelArg:
    external_id: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        return self.name or self.external_id or "?"


@dataclass(frozen=True, slots=True)
class Invocation:
    """A command as an adapter received it.

    Text-based platforms set `text` (everything after the slash command); Discord sets `path`
    and `options` from the interaction. `actor.is_admin` carries the platform's role fact.
    """

    community: CommunityRef
    actor: Actor
    group: str = MEMBER_GROUP
    text: str | None = None
    path: tuple[str, ...] | None = None
    options: Mapping[str, Any] | None = None
    place: Place | None = None


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Everything a handler may use; built by the runner for one invocation."""

    services: Services
    community: Community
    actor: Actor
    place: Place | None
    is_moderator: bool
    now: datetime
    spec: CommandSpec


Handler = Callable[[CommandContext, Mapping[str, Any]], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    group: str
    path: tuple[str, ...]
    description: str
    handler: Handler
    options: tuple[OptionSpec, ...] = ()
    moderator_only: bool = False
    ephemeral: bool = True
    # May take longer than the platforms' 3-second window: adapters defer, then follow up.
    slow: bool = False
    examples: tuple[str, ...] = ()
    # Deletes, switches something off or posts to others: never offered as a "did you mean".
    destructive: bool = False

    @property
    def name(self) -> str:
        return " ".join(self.path)

    @property
    def full_name(self) -> str:
        return f"/{self.group} {self.name}"

    def usage(self) -> str:
        opts = " ".join(o.usage() for o in self.options)
        return f"{self.full_name} {opts}".rstrip()


@dataclass(slots=True)
class Registry:
    """All command specs, in declaration order."""

    _specs: dict[tuple[str, tuple[str, ...]], CommandSpec] = field(default_factory=dict)

    def add(self, spec: CommandSpec) -> CommandSpec:
        if spec.group not in GROUPS:
            raise ValueError(f"unknown command group {spec.group!r}")
        if not 1 <= len(spec.path) <= 2:
            raise ValueError("command paths have one or two words (Discord allows no deeper)")
        key = (spec.group, spec.path)
        if key in self._specs:
            raise ValueError(f"command {spec.full_name!r} declared twice")
        texts = [o for o in spec.options if o.kind is OptionKind.TEXT]
        if texts and spec.options[-1].kind is not OptionKind.TEXT:
            raise ValueError(f"{spec.full_name}: a text option must come last")
        self._specs[key] = spec
        return spec

    def command(
        self,
        group: str,
        path: str,
        description: str,
        *options: OptionSpec,
        moderator_only: bool | None = None,
        ephemeral: bool = True,
        slow: bool = False,
        examples: tuple[str, ...] = (),
        destructive: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Decorator form of `add`; admin-group commands are moderator-only by default."""

        def wrap(handler: Handler) -> Handler:
            self.add(
                CommandSpec(
                    group=group,
                    path=tuple(path.split()),
                    description=description,
                    handler=handler,
                    options=options,
                    moderator_only=(group == ADMIN_GROUP)
                    if moderator_only is None
                    else moderator_only,
                    ephemeral=ephemeral,
                    slow=slow,
                    examples=examples,
                    destructive=destructive,
                )
            )
            return handler

        return wrap

    def get(self, group: str, path: tuple[str, ...]) -> CommandSpec | None:
        return self._specs.get((group, path))

    def in_group(self, group: str) -> list[CommandSpec]:
        return [s for s in self._specs.values() if s.group == group]

    def under(self, group: str, first_word: str) -> list[CommandSpec]:
        """The commands a group word such as `interests` or `digest` stands for."""
        return [s for s in self.in_group(group) if len(s.path) > 1 and s.path[0] == first_word]

    def __iter__(self) -> Iterator[CommandSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def fingerprint(self) -> str:
        """A stable hash of every spec's public shape; Discord re-syncs only when it changes."""
        import hashlib
        import json

        shape = [
            {
                "group": s.group,
                "path": s.path,
                "description": s.description,
                "moderator_only": s.moderator_only,
                "options": [
                    [
                        o.name,
                        o.kind.value,
                        o.description,
                        o.required,
                        o.choices,
                        o.min_value,
                        o.max_value,
                        o.autocomplete,
                    ]
                    for o in s.options
                ],
            }
            for s in self
        ]
        return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()
