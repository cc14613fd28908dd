"""The service plumbing in `bot.runtime`: retries, logging, the health server, the stop drain."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.config import ConfigError, parse_config, with_database
from bot.periodic import Periodic
from bot.runtime import (
    Backoff,
    HealthServer,
    JsonFormatter,
    RedactSecrets,
    StartupError,
    Stopped,
    is_transient,
    setup_logging,
    with_retries,
)
from storage.preflight import DatabaseProblem

LOG = logging.getLogger("tests.runtime")


def test_backoff_doubles_up_to_a_ceiling_within_a_budget() -> None:
    assert list(Backoff(first=1, longest=8, budget=40).delays()) == [1, 2, 4, 8, 8, 8, 8, 8]
    endless = Backoff(first=1, longest=60).delays()
    assert [next(endless) for _ in range(9)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (ConnectionRefusedError(111, "Connection refused"), True),
        (socket.gaierror(-3, "Temporary failure in name resolution"), True),
        (TimeoutError(), True),
        (aiohttp.ClientConnectionError("reset"), True),
        (DatabaseProblem("cannot reach", transient=True), True),
        (DatabaseProblem("read-only"), False),
        (StartupError("token refused"), False),
        (PermissionError(13, "Permission denied"), False),
        (FileExistsError(17, "File exists"), False),
        (ValueError("bad"), False),
    ],
)
def test_only_network_failures_are_transient(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


async def test_retries_transient_failures_then_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    attempts: list[int] = []

    async def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionRefusedError(111, "Connection refused")
        return "connected"

    caplog.set_level(logging.WARNING)
    result = await with_retries(
        "slack", flaky, stop=asyncio.Event(), backoff=Backoff(first=0.001), log=LOG
    )
    assert (result, len(attempts)) == ("connected", 3)
    assert [r.getMessage() for r in caplog.records] == [
        "slack: Connection refused; retrying in 0 s",
        "slack: Connection refused; retrying in 0 s",
    ]


async def test_a_refused_token_is_never_retried() -> None:
    attempts: list[int] = []

    async def refused() -> None:
        attempts.append(1)
        raise StartupError("slack: SLACK_BOT_TOKEN was refused")

    with pytest.raises(StartupError, match="was refused"):
        await with_retries("slack", refused, stop=asyncio.Event(), backoff=Backoff(), log=LOG)
    assert len(attempts) == 1


async def test_retries_give_up_after_the_budget_with_one_line() -> None:
    async def down() -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    with pytest.raises(StartupError) as raised:
        await with_retries(
            "database",
            down,
            stop=asyncio.Event(),
            backoff=Backoff(first=0.001, budget=0.003),
            log=LOG,
        )
    assert (str(raised.value), raised.value.code) == (
        "database: gave up: Connection refused",
        1,
    )


async def test_a_stop_signal_ends_the_wait_between_attempts() -> None:
    stop = asyncio.Event()

    async def down() -> None:
        stop.set()  # SIGTERM arrives while the network is down
        raise ConnectionRefusedError(111, "Connection refused")

    with pytest.raises(Stopped):
        await with_retries("slack", down, stop=stop, backoff=Backoff(first=3600), log=LOG)


@pytest.fixture
def root_logging() -> Iterator[None]:
    """`setup_logging` configures process-wide loggers: put them back for the other tests."""
    from bot.runtime import PAYLOAD_LOGGERS, QUIET_LOGGERS

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    named = {n: logging.getLogger(n).level for n in (*PAYLOAD_LOGGERS, *QUIET_LOGGERS)}
    voice = logging.getLogger("discord.client")
    filters = list(voice.filters)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in named.items():
        logging.getLogger(name).setLevel(old)
    voice.filters[:] = filters


def test_json_logs_are_one_object_a_line_with_secrets_redacted(
    root_logging: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    token = "xoxb-1111-2222-abcdefabcdef"
    setup_logging("info", "json", [token, ""])
    logging.getLogger("rhizome.slack").info("calling %s with %s", "auth.test", token)
    logging.getLogger("rhizome").debug("below the level")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("rhizome").exception("failed")
    lines = stream.getvalue().splitlines()
    first, second = (json.loads(line) for line in lines[:2])
    assert first["message"] == "calling auth.test with [redacted]"
    assert (first["level"], first["logger"]) == ("info", "rhizome.slack")
    assert second["message"] == "failed" and "ValueError: boom" in second["exception"]
    assert token not in stream.getvalue()


def test_debug_level_never_lets_platform_libraries_print_payloads(root_logging: None) -> None:
    setup_logging("debug", "text")
    assert logging.getLogger("rhizome.digests").getEffectiveLevel() == logging.DEBUG
    for library in ("slack_sdk.web.async_base_client", "discord.http", "rhizome.slack"):
        assert logging.getLogger(library).getEffectiveLevel() == logging.INFO
    setup_logging("warning", "text")
    assert logging.getLogger("discord.http").getEffectiveLevel() == logging.WARNING


def test_redaction_leaves_short_values_and_clean_lines_alone() -> None:
    record = logging.LogRecord("x", logging.INFO, "", 0, "port %d", (3000,), None)
    assert RedactSecrets(["abc", "a-long-secret-value"]).filter(record)
    assert (record.getMessage(), record.args) == ("port 3000", (3000,))
    formatted = JsonFormatter().format(record)
    assert json.loads(formatted)["message"] == "port 3000"


async def test_health_server_answers_healthz_and_readyz() -> None:
    ready = False

    async def is_ready() -> bool:
        return ready

    server = HealthServer("127.0.0.1", 0, is_ready)
    port = await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            base = f"http://127.0.0.1:{port}"
            async with session.get(f"{base}/healthz") as resp:
                assert (resp.status, await resp.text()) == (200, "ok")
            async with session.get(f"{base}/readyz") as resp:
                assert (resp.status, await resp.text()) == (503, "not ready")
            ready = True
            async with session.get(f"{base}/readyz") as resp:
                assert (resp.status, await resp.text()) == (200, "ready")
    finally:
        await server.stop()


class _SlowTick(Periodic):
    """A tick that is mid-way through its work (a digest being posted) when stopped."""

    interval = 3600.0

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.finished = False

    async def tick(self) -> None:
        self.started.set()
        await self.release.wait()
        self.finished = True


async def test_stopping_a_loop_lets_the_tick_in_flight_finish() -> None:
    loop = _SlowTick()
    task = loop.start()
    await loop.started.wait()
    stopping = asyncio.ensure_future(loop.stop())
    await asyncio.sleep(0)  # the cancellation reaches the loop, which waits for its tick
    assert not stopping.done()
    loop.release.set()
    await stopping
    assert loop.finished and task.cancelled()


def test_database_location_is_settled_by_the_config_file(tmp_path: Path) -> None:
    config = parse_config({"storage": {"url": "sqlite+aiosqlite:///data/rhizome.db"}})
    settled = with_database(config, tmp_path / "etc" / "rhizome.toml", {})
    assert settled.storage.url == f"sqlite+aiosqlite:///{tmp_path}/etc/data/rhizome.db"
    absolute = parse_config({"storage": {"url": "sqlite+aiosqlite:////var/lib/r/r.db"}})
    assert with_database(absolute, tmp_path / "x.toml", {}).storage.url.endswith(
        ":////var/lib/r/r.db"
    )
    env = {"RHIZOME_DATABASE_URL": "postgresql+asyncpg://u:p@db/rhizome"}
    assert with_database(config, None, env).storage.url == env["RHIZOME_DATABASE_URL"]
    with pytest.raises(ConfigError, match=r"RHIZOME_DATABASE_URL: .*postgresql"):
        with_database(config, None, {"RHIZOME_DATABASE_URL": "mysql://x"})


def test_logging_and_health_sections_are_checked() -> None:
    config = parse_config({"logging": {"level": "debug", "format": "json"}, "health": {"port": 0}})
    assert (config.logging.level, config.logging.format, config.health.port) == ("debug", "json", 0)
    assert parse_config({}).health.port is None  # off unless asked for
    with pytest.raises(ConfigError, match=r"logging\.format"):
        parse_config({"logging": {"format": "xml"}})


def test_a_bulk_job_collects_less_often_than_a_bot_answering_commands() -> None:
    import gc
    import sys

    from bot.runtime import BULK_GC_THRESHOLDS, GC_THRESHOLDS, tune_process

    before, switch = gc.get_threshold(), sys.getswitchinterval()
    try:
        tune_process()
        assert gc.get_threshold() == GC_THRESHOLDS
        tune_process(bulk=True)
        assert gc.get_threshold() == BULK_GC_THRESHOLDS
        assert BULK_GC_THRESHOLDS[0] > GC_THRESHOLDS[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        sys.setswitchinterval(switch)
