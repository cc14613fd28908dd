"""The console as a registered platform: local, trusted, and what `rhizome run` starts when no
other platform is enabled (see `bot.platforms.AdapterSpec`)."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Config, ConsoleConfig, Secrets
from bot.platforms import AdapterSpec
from bot.ports import Outlet


def enabled(config: Config, secrets: Secrets) -> bool:
    return True


def outlet(config: Config, secrets: Secrets, say: Callable[[str], None]) -> Outlet:
    from adapters.console.session import ConsoleOutlet

    return ConsoleOutlet(say)


SPEC = AdapterSpec(
    name="console",
    section="console",
    settings=ConsoleConfig,
    enabled=enabled,
    outlet=outlet,
    local=True,
)
