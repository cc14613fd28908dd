"""`rhizome run` as a service runs it: a real process, a fake Slack on loopback, real signals.

The process is the installed command (`python -m bot run`), configured by a TOML file like a
deployment's, with its tokens in the environment. The tests stop it the way systemd and docker
do (SIGTERM) while it is busy, and check what a moderator would check afterwards: exit status
0, every event Slack was told was received is in the database, a digest being posted was posted
and recorded, logs are JSON with no secret and no message text in them.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.app import Rhizome
from bot.config import Config, StorageConfig
from bot.digests.schedule import Schedule
from bot.digests.service import service_for
from bot.model import Actor, CommunityRef, MessagePosted, Place
from tests.adapters.slack.conftest import GENERAL, MEMBER, TEAM, SlackDriver
from tests.conftest import REPO_ROOT
from tests.fakes.slack_api import FakeSlackApi

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
WAIT = 60.0  # seconds; only a guard against a hung process, never a speed assertion


@dataclass
class Service:
    """A running `rhizome run` and what it wrote to stderr so far."""

    proc: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task[None] | None = None

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            self.lines.append(raw.decode().rstrip("\n"))
            self.changed.set()

    async def wait_for(self, pattern: str) -> re.Match[str]:
        async def find() -> re.Match[str]:
            while True:
                for line in self.lines:
                    if found := re.search(pattern, line):
                        return found
                if self.proc.returncode is not None:
                    raise AssertionError(f"exited before {pattern!r}: {self.lines}")
                self.changed.clear()
                await self.changed.wait()

        try:
            return await asyncio.wait_for(find(), WAIT)
        except TimeoutError:
            raise AssertionError(f"no {pattern!r} in {self.lines}") from None

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        code = await asyncio.wait_for(self.proc.wait(), WAIT)
        if self.reader is not None:
            await self.reader
        return code


def write_config(tmp_path: Path, fake: FakeSlackApi, **extra: str) -> Path:
    config = tmp_path / "rhizome.toml"
    sections = {
        "storage": 'url = "sqlite+aiosqlite:///data/rhizome.db"',
        "slack": f'api_base_url = "{fake.base_url}"\nhost = "127.0.0.1"\nport = 0',
        "unfurl": "enabled = false",
        "health": "port = 0",
        "logging": 'level = "debug"\nformat = "json"',
        **extra,
    }
    config.write_text("".join(f"[{name}]\n{body}\n\n" for name, body in sections.items()))
    return config


async def start_service(config: Path, cwd: Path, env: dict[str, str]) -> Service:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    clean.pop("RHIZOME_DATABASE_URL", None)
    clean["PYTHONPATH"] = str(REPO_ROOT)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        cwd=cwd,
        env={**clean, **env},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    service = Service(proc)
    service.reader = asyncio.create_task(service._read())
    return service


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi(team_id=TEAM, team_name="Makers") as api:
        api.add_user(MEMBER, name="ada", display_name="Ada", real_name="Ada Lovelace")
        api.add_channel(GENERAL, "general")
        yield api


def slack_env(fake: FakeSlackApi) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": fake.token, "SLACK_SIGNING_SECRET": SIGNING_SECRET}


def stored_message_ids(db: Path) -> set[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {r[0] for r in conn.execute("SELECT external_id FROM messages")}


async def test_sigterm_mid_ingest_stores_every_acknowledged_event(
    tmp_path: Path, fake: FakeSlackApi
) -> None:
    config = write_config(tmp_path, fake)
    service = await start_service(config, tmp_path, slack_env(fake))
    port = int((await service.wait_for(r"listening on http://127\.0\.0\.1:(\d+)")).group(1))
    health = int((await service.wait_for(r"health: http://127\.0\.0\.1:(\d+)")).group(1))
    async with aiohttp.ClientSession() as session:
        for path, body in (("/healthz", "ok"), ("/readyz", "ready")):
            async with session.get(f"http://127.0.0.1:{health}{path}") as resp:
                assert (resp.status, await resp.text()) == (200, body)
        slack = SlackDriver(f"http://127.0.0.1:{port}/slack/events", fake, session, SIGNING_SECRET)
        now = datetime.now(UTC).timestamp()
        stamps = [f"{now - 600 + i:.6f}" for i in range(300)]

        async def deliver(ts: str) -> int:
            text = f"private words {ts} https://example.org/page/{ts}"
            return (await slack.message(text, ts=ts)).status

        sends = [asyncio.ensure_future(deliver(ts)) for ts in stamps]
        await asyncio.wait(sends, return_when=asyncio.FIRST_COMPLETED)
        code = await service.stop(signal.SIGTERM)  # mid-ingest: most are still in flight
        results = await asyncio.gather(*sends, return_exceptions=True)
    assert code == 0, service.lines
    acknowledged = {ts for ts, r in zip(stamps, results, strict=True) if r == 200}
    assert acknowledged, "at least the first delivery was answered"
    # Slack re-sends what got no 200; what got one must never be lost.
    assert acknowledged <= stored_message_ids(tmp_path / "data" / "rhizome.db")
    entries = [json.loads(line) for line in service.lines]  # every line is JSON
    assert any(e["message"] == "stopped cleanly" for e in entries)
    everything = "\n".join(service.lines)
    assert "private words" not in everything
    assert fake.token not in everything and SIGNING_SECRET not in everything


async def seed_due_digest(db: Path, now: datetime) -> None:
    """A Slack community with a few shared links, and a digest due a minute ago."""
    config = Config(storage=StorageConfig(url=f"sqlite+aiosqlite:///{db}"))
    rhizome = await Rhizome.start(config)
    try:
        community = CommunityRef("slack", TEAM, "Makers")
        for i in range(4):
            at = now - timedelta(hours=2, minutes=i)
            await rhizome.ingest(
                MessagePosted(
                    place=Place(community, GENERAL, "general"),
                    occurred_at=at,
                    author=Actor(MEMBER, "Ada"),
                    message_id=f"{at.timestamp():.6f}",
                    text=f"worth reading https://example.org/guide-{i}",
                )
            )
        found = await rhizome.services.repos.communities.resolve(f"slack:{TEAM}")
        assert found is not None
        due = now - timedelta(minutes=1)
        await service_for(rhizome.services).store.upsert(
            found.id,
            GENERAL,
            "general",
            False,
            schedule=Schedule(due.weekday(), due.hour, due.minute, "UTC"),
            size=5,
            now=now - timedelta(days=1),
        )
    finally:
        await rhizome.close()


def digest_runs(db: Path) -> list[tuple[str, str | None]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return list(conn.execute("SELECT state, message_external_id FROM digest_runs"))


async def test_sigterm_mid_digest_post_finishes_and_records_it(
    tmp_path: Path, fake: FakeSlackApi
) -> None:
    db = tmp_path / "data" / "rhizome.db"
    db.parent.mkdir()
    await seed_due_digest(db, datetime.now(UTC))
    fake.delay("chat.postMessage", 2.0)  # the post is in flight for a while
    config = write_config(tmp_path, fake, digests="tick_seconds = 0.2")
    service = await start_service(config, tmp_path, slack_env(fake))
    await service.wait_for(r"listening on")

    async def claimed() -> None:
        # Another process writes the claim: there is nothing to wait on but the file.
        while not digest_runs(db):  # noqa: ASYNC110
            await asyncio.sleep(0.05)

    await asyncio.wait_for(claimed(), WAIT)
    code = await service.stop(signal.SIGTERM)
    assert code == 0, service.lines
    posts = fake.calls_to("chat.postMessage")
    assert [p.params["channel"] for p in posts] == [GENERAL]
    [(state, message_id)] = digest_runs(db)
    assert state == "posted" and message_id == fake.messages[GENERAL][-1]["ts"]


async def test_network_outage_at_start_is_retried_and_sigterm_still_stops(
    tmp_path: Path, fake: FakeSlackApi
) -> None:
    closed = FakeSlackApi()
    await closed.start()
    unreachable = closed.base_url
    await closed.stop()  # nothing listens on that port any more: connection refused
    config = write_config(
        tmp_path,
        fake,
        slack=f'api_base_url = "{unreachable}"\nhost = "127.0.0.1"\nport = 0',
        logging='level = "info"',
    )
    service = await start_service(config, tmp_path, slack_env(fake))
    await service.wait_for(r"slack: .*retrying in 1 s")
    await service.wait_for(r"slack: .*retrying in 2 s")  # backing off
    code = await service.stop(signal.SIGINT)
    assert code == 0, service.lines
    assert not any("Traceback" in line for line in service.lines)


def run_cli(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    import subprocess

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    clean.pop("RHIZOME_DATABASE_URL", None)
    clean["PYTHONPATH"] = str(REPO_ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=WAIT,
        stdin=subprocess.DEVNULL,
    )
    return done.returncode, done.stderr


async def test_refused_slack_token_is_one_line_and_exit_2(
    tmp_path: Path, fake: FakeSlackApi
) -> None:
    config = write_config(tmp_path, fake, logging='level = "info"')
    env = {"SLACK_BOT_TOKEN": "xoxb-1234-5678-wrongtoken", "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    code, stderr = await asyncio.to_thread(run_cli, ["run", "-c", str(config)], tmp_path, env)
    assert code == 2
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("rhizome: slack: ") and "SLACK_BOT_TOKEN" in last
    assert "invalid_auth" in last and "xoxb-" in last and "OAuth & Permissions" in last
    assert "Traceback" not in stderr and "xoxb-1234-5678-wrongtoken" not in stderr


async def test_refused_discord_token_is_one_line_and_exit_2(tmp_path: Path) -> None:
    from tests.fakes.discord_server import FakeDiscord

    async with FakeDiscord() as discord:
        config = tmp_path / "rhizome.toml"
        config.write_text(
            f'[discord]\napi_base_url = "{discord.api_base}"\n[unfurl]\nenabled = false\n'
        )
        token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
        code, stderr = await asyncio.to_thread(
            run_cli, ["run", "-c", str(config)], tmp_path, {"DISCORD_TOKEN": token}
        )
    assert code == 2, stderr
    assert stderr.strip().splitlines()[-1] == (
        "rhizome: discord: DISCORD_TOKEN was refused: copy the bot token from the Developer "
        "Portal (Bot > Reset Token)"
    )
    assert "Traceback" not in stderr and "PyNaCl" not in stderr and token not in stderr


async def test_discord_mode_serves_health_and_stops_on_sigterm(tmp_path: Path) -> None:
    from tests.fakes.discord_server import FakeDiscord

    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
    async with FakeDiscord(token=token) as discord:
        config = tmp_path / "rhizome.toml"
        config.write_text(
            f'[discord]\napi_base_url = "{discord.api_base}"\n'
            '[unfurl]\nenabled = false\n[health]\nport = 0\n[logging]\nlevel = "info"\n'
        )
        service = await start_service(config, tmp_path, {"DISCORD_TOKEN": token})
        health = int((await service.wait_for(r"health: http://127\.0\.0\.1:(\d+)")).group(1))
        await discord.wait_for_connections("identify", 1)  # logged in and on the gateway
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{health}/readyz") as resp,
        ):
            assert (resp.status, await resp.text()) == (200, "ready")
        code = await service.stop(signal.SIGTERM)
    assert code == 0, service.lines
    assert any(line.endswith("rhizome: stopped cleanly") for line in service.lines)
    assert not any("Traceback" in line or "PyNaCl" in line for line in service.lines)


async def test_console_stops_on_sigterm_while_waiting_for_input(tmp_path: Path) -> None:
    db = tmp_path / "rhizome.db"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot", "console"),
        cwd=tmp_path,
        env={
            **clean,
            "PYTHONPATH": str(REPO_ROOT),
            "RHIZOME_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        },
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b":as ana\nhttps://example.org/worth-reading\n")
    await proc.stdin.drain()
    while b"[m1]" not in await asyncio.wait_for(proc.stdout.readline(), WAIT):
        pass
    proc.send_signal(signal.SIGTERM)  # stdin stays open: the member is still "typing"
    code = await asyncio.wait_for(proc.wait(), WAIT)
    assert code == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM messages").fetchone() == (1,)


async def test_run_waits_for_postgresql_with_backoff_and_stops_on_sigterm(
    tmp_path: Path, fake: FakeSlackApi
) -> None:
    config = write_config(tmp_path, fake, logging='level = "info"')
    url = "postgresql+asyncpg://rhizome:hunter2secret@127.0.0.1:9/rhizome"  # nothing listens
    service = await start_service(
        config, tmp_path, {**slack_env(fake), "RHIZOME_DATABASE_URL": url}
    )
    await service.wait_for(r"database: cannot reach the database at .*; retrying in 1 s")
    await service.wait_for(r"retrying in 2 s")
    code = await service.stop(signal.SIGTERM)
    assert code == 0, service.lines
    assert not any("hunter2secret" in line or "Traceback" in line for line in service.lines)


async def test_sigterm_mid_command_still_answers_it(tmp_path: Path, fake: FakeSlackApi) -> None:
    config = write_config(tmp_path, fake, logging='level = "info"')
    fake.delay("users.info", 2.0)  # the command is slow to answer (after its ack)
    service = await start_service(config, tmp_path, slack_env(fake))
    port = int((await service.wait_for(r"listening on http://127\.0\.0\.1:(\d+)")).group(1))
    async with aiohttp.ClientSession() as session:
        slack = SlackDriver(f"http://127.0.0.1:{port}/slack/events", fake, session, SIGNING_SECRET)
        acked = await slack.command("help", response_id="r-help")
        assert acked.status == 200  # acknowledged at once; the answer comes later
        code = await service.stop(signal.SIGTERM)
    assert code == 0, service.lines
    [answer] = fake.responses["r-help"]
    assert answer["response_type"] == "ephemeral" and "/rhizome" in json.dumps(answer)
