"""Fixtures for driving the real Bolt app: a fake Slack Web API and signed HTTP requests."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from adapters.slack.app import SlackAdapter
from bot.app import Rhizome
from bot.config import Config, Secrets
from tests.conftest import START, make_config
from tests.fakes.slack_api import FakeSlackApi

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
TEAM = "T0FAKE001"
GENERAL = "C0GENERAL"
MEMBER = "U0MEMBER1"
OTHER = "U0OTHER02"
ADMIN = "U0ADMIN03"
MODERATOR = "U0MODER04"


@pytest.fixture(autouse=True)
def _no_slack_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bolt must get every value explicitly; nothing may come from the environment."""
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi(team_id=TEAM, team_name="Makers") as api:
        api.add_user(MEMBER, name="ada", display_name="Ada", real_name="Ada Lovelace")
        api.add_user(OTHER, name="grace", real_name="Grace Hopper")
        api.add_user(ADMIN, name="boss", display_name="Boss", is_admin=True)
        api.add_user(MODERATOR, name="mod", display_name="Mo")
        api.add_channel(GENERAL, "general")
        yield api


@pytest.fixture
def config(fake: FakeSlackApi) -> Config:
    return make_config(
        slack={
            "api_base_url": fake.base_url,
            "host": "127.0.0.1",
            "port": 0,
            "moderators": [MODERATOR],
            "posts_per_second": 20.0,
        }
    )


@pytest.fixture
def secrets(fake: FakeSlackApi) -> Secrets:
    return Secrets.of(slack_bot_token=fake.token, slack_signing_secret=SIGNING_SECRET)


@pytest.fixture
async def adapter(
    rhizome: Rhizome, config: Config, secrets: Secrets
) -> AsyncIterator[SlackAdapter]:
    async with SlackAdapter(rhizome, config, secrets) as slack:
        yield slack


def ts_at(minutes_before_start: float) -> str:
    """A Slack ts shortly before the fixed test clock's 'now'."""
    return f"{START.timestamp() - minutes_before_start * 60:.6f}"


@dataclass
class SlackDriver:
    """Sends signed requests to the Bolt app like Slack's servers do."""

    url: str
    fake: FakeSlackApi
    session: aiohttp.ClientSession
    secret: str = SIGNING_SECRET
    _events: int = field(default=0)

    def sign(self, body: str, timestamp: int | None = None) -> dict[str, str]:
        ts = int(time.time()) if timestamp is None else timestamp
        sig = SignatureVerifier(self.secret).generate_signature(timestamp=str(ts), body=body)
        return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sig}

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
    ) -> aiohttp.ClientResponse:
        all_headers = {"Content-Type": content_type, **self.sign(body, timestamp)}
        all_headers.update(headers or {})
        resp = await self.session.post(self.url, data=body.encode(), headers=all_headers)
        await resp.read()
        return resp

    def envelope(self, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        self._events += 1
        return {
            "token": "legacy",
            "team_id": TEAM,
            "context_team_id": TEAM,
            "api_app_id": "AFAKE0001",
            "type": "event_callback",
            "event_id": event_id or f"Ev{self._events:08d}",
            "event_time": int(START.timestamp()),
            "authorizations": [{"team_id": TEAM, "user_id": self.fake.bot_user_id, "is_bot": True}],
            "event": event,
        }

    async def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry: int | None = None,
    ) -> aiohttp.ClientResponse:
        headers = {}
        if retry:
            headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        body = json.dumps(self.envelope(event, event_id))
        return await self.post(body, "application/json", headers=headers)

    async def message(
        self,
        text: str,
        *,
        user: str = MEMBER,
        ts: str,
        thread_ts: str | None = None,
        channel: str = GENERAL,
        **extra: Any,
    ) -> aiohttp.ClientResponse:
        event = {
            "type": "message",
            "channel": channel,
            "channel_type": "channel",
            "user": user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "team": TEAM,
            **extra,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        return await self.event(event)

    async def command(
        self,
        text: str,
        *,
        user: str = MEMBER,
        command: str = "/rhizome",
        channel: str = GENERAL,
        response_id: str = "r1",
        trigger_id: str | None = None,
    ) -> aiohttp.ClientResponse:
        self._events += 1
        form = {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "makers",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "AFAKE0001",
            "response_url": self.fake.response_url(response_id),
            # unique per invocation, as Slack's are
            "trigger_id": trigger_id or f"{self._events}.{int(time.time())}.a1b2c3d4",
        }
        return await self.post(urlencode(form), "application/x-www-form-urlencoded")

    async def interaction(self, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded")


@pytest.fixture
async def slack(adapter: SlackAdapter, fake: FakeSlackApi) -> AsyncIterator[SlackDriver]:
    assert adapter.port
    url = f"http://127.0.0.1:{adapter.port}{adapter.config.slack.path}"
    async with aiohttp.ClientSession() as session:
        yield SlackDriver(url=url, fake=fake, session=session)


@pytest.fixture
def caplog_slack(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level("DEBUG", logger="rhizome.slack")
    yield caplog
