"""Discord as a registered platform (see `bot.platforms.AdapterSpec`)."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from bot.config import Config, DiscordConfig, Secrets
from bot.platforms import AdapterSpec

if TYPE_CHECKING:
    from bot.doctor import OnlineCheck

TOKEN = "DISCORD_TOKEN"
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{17,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")


def enabled(config: Config, secrets: Secrets) -> bool:
    return bool(config.discord.enabled and secrets.get(TOKEN))


def token_problems(secrets: Secrets) -> list[str]:
    if _TOKEN_SHAPE.match(secrets.get(TOKEN) or ""):
        return []
    return [
        "DISCORD_TOKEN does not look like a bot token (three dot-separated parts): copy it "
        "from the Developer Portal (Bot > Reset Token)"
    ]


async def run(rhizome: Any, config: Config, secrets: Secrets) -> None:
    from adapters.discord.client import run_discord

    await run_discord(rhizome, config, secrets)


def moderators(config: Config) -> Collection[str]:
    return config.discord.moderators


def online_checks() -> OnlineCheck:
    from adapters.discord.doctor import discord_checks

    return discord_checks


def cli() -> Any:
    from adapters.discord.cli import discord_app

    return discord_app


SPEC = AdapterSpec(
    name="discord",
    section="discord",
    settings=DiscordConfig,
    enabled=enabled,
    secrets=(TOKEN,),
    token_problems=token_problems,
    run=run,
    no_outlet="posting to Discord from the CLI needs the running bot; use /rhizome-admin digest now",
    moderators=moderators,
    online_checks=online_checks,
    profiling="opt-in",
    cli=cli,  # the Developer Policy: no profiling beyond what users expect
)
