"""`rhizome slack …`: Slack app set-up commands (mounted by `bot.cli` from the AdapterSpec)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from bot.cli import ConfigOption, load

slack_app = typer.Typer(help="Slack app set-up.", no_args_is_help=True)


@slack_app.command("manifest")
def slack_manifest(
    config: ConfigOption = None,
    request_url: Annotated[
        str | None,
        typer.Option(help="Public https URL for HTTP mode; without it the app uses Socket Mode."),
    ] = None,
    name: Annotated[str, typer.Option(help="The app's display name.")] = "Rhizome",
) -> None:
    """Print the Slack app manifest to paste into "Create app from manifest"."""
    from adapters.slack.manifest import manifest_for_cli
    from bot.commands import build_registry

    cfg = load(config)
    sys.stdout.write(
        manifest_for_cli(cfg, request_url=request_url, name=name, registry=build_registry()) + "\n"
    )
