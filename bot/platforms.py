"""A platform is a unit: one `AdapterSpec` per adapter, registered once in
`adapters.registry.ADAPTERS`, read by the config (its section and secrets), the CLI (`rhizome
run` serves every enabled one; one-off posts get its outlet; `rhizome doctor` runs its checks)
and the command runner (who its moderators are). Adding a platform is a package under
`adapters/` and one line in that tuple; no core file names it.

Nothing here imports a platform library; a spec's callables import their adapter lazily.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

if TYPE_CHECKING:
    from bot.config import Config, Secrets
    from bot.doctor import OnlineCheck
    from bot.ports import Outlet


def _none(config: Config) -> Collection[str]:
    return ()


def _no_problems(secrets: Secrets) -> list[str]:
    return []


@dataclass(frozen=True, slots=True)
class AdapterSpec:
    """What the core knows about one platform adapter."""

    name: str  # the platform's name, as stored in `communities.platform`
    section: str  # its TOML section
    settings: type[BaseModel]  # that section's model; unknown keys are errors
    # Whether `rhizome run` starts it, from the config and the secrets; raises ConfigError when
    # it is half-configured (a token without its companion).
    enabled: Callable[[Config, Secrets], bool]
    secrets: tuple[str, ...] = ()  # environment variables it reads (never logged)
    # Secrets that cannot be right by their shape alone, one line each (before any network call).
    token_problems: Callable[[Secrets], list[str]] = _no_problems
    # Serve until cancelled (`rhizome run`); None for a local adapter (the console).
    run: Callable[[Any, Config, Secrets], Awaitable[Any]] | None = None
    # An outlet for one-off posts from the CLI (`rhizome digest post`), given where a local
    # adapter prints; raises ConfigError with what is missing. None: it cannot post from the CLI.
    outlet: Callable[[Config, Secrets, Callable[[str], None]], Outlet] | None = None
    # Why it cannot post from the CLI, when `outlet` is None.
    no_outlet: str = "posting from the CLI is not supported"
    # Member ids with moderator rights besides the platform's own admins (configured lists).
    moderators: Callable[[Config], Collection[str]] = _none
    # `rhizome doctor`'s questions to the platform, when it has any.
    online_checks: Callable[[], OnlineCheck] | None = None
    # Its own set-up commands, mounted as `rhizome <name> …` (a typer.Typer), or None.
    cli: Callable[[], Any] | None = None
    # A local adapter runs in the foreground when nothing else is enabled.
    local: bool = False
    # Who may be named to others under `[privacy] profiling = "platform"` (see `bot.profiling`):
    # "opt-in" where the platform's policy asks for consent first.
    profiling: Literal["opt-in", "opt-out"] = "opt-out"


def adapter_specs() -> tuple[AdapterSpec, ...]:
    """Every registered adapter, in `adapters.registry.ADAPTERS`' order."""
    from adapters.registry import ADAPTERS

    return ADAPTERS


def adapter_spec(name: str) -> AdapterSpec | None:
    return next((s for s in adapter_specs() if s.name == name), None)


def main_tokens() -> str:
    """ "SLACK_BOT_TOKEN or DISCORD_TOKEN": the secret that turns each platform on."""
    return " or ".join(s.secrets[0] for s in adapter_specs() if s.secrets and not s.local)


def secret_names(specs: Sequence[AdapterSpec] | None = None) -> tuple[str, ...]:
    return tuple(n for s in (adapter_specs() if specs is None else specs) for n in s.secrets)
