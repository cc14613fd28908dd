"""What a process running Rhizome needs beyond the core: start-up errors as one line, retries
with backoff, stopping on SIGTERM/SIGINT, logging (text or JSON), a health server, a lock that
keeps `db restore` away from a running bot, and process-wide tuning.

Tuning: process-wide settings for a long-running bot or a bulk import (the CLI applies them;
tests and embedders of the core are left alone).

The writer stores each batch on a thread of its own while the event loop plans the next one, so
the two threads hand the GIL back and forth after every statement. Two CPython defaults make the
writer's thread wait: the 5 ms switch interval (how long it waits for the loop to let go), and
frequent full garbage collections over everything start-up allocated, which hold the GIL for
~100 ms each. Measured with `bench/ingest.py`: ~15% more events/s each. The writer's thread is
the bottleneck of imports, and the shorter its waits the better: at 0.2 ms instead of 1 ms, a
200k-message DCE file imported at 20.6k messages/s instead of 17.3-17.8k (three runs each),
live ingest at 38k events/s instead of 33-36k; 0.1 ms was no better.

The youngest generation is collected every 5,000 allocations, not CPython's 700 nor the 50,000
used before: the start-up heap is frozen either way, so what matters is how long one collection
holds the GIL. At 50,000 each young collection took 26-75 ms (load ~2.5) and landed in about one
command in a hundred: `profile` of the busiest posters on PostgreSQL, 300 runs alternating,
p99 51.4 and 62.8 ms at 50,000 against 34.7 and 42.5 ms at 5,000 (pauses 2.4-2.8 ms on average,
8 ms at most). Side by side, `bench/ingest.py` kept its ratio to raw executemany (1.42, 1.14
against 1.35, 1.19) and a 300k-message Slack import ran at 13.7k against 12.8k messages/s
(same peak memory), 2026-12-04 on the loaded machine.
"""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from bot.config import Secrets

T = TypeVar("T")

SWITCH_INTERVAL = 0.0002  # seconds
GC_THRESHOLDS = (5_000, 20, 100)  # see the module docstring
# A bulk job (`rhizome import`) has no command waiting on a pause; fewer young collections
# are throughput: a 300k-message Slack import ran at 19.4k msg/s with these against 18.2k with
# the bot's (side by side, quiet machine).
BULK_GC_THRESHOLDS = (50_000, 20, 100)


def return_free_memory() -> bool:
    """Hand memory freed since back to the operating system (glibc's `malloc_trim`; False
    where there is none). glibc keeps what Python and SQLite free in its per-thread arenas:
    after a 100k-message import whose page caches were then released, 241 MB resident fell
    to 145 MB, and the derive that followed peaked at 339 MB instead of 434."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c") if sys.platform.startswith("linux") else None
    if name is None:
        return False
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # musl and others: nothing to trim
        return False
    gc.collect()
    return bool(trim(0))


def tune_process(*, bulk: bool = False) -> None:
    """Call once start-up is done: what exists now lives as long as the process."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    gc.set_threshold(*(BULK_GC_THRESHOLDS if bulk else GC_THRESHOLDS))
    gc.freeze()  # never scan the start-up heap (modules, the schema, caches) again


# --- start-up failures --------------------------------------------------------------------------
class StartupError(RuntimeError):
    """A reason the bot cannot start, as the one line a moderator reads.

    `code` is the exit status: 2 for configuration and credentials (restarting will not help),
    1 for anything else. Adapters raise it for refused tokens; the CLI prints it and exits.
    """

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


class Stopped(Exception):
    """A stop signal arrived before start-up was done: exit cleanly, nothing to undo."""


def is_transient(error: BaseException) -> bool:
    """A network failure that waiting may fix (DNS down, connection refused or reset, timeout):
    never a refused token, a bad config or a file problem."""
    import aiohttp

    if isinstance(error, StartupError):
        return False
    if getattr(error, "transient", False) is True:  # storage.preflight.DatabaseProblem
        return True
    if isinstance(error, ConnectionError | TimeoutError | socket.gaierror):
        return True
    if isinstance(error, aiohttp.ClientConnectionError):
        return True
    return isinstance(error, OSError) and error.errno in _NETWORK_ERRNOS


_NETWORK_ERRNOS = frozenset(
    {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.ECONNREFUSED, errno.ETIMEDOUT}
)


def describe_network(error: BaseException) -> str:
    """A short reason for a transient failure, without URLs' query strings or tokens."""
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return text.split("?")[0][:200]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits between attempts: doubling from `first` up to `longest`, for `budget` seconds in
    all (None: until stopped, as a service should: the network comes back)."""

    first: float = 1.0
    longest: float = 60.0
    budget: float | None = None

    def delays(self) -> Iterator[float]:
        delay, spent = self.first, 0.0
        while self.budget is None or spent < self.budget:
            yield delay
            spent += delay
            delay = min(delay * 2, self.longest)


async def with_retries(
    what: str,
    attempt: Callable[[], Awaitable[T]],
    *,
    stop: asyncio.Event,
    backoff: Backoff,
    log: logging.Logger,
) -> T:
    """`attempt()` until it succeeds, retrying transient network failures with backoff.

    Other errors propagate at once. A stop signal while waiting raises `Stopped`; when the
    budget is spent, a `StartupError` (exit 1) names what could not be reached.
    """
    delays = backoff.delays()
    while True:
        try:
            return await attempt()
        except Exception as e:
            if not is_transient(e):
                raise
            delay = next(delays, None)
            if delay is None:
                raise StartupError(f"{what}: gave up: {describe_network(e)}", code=1) from None
            log.warning("%s: %s; retrying in %.0f s", what, describe_network(e), delay)
        try:
            await asyncio.wait_for(stop.wait(), timeout=delay)
        except TimeoutError:
            continue
        raise Stopped


def token_problems(secrets: Secrets, adapters: Iterable[str]) -> list[str]:
    """Tokens that cannot be right, by their shape alone: caught before any network call.

    Each problem is one line naming the variable and where the right value is found (each
    adapter words its own, `AdapterSpec.token_problems`)."""
    from bot.platforms import adapter_specs

    enabled = set(adapters)
    return [p for s in adapter_specs() if s.name in enabled for p in s.token_problems(secrets)]


# --- stopping -----------------------------------------------------------------------------------
# docker stop waits 10 s before SIGKILL; a digest post in flight and the writer's last batch
# finish well within this, and whatever is still running then is cancelled.
SHUTDOWN_SECONDS = 8.0


def install_stop_signals(stop: asyncio.Event) -> Callable[[], None]:
    """SIGTERM and SIGINT set `stop` (graceful); a second one exits at once. Returns an undo."""
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)

    def on_signal(signum: int) -> None:
        if stop.is_set():
            os._exit(128 + signum)  # asked twice: the operator wants it gone now
        logging.getLogger("rhizome").info(
            "%s received: stopping (finishing work in flight)", signal.Signals(signum).name
        )
        stop.set()

    for sig in signals:
        loop.add_signal_handler(sig, on_signal, sig)

    def undo() -> None:
        for sig in signals:
            loop.remove_signal_handler(sig)

    return undo


# --- logging ------------------------------------------------------------------------------------
class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the traceback, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        import orjson

        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


class RedactSecrets(logging.Filter):
    """Replace any token's value in a log line, whatever logged it (a library echoing a URL or
    a header): the last line of defence behind never passing secrets to a logger."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if len(s) >= 8]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "[redacted]")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


LOG_LEVELS = ("debug", "info", "warning", "error")
QUIET_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "alembic", "asyncio")
# Platform libraries print whole payloads at debug level (message text, request bodies), so
# they never log below info, whatever `level` says: debug is for Rhizome's own loggers.
# ("rhizome.slack" is the logger the Slack adapter hands its Web API clients and Bolt.)
PAYLOAD_LOGGERS = ("slack_sdk", "slack_bolt", "discord", "aiohttp", "rhizome.slack")


def setup_logging(level: str, fmt: str, secrets: Iterable[str] = ()) -> None:
    """Configure the root logger once: stderr, text or JSON, secrets redacted."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for library in PAYLOAD_LOGGERS:
        logger = logging.getLogger(library)
        logger.setLevel(max(logging.INFO, root.level))
    # discord.py warns about voice support (PyNaCl) that Rhizome never uses.
    voice = logging.getLogger("discord.client")
    if not any(isinstance(f, _NoVoiceWarning) for f in voice.filters):
        voice.addFilter(_NoVoiceWarning())


class _NoVoiceWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "voice will NOT be supported" not in record.getMessage()


# --- health -------------------------------------------------------------------------------------
class HealthServer:
    """GET /healthz: the process is up. GET /readyz: it serves, and its database answers.

    For Socket Mode and Discord, which listen on no port of their own; the Slack HTTP app
    also answers /healthz on its port."""

    def __init__(self, host: str, port: int, ready: Callable[[], Awaitable[bool]]) -> None:
        self.host, self.port = host, port
        self._ready = ready
        self._runner: Any = None

    async def start(self) -> int:
        from aiohttp import web

        async def healthz(request: web.Request) -> web.Response:
            return web.Response(text="ok")

        async def readyz(request: web.Request) -> web.Response:
            try:
                ok = await asyncio.wait_for(self._ready(), timeout=5)
            except Exception:
                ok = False
            return web.Response(text="ready" if ok else "not ready", status=200 if ok else 503)

        app = web.Application()
        app.router.add_get("/healthz", healthz)
        app.router.add_get("/readyz", readyz)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = int(self._runner.addresses[0][1])
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


# --- one process per SQLite database for restores -----------------------------------------------
class DatabaseLock:
    """A lock file beside a SQLite database: every process using it holds it shared, and
    `db restore` needs it exclusively, so a database is never replaced under a running bot."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def acquire(self, *, exclusive: bool = False) -> bool:
        import fcntl

        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except PermissionError:
            try:  # another user's lock file: taking the lock only needs to read it
                fd = os.open(self.path, os.O_RDONLY)
            except OSError:
                return not exclusive  # no lock to take: never block a start on it
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
