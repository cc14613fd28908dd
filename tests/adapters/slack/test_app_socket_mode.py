"""Socket Mode: the real slack_sdk Socket Mode client against the fake's WebSocket endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from adapters.slack.app import SlackAdapter
from bot.app import Rhizome
from bot.config import Config, Secrets
from storage import models as m
from tests.adapters.slack.conftest import GENERAL, MEMBER, TEAM, ts_at
from tests.fakes.slack_api import FakeSlackApi


@pytest.fixture
async def socket_adapter(
    rhizome: Rhizome, config: Config, fake: FakeSlackApi
) -> AsyncIterator[SlackAdapter]:
    secrets = Secrets.of(slack_bot_token=fake.token, slack_app_token=fake.app_token)
    adapter = SlackAdapter(rhizome, config, secrets)
    assert adapter.socket_mode
    await adapter.start()
    try:
        await fake.wait_until(lambda: fake.socket_clients == 1)
        yield adapter
    finally:
        await adapter.stop()


async def messages(rhizome: Rhizome) -> int:
    async with rhizome.services.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(m.messages))).scalar_one())


async def test_socket_mode_event_is_stored_then_acked_and_stops_cleanly(
    socket_adapter: SlackAdapter, fake: FakeSlackApi, rhizome: Rhizome
) -> None:
    opened = fake.calls_to("apps.connections.open")  # checked at start, then connected
    assert opened and all(c.token == fake.app_token for c in opened)  # passed explicitly
    assert socket_adapter.port is None  # no HTTP listener in Socket Mode
    envelope = {
        "envelope_id": "env-1",
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "retry_reason": "",
        "payload": {
            "team_id": TEAM,
            "api_app_id": "AFAKE0001",
            "type": "event_callback",
            "event_id": "EvSOCKET1",
            "event_time": 1,
            "authorizations": [{"team_id": TEAM, "user_id": fake.bot_user_id, "is_bot": True}],
            "event": {
                "type": "message",
                "channel": GENERAL,
                "channel_type": "channel",
                "user": MEMBER,
                "text": "over the socket <https://socket.example/>",
                "ts": ts_at(3),
            },
        },
    }
    await fake.socket_send(envelope)
    ack = await fake.wait_for_socket_ack("env-1")
    assert ack == {"envelope_id": "env-1"}
    assert await messages(rhizome) == 1  # stored before the ack went out
    await socket_adapter.stop()
    await fake.wait_until(lambda: fake.socket_clients == 0)


async def test_socket_mode_slash_command(socket_adapter: SlackAdapter, fake: FakeSlackApi) -> None:
    await fake.socket_send(
        {
            "envelope_id": "env-2",
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": {
                "team_id": TEAM,
                "channel_id": GENERAL,
                "channel_name": "general",
                "user_id": MEMBER,
                "user_name": "ada",
                "command": "/rhizome",
                "text": "help",
                "response_url": fake.response_url("sm"),
                "trigger_id": "1.2.3",
            },
        }
    )
    await fake.wait_for_socket_ack("env-2")
    [payload] = await fake.wait_for_response("sm")
    assert "Rhizome" in payload["text"]
