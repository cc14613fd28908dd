"""Slack payload → neutral event translation, on real payloads and edge cases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from adapters.slack.translate import (
    action_requests,
    attachments_from_files,
    clean_text,
    command_request,
    parse_ts,
    split_command_line,
    team_id_of,
    translate_envelope,
)
from bot.model import (
    Actor,
    ChannelRenamed,
    CommunityRef,
    CommunityRemoved,
    ConversationDeleted,
    MemberJoined,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "slack"
SHARED = REPO.parent / "shared" / "datasets" / "slack-event-payloads"
JAVA_EVENTS = SHARED / "java-slack-sdk-schema-samples" / "events"


def load(rel: str) -> dict[str, Any]:
    return json.loads((FIXTURES / rel).read_text(encoding="utf-8-sig"))


def envelope(event: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "event_callback",
        "team_id": "T1",
        "api_app_id": "A1",
        "event_id": "Ev1",
        "event_time": 1_700_000_000,
        "event": event,
        **extra,
    }


def msg(**fields: Any) -> dict[str, Any]:
    base = {
        "type": "message",
        "channel": "C1",
        "channel_type": "channel",
        "user": "U1",
        "text": "hi",
        "ts": "1700000000.000100",
        "event_ts": "1700000000.000100",
    }
    base.update(fields)
    return base


# --- real payloads (copied fixtures) ------------------------------------------------------
def test_zulip_plain_message() -> None:
    ev = translate_envelope(load("zulip/message_with_normal_text.json"))
    assert isinstance(ev, MessagePosted)
    assert ev.community == CommunityRef("slack", "T06NRA6HM3P")
    assert ev.place.channel_id == "C06NRA6JLER"
    assert not ev.place.is_dm and not ev.place.is_private
    assert ev.place.thread_id is None
    assert ev.message_id == "1719209506.817929"
    assert ev.author.external_id == "U06NU4E26M9"
    assert ev.text == "Hello, this is a normal text message"
    assert ev.event_id == "Ev079SP4TP1P"
    assert ev.occurred_at == datetime(2024, 6, 24, 6, 11, 46, 817929, tzinfo=UTC)


def test_zulip_mentions_become_plain_text() -> None:
    ev = translate_envelope(load("zulip/message_with_channel_and_user_mentions.json"))
    assert isinstance(ev, MessagePosted)
    assert ev.text == "@U074VRHQ11T #general message with both channel and user mentions"
    assert ev.extra_urls == ()
    # The member it names is kept apart (a thanks by name is evidence); the channel is not.
    assert ev.mentions == (Actor("U074VRHQ11T"),)


def test_mentions_of_an_edit_replace_the_old_ones_and_groups_name_nobody() -> None:
    ev = translate_envelope(
        envelope(
            msg(
                subtype="message_changed",
                message={
                    "type": "message",
                    "user": "U1",
                    "text": "thanks <@U024BE7LH|bo> and <@W0123ABCD>, cc <!subteam^S1|@team> <!here>",
                    "ts": "1700000000.000100",
                    "edited": {"user": "U1", "ts": "1700000100.000000"},
                },
                previous_message={"type": "message", "user": "U1", "text": "thanks"},
            )
        )
    )
    assert isinstance(ev, MessageEdited)
    assert ev.mentions == (Actor("U024BE7LH"), Actor("W0123ABCD"))


def test_botbuilder_im_message_is_marked_dm() -> None:
    ev = translate_envelope(load("botbuilder-dotnet/MessageBody.json"))
    assert isinstance(ev, MessagePosted)
    assert ev.place.is_dm
    assert ev.community.external_id == "teamId"
    assert ev.event_id == "eventId"


def test_botbuilder_file_share() -> None:
    ev = translate_envelope(load("botbuilder-dotnet/MessageBodyWithFileShare.json"))
    assert isinstance(ev, MessagePosted)
    assert ev.place.is_dm
    assert len(ev.attachments) == 1
    att = ev.attachments[0]
    assert att.url == "https://files.slack.com/files-pri/teamId-fileId/download/fileName.png"
    assert att.filename == "fileName"
    assert att.external_id == "fileId"


def test_botbuilder_reaction_with_bom() -> None:
    ev = translate_envelope(load("botbuilder-dotnet/ReactionAddedEvent.json"))
    assert isinstance(ev, ReactionAdded)
    assert ev.message_id == "1360782400.498405"
    assert ev.place.channel_id == "C0G9QF9GZ"
    assert ev.actor.external_id == "userId"
    assert ev.emoji == "thumbsup"


def test_non_event_bodies_are_none() -> None:
    assert translate_envelope(load("botbuilder-dotnet/URLVerificationBody.json")) is None
    # "type": "unknown" but a message inside: still translated from the event itself
    assert translate_envelope({"type": "event_callback"}) is None
    assert translate_envelope({}) is None
    assert translate_envelope("nonsense") is None  # type: ignore[arg-type]


def test_botbuilder_slash_command_form() -> None:
    raw = (FIXTURES / "botbuilder-dotnet/SlashCommandBody.txt").read_text(encoding="utf-8-sig")
    form = dict(parse_qsl(raw, keep_blank_values=True))
    assert command_request(form) is None  # "/test" is not ours
    req = command_request(form, command_names={"/test": "rhizome"})
    assert req is not None
    assert req.group == "rhizome"
    assert req.text == ""
    assert req.user_id == "testUserId"
    assert req.place is not None and req.place.is_dm  # channel_name "directmessage"


def test_botbuilder_block_actions_ignores_foreign_actions() -> None:
    raw = (FIXTURES / "botbuilder-dotnet/BlockActionsBody.txt").read_text(encoding="utf-8-sig")
    body = json.loads(dict(parse_qsl(raw))["payload"])
    assert body["type"] == "block_actions"
    assert action_requests(body) == []  # "select-fruit" is somebody else's action
    body["actions"] = [{"type": "button", "action_id": "rhizome_cmd_1", "value": "rhizome top 5"}]
    [req] = action_requests(body)
    assert (req.group, req.text, req.user_id) == ("rhizome", "top 5", "UCJ0BJ4MP")
    assert req.community.external_id == "TCKT7TGQ6"
    assert req.place is not None and req.place.is_dm


# --- message shapes -------------------------------------------------------------------------
def test_thread_reply_and_root() -> None:
    root = translate_envelope(envelope(msg(thread_ts="1700000000.000100")))
    assert isinstance(root, MessagePosted) and root.place.thread_id is None
    reply = translate_envelope(envelope(msg(ts="1700000005.000200", thread_ts="1700000000.000100")))
    assert isinstance(reply, MessagePosted)
    assert reply.place.thread_id == "1700000000.000100"
    assert not reply.broadcast


def test_thread_broadcast() -> None:
    ev = translate_envelope(
        envelope(msg(subtype="thread_broadcast", ts="1700000009.1", thread_ts="1700000000.000100"))
    )
    assert isinstance(ev, MessagePosted)
    assert ev.broadcast and ev.place.thread_id == "1700000000.000100"


def test_links_are_extracted_and_text_cleaned() -> None:
    text = (
        "see <https://example.org/a?x=1&amp;y=2|the paper> and <https://b.example/> "
        "&lt;not a tag&gt; <mailto:a@b.c|a@b.c> <!here> <!subteam^S1|@team>"
    )
    ev = translate_envelope(envelope(msg(text=text)))
    assert isinstance(ev, MessagePosted)
    assert ev.extra_urls == ("https://example.org/a?x=1&y=2", "https://b.example/")
    assert ev.text == (
        "see the paper (https://example.org/a?x=1&y=2) and https://b.example/ "
        "<not a tag> a@b.c @here @team"
    )


def test_block_only_links_are_added() -> None:
    blocks = [
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [{"type": "link", "url": "https://only-in-blocks.example/"}],
                }
            ],
        }
    ]
    ev = translate_envelope(envelope(msg(text="plain", blocks=blocks)))
    assert isinstance(ev, MessagePosted)
    assert ev.extra_urls == ("https://only-in-blocks.example/",)


# A "Share message" attachment as the julialang export holds it (#machine-learning, 2021-04-09):
# the shared message's text, with its links, under a permalink.
SHARED_MESSAGE = {
    "fallback": "[April 9th, 2021] ari: <https://arxiv.org/abs/1903.03129> edit: new paper",
    "ts": "1617963348.180000",
    "author_id": "U01",
    "channel_id": "C674ELDNX",
    "channel_name": "random",
    "is_msg_unfurl": True,
    "is_share": True,
    "text": "<https://arxiv.org/abs/1903.03129> edit: this is the new paper "
    "<https://arxiv.org/abs/2103.10891|Fast training>, claims huge speedups",
    "from_url": "https://julialang.slack.com/archives/C674ELDNX/p1617963348180000",
    "footer": "Posted in #random",
}


def test_sharing_a_message_reshares_its_links() -> None:
    quoted_reply = {**SHARED_MESSAGE, "is_share": None, "is_reply_unfurl": True}
    ev = translate_envelope(
        envelope(msg(text="worth a read", attachments=[SHARED_MESSAGE, quoted_reply]))
    )
    assert isinstance(ev, MessagePosted)
    assert ev.extra_urls == ("https://arxiv.org/abs/1903.03129", "https://arxiv.org/abs/2103.10891")
    assert ev.text == "worth a read"  # the shared message's words stay its author's
    plain = translate_envelope(envelope(msg(text="hm", attachments=[quoted_reply])))
    assert isinstance(plain, MessagePosted) and plain.extra_urls == ()


@pytest.mark.parametrize(
    "subtype",
    [
        "bot_message",
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "channel_archive",
        "pinned_item",
        "message_replied",
    ],
)
def test_housekeeping_subtypes_are_ignored(subtype: str) -> None:
    assert translate_envelope(envelope(msg(subtype=subtype))) is None


def test_bot_id_is_ignored_even_without_subtype() -> None:
    assert translate_envelope(envelope(msg(bot_id="B1"))) is None
    assert isinstance(translate_envelope(envelope(msg(bot_id=""))), MessagePosted)


def test_message_changed_uses_nested_message() -> None:
    ev = translate_envelope(
        envelope(
            {
                "type": "message",
                "subtype": "message_changed",
                "channel": "C1",
                "channel_type": "channel",
                "hidden": True,
                "ts": "1700000100.000001",
                "event_ts": "1700000100.000001",
                "message": {
                    "type": "message",
                    "user": "U1",
                    "text": "now with <https://new.example/>",
                    "ts": "1700000000.000100",
                    "thread_ts": "1699999999.000001",
                    "edited": {"user": "U1", "ts": "1700000099.000000"},
                },
                "previous_message": {"type": "message", "text": "old", "ts": "1700000000.000100"},
            }
        )
    )
    assert isinstance(ev, MessageEdited)
    assert ev.message_id == "1700000000.000100"
    assert ev.text == "now with https://new.example/"
    assert ev.extra_urls == ("https://new.example/",)
    assert ev.attachments is None  # files not mentioned: keep what was stored
    assert ev.author is not None and ev.author.external_id == "U1"
    assert ev.place.thread_id == "1699999999.000001"
    assert ev.occurred_at == datetime.fromtimestamp(1700000099, UTC)


def test_message_changed_tombstone_is_a_deletion() -> None:
    ev = translate_envelope(
        envelope(
            {
                "type": "message",
                "subtype": "message_changed",
                "channel": "C1",
                "message": {"subtype": "tombstone", "ts": "1700000000.000100", "text": "deleted"},
            }
        )
    )
    assert isinstance(ev, MessageDeleted)
    assert ev.message_id == "1700000000.000100"


def test_message_changed_by_bot_is_ignored() -> None:
    body = envelope(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": "C1",
            "message": {"bot_id": "B1", "ts": "1700000000.000100", "text": "x"},
        }
    )
    assert translate_envelope(body) is None


def test_message_deleted() -> None:
    ev = translate_envelope(
        envelope(
            {
                "type": "message",
                "subtype": "message_deleted",
                "channel": "C1",
                "hidden": True,
                "deleted_ts": "1700000000.000100",
                "ts": "1700000200.000001",
                "event_ts": "1700000200.000001",
                "previous_message": {"ts": "1700000000.000100", "thread_ts": "1699.000001"},
            }
        )
    )
    assert isinstance(ev, MessageDeleted)
    assert ev.message_id == "1700000000.000100"
    assert ev.place.thread_id == "1699.000001"


def test_file_share_attachments_prefer_permalink_and_skip_tombstones() -> None:
    files = [
        {
            "id": "F1",
            "name": "notes.pdf",
            "title": "Notes",
            "permalink": "https://t.slack.com/files/U1/F1/notes.pdf",
            "url_private": "https://files.slack.com/files-pri/T-F1/notes.pdf",
        },
        {"id": "F2", "mode": "tombstone"},
        {"id": "F3", "mode": "hidden_by_limit", "permalink": "https://x"},
        "garbage",
    ]
    atts = attachments_from_files(files)
    assert [a.external_id for a in atts] == ["F1"]
    assert atts[0].url == "https://t.slack.com/files/U1/F1/notes.pdf"
    assert atts[0].title == "Notes"


def test_dm_channels() -> None:
    for event in (
        msg(channel="D123", channel_type=None),
        msg(channel="G123", channel_type="mpim"),
        msg(channel="C123", channel_type="im"),
    ):
        ev = translate_envelope(envelope(event))
        assert isinstance(ev, MessagePosted)
        assert ev.place.is_dm
    private = translate_envelope(envelope(msg(channel="G9", channel_type="group")))
    assert isinstance(private, MessagePosted)
    assert private.place.is_private and not private.place.is_dm


def test_user_profile_names_the_author() -> None:
    ev = translate_envelope(envelope(msg(user_profile={"display_name": "", "real_name": "Ada L"})))
    assert isinstance(ev, MessagePosted)
    assert ev.author.display_name == "Ada L"


# --- other events -----------------------------------------------------------------------------
def test_reactions_only_on_messages_and_skin_tone_normalised() -> None:
    base = {
        "user": "U2",
        "reaction": "+1::skin-tone-3",
        "item": {"type": "message", "channel": "C1", "ts": "1700000000.000100"},
        "event_ts": "1700000300.000001",
    }
    added = translate_envelope(envelope({"type": "reaction_added", **base}))
    removed = translate_envelope(envelope({"type": "reaction_removed", **base}))
    assert isinstance(added, ReactionAdded) and isinstance(removed, ReactionRemoved)
    assert added.emoji == removed.emoji == "+1"
    assert added.message_id == "1700000000.000100"
    file_item = {**base, "item": {"type": "file", "file": "F1"}}
    assert translate_envelope(envelope({"type": "reaction_added", **file_item})) is None


def test_member_joined_channel() -> None:
    ev = translate_envelope(
        envelope(
            {
                "type": "member_joined_channel",
                "user": "U3",
                "channel": "C1",
                "channel_type": "C",
                "team": "T1",
                "event_ts": "1700000400.000001",
            }
        )
    )
    assert isinstance(ev, MemberJoined)
    assert ev.actor.external_id == "U3"
    assert ev.place.channel_id == "C1" and not ev.place.is_private


def test_channel_rename() -> None:
    ev = translate_envelope(
        envelope(
            {
                "type": "channel_rename",
                "channel": {"id": "C1", "name": "papers", "created": 1},
                "event_ts": "1700000500.000001",
            }
        )
    )
    assert isinstance(ev, ChannelRenamed)
    assert ev.new_name == "papers"
    assert ev.place.channel_name == "papers"


def test_a_deleted_channel_is_a_deleted_conversation() -> None:
    # Slack deletes a channel's messages with it and says so once (channel_deleted,
    # group_deleted for a private one), never with a message_deleted per message
    public = translate_envelope(envelope({"type": "channel_deleted", "channel": "C1"}))
    assert isinstance(public, ConversationDeleted)
    assert public.place.channel_id == "C1" and public.place.thread_id is None
    assert not public.place.is_private and not public.with_starter
    private = translate_envelope(envelope({"type": "group_deleted", "channel": "G0QN9RGTT"}))
    assert isinstance(private, ConversationDeleted) and private.place.is_private
    assert translate_envelope(envelope({"type": "channel_deleted"})) is None


def test_uninstall_and_token_revocation() -> None:
    uninstall = translate_envelope(envelope({"type": "app_uninstalled", "event_ts": "1.0"}))
    assert isinstance(uninstall, CommunityRemoved)
    assert uninstall.community == CommunityRef("slack", "T1")
    bot = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}
    user_only = {"type": "tokens_revoked", "tokens": {"oauth": ["U1"], "bot": []}}
    assert isinstance(translate_envelope(envelope(bot)), CommunityRemoved)
    assert translate_envelope(envelope(user_only)) is None


def test_team_resolution_order() -> None:
    assert team_id_of({"team_id": "", "context_team_id": "T2"}) == "T2"
    assert team_id_of({"authorizations": [{"team_id": "T3"}]}) == "T3"
    assert team_id_of({"team": {"id": "T4"}}) == "T4"
    assert team_id_of({"event": {"team": "T5"}}) == "T5"
    assert team_id_of({}) is None
    assert translate_envelope(envelope(msg(), team_id="")) is None


def test_team_names_fill_the_community_name() -> None:
    ev = translate_envelope(envelope(msg()), team_names={"T1": "Makers"})
    assert ev is not None and ev.community.name == "Makers"


def test_parse_ts() -> None:
    assert parse_ts("1568915625.001000") == datetime(2019, 9, 19, 17, 53, 45, 1000, tzinfo=UTC)
    assert parse_ts("1700000000") == datetime.fromtimestamp(1700000000, UTC)
    for bad in ("", None, "abc", "0000000000.000000", "-5", "nan", "1e400", {}):
        assert parse_ts(bad) is None


def test_clean_text_leaves_plain_text_alone() -> None:
    assert clean_text("a < b & c").text == "a < b & c"
    assert clean_text(None).text == ""
    assert clean_text("<http://x.example|x.example>").urls == ("http://x.example",)


def test_split_command_line() -> None:
    assert split_command_line("rhizome-admin digest preview") == ("rhizome-admin", "digest preview")
    assert split_command_line("/rhizome top") == ("rhizome", "top")
    assert split_command_line("top 3") == ("rhizome", "top 3")


def test_command_request_in_channel() -> None:
    req = command_request(
        {
            "command": "/rhizome-admin",
            "text": "  channels track #general ",
            "team_id": "T1",
            "user_id": "U1",
            "user_name": "ada",
            "channel_id": "C1",
            "channel_name": "general",
        }
    )
    assert req is not None
    assert (req.group, req.text) == ("rhizome-admin", "channels track #general")
    assert req.place is not None and req.place.channel_name == "general"
    assert not req.place.is_dm
    assert command_request({"command": "/rhizome", "team_id": "T1"}) is None  # no user


# --- tolerance: every java schema sample translates to an event or None ----------------------
java_samples = sorted(JAVA_EVENTS.glob("*.json")) if JAVA_EVENTS.is_dir() else []


@pytest.mark.shared_data
@pytest.mark.skipif(not java_samples, reason=f"shared dataset absent: {JAVA_EVENTS}")
@pytest.mark.parametrize("path", java_samples, ids=lambda p: p.name)
def test_java_schema_samples_never_raise(path: Path) -> None:
    body = json.loads(path.read_text(encoding="utf-8-sig"))
    ev = translate_envelope(body)
    # the samples blank every id, so nothing is trackable; what matters is: no exception
    assert ev is None or ev.place.community.platform == "slack"
    # the same with plausible ids filled in must still not raise
    filled = json.loads(
        json.dumps(body)
        .replace('"team_id": ""', '"team_id": "T1"')
        .replace('"ts": ""', '"ts": "1700000000.000100"')
        .replace('"channel": ""', '"channel": "C1"')
        .replace('"user": ""', '"user": "U1"')
    )
    ev2 = translate_envelope(filled)
    assert ev2 is None or ev2.community == CommunityRef("slack", "T1")


@pytest.mark.shared_data
@pytest.mark.skipif(not JAVA_EVENTS.is_dir(), reason=f"shared dataset absent: {JAVA_EVENTS}")
def test_java_filled_samples_give_the_expected_kinds() -> None:
    def filled(name: str) -> dict[str, Any]:
        text = (JAVA_EVENTS / name).read_text(encoding="utf-8-sig")
        text = (
            text.replace('"team_id": ""', '"team_id": "T1"')
            .replace('"ts": ""', '"ts": "1700000000.000100"')
            .replace('"deleted_ts": ""', '"deleted_ts": "1700000000.000100"')
            .replace('"channel": ""', '"channel": "C1"')
            .replace('"user": ""', '"user": "U1"')
            .replace('"reaction": ""', '"reaction": "tada"')
        )
        return json.loads(text)

    assert isinstance(translate_envelope(filled("MessagePayload.json")), MessagePosted)
    assert isinstance(
        translate_envelope(filled("MessageThreadBroadcastPayload.json")), MessagePosted
    )
    assert isinstance(translate_envelope(filled("MessageFileSharePayload.json")), MessagePosted)
    assert isinstance(translate_envelope(filled("MessageChangedPayload.json")), MessageEdited)
    assert isinstance(translate_envelope(filled("MessageDeletedPayload.json")), MessageDeleted)
    assert isinstance(translate_envelope(filled("ReactionAddedPayload.json")), ReactionAdded)
    assert isinstance(translate_envelope(filled("ReactionRemovedPayload.json")), ReactionRemoved)
    assert isinstance(translate_envelope(filled("MemberJoinedChannelPayload.json")), MemberJoined)
    assert translate_envelope(filled("MessageBotPayload.json")) is None
    assert translate_envelope(filled("MessageChannelJoinPayload.json")) is None
    assert translate_envelope(filled("TeamJoinPayload.json")) is None


def test_unfurl_added_by_slack_is_not_an_edit() -> None:
    # Slack adds an unfurl with a message_changed: same text, attachments, no `edited`
    text = "read <https://blog.example/post>"
    event = {
        "type": "message",
        "subtype": "message_changed",
        "channel": "C1",
        "channel_type": "channel",
        "hidden": True,
        "ts": "1700000001.000200",
        "event_ts": "1700000001.000200",
        "message": {
            "type": "message",
            "user": "U1",
            "text": text,
            "ts": "1700000000.000100",
            "attachments": [{"from_url": "https://blog.example/post", "title": "Post"}],
        },
        "previous_message": {
            "type": "message",
            "user": "U1",
            "text": text,
            "ts": "1700000000.000100",
        },
    }
    assert translate_envelope(envelope(event)) is None
    event["message"] = {**event["message"], "text": "changed", "edited": {"ts": "1700000001.0"}}
    assert isinstance(translate_envelope(envelope(event)), MessageEdited)


def test_a_label_that_is_an_address_is_not_a_second_link() -> None:
    cleaned = clean_text("<https://a.example/x|https://b.example/y>")
    assert cleaned.urls == ("https://a.example/x",)
    assert "b.example" not in cleaned.text


def test_date_and_subteam_markup_show_their_fallback_text() -> None:
    cleaned = clean_text("due <!date^1392734382^{date_short}|Feb 18>, ask <!subteam^S1|@mods>")
    assert cleaned.text == "due Feb 18, ask @mods"
