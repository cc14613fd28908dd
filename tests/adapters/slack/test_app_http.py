"""End to end: signed requests into the real Bolt app (HTTP mode), the real core and database,
and the fake Slack Web API for everything the adapter calls."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Mapping
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from adapters.slack.app import SlackAdapter
from bot.app import Rhizome
from bot.commands.registry import ADMIN_GROUP, CommandContext, CommandSpec, Invocation
from bot.config import Config, Secrets
from bot.documents import Reply
from bot.model import Actor, CommunityRef
from storage import models as m
from tests.adapters.slack.conftest import (
    ADMIN,
    GENERAL,
    MEMBER,
    MODERATOR,
    OTHER,
    TEAM,
    SlackDriver,
    ts_at,
)
from tests.fakes.slack_api import FakeSlackApi

COMMUNITY = CommunityRef("slack", TEAM, "Makers")


async def top(rhizome: Rhizome, days: int = 7) -> str:
    reply = await rhizome.run_command(Invocation(COMMUNITY, Actor(MEMBER), text=f"top {days}"))
    return reply.document.plain()


async def count(rhizome: Rhizome, table: Any) -> int:
    async with rhizome.services.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


# --- signatures -------------------------------------------------------------------------------
async def test_bad_signature_is_401_and_stores_nothing(
    slack: SlackDriver, rhizome: Rhizome
) -> None:
    body = json.dumps(
        slack.envelope(
            {
                "type": "message",
                "channel": GENERAL,
                "user": MEMBER,
                "text": "https://x.example/",
                "ts": ts_at(5),
            }
        )
    )
    headers = slack.sign(body)
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    resp = await slack.session.post(
        slack.url, data=body, headers={"Content-Type": "application/json", **headers}
    )
    assert resp.status == 401
    assert await count(rhizome, m.messages) == 0


async def test_stale_timestamp_is_401(slack: SlackDriver, rhizome: Rhizome) -> None:
    body = json.dumps(
        slack.envelope(
            {
                "type": "message",
                "channel": GENERAL,
                "user": MEMBER,
                "text": "https://x.example/",
                "ts": ts_at(5),
            }
        )
    )
    resp = await slack.post(body, "application/json", timestamp=int(time.time()) - 60 * 10)
    assert resp.status == 401
    assert await count(rhizome, m.messages) == 0


async def test_url_verification(slack: SlackDriver) -> None:
    body = json.dumps({"token": "t", "challenge": "abc123", "type": "url_verification"})
    resp = await slack.post(body, "application/json")
    assert resp.status == 200
    assert (await resp.json())["challenge"] == "abc123"


# --- tracking ---------------------------------------------------------------------------------
async def test_link_thread_reply_and_reaction_are_tracked(
    slack: SlackDriver, rhizome: Rhizome, fake: FakeSlackApi
) -> None:
    root = ts_at(30)
    resp = await slack.message(
        "A good read: <https://example.org/paper?utm_source=x|the paper>", ts=root
    )
    assert resp.status == 200
    # stored before the ack: no flush needed
    assert await count(rhizome, m.messages) == 1
    resp = await slack.message("agreed, great", user=OTHER, ts=ts_at(20), thread_ts=root)
    assert resp.status == 200
    resp = await slack.event(
        {
            "type": "reaction_added",
            "user": OTHER,
            "reaction": "tada",
            "item": {"type": "message", "channel": GENERAL, "ts": root},
            "item_user": MEMBER,
            "event_ts": ts_at(10),
        }
    )
    assert resp.status == 200
    text = await top(rhizome)
    assert "example.org/paper" in text
    summaries = await rhizome.services.repos.resources.top(
        (await rhizome.services.repos.communities.find("slack", TEAM)).id,  # type: ignore[union-attr]
        rhizome.services.clock.now().replace(year=2000),
        10,
    )
    [paper] = summaries
    assert paper.reply_count == 1 and paper.reaction_count == 1
    assert paper.first_shared_by is not None and paper.first_shared_by.display_name == "Ada"
    assert paper.first_channel is not None and paper.first_channel.name == "general"
    # names came from users.info / conversations.info, once each thanks to the cache
    assert len(fake.calls_to("users.info")) == 2
    assert len(fake.calls_to("conversations.info")) == 1


async def test_edit_and_delete(slack: SlackDriver, rhizome: Rhizome) -> None:
    ts = ts_at(30)
    await slack.message("first <https://old.example/>", ts=ts)
    assert "old.example" in await top(rhizome)
    edited = {
        "type": "message",
        "subtype": "message_changed",
        "channel": GENERAL,
        "channel_type": "channel",
        "hidden": True,
        "ts": ts_at(25),
        "event_ts": ts_at(25),
        "message": {
            "type": "message",
            "user": MEMBER,
            "text": "fixed <https://new.example/>",
            "ts": ts,
            "edited": {"user": MEMBER, "ts": ts_at(25)},
        },
        "previous_message": {"type": "message", "user": MEMBER, "text": "first", "ts": ts},
    }
    assert (await slack.event(edited)).status == 200
    text = await top(rhizome)
    assert "new.example" in text and "old.example" not in text
    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "channel": GENERAL,
        "channel_type": "channel",
        "hidden": True,
        "deleted_ts": ts,
        "ts": ts_at(20),
        "event_ts": ts_at(20),
        "previous_message": {"type": "message", "user": MEMBER, "ts": ts},
    }
    assert (await slack.event(deleted)).status == 200
    assert "new.example" not in await top(rhizome)
    assert await count(rhizome, m.messages) == 0


async def test_a_deleted_channel_takes_its_messages_along(
    slack: SlackDriver, rhizome: Rhizome
) -> None:
    """Slack deletes a channel's messages with it and says so in one channel_deleted event."""
    await slack.message("in general <https://general.example/p>", ts=ts_at(40))
    await slack.message("in papers <https://papers.example/p>", ts=ts_at(39), channel="C0PAPERS")
    await slack.message("a reply", ts=ts_at(38), channel="C0PAPERS", thread_ts=ts_at(39))
    assert await count(rhizome, m.messages) == 3
    gone = {"type": "channel_deleted", "channel": "C0PAPERS", "event_ts": ts_at(30)}
    assert (await slack.event(gone)).status == 200
    assert await count(rhizome, m.messages) == 1
    text = await top(rhizome)
    assert "general.example" in text and "papers.example" not in text


async def test_same_event_delivered_four_times_is_stored_once(
    slack: SlackDriver, rhizome: Rhizome
) -> None:
    event = {
        "type": "reaction_added",
        "user": OTHER,
        "reaction": "eyes",
        "item": {"type": "message", "channel": GENERAL, "ts": ts_at(30)},
        "event_ts": ts_at(10),
    }
    await slack.message("see <https://dup.example/>", ts=ts_at(30))
    first = await slack.event(event, event_id="EvDUPLICATE")
    retries = await asyncio.gather(
        *(slack.event(event, event_id="EvDUPLICATE", retry=n) for n in (1, 2, 3))
    )
    assert first.status == 200 and all(r.status == 200 for r in retries)
    assert await count(rhizome, m.reactions) == 1


async def test_dm_and_bot_messages_are_not_stored(
    slack: SlackDriver, rhizome: Rhizome, fake: FakeSlackApi
) -> None:
    resp = await slack.message(
        "secret <https://dm.example/>", ts=ts_at(5), channel="D0DIRECT1", channel_type="im"
    )
    assert resp.status == 200
    await slack.message("beep <https://bot.example/>", ts=ts_at(4), bot_id="B0OTHER")
    await slack.event(
        {
            "type": "message",
            "subtype": "channel_join",
            "channel": GENERAL,
            "user": OTHER,
            "ts": ts_at(3),
            "text": "<@U0OTHER02> has joined",
        }
    )
    assert await count(rhizome, m.messages) == 0
    # our own bot's posts are dropped by Bolt before they reach us
    await slack.message("digest <https://self.example/>", user=fake.bot_user_id, ts=ts_at(2))
    assert await count(rhizome, m.messages) == 0


async def test_unknown_event_types_are_acknowledged(slack: SlackDriver) -> None:
    resp = await slack.event(
        {"type": "pin_added", "user": MEMBER, "channel_id": GENERAL, "event_ts": ts_at(1)}
    )
    assert resp.status == 200


async def test_event_for_another_workspace_is_refused(slack: SlackDriver, rhizome: Rhizome) -> None:
    envelope = slack.envelope(
        {
            "type": "message",
            "channel": GENERAL,
            "user": MEMBER,
            "text": "https://x.example/",
            "ts": ts_at(5),
        }
    )
    envelope["team_id"] = envelope["context_team_id"] = "T0INTRUDER"
    envelope["authorizations"] = [{"team_id": "T0INTRUDER"}]
    await slack.post(json.dumps(envelope), "application/json")
    assert await count(rhizome, m.messages) == 0


async def test_app_uninstalled_purges_the_community(slack: SlackDriver, rhizome: Rhizome) -> None:
    await slack.message("<https://gone.example/>", ts=ts_at(5))
    assert await count(rhizome, m.messages) == 1
    resp = await slack.event({"type": "app_uninstalled", "event_ts": ts_at(1)})
    assert resp.status == 200
    assert await count(rhizome, m.messages) == 0
    assert await rhizome.services.repos.communities.find("slack", TEAM) is None


async def test_storage_failure_is_not_acknowledged(slack: SlackDriver, rhizome: Rhizome) -> None:
    await rhizome.services.writer.stop()  # the core can no longer store anything
    resp = await slack.message("<https://lost.example/>", ts=ts_at(5))
    assert resp.status == 500  # Slack will redeliver
    rhizome.services.writer.start()
    resp = await slack.message("<https://lost.example/>", ts=ts_at(5))
    assert resp.status == 200
    assert await count(rhizome, m.messages) == 1


# --- slash commands -----------------------------------------------------------------------------
async def test_member_command_answers_through_response_url(
    slack: SlackDriver, fake: FakeSlackApi
) -> None:
    await slack.message("<https://cmd.example/thing|Thing>", ts=ts_at(5))
    resp = await slack.command("top", response_id="top1")
    assert resp.status == 200
    assert (await resp.text()) == ""  # an empty ack: the answer follows
    [payload] = await fake.wait_for_response("top1")
    assert payload["response_type"] == "ephemeral"
    assert "cmd.example/thing" in json.dumps(payload["blocks"])
    assert "cmd.example/thing" in payload["text"]


async def test_admin_command_for_admin_and_configured_moderator(
    slack: SlackDriver, fake: FakeSlackApi, rhizome: Rhizome
) -> None:
    async def ping(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
        return Reply.text(f"pong for {ctx.actor.display_name}")

    rhizome.registry.add(CommandSpec(ADMIN_GROUP, ("ping",), "test", ping, moderator_only=True))
    await slack.command("ping", user=ADMIN, command="/rhizome-admin", response_id="a1")
    await slack.command("ping", user=MODERATOR, command="/rhizome-admin", response_id="a2")
    await slack.command("ping", user=MEMBER, command="/rhizome-admin", response_id="a3")
    [by_admin] = await fake.wait_for_response("a1")
    [by_moderator] = await fake.wait_for_response("a2")
    [by_member] = await fake.wait_for_response("a3")
    assert by_admin["text"] == "pong for Boss"  # workspace admin (users.info is_admin)
    assert by_moderator["text"] == "pong for Mo"  # listed in [slack] moderators
    assert "is for moderators" in by_member["text"]


async def test_admin_of_another_workspace_is_not_a_moderator_here(
    slack: SlackDriver, fake: FakeSlackApi, rhizome: Rhizome
) -> None:
    async def ping(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
        return Reply.text("pong")

    rhizome.registry.add(CommandSpec(ADMIN_GROUP, ("ping",), "test", ping, moderator_only=True))
    guest = fake.add_user("U0GUEST99", name="guest", is_admin=True, is_owner=True)
    guest.team_id = "T0PARTNER"  # a Slack Connect guest, admin of their own workspace
    await slack.command("ping", user="U0GUEST99", command="/rhizome-admin", response_id="g")
    [payload] = await fake.wait_for_response("g")
    assert "is for moderators" in payload["text"]


async def test_unknown_command_is_a_polite_reply(slack: SlackDriver, fake: FakeSlackApi) -> None:
    await slack.command("frobnicate now", response_id="u1")
    [payload] = await fake.wait_for_response("u1")
    assert "don't know" in payload["text"]


async def test_ack_arrives_before_slow_work_finishes(
    slack: SlackDriver, fake: FakeSlackApi
) -> None:
    fake.delay("users.info", 1.0)  # the actor lookup happens after the ack
    resp = await slack.command("help", user=OTHER, response_id="slow")
    assert resp.status == 200
    # the HTTP answer is here, the follow-up is not yet: the ack did not wait for the work
    assert fake.responses.get("slow") is None
    [payload] = await fake.wait_for_response("slow")
    assert payload["text"]


async def test_button_press_runs_the_command_as_the_presser(
    slack: SlackDriver, fake: FakeSlackApi, rhizome: Rhizome
) -> None:
    await slack.message("<https://btn.example/>", ts=ts_at(5), user=OTHER)
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "makers"},
        "user": {"id": OTHER, "username": "grace", "team_id": TEAM},
        "api_app_id": "AFAKE0001",
        "container": {"type": "message", "message_ts": ts_at(1), "channel_id": GENERAL},
        "channel": {"id": GENERAL, "name": "general"},
        "trigger_id": "1.2.3",
        "response_url": fake.response_url("btn"),
        "actions": [
            {
                "type": "button",
                "action_id": "rhizome_cmd_1",
                "block_id": "b1",
                "value": "rhizome privacy tracking off",
                "action_ts": ts_at(0),
            }
        ],
    }
    resp = await slack.interaction(payload)
    assert resp.status == 200
    [answer] = await fake.wait_for_response("btn")
    assert "Tracking is off" in answer["text"]
    assert answer.get("replace_original") is False
    # the presser (not the message author) is now opted out
    await slack.message("<https://after.example/>", ts=ts_at(1), user=OTHER)
    assert "after.example" not in await top(rhizome)


async def test_home_tab_publishes_the_members_panel(slack: SlackDriver, fake: FakeSlackApi) -> None:
    await slack.message("<https://home.example/>", ts=ts_at(5))
    resp = await slack.event(
        {
            "type": "app_home_opened",
            "user": MEMBER,
            "channel": "D0HOME",
            "tab": "home",
            "event_ts": ts_at(1),
        }
    )
    assert resp.status == 200
    [call] = await fake.wait_for("views.publish")
    assert call.params["user_id"] == MEMBER
    view = fake.views[MEMBER]
    dumped = json.dumps(view)
    assert "home.example" in dumped
    assert "rhizome privacy tracking off" in dumped  # tracking is on: offer to pause
    assert "rhizome privacy status" in dumped  # and to show what is kept, and for how long


async def test_home_tab_button_shows_the_result_in_the_panel(
    slack: SlackDriver, fake: FakeSlackApi
) -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "makers"},
        "user": {"id": MEMBER, "username": "ada", "team_id": TEAM},
        "api_app_id": "AFAKE0001",
        "container": {"type": "view", "view_id": "V1"},
        "view": {"id": "V1", "type": "home", "blocks": []},
        "trigger_id": "1.2.3",
        "actions": [
            {
                "type": "button",
                "action_id": "rhizome_cmd_2",
                "value": "rhizome privacy tracking off",
            }
        ],
    }
    assert (await slack.interaction(payload)).status == 200
    await fake.wait_for("views.publish")
    dumped = json.dumps(fake.views[MEMBER])
    assert "Tracking is off" in dumped
    assert "rhizome privacy tracking on" in dumped  # now offers to resume


# --- outlet -------------------------------------------------------------------------------------
async def test_outlet_posts_and_waits_out_a_429(
    adapter: SlackAdapter, fake: FakeSlackApi, rhizome: Rhizome
) -> None:
    from bot.documents import Document, Heading, Paragraph, spans

    outlet = rhizome.services.outlets["slack"]
    assert outlet is adapter.outlet
    fake.fail_next("chat.postMessage", times=1, retry_after=1)
    doc = Document((Heading("Weekly digest"), Paragraph(spans("hello & welcome"))))
    ts = await outlet.post(COMMUNITY, GENERAL, doc)
    [limited] = fake.calls_to("chat.postMessage", status=429)
    [ok] = fake.calls_to("chat.postMessage")
    assert ok.at - limited.at >= 1.0  # Retry-After honoured
    assert ok.params["blocks"][0]["type"] == "header"
    assert ok.params["text"].startswith("== Weekly digest")
    assert fake.messages[GENERAL][0]["ts"] == ts


async def test_outlet_spaces_posts_to_one_channel(
    adapter: SlackAdapter, fake: FakeSlackApi
) -> None:
    from bot.documents import Document, Paragraph, spans

    doc = Document((Paragraph(spans("x")),))
    await asyncio.gather(*(adapter.outlet.post(COMMUNITY, GENERAL, doc) for _ in range(3)))
    times = [c.at for c in fake.calls_to("chat.postMessage")]
    interval = 1 / adapter.config.slack.posts_per_second
    assert len(times) == 3
    assert all(b - a >= interval * 0.9 for a, b in itertools.pairwise(times))


async def test_outlet_opens_group_conversations(adapter: SlackAdapter, fake: FakeSlackApi) -> None:
    cid = await adapter.outlet.open_conversation(COMMUNITY, [OTHER, MEMBER], "you both like Rust")
    assert cid.startswith("G")
    [call] = fake.calls_to("conversations.open")
    assert call.params["users"] == f"{MEMBER},{OTHER}"


async def test_outlet_refuses_another_workspace(adapter: SlackAdapter) -> None:
    from bot.documents import Document

    with pytest.raises(ValueError, match="installed in"):
        await adapter.outlet.post(CommunityRef("slack", "T0OTHER"), GENERAL, Document())


async def test_health_endpoint(adapter: SlackAdapter) -> None:
    async with aiohttp.ClientSession() as session:
        resp = await session.get(f"http://127.0.0.1:{adapter.port}/healthz")
        assert resp.status == 200


# --- slow lookups and bad input -----------------------------------------------------------------
async def test_slow_users_info_does_not_hold_the_ack(
    slack: SlackDriver, fake: FakeSlackApi, rhizome: Rhizome
) -> None:
    fake.delay("users.info", 2.0)  # longer than the adapter's lookup budget
    resp = await slack.message("<https://slow.example/>", ts=ts_at(9))
    assert resp.status == 200
    # acked and stored while users.info has not answered yet
    assert fake.calls_to("users.info") == []
    assert await count(rhizome, m.messages) == 1
    community = await rhizome.services.repos.communities.find("slack", TEAM)
    assert community is not None
    member = await rhizome.services.repos.members.by_external_id(community.id, MEMBER)
    assert member is not None and member.display_name is None
    # the lookup finished in the background and serves the next event from the cache
    await fake.wait_for("users.info")
    fake.delay("users.info", 0)
    await slack.message("again <https://slow2.example/>", ts=ts_at(8))
    assert len(fake.calls_to("users.info")) == 1
    member = await rhizome.services.repos.members.by_external_id(community.id, MEMBER)
    assert member is not None and member.display_name == "Ada"


async def test_malformed_bodies_are_answered_and_store_nothing(
    slack: SlackDriver, rhizome: Rhizome
) -> None:
    for body, ctype in (
        ("{not json", "application/json"),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
        (json.dumps({"type": "event_callback", "team_id": TEAM}), "application/json"),
        (json.dumps(slack.envelope({"type": "message", "channel": GENERAL})), "application/json"),
    ):
        resp = await slack.post(body, ctype)
        assert resp.status < 500, body
    assert await count(rhizome, m.messages) == 0
    # and the app still works
    assert (await slack.message("<https://fine.example/>", ts=ts_at(3))).status == 200
    assert await count(rhizome, m.messages) == 1


async def test_slack_environment_variables_are_never_read(
    monkeypatch: pytest.MonkeyPatch,
    rhizome: Rhizome,
    config: Config,
    secrets: Secrets,
    fake: FakeSlackApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret-from-the-environment")
    monkeypatch.setenv("SLACK_CLIENT_ID", "111.222")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "client-secret-from-the-environment")
    caplog.set_level("DEBUG")
    async with SlackAdapter(rhizome, config, secrets) as adapter, aiohttp.ClientSession() as s:
        url = f"http://127.0.0.1:{adapter.port}{config.slack.path}"
        driver = SlackDriver(url=url, fake=fake, session=s)
        resp = await driver.message("<https://env.example/>", ts=ts_at(2))
        assert resp.status == 200  # verified with the explicit signing secret
        await driver.command("help", response_id="env")
        await fake.wait_for_response("env")
    assert await count(rhizome, m.messages) == 1
    assert {c.token for c in fake.calls if c.method in ("auth.test", "users.info")} == {fake.token}
    # and no secret, explicit or from the environment, ever reached the log
    for secret in (
        fake.token,
        secrets.get("SLACK_SIGNING_SECRET"),
        "xoxb-from-the-environment",
        "client-secret-from-the-environment",
    ):
        assert secret and secret not in caplog.text
