"""`rhizome doctor`'s questions to Discord (REST only, no gateway connection): is the token
good, is the privileged Message Content intent on, can the bot see its digest channels."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from adapters.discord.client import point_at_api
from bot.config import Config, Secrets
from bot.doctor import Check


async def discord_checks(
    config: Config, secrets: Secrets, digests: Sequence[tuple[str, str, str | None]]
) -> list[Check]:
    point_at_api(config.discord.api_base_url)
    client = discord.Client(intents=discord.Intents.none())
    try:
        try:
            await client.login(secrets.get("DISCORD_TOKEN") or "")
        except discord.LoginFailure:
            return [
                Check(
                    "discord",
                    "fail",
                    "DISCORD_TOKEN was refused: copy the bot token from the Developer Portal "
                    "(Bot > Reset Token)",
                )
            ]
        user = client.user
        checks = [Check("discord", "ok", f"logged in as {user.name if user else '?'}")]
        info = await client.application_info()
        flags = info.flags
        if flags.gateway_message_content or flags.gateway_message_content_limited:
            checks.append(Check("discord intents", "ok", "Message Content intent is on"))
        else:
            checks.append(
                Check(
                    "discord intents",
                    "fail",
                    "the Message Content intent is off, so shared links cannot be read: turn it "
                    "on (Developer Portal > Bot > Privileged Gateway Intents)",
                )
            )
        for _guild, channel, name in digests:
            checks.append(await _digest_channel(client, channel, name))
        return checks
    finally:
        await client.close()


async def _digest_channel(client: discord.Client, channel: str, name: str | None) -> Check:
    label = f"#{name}" if name else channel
    try:
        await client.fetch_channel(int(channel))
    except (discord.Forbidden, discord.NotFound) as e:
        return Check(
            "discord digest",
            "fail",
            f"{label}: the bot cannot see it ({e.status}): give its role View Channel and Send "
            "Messages there, or choose another channel",
        )
    return Check("discord digest", "ok", f"{label}: the bot can see it")
