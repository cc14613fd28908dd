"""The `rhizome` command line: run the bot, chat in the console, inspect and manage data."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from bot.config import Config, ConfigError, Secrets, enabled_adapters, load_config

T = TypeVar("T")

app = typer.Typer(
    name="rhizome",
    help="Rhizome: a social-learning bot for communities of practice.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
slack_app = typer.Typer(help="Slack app set-up.", no_args_is_help=True)
app.add_typer(slack_app, name="slack")

err = Console(stderr=True)
out = Console()

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Path to a TOML config file (default: ./rhizome.toml)."),
]


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]rhizome:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def load(path: Path | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as e:
        fail(f"config error: {e}")
        raise AssertionError("unreachable") from e


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(make())  # type: ignore[arg-type]


async def start_core(config: Config) -> Any:
    from bot.app import Rhizome

    return await Rhizome.start(config)


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("aiosqlite", "sqlalchemy.engine", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@app.command()
def run(
    config: ConfigOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run the bot: Slack and/or Discord when their tokens are set, else the console."""
    cfg = load(config)
    secrets = Secrets.from_env()
    try:
        adapters = enabled_adapters(cfg, secrets)
    except ConfigError as e:
        fail(f"config error: {e}")
    if adapters == ["console"]:
        err.print(
            "No SLACK_BOT_TOKEN or DISCORD_TOKEN set: starting the console adapter on "
            f"{cfg.storage.url}. Type :help for help.",
            highlight=False,
            soft_wrap=True,
        )
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
        raise typer.Exit(run_async(lambda: _console(cfg)))
    setup_logging(verbose)
    run_async(lambda: _serve(cfg, secrets, adapters))


async def _console(cfg: Config) -> int:
    from adapters.console.runner import run_console

    rhizome = await start_core(cfg)
    try:
        return await run_console(rhizome, cfg)
    finally:
        await rhizome.close()


async def _serve(cfg: Config, secrets: Secrets, adapters: Sequence[str]) -> None:
    rhizome = await start_core(cfg)
    log = logging.getLogger("rhizome")
    log.info("starting adapters: %s", ", ".join(adapters))
    tasks: list[Awaitable[Any]] = []
    try:
        for hook in rhizome.services.extras.get("background", ()):
            tasks.append(hook(rhizome))
        if "slack" in adapters:
            from adapters.slack.app import run_slack

            tasks.append(run_slack(rhizome, cfg, secrets))
        if "discord" in adapters:
            from adapters.discord.client import run_discord

            tasks.append(run_discord(rhizome, cfg, secrets))
        await asyncio.gather(*tasks)
    finally:
        await rhizome.close()


@app.command()
def console(config: ConfigOption = None) -> None:
    """Chat as any member in a local community (reads a script from stdin when piped)."""
    cfg = load(config)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    raise typer.Exit(run_async(lambda: _console(cfg)))


@app.command()
def communities(config: ConfigOption = None) -> None:
    """List the communities in the database, with their ids."""
    cfg = load(config)

    async def go() -> list[Any]:
        rhizome = await start_core(cfg)
        try:
            return list(await rhizome.services.repos.communities.list_all())
        finally:
            await rhizome.close()

    rows = run_async(go)
    table = Table("id", "platform", "external id", "name", "members", "messages", "resources")
    for c, counts in rows:
        table.add_row(
            str(c.id),
            c.platform,
            c.external_id,
            c.name or "",
            str(counts.get("members", 0)),
            str(counts.get("messages", 0)),
            str(counts.get("resources", 0)),
        )
    out.print(table)


@app.command()
def resources(
    config: ConfigOption = None,
    community: Annotated[
        str | None, typer.Option(help="Community id, name or platform:external_id.")
    ] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="table or json")] = "table",
) -> None:
    """Every tracked resource with its first sharer and discussion counts."""
    if format not in ("table", "json"):
        fail("--format must be table or json")
    cfg = load(config)

    async def go() -> list[Any]:
        rhizome = await start_core(cfg)
        try:
            repos = rhizome.services.repos
            chosen = await pick_community(repos, community)
            ids = await repos.resources.all_ids(chosen.id)
            return list(await repos.resources.summaries(chosen.id, ids))
        finally:
            await rhizome.close()

    summaries = run_async(go)
    if format == "json":
        sys.stdout.write(json.dumps([resource_json(r) for r in summaries], indent=2) + "\n")
        return
    table = Table("url", "title", "first shared by", "when", "shares", "replies", "reactions")
    for r in summaries:
        table.add_row(
            r.url,
            (r.title or "")[:60],
            r.first_shared_by.name if r.first_shared_by else "",
            r.first_shared_at.strftime("%Y-%m-%d") if r.first_shared_at else "",
            str(r.share_count),
            str(r.reply_count),
            str(r.reaction_count),
        )
    out.print(table)


def resource_json(r: Any) -> dict[str, Any]:
    return {
        "url": r.url,
        "title": r.title,
        "kind": r.kind,
        "domain": r.domain,
        "first_shared_by": r.first_shared_by.name if r.first_shared_by else None,
        "first_shared_at": r.first_shared_at.isoformat() if r.first_shared_at else None,
        "first_channel": r.first_channel.label if r.first_channel else None,
        "sharers": list(r.sharers),
        "share_count": r.share_count,
        "reply_count": r.reply_count,
        "reaction_count": r.reaction_count,
        "reshare_count": r.reshare_count,
        "discussants": r.discussants,
    }


async def pick_community(repos: Any, label: str | None) -> Any:
    """The community a CLI command means: the one named, or the only one there is."""
    if label is not None:
        found = await repos.communities.resolve(label)
        if found is None:
            fail(f"no community {label!r}; see `rhizome communities`")
        return found
    everyone = await repos.communities.list_all()
    if len(everyone) == 1:
        return everyone[0][0]
    if not everyone:
        fail("the database has no community yet: run the bot, the console or an import first")
    names = ", ".join(f"{c.id} ({c.platform}:{c.name or c.external_id})" for c, _ in everyone)
    fail(f"several communities exist; choose one with --community: {names}")


@app.command()
def demo() -> None:
    """Load a small sample community into a temporary database and show what Rhizome does."""
    import time
    from datetime import UTC, datetime

    from rich.panel import Panel

    from bot import demo as sample

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    started = time.perf_counter()

    def show(title: str, reply: Any) -> None:
        out.print(Panel(reply.document.plain(), title=title, title_align="left", expand=True))

    data = run_async(lambda: sample.run(show, datetime.now(UTC)))
    out.print(
        f"[bold]{data.name}[/]: {len(data.members)} members, "
        f"{sum(1 for e in data.events if type(e).__name__ == 'MessagePosted')} messages, "
        f"loaded and answered in {time.perf_counter() - started:.1f} s. {data.about}\n"
        "Next: [bold]rhizome console[/] to chat as any member, or see the README to connect "
        "Slack or Discord."
    )


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


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Apply database migrations (they also run at every start)."""
    cfg = load(config)

    async def go() -> str | None:
        from storage.db import Database
        from storage.migrate import current_revision

        db = Database.open(cfg.storage.url)
        try:
            await db.migrate()
            return await current_revision(db)
        finally:
            await db.close()

    revision = run_async(go)
    out.print(f"Database is at revision {revision}.")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
