"""`rhizome discord …`: Discord bot set-up commands (mounted by `bot.cli` from the AdapterSpec)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from bot.cli import ConfigOption, fail, load, opened_core, out, run_async
from bot.config import Secrets

discord_app = typer.Typer(help="Discord bot set-up.", no_args_is_help=True)


@discord_app.command("invite-url")
def discord_invite_url(
    config: ConfigOption = None,
    application_id: Annotated[
        str | None,
        typer.Option(help="The application id; without it, DISCORD_TOKEN is used to look it up."),
    ] = None,
) -> None:
    """Print the OAuth2 URL that adds the bot to a server with exactly the permissions it needs."""
    cfg = load(config)
    if application_id is not None:
        from adapters.discord.invite import invite_url

        if not application_id.isdigit():
            fail("--application-id is the number shown on the Developer Portal's General page")
        sys.stdout.write(invite_url(application_id) + "\n")
        return
    secrets = Secrets.from_env()
    if not secrets.get("DISCORD_TOKEN"):
        fail("set DISCORD_TOKEN, or pass --application-id")
    from adapters.discord.client import fetch_invite_url

    sys.stdout.write(run_async(lambda: fetch_invite_url(cfg, secrets)) + "\n")


@discord_app.command("sync")
def discord_sync(
    config: ConfigOption = None,
    guild: Annotated[
        str | None, typer.Option(help="Sync to one server only (instant; for testing).")
    ] = None,
) -> None:
    """Push the slash-command tree to Discord now (start-up syncs only when it changed)."""
    cfg = load(config)
    secrets = Secrets.from_env()
    if not secrets.get("DISCORD_TOKEN"):
        fail("set DISCORD_TOKEN to sync commands")
    if guild is not None and not guild.isdigit():
        fail("--guild is a server id (a number)")

    async def go() -> bool:
        from adapters.discord.client import sync_commands

        async with opened_core(cfg) as rhizome:
            return await sync_commands(
                rhizome, cfg, secrets, guild_id=int(guild) if guild else None
            )

    run_async(go)
    out.print(f"Commands synced {'to server ' + guild if guild else 'globally'}.")
