"""The `rhizome` command line: run the bot, chat in the console, inspect and manage data."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from bot.config import (
    Config,
    ConfigError,
    Secrets,
    StartupError,
    enabled_adapters,
    load_config,
)

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
import_app = typer.Typer(help="Import history from platform exports.", no_args_is_help=True)
app.add_typer(import_app, name="import")
slack_app = typer.Typer(help="Slack app set-up.", no_args_is_help=True)
discord_app = typer.Typer(help="Discord bot set-up.", no_args_is_help=True)
digest_app = typer.Typer(help="Weekly digests.", no_args_is_help=True)
app.add_typer(digest_app, name="digest")
app.add_typer(discord_app, name="discord")
app.add_typer(slack_app, name="slack")

err = Console(stderr=True)
out = Console()

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Path to a TOML config file (default: ./rhizome.toml)."),
]


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]rhizome:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def load(path: Path | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as e:
        fail(f"config error: {e}")


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(make())  # type: ignore[arg-type]


async def start_core(config: Config) -> Any:
    from bot.app import Rhizome
    from bot.runtime import tune_process

    rhizome = await Rhizome.start(config)
    tune_process()
    return rhizome


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
    try:
        run_async(lambda: _serve(cfg, secrets, adapters))
    except StartupError as e:
        fail(str(e))


async def _console(cfg: Config, community: str | None = None) -> int:
    from adapters.console.runner import run_console
    from bot.model import CommunityRef

    rhizome = await start_core(cfg)
    try:
        target = None
        if community is not None:
            found = await pick_community(rhizome.services.repos, community)
            target = CommunityRef(found.platform, found.external_id, found.name)
        # Scheduled work (digests) runs in the console too; its posts print in the session.
        background = [
            asyncio.create_task(hook(rhizome))
            for hook in rhizome.services.extras.get("background", ())
        ]
        try:
            return await run_console(rhizome, cfg, community=target)
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
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
def console(
    config: ConfigOption = None,
    community: Annotated[
        str | None,
        typer.Option(help="Speak in an existing community (e.g. an imported one): id or name."),
    ] = None,
) -> None:
    """Chat as any member in a local community (reads a script from stdin when piped)."""
    cfg = load(config)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    raise typer.Exit(run_async(lambda: _console(cfg, community)))


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


def _import(
    kind: Literal["slack", "discord"],
    path: Path,
    config: Path | None,
    community: str | None,
    include_private: bool,
    keep_going: bool,
    quiet: bool,
) -> None:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from bot.importers.run import import_export, summary_lines

    cfg = load(config)
    if include_private:
        # The moderator asked for private channels explicitly; store them for this import.
        cfg = cfg.model_copy(
            update={"tracking": cfg.tracking.model_copy(update={"track_private_channels": True})}
        )
    if not path.exists():
        fail(f"{path}: no such file or folder")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    show = not quiet and err.is_terminal

    async def go() -> Any:
        rhizome = await start_core(cfg)
        try:
            if not show:
                return await import_export(
                    rhizome,
                    kind,
                    path,
                    community_label=community,
                    include_private=include_private,
                    keep_going=keep_going,
                )
            columns = (
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TextColumn("{task.fields[messages]:,} messages"),
                TimeRemainingColumn(),
            )
            with Progress(*columns, console=err, transient=True) as bar:
                task = bar.add_task("importing", total=None, messages=0)

                def progress(report: Any) -> None:
                    bar.update(
                        task,
                        total=report.bytes_total or None,
                        completed=report.bytes_done,
                        messages=report.messages,
                        description=Path(report.current_file or "importing").name[:40],
                    )

                return await import_export(
                    rhizome,
                    kind,
                    path,
                    community_label=community,
                    include_private=include_private,
                    keep_going=keep_going,
                    progress=progress,
                )
        finally:
            await rhizome.close()

    summary = run_async(go)
    if not quiet:
        for line in summary_lines(summary):
            (err if line.startswith(("error", "warning")) else out).print(
                line, highlight=False, soft_wrap=True
            )
    if summary.report.errors:
        raise typer.Exit(1)


KeepGoing = Annotated[
    bool, typer.Option("--keep-going", help="Report broken files and import the others.")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")]
IncludePrivate = Annotated[
    bool, typer.Option("--include-private", help="Also import private channels (never DMs).")
]


@import_app.command("slack")
def import_slack(
    path: Annotated[Path, typer.Argument(help="A Slack workspace export: .zip or folder.")],
    config: ConfigOption = None,
    community: Annotated[
        str | None, typer.Option(help="A name for the imported community.")
    ] = None,
    include_private: IncludePrivate = False,
    keep_going: KeepGoing = False,
    quiet: Quiet = False,
) -> None:
    """Import a standard Slack workspace export (idempotent: importing twice adds nothing)."""
    _import("slack", path, config, community, include_private, keep_going, quiet)


@import_app.command("discord")
def import_discord(
    path: Annotated[
        Path, typer.Argument(help="A DiscordChatExporter JSON file, or a folder of them.")
    ],
    config: ConfigOption = None,
    include_private: IncludePrivate = False,
    keep_going: KeepGoing = False,
    quiet: Quiet = False,
) -> None:
    """Import DiscordChatExporter JSON exports (idempotent: importing twice adds nothing)."""
    _import("discord", path, config, None, include_private, keep_going, quiet)


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
    if not secrets.discord_token:
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
    if not secrets.discord_token:
        fail("set DISCORD_TOKEN to sync commands")
    if guild is not None and not guild.isdigit():
        fail("--guild is a server id (a number)")

    async def go() -> bool:
        from adapters.discord.client import sync_commands

        rhizome = await start_core(cfg)
        try:
            return await sync_commands(
                rhizome, cfg, secrets, guild_id=int(guild) if guild else None
            )
        finally:
            await rhizome.close()

    run_async(go)
    out.print(f"Commands synced {'to server ' + guild if guild else 'globally'}.")


@digest_app.command("preview")
def digest_preview(
    config: ConfigOption = None,
    community: Annotated[str | None, typer.Option(help="Community id or name.")] = None,
    channel: Annotated[
        str | None, typer.Option(help="Which digest, by its channel, when there are several.")
    ] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="md or json")] = "md",
) -> None:
    """Show the digest that would be posted now, without posting it."""
    if format not in ("md", "json"):
        fail("--format must be md or json")
    cfg = load(config)

    async def go() -> str:
        from bot.digests.service import DigestCliError, preview

        rhizome = await start_core(cfg)
        try:
            label = community or str((await pick_community(rhizome.services.repos, None)).id)
            return await preview(rhizome, label, format, channel=channel)  # type: ignore[arg-type]
        except DigestCliError as e:
            fail(str(e))
            raise
        finally:
            await rhizome.close()

    sys.stdout.write(run_async(go) + "\n")


@digest_app.command("post")
def digest_post(
    config: ConfigOption = None,
    community: Annotated[str | None, typer.Option(help="Community id or name.")] = None,
    channel: Annotated[
        str | None, typer.Option(help="Which digest, by its channel, when there are several.")
    ] = None,
) -> None:
    """Post the digest now (needs the platform's token, or the console community)."""
    cfg = load(config)
    secrets = Secrets.from_env()

    async def go() -> str:
        from bot.digests.service import DigestCliError, post_now

        rhizome = await start_core(cfg)
        try:
            chosen = await pick_community(rhizome.services.repos, community)
            await _attach_outlet(rhizome, cfg, secrets, chosen.platform)
            return await post_now(rhizome, str(chosen.id), channel=channel)
        except DigestCliError as e:
            fail(str(e))
            raise
        finally:
            await rhizome.close()

    out.print(run_async(go), highlight=False, soft_wrap=True)


async def _attach_outlet(rhizome: Any, cfg: Config, secrets: Secrets, platform: str) -> None:
    """An outlet for one-off posts from the CLI, without starting the whole adapter."""
    if platform == "console":
        from adapters.console.session import ConsoleOutlet

        rhizome.add_outlet(ConsoleOutlet(lambda text: out.print(text, highlight=False)))
    elif platform == "slack":
        if not secrets.slack_bot_token:
            fail("set SLACK_BOT_TOKEN to post to Slack")
        from adapters.slack.app import outlet_for_token

        rhizome.add_outlet(outlet_for_token(secrets.slack_bot_token, cfg))
    elif platform == "discord":
        fail("posting to Discord from the CLI needs the running bot; use /rhizome-admin digest now")


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


@db_app.command("migrate-sqlite-to-postgres")
def db_migrate_sqlite_to_postgres(
    sqlite_url: Annotated[str, typer.Argument(help="The SQLite database: a URL or a file path.")],
    postgres_url: Annotated[
        str, typer.Argument(help="An empty PostgreSQL database: postgresql+asyncpg://…")
    ],
) -> None:
    """Move a community that outgrew SQLite to PostgreSQL, every row, ids preserved."""
    from storage.transfer import run_transfer_cli

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    code = run_transfer_cli(
        sqlite_url, postgres_url, echo=lambda line: out.print(line, highlight=False)
    )
    raise typer.Exit(code)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
