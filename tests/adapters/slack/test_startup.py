"""Start-up failures: one actionable line and exit status 2 from `rhizome run`; an
unreachable Slack is retried with backoff first."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from pathlib import Path

import pytest

from adapters.slack.app import SlackAdapter
from bot.app import Rhizome
from bot.config import Secrets
from bot.runtime import StartupError
from tests.conftest import make_config
from tests.fakes.slack_api import FakeSlackApi

REPO = Path(__file__).resolve().parents[3]


async def rhizome_run(tmp_path: Path, api_base_url: str, env: dict[str, str]) -> tuple[int, str]:
    """`rhizome run` in a child process (the fake keeps serving from this event loop)."""
    (tmp_path / "rhizome.toml").write_text(
        f'[slack]\napi_base_url = "{api_base_url}"\nport = 0\nhost = "127.0.0.1"\n'
        "[unfurl]\nenabled = false\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    clean["PYTHONPATH"] = str(REPO)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env={**clean, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, stderr.decode()


def the_error(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("rhizome:")]


@pytest.mark.slow
async def test_refused_bot_token_is_one_line_and_exit_2(fake: FakeSlackApi, tmp_path: Path) -> None:
    code, stderr = await rhizome_run(
        tmp_path,
        fake.base_url,
        {
            "SLACK_BOT_TOKEN": "xoxb-revoked",
            "SLACK_SIGNING_SECRET": "0123456789abcdef0123456789abcdef",
        },
    )
    assert code == 2
    assert "Traceback" not in stderr
    [line] = the_error(stderr)
    assert "SLACK_BOT_TOKEN" in line and "invalid_auth" in line and "OAuth" in line
    assert "xoxb-revoked" not in stderr  # never the token itself


@pytest.mark.slow
async def test_refused_app_token_is_one_line_and_exit_2(fake: FakeSlackApi, tmp_path: Path) -> None:
    code, stderr = await rhizome_run(
        tmp_path,
        fake.base_url,
        {"SLACK_BOT_TOKEN": fake.token, "SLACK_APP_TOKEN": "xapp-1-wrong"},
    )
    assert code == 2
    assert "Traceback" not in stderr
    [line] = the_error(stderr)
    assert "SLACK_APP_TOKEN" in line and "connections:write" in line
    assert not fake.socket_connections  # never tried to connect, never retried


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_unreachable_slack_is_retried_with_backoff_then_reported(
    rhizome: Rhizome, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"http://127.0.0.1:{closed_port()}/api/"
    config = make_config(slack={"api_base_url": url, "host": "127.0.0.1", "port": 0})
    adapter = SlackAdapter(
        rhizome, config, Secrets.of(slack_bot_token="xoxb-x", slack_signing_secret="s")
    )
    adapter.startup_delays = (0.01, 0.02)
    with pytest.raises(StartupError, match="after 3 attempts"):
        await adapter.start()
    retries = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert len(retries) == 2
    assert not any(r.exc_info for r in caplog.records)


async def test_slack_that_comes_back_during_the_retries_starts_normally(
    rhizome: Rhizome, fake: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_config(
        slack={"api_base_url": fake.base_url, "host": "127.0.0.1", "port": 0, "catch_up": False}
    )
    secrets = Secrets.of(slack_bot_token=fake.token, slack_signing_secret="s")
    adapter = SlackAdapter(rhizome, config, secrets)
    adapter.startup_delays = (0.05,) * 200
    port = fake.port
    await fake.stop()  # Slack is unreachable when the bot starts

    retried = asyncio.Event()

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "retrying in" in record.getMessage():
                retried.set()

    watch = Watch()
    logging.getLogger("rhizome.slack").addHandler(watch)

    async def come_back() -> None:
        await retried.wait()
        await fake.start(port)

    back = asyncio.create_task(come_back())
    try:
        await asyncio.wait_for(adapter.start(), 60)
    finally:
        await back
        logging.getLogger("rhizome.slack").removeHandler(watch)
    try:
        assert adapter.identity is not None and adapter.identity.team_id == fake.team_id
        assert fake.calls_to("auth.test")
    finally:
        await adapter.stop()
