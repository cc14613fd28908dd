"""`/rhizome privacy my-data` on Slack: the whole export arrives as a file in a DM, through
the current upload flow (files.getUploadURLExternal → upload URL → completeUploadExternal),
from the slash command and from the Home tab button alike."""

from __future__ import annotations

import json
from typing import Any

from bot.app import Rhizome
from bot.commands.registry import Invocation
from bot.model import Actor, CommunityRef
from tests.adapters.slack.conftest import MEMBER, TEAM, SlackDriver, ts_at
from tests.fakes.slack_api import FakeSlackApi

COMMUNITY = CommunityRef("slack", TEAM, "Makers")
MESSAGES = 150


async def post_many(slack: SlackDriver) -> None:
    for n in range(MESSAGES):
        resp = await slack.message(
            f"note {n}: a longer remark about <https://docs.example/page/{n}|page {n}> "
            "and why it matters for the reading group",
            ts=ts_at(300 - n),
        )
        assert resp.status == 200


async def core_export(rhizome: Rhizome) -> bytes:
    reply = await rhizome.run_command(Invocation(COMMUNITY, Actor(MEMBER), text="privacy my-data"))
    [(_, body)] = reply.files
    return body.encode("utf-8")


def dm_file(fake: FakeSlackApi) -> dict[str, Any]:
    [shared] = fake.files.values()
    channel = fake.channels[shared["channel"]]
    assert channel.is_im and channel.members == [MEMBER]  # a DM with the member only
    return shared


async def test_command_sends_the_whole_export_as_a_file(
    slack: SlackDriver, fake: FakeSlackApi, rhizome: Rhizome
) -> None:
    await post_many(slack)
    await slack.command("privacy my-data", response_id="export")
    [answer] = await fake.wait_for_response("export")
    shared = dm_file(fake)
    expected = await core_export(rhizome)
    assert shared["name"] == "rhizome-my-data.json"
    assert shared["data"] == expected  # byte-complete
    assert len(json.loads(shared["data"])["messages"]) == MESSAGES
    assert len(expected) > 20 * 2500  # far beyond what a message preview could carry
    assert "direct messages" in answer["text"]
    assert f"{len(expected):,} bytes" in answer["text"]
    # the reply no longer carries a cut preview of the file
    assert '"messages"' not in json.dumps(answer)


async def test_home_tab_button_sends_the_file_and_says_so_in_the_panel(
    slack: SlackDriver, fake: FakeSlackApi, rhizome: Rhizome
) -> None:
    await post_many(slack)
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "makers"},
        "user": {"id": MEMBER, "username": "ada", "team_id": TEAM},
        "api_app_id": "AFAKE0001",
        "container": {"type": "view", "view_id": "V1"},
        "view": {"id": "V1", "type": "home", "blocks": [], "app_installed_team_id": TEAM},
        "trigger_id": "7.8.9",
        "actions": [
            {"type": "button", "action_id": "rhizome_cmd_3", "value": "rhizome privacy my-data"}
        ],
    }
    assert (await slack.interaction(payload)).status == 200
    await fake.wait_for("views.publish")
    assert dm_file(fake)["data"] == await core_export(rhizome)
    assert "direct messages" in json.dumps(fake.views[MEMBER])


async def test_without_files_write_the_member_is_told_why_and_keeps_the_preview(
    slack: SlackDriver, fake: FakeSlackApi
) -> None:
    fake.missing_scopes.add("files:write")  # installed from an old manifest
    await slack.message("<https://kept.example/>", ts=ts_at(5))
    await slack.command("privacy my-data", response_id="noscope")
    [answer] = await fake.wait_for_response("noscope")
    dumped = json.dumps(answer)
    assert "files:write" in dumped and "missing_scope" in dumped
    assert "kept.example" in dumped  # the preview is still there
    assert not fake.files
