"""The fake Slack Web API answers the real slack_sdk clients like Slack does."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlackApi


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi() as api:
        api.add_user("U1", name="ada", display_name="Ada", real_name="Ada Lovelace")
        api.add_user("U2", name="bob", real_name="Bob", is_admin=True)
        api.add_channel("C1", "general")
        yield api


def client(fake: FakeSlackApi, token: str = DEFAULT_TOKEN) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=fake.base_url)


async def test_base_url_and_auth_test(fake: FakeSlackApi) -> None:
    assert fake.base_url.startswith("http://127.0.0.1:") and fake.base_url.endswith("/api/")
    resp = await client(fake).auth_test()
    assert resp["team_id"] == fake.team_id and resp["user_id"] == fake.bot_user_id
    [call] = fake.calls_to("auth.test")
    assert call.token == DEFAULT_TOKEN


async def test_wrong_token_is_invalid_auth(fake: FakeSlackApi) -> None:
    with pytest.raises(SlackApiError) as err:
        await client(fake, "xoxb-wrong").auth_test()
    assert err.value.response["error"] == "invalid_auth"


async def test_users_info_table(fake: FakeSlackApi) -> None:
    user = (await client(fake).users_info(user="U1"))["user"]
    assert user["profile"]["display_name"] == "Ada"
    assert user["real_name"] == "Ada Lovelace"
    assert not user["is_admin"]
    assert (await client(fake).users_info(user="U2"))["user"]["is_admin"] is True
    with pytest.raises(SlackApiError) as err:
        await client(fake).users_info(user="U404")
    assert err.value.response["error"] == "user_not_found"


async def test_post_update_history(fake: FakeSlackApi) -> None:
    c = client(fake)
    posted = await c.chat_postMessage(
        channel="C1",
        text="hello",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
    )
    ts = posted["ts"]
    [call] = fake.calls_to("chat.postMessage")
    assert call.params["channel"] == "C1"
    assert call.params["blocks"][0]["type"] == "section"
    await c.chat_update(channel="C1", ts=ts, text="edited")
    history = await c.conversations_history(channel="C1")
    assert [m["text"] for m in history["messages"]] == ["edited"]
    reply = await c.chat_postMessage(channel="C1", text="in thread", thread_ts=ts)
    replies = await c.conversations_replies(channel="C1", ts=ts)
    assert [m["ts"] for m in replies["messages"]] == [ts, reply["ts"]]
    with pytest.raises(SlackApiError):
        await c.chat_update(channel="C1", ts="1.2", text="x")
    with pytest.raises(SlackApiError) as err, pytest.warns(UserWarning, match="text"):
        await c.chat_postMessage(channel="C1")
    assert err.value.response["error"] == "no_text"


async def test_ephemeral_and_views(fake: FakeSlackApi) -> None:
    c = client(fake)
    await c.chat_postEphemeral(channel="C1", user="U1", text="psst")
    assert fake.ephemerals[0]["text"] == "psst"
    await c.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    assert fake.views["U1"]["type"] == "home"


async def test_conversations_info_and_open(fake: FakeSlackApi) -> None:
    c = client(fake)
    info = await c.conversations_info(channel="C1")
    assert info["channel"]["name"] == "general" and info["channel"]["is_channel"]
    group = await c.conversations_open(users="U2,U1")
    again = await c.conversations_open(users="U1,U2")
    assert group["channel"]["id"] == again["channel"]["id"]
    assert group["channel"]["id"].startswith("G")
    assert (await c.conversations_open(users="U1"))["channel"]["id"].startswith("D")
    with pytest.raises(SlackApiError):
        await c.conversations_open(users="U1,U404")


async def test_429_on_demand_then_retry_handler_succeeds(fake: FakeSlackApi) -> None:
    fake.fail_next("chat.postMessage", times=1, retry_after=1)
    c = client(fake)
    c.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    resp = await c.chat_postMessage(channel="C1", text="x")
    assert resp["ok"]
    limited = fake.calls_to("chat.postMessage", status=429)
    ok = fake.calls_to("chat.postMessage")
    assert len(limited) == 1 and len(ok) == 1
    assert ok[0].at - limited[0].at >= 1.0  # Retry-After was honoured


async def test_429_without_retry_handler_is_an_error(fake: FakeSlackApi) -> None:
    fake.fail_next("users.info", times=2)
    with pytest.raises(SlackApiError) as err:
        await client(fake).users_info(user="U1")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "1"


async def test_response_url_records_follow_ups(fake: FakeSlackApi) -> None:
    hook = AsyncWebhookClient(fake.response_url("abc"))
    resp = await hook.send(text="done", response_type="ephemeral")
    assert resp.status_code == 200
    [payload] = await fake.wait_for_response("abc")
    assert payload == {"text": "done", "response_type": "ephemeral"}


async def test_unknown_method(fake: FakeSlackApi) -> None:
    with pytest.raises(SlackApiError) as err:
        await client(fake).api_call("nope.nothing")
    assert err.value.response["error"] == "unknown_method"
