"""The `rhizome` command line: run the bot, chat in the console, inspect and manage data.

(Long because it is the list of subcommands: each is a thin typer function over the core, and
the platforms it serves come from `bot.platforms`; splitting it would scatter `--help`.)
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from bot.config import (
    Config,
    ConfigError,
    Secrets,
    config_path,
    enabled_adapters,
    load_config,
    with_database,
)
from bot.platforms import adapter_spec, adapter_specs, main_tokens
from bot.runtime import StartupError, Stopped

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
digest_app = typer.Typer(help="Weekly digests.", no_args_is_help=True)
app.add_typer(digest_app, name="digest")

# No markup: what is printed holds paths, names, titles and config keys (`[privacy]`), which
# rich would read as style tags, dropping them or failing on a stray `[/b]`.
err = Console(stderr=True, markup=False)
out = Console(markup=False)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Path to a TOML config file (default: $RHIZOME_CONFIG, else ./rhizome.toml).",
    ),
]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"rhizome {version('rhizome-bot')}", highlight=False)
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Rhizome: a social-learning bot for communities of practice."""


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(
        Text.assemble(("rhizome:", "bold red"), f" {message}"), highlight=False, soft_wrap=True
    )
    raise typer.Exit(code)


def load(path: Path | None) -> Config:
    """The config, with its database settled (see `with_database`)."""
    chosen = config_path(path)
    try:
        return with_database(load_config(chosen), chosen)
    except ConfigError as e:
        fail(f"config error: {e}")


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    """Run a command's coroutine; a known start-up problem ends it with its one line."""
    from storage.preflight import DatabaseProblem

    try:
        return asyncio.run(make())  # type: ignore[arg-type]
    except StartupError as e:
        fail(str(e), e.code)
    except DatabaseProblem as e:
        fail(str(e), 1 if e.transient else 2)
    except Stopped:  # a stop signal during start-up: nothing to undo
        raise typer.Exit(0) from None


_locks: list[Any] = []  # held for the life of the process


@contextlib.asynccontextmanager
async def opened_core(
    config: Config, *, must_exist: bool = False, bulk: bool = False
) -> AsyncIterator[Any]:
    """The started core for one command, closed however the command ends."""
    rhizome = await start_core(config, must_exist=must_exist, bulk=bulk)
    try:
        yield rhizome
    finally:
        await rhizome.close()


async def start_core(config: Config, *, must_exist: bool = False, bulk: bool = False) -> Any:
    """Open (and migrate) the database and start the core, or say in one line why not.

    `must_exist`: commands that only show data never create an empty database; `bulk`: a
    batch job (an import) tuned for throughput rather than short pauses."""
    from bot.app import Rhizome
    from bot.runtime import DatabaseLock, tune_process
    from storage.preflight import check_sqlite, describe, known_revisions, sqlite_file

    url = config.storage.url
    check_sqlite(url, known_revisions=known_revisions(), must_exist=must_exist)
    found = sqlite_file(url)
    if found is not None:
        found.path.parent.mkdir(parents=True, exist_ok=True)
        lock = DatabaseLock(found.path)
        if not lock.acquire():
            raise StartupError(f"{found.path} is being restored; try again when that is done")
        _locks.append(lock)
    try:
        rhizome = await Rhizome.start(config)
    except Exception as e:
        problem = describe(e, url)
        if problem is None:
            raise
        raise problem from None
    tune_process(bulk=bulk)
    return rhizome


def setup_logging(cfg: Config, level: str | None, fmt: str | None, secrets: Secrets) -> None:
    from bot.runtime import setup_logging as configure

    values = [v for v in secrets.values.values() if v]
    configure(level or cfg.logging.level, fmt or cfg.logging.format, values)


LogLevel = Annotated[
    str | None,
    typer.Option(help="debug, info, warning or error (default: [logging] level, info)."),
]
LogFormat = Annotated[
    str | None,
    typer.Option(help="text, or json for log collectors (default: [logging] format, text)."),
]


@app.command()
def run(
    config: ConfigOption = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Same as --log-level debug.")
    ] = False,
    log_level: LogLevel = None,
    log_format: LogFormat = None,
) -> None:
    """Run the bot: Slack and/or Discord when their tokens are set, else the console."""
    from bot.runtime import LOG_LEVELS, token_problems
    from storage.preflight import display_url

    if log_level is not None and log_level not in LOG_LEVELS:
        fail("--log-level must be debug, info, warning or error")
    if log_format is not None and log_format not in ("text", "json"):
        fail("--log-format must be text or json")
    cfg = load(config)
    secrets = Secrets.from_env()
    try:
        adapters = enabled_adapters(cfg, secrets)
    except ConfigError as e:
        fail(f"config error: {e}")
    problems = token_problems(secrets, adapters)
    if problems:
        fail(problems[0])
    if all(spec.local for spec in adapter_specs() if spec.name in adapters):
        err.print(
            f"No {main_tokens()} set: starting the console adapter on "
            f"{display_url(cfg.storage.url)}. Type :help for help.",
            highlight=False,
            soft_wrap=True,
        )
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
        raise typer.Exit(run_async(lambda: _console(cfg)))
    setup_logging(cfg, "debug" if verbose else log_level, log_format, secrets)
    raise typer.Exit(run_async(lambda: _serve(cfg, secrets, adapters)))


async def until_stopped(work: Awaitable[T]) -> T | None:
    """Await `work` until it ends or SIGTERM/SIGINT arrives; then cancel it, so its
    `finally` blocks flush and close, and return None."""
    from bot.runtime import install_stop_signals

    stop = asyncio.Event()
    undo = install_stop_signals(stop)
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            return task.result()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return None
    finally:
        stopper.cancel()
        undo()


async def _console(cfg: Config, community: str | None = None) -> int:
    from adapters.console.runner import run_console
    from bot.model import CommunityRef

    async with opened_core(cfg) as rhizome:
        target = None
        if community is not None:
            found = await pick_community(rhizome.services.repos, community)
            target = CommunityRef(found.platform, found.external_id, found.name)
        # Scheduled work (digests) runs in the console too; its posts print in the session.
        background = [asyncio.create_task(hook(rhizome)) for hook in rhizome.background()]
        try:
            code = await until_stopped(run_console(rhizome, cfg, community=target))
            return 0 if code is None else code
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)


async def _serve(cfg: Config, secrets: Secrets, adapters: Sequence[str]) -> int:
    """Serve until SIGTERM/SIGINT, then stop in order: background work (a post in flight
    finishes), the platforms (no new events; requests in flight finish), then the writer
    (everything acknowledged is stored) and the database. Exit status 0."""
    from bot.runtime import Backoff, install_stop_signals, with_retries
    from storage.preflight import display_url

    log = logging.getLogger("rhizome")
    stop = asyncio.Event()
    undo = install_stop_signals(stop)
    try:
        rhizome = await with_retries(
            "database", lambda: start_core(cfg), stop=stop, backoff=Backoff(), log=log
        )
    except Stopped:
        undo()
        return 0
    log.info("database: %s", display_url(cfg.storage.url))
    try:
        await _serve_until_stopped(rhizome, cfg, secrets, adapters, stop, log)
    finally:
        await rhizome.close()
        undo()
    log.info("stopped cleanly")
    return 0


async def _serve_until_stopped(
    rhizome: Any,
    cfg: Config,
    secrets: Secrets,
    adapters: Sequence[str],
    stop: asyncio.Event,
    log: logging.Logger,
) -> None:
    from bot.runtime import SHUTDOWN_SECONDS, Backoff, HealthServer, with_retries

    running: dict[str, asyncio.Task[Any]] = {}

    def supervised(name: str, make: Callable[[], Awaitable[Any]]) -> None:
        # A network outage (at start or later) is waited out with backoff; a refused token
        # ends the process with its one line.
        running[name] = asyncio.create_task(
            with_retries(name, make, stop=stop, backoff=Backoff(), log=log), name=name
        )

    for spec in adapter_specs():
        if spec.name in adapters and spec.run is not None:
            supervised(spec.name, functools.partial(spec.run, rhizome, cfg, secrets))
    log.info("starting adapters: %s", ", ".join(adapters))

    async def ready() -> bool:
        from sqlalchemy import text

        if stop.is_set() or any(t.done() for t in running.values()):
            return False
        async with rhizome.services.db.read() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    health: HealthServer | None = None
    if cfg.health.port is not None:
        health = HealthServer(cfg.health.host, cfg.health.port, ready)
        port = await health.start()
        log.info("health: http://%s:%d/healthz and /readyz", cfg.health.host, port)
    background = [asyncio.create_task(hook(rhizome)) for hook in rhizome.background()]
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({stopper, *running.values()}, return_when=asyncio.FIRST_COMPLETED)
    failure: BaseException | None = None
    for name, task in running.items():
        if task in done:
            failure = task.exception() or StartupError(f"{name}: the connection ended", 1)
            if isinstance(failure, Stopped):
                failure = None
    stopper.cancel()
    # Background work first: a digest being posted needs its platform connection to finish
    # (events arriving meanwhile are still stored and acknowledged).
    log.info("stopping: finishing background work")
    await _cancel_within(background, SHUTDOWN_SECONDS)
    log.info("stopping: closing the platform connections")
    await _cancel_within(list(running.values()), SHUTDOWN_SECONDS)
    if health is not None:
        await health.stop()
    log.info("stopping: storing what was received")
    if failure is not None:
        raise failure


async def _cancel_within(tasks: Sequence[asyncio.Task[Any]], seconds: float) -> None:
    """Cancel tasks and let their clean-up run for up to `seconds`; then cut them off."""
    for task in tasks:
        task.cancel()
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=seconds)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


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
        async with opened_core(cfg, must_exist=True) as rhizome:
            return list(await rhizome.services.repos.communities.list_all())

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
    # ids and names are typed back to --community: a narrow window (or a pipe's 80 columns)
    # wraps the lines rather than cutting them to "slack-export…"
    natural = Measurement.get(out, out.options.update(max_width=10_000), table).maximum
    Console(width=max(out.width, natural), markup=False).print(table)


@app.command()
def reindex(
    config: ConfigOption = None,
    community: Annotated[
        str | None,
        typer.Option(help="Community id, name or platform:external_id (default: every one)."),
    ] = None,
) -> None:
    """Work out topics, expertise and the vocabulary again from the stored messages."""
    import time

    cfg = load(config)

    async def go() -> list[tuple[str, float]]:
        from bot.interests.service import service_for

        async with opened_core(cfg, must_exist=True) as rhizome:  # nothing to rebuild in a new file
            repos = rhizome.services.repos
            if community is not None:
                chosen = [await pick_community(repos, community)]
            else:
                chosen = [c for c, _ in await repos.communities.list_all()]
            done = []
            for c in chosen:
                started = time.perf_counter()
                await repos.resources.rebuild_activity(c.id)
                await service_for(rhizome.services).reindex(c.id)
                done.append((c.name or c.external_id, time.perf_counter() - started))
            await rhizome.services.db.analyze_derived()
            return done

    for name, seconds in run_async(go):
        out.print(f"reindexed {name} in {seconds:.1f} s", highlight=False)


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
        async with opened_core(cfg, must_exist=True) as rhizome:
            repos = rhizome.services.repos
            chosen = await pick_community(repos, community)
            ids = await repos.resources.all_ids(chosen.id)
            return list(await repos.resources.summaries(chosen.id, ids))

    summaries = run_async(go)
    if format == "json":
        sys.stdout.write(json.dumps([resource_json(r) for r in summaries], indent=2) + "\n")
        return
    table = Table("url", "title", "first shared by", "when", "shares", "replies", "reactions")
    for r in summaries:
        table.add_row(
            r.href,
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
        "shared_url": r.href,
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
        f"[bold]{escape(data.name)}[/]: {len(data.members)} members, "
        f"{sum(1 for e in data.events if type(e).__name__ == 'MessagePosted')} messages, "
        f"loaded and answered in {time.perf_counter() - started:.1f} s. {escape(data.about)}\n"
        "Next: [bold]rhizome console[/] to chat as any member, or see the README to connect "
        "Slack or Discord.",
        markup=True,
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
        async with opened_core(cfg, bulk=True) as rhizome:
            if not show:
                return await until_stopped(
                    import_export(
                        rhizome,
                        kind,
                        path,
                        community_label=community,
                        include_private=include_private,
                        keep_going=keep_going,
                    )
                )
            columns = (
                TextColumn("{task.description}", style="bold", markup=False),  # a file name
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TextColumn("{task.fields[messages]:,} messages", markup=False),
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

                return await until_stopped(
                    import_export(
                        rhizome,
                        kind,
                        path,
                        community_label=community,
                        include_private=include_private,
                        keep_going=keep_going,
                        progress=progress,
                    )
                )

    summary = run_async(go)
    if summary is None:
        fail(
            "import stopped by a signal; what was stored is kept: run the same import again to "
            "finish it (it skips what is already there)",
            1,
        )
    for line in summary_lines(summary, cfg.privacy.profiling):
        # --quiet drops the summary, never the reason for a failure
        is_problem = line.startswith(("error", "warning"))
        if not quiet or is_problem:
            (err if is_problem else out).print(line, highlight=False, soft_wrap=True)
    if summary.report.errors:
        raise typer.Exit(1)


KeepGoing = Annotated[
    bool, typer.Option("--keep-going", help="Report broken files and import the others.")
]
Quiet = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bar or summary; errors still shown.")
]
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

        rhizome = await start_core(cfg, must_exist=True)
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

        rhizome = await start_core(cfg, must_exist=True)
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
    spec = adapter_spec(platform)
    if spec is None:
        fail(f"no adapter for the platform {platform!r}")
    if spec.outlet is None:
        fail(spec.no_outlet)
    try:
        rhizome.add_outlet(spec.outlet(cfg, secrets, lambda text: out.print(text, highlight=False)))
    except ConfigError as e:
        fail(str(e))


@app.command()
def doctor(
    config: ConfigOption = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Skip the checks that ask Slack or Discord.")
    ] = False,
) -> None:
    """Check the config, database, tokens, scopes, intents and digest channels; say what to do."""
    from bot.doctor import OnlineCheck, exit_code, render, run_checks

    cfg = load(config)
    secrets = Secrets.from_env()
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)

    platform_checks: dict[str, OnlineCheck] = {
        s.name: s.online_checks() for s in adapter_specs() if s.online_checks is not None
    }
    checks = run_async(
        lambda: run_checks(
            cfg,
            config_path(config),
            secrets,
            online=not offline,
            platform_checks=platform_checks,
        )
    )
    for check in checks:
        out.print(render(check), highlight=False, soft_wrap=True)
    raise typer.Exit(exit_code(checks))


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Apply database migrations (they also run at every start)."""
    cfg = load(config)

    async def go() -> str | None:
        from storage.db import Database
        from storage.migrate import current_revision
        from storage.preflight import check_sqlite, describe, known_revisions

        check_sqlite(cfg.storage.url, known_revisions=known_revisions())
        db = Database.open(cfg.storage.url)
        try:
            await db.migrate()
            return await current_revision(db)
        except Exception as e:
            problem = describe(e, cfg.storage.url)
            if problem is None:
                raise
            raise problem from None
        finally:
            await db.close()

    revision = run_async(go)
    out.print(f"Database is at revision {revision}.")


Force = Annotated[bool, typer.Option("--force", help="Replace an existing file.")]


@db_app.command("backup")
def db_backup(
    path: Annotated[
        Path, typer.Argument(help="The backup file to write, or a folder (a dated name is used).")
    ],
    config: ConfigOption = None,
    force: Force = False,
) -> None:
    """Copy the SQLite database consistently, even while the bot runs (safe in WAL mode)."""
    from storage.backup import POSTGRES_ADVICE, BackupError, backup_sqlite
    from storage.preflight import sqlite_file

    cfg = load(config)
    found = sqlite_file(cfg.storage.url)
    if found is None:
        fail(POSTGRES_ADVICE)
    try:
        result = backup_sqlite(found.path, path, overwrite=force)
    except BackupError as e:
        fail(str(e))
    out.print(
        f"Backed up {found.path} to {result.path} ({result.bytes / 1e6:.1f} MB, "
        f"revision {result.revision}). Restore it with `rhizome db restore {result.path}`.",
        highlight=False,
        soft_wrap=True,
    )


@db_app.command("restore")
def db_restore(
    backup: Annotated[Path, typer.Argument(help="A file written by `rhizome db backup`.")],
    config: ConfigOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the existing database (it is kept aside).")
    ] = False,
) -> None:
    """Put a backup in place of the SQLite database (stop the bot first)."""
    from bot.runtime import DatabaseLock
    from storage.backup import POSTGRES_ADVICE, BackupError, restore_sqlite, verify
    from storage.preflight import sqlite_file

    cfg = load(config)
    found = sqlite_file(cfg.storage.url)
    if found is None:
        fail(POSTGRES_ADVICE)
    if not found.path.parent.is_dir():
        fail(f"{found.path.parent} is not a folder")
    if not backup.is_file():
        fail(f"no backup at {backup}")
    try:
        verify(backup)
    except BackupError as e:
        fail(str(e))
    if found.exists and not force:
        fail(
            f"{found.path} exists: pass --force to replace it (the current database is kept "
            "beside it as a .before-restore file)"
        )
    lock = DatabaseLock(found.path)
    if not lock.acquire(exclusive=True):
        fail(
            f"{found.path} is in use by a running rhizome (the bot, the console or an import): "
            "stop it first (systemctl stop rhizome, docker compose stop rhizome)"
        )
    try:
        result = restore_sqlite(backup, found.path)
    except BackupError as e:
        fail(str(e))
    finally:
        lock.release()
    if result.previous is not None:
        out.print(f"The database it replaced is kept as {result.previous}.", highlight=False)
    out.print(
        f"Restored {backup} to {result.path} (revision {result.revision}); start the bot again "
        "(newer migrations, if any, run at start).",
        highlight=False,
        soft_wrap=True,
    )


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


# Each platform's own set-up commands (`rhizome slack manifest`, `rhizome discord sync` …), from
# its AdapterSpec. Last in this module: they use the helpers above.
for _spec in adapter_specs():
    if _spec.cli is not None:
        app.add_typer(_spec.cli(), name=_spec.name)
