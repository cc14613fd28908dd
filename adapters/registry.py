"""Every platform adapter, registered once. The config, the CLI and the command runner loop over
this tuple (through `bot.platforms`); a new platform is a package here plus one line below."""

from __future__ import annotations

from adapters.console.spec import SPEC as CONSOLE
from adapters.discord.spec import SPEC as DISCORD
from adapters.slack.spec import SPEC as SLACK
from bot.platforms import AdapterSpec

ADAPTERS: tuple[AdapterSpec, ...] = (SLACK, DISCORD, CONSOLE)
