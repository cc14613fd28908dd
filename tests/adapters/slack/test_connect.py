"""Slack Connect: a channel shared with a partner org belongs to the installing workspace.

The envelopes follow Slack's shared-channel shape (zulip-webhook-fixtures in
../shared/datasets/slack-event-payloads): the top-level `team_id`/`context_team_id`, the
event's `team`/`user_team`/`source_team` name the partner org that sent the event, and only
`authorizations[0].team_id` names the workspace that installed the app.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot.app import Rhizome
from bot.commands.registry import ADMIN_GROUP, Invocation
from bot.model import Actor, CommunityRef
from storage import models as m
from tests.adapters.slack.conftest import ADMIN, MEMBER, TEAM, SlackDriver, ts_at
from tests.fakes.slack_api import FakeSlackApi

PARTNER_TEAM = "T0PARTNER"
PARTNER = "U0PARTNER9"
SHARED = "C0SHARED01"
COMMUNITY = CommunityRef("slack", TEAM, "Makers")


@pytest.fixture(autouse=True)
def _partner(fake: FakeSlackApi) -> None:
    fake.add_user(PARTNER, name="pat", display_name="Pat", team_id=PARTNER_TEAM, is_admin=True)
    fake.add_channel(SHARED, "shared-research")


def connect_envelope(slack: SlackDriver, event: dict[str, Any], *, from_team: str) -> str:
    """An envelope for an event in the shared channel, sent by `from_team`'s member."""
    envelope = slack.envelope(
        {"team": from_team, "user_team": from_team, "source_team": from_team, **event}
    )
    envelope["team_id"] = envelope["context_team_id"] = from_team
    envelope["is_ext_shared_channel"] = True
    return json.dumps(envelope)


async def communities(rhizome: Rhizome) -> int:
    async with rhizome.services.db.read() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(m.communities))).scalar_one()
        )


async def test_connect_channel_lands_in_the_host_community(
    slack: SlackDriver, rhizome: Rhizome, fake: FakeSlackApi
) -> None:
    root = ts_at(30)
    message = {
        "type": "message",
        "channel": SHARED,
        "channel_type": "channel",
        "user": PARTNER,
        "text": "Our benchmark write-up: <https://partner.example/bench|bench>",
        "ts": root,
        "event_ts": root,
    }
    resp = await slack.post(
        connect_envelope(slack, message, from_team=PARTNER_TEAM), "application/json"
    )
    assert resp.status == 200
    # a host member replies, the partner reacts to the host member's reply
    reply_ts = ts_at(20)
    await slack.message("nice numbers", channel=SHARED, ts=reply_ts, thread_ts=root)
    reaction = {
        "type": "reaction_added",
        "user": PARTNER,
        "reaction": "tada",
        "item": {"type": "message", "channel": SHARED, "ts": root},
        "item_user": PARTNER,
        "event_ts": ts_at(10),
    }
    resp = await slack.post(
        connect_envelope(slack, reaction, from_team=PARTNER_TEAM), "application/json"
    )
    assert resp.status == 200

    assert await communities(rhizome) == 1
    assert await rhizome.services.repos.communities.find("slack", PARTNER_TEAM) is None
    top = await rhizome.run_command(Invocation(COMMUNITY, Actor(MEMBER), text="top"))
    text = top.document.plain()
    assert "https://partner.example/bench" in text
    assert "1 reply" in text and "1 reaction" in text
    assert "Pat" in text  # the partner is a member of the host community

    # the host community's digest features it too
    admin = Actor(ADMIN, is_admin=True)
    for line in ("digest channel <#C0DIGEST|digest>", "digest preview"):
        reply = await rhizome.run_command(
            Invocation(COMMUNITY, admin, group=ADMIN_GROUP, text=line)
        )
    assert "https://partner.example/bench" in reply.document.plain()


async def test_partner_command_runs_in_the_host_community_without_admin_rights(
    slack: SlackDriver, rhizome: Rhizome, fake: FakeSlackApi
) -> None:
    await slack.message("<https://host.example/guide>", ts=ts_at(5))
    form = {
        "token": "legacy",
        "team_id": PARTNER_TEAM,  # a partner's command names their own org
        "team_domain": "partner",
        "channel_id": SHARED,
        "channel_name": "shared-research",
        "user_id": PARTNER,
        "user_name": "pat",
        "command": "/rhizome",
        "text": "top",
        "api_app_id": "AFAKE0001",
        "response_url": fake.response_url("partner-top"),
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
    }
    resp = await slack.post(urlencode(form), "application/x-www-form-urlencoded")
    assert resp.status == 200
    [answer] = await fake.wait_for_response("partner-top")
    assert "https://host.example/guide" in json.dumps(answer)

    # an admin of the partner org is no moderator of the host community
    form.update(
        command="/rhizome-admin",
        text="digest now",
        response_url=fake.response_url("partner-admin"),
        trigger_id="13345224609.738474920.0000000000000000000",
    )
    await slack.post(urlencode(form), "application/x-www-form-urlencoded")
    [refused] = await fake.wait_for_response("partner-admin")
    assert "moderator" in json.dumps(refused).lower()
    assert await communities(rhizome) == 1
