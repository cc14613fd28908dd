"""Redelivery and replays: a signed request seen twice runs once; events out of order leave
the newest state."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from bot.app import Rhizome
from bot.commands.registry import ADMIN_GROUP, CommandContext, CommandSpec
from bot.documents import Reply
from storage import models as m
from tests.adapters.slack.conftest import ADMIN, GENERAL, MEMBER, TEAM, SlackDriver, ts_at
from tests.fakes.slack_api import FakeSlackApi


async def test_replayed_signed_command_runs_once(
    slack: SlackDriver, fake: FakeSlackApi, rhizome: Rhizome
) -> None:
    runs: list[str] = []

    async def post_now(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
        runs.append(ctx.actor.external_id)
        return Reply.text("posted")

    rhizome.registry.add(CommandSpec(ADMIN_GROUP, ("post-now",), "test", post_now))
    form = {
        "team_id": TEAM,
        "channel_id": GENERAL,
        "user_id": ADMIN,
        "command": "/rhizome-admin",
        "text": "post-now",
        "response_url": fake.response_url("once"),
        "trigger_id": "4820573104.228736.5f1c0d1d9ae0b1d7",
    }
    body = urlencode(form)
    headers = slack.sign(body)
    for _ in range(3):  # an attacker (or a second worker) replays the same signed request
        resp = await slack.session.post(
            slack.url,
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        )
        assert resp.status == 200  # acknowledged, so Slack shows no error
    await fake.wait_for_response("once")
    await slack.command("post-now", user=ADMIN, command="/rhizome-admin", response_id="again")
    await fake.wait_for_response("again")  # a genuine second invocation still runs
    assert runs == [ADMIN, ADMIN]
    assert len(fake.responses["once"]) == 1


async def until_logged(caplog: pytest.LogCaptureFixture, text: str) -> None:
    for _ in range(500):
        if any(text in r.getMessage() for r in caplog.records):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never logged: {text}")


async def test_replayed_button_press_runs_once(
    slack: SlackDriver, fake: FakeSlackApi, rhizome: Rhizome, caplog: pytest.LogCaptureFixture
) -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "makers"},
        "user": {"id": MEMBER, "username": "ada", "team_id": TEAM},
        "api_app_id": "AFAKE0001",
        "container": {"type": "message", "channel_id": GENERAL},
        "channel": {"id": GENERAL, "name": "general"},
        "trigger_id": "4820573104.228736.0a0b0c0d0e0f",
        "response_url": fake.response_url("press"),
        "actions": [
            {
                "type": "button",
                "action_id": "rhizome_cmd_1",
                "value": "rhizome privacy tracking off",
            }
        ],
    }
    body = urlencode({"payload": json.dumps(payload)})
    headers = slack.sign(body)
    for _ in range(2):
        await slack.session.post(
            slack.url,
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        )
    await fake.wait_for_response("press")
    await until_logged(caplog, "ignored a repeated request")
    assert len(fake.responses["press"]) == 1


async def test_app_rate_limited_notice_is_acknowledged(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(
        {
            "token": "legacy",
            "type": "app_rate_limited",
            "team_id": TEAM,
            "minute_rate_limited": 1518467820,
            "api_app_id": "AFAKE0001",
        }
    )
    resp = await slack.post(body, "application/json")
    assert resp.status == 200
    assert any("rate limit" in r.getMessage() for r in caplog.records)


async def test_home_tab_publish_waits_out_a_429(slack: SlackDriver, fake: FakeSlackApi) -> None:
    fake.fail_next("views.publish", 1, retry_after=1)
    resp = await slack.event(
        {"type": "app_home_opened", "user": MEMBER, "channel": "D0HOME", "tab": "home"}
    )
    assert resp.status == 200
    await fake.wait_for("views.publish")
    assert fake.calls_to("views.publish", status=429)
    assert MEMBER in fake.views


async def test_digest_into_a_channel_the_bot_is_not_in_says_how_to_fix_it(
    slack: SlackDriver, fake: FakeSlackApi
) -> None:
    fake.add_channel("G0SECRET1", "mods-only", is_private=True, is_member=False)
    fake.add_channel("C0PUBLIC1", "weekly", is_member=False)
    for n in range(4):
        await slack.message(f"<https://read.example/{n}>", ts=ts_at(60 - n))
        await slack.message("good one", user=ADMIN, ts=ts_at(50 - n), thread_ts=ts_at(60 - n))
    await slack.command(
        "digest channel <#G0SECRET1|mods-only>",
        user=ADMIN,
        command="/rhizome-admin",
        response_id="set",
    )
    await fake.wait_for_response("set")
    await slack.command("digest now", user=ADMIN, command="/rhizome-admin", response_id="now")
    [answer] = await fake.wait_for_response("now")
    assert "/invite @Rhizome" in answer["text"]
    assert "try again later" not in answer["text"]
    # a public channel needs no invitation (chat:write.public)
    await slack.command(
        "digest channel <#C0PUBLIC1|weekly>",
        user=ADMIN,
        command="/rhizome-admin",
        response_id="pub",
    )
    await fake.wait_for_response("pub")
    await slack.command(
        "digest now <#C0PUBLIC1|weekly>", user=ADMIN, command="/rhizome-admin", response_id="now2"
    )
    [posted] = await fake.wait_for_response("now2")
    assert "Posted the digest" in posted["text"], posted["text"]
    assert fake.messages["C0PUBLIC1"]


def reaction(kind: str, ts: str, at: str, user: str = MEMBER) -> dict[str, Any]:
    return {
        "type": kind,
        "user": user,
        "reaction": "tada",
        "item": {"type": "message", "channel": GENERAL, "ts": ts},
        "item_user": ADMIN,
        "event_ts": at,
    }


async def reactions(rhizome: Rhizome) -> int:
    async with rhizome.services.db.read() as conn:
        return len((await conn.execute(select(m.reactions.c.id))).all())


async def test_late_reaction_added_does_not_undo_a_newer_removal(
    slack: SlackDriver, rhizome: Rhizome
) -> None:
    root = ts_at(30)
    await slack.message("<https://order.example/>", user=ADMIN, ts=root)
    await slack.event(reaction("reaction_added", root, ts_at(20)))
    assert await reactions(rhizome) == 1
    await slack.event(reaction("reaction_removed", root, ts_at(10)))
    assert await reactions(rhizome) == 0
    # a retry of an older addition arrives after the removal: no ghost reaction
    await slack.event(reaction("reaction_added", root, ts_at(15)))
    assert await reactions(rhizome) == 0
    # a genuinely newer addition counts again
    await slack.event(reaction("reaction_added", root, ts_at(5)))
    assert await reactions(rhizome) == 1


async def test_reaction_before_its_message_is_kept_until_it_arrives(
    slack: SlackDriver, rhizome: Rhizome
) -> None:
    root = ts_at(30)
    await slack.event(reaction("reaction_added", root, ts_at(29)))  # the message is late
    assert await reactions(rhizome) == 0
    await slack.message("<https://late.example/>", user=ADMIN, ts=root)
    assert await reactions(rhizome) == 1
