"""The generated Slack app manifest: complete, minimal scopes, within Slack's limits."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from adapters.slack.manifest import (
    BOT_EVENTS,
    BOT_SCOPES,
    MAX_USAGE_HINT,
    MIN_LONG_DESCRIPTION,
    build_manifest,
    manifest_for_cli,
    manifest_json,
    usage_hint,
)
from bot.commands.registry import (
    ADMIN_GROUP,
    MEMBER_GROUP,
    CommandContext,
    CommandSpec,
    OptionKind,
    OptionSpec,
    Registry,
)
from bot.documents import Reply


async def _noop(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return Reply.text("ok")


def registry(extra_member_commands: int = 0) -> Registry:
    reg = Registry()
    for path in ("help", "top", "profile", "privacy forget-me", "privacy pause", "who"):
        reg.add(CommandSpec(MEMBER_GROUP, tuple(path.split()), f"{path} it", _noop))
    for i in range(extra_member_commands):
        reg.add(CommandSpec(MEMBER_GROUP, (f"extra{i:03d}",), "x", _noop))
    reg.add(
        CommandSpec(
            ADMIN_GROUP,
            ("channels", "track"),
            "track a channel",
            _noop,
            options=(OptionSpec("channel", OptionKind.CHANNEL, "which"),),
            moderator_only=True,
        )
    )
    reg.add(CommandSpec(ADMIN_GROUP, ("digest", "preview"), "preview", _noop, moderator_only=True))
    return reg


def test_socket_mode_manifest() -> None:
    m = build_manifest(registry(), name="Rhizome", socket_mode=True, request_url=None)
    assert m["display_information"]["name"] == "Rhizome"
    assert len(m["display_information"]["long_description"]) >= MIN_LONG_DESCRIPTION
    features = m["features"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is False
    assert features["bot_user"]["display_name"] == "Rhizome"
    commands = {c["command"]: c for c in features["slash_commands"]}
    assert set(commands) == {"/rhizome", "/rhizome-admin"}
    assert commands["/rhizome"]["usage_hint"] == "[help | top | profile | privacy | who]"
    assert commands["/rhizome-admin"]["usage_hint"] == "[channels | digest]"
    assert all("url" not in c for c in commands.values())
    assert all(c["description"] for c in commands.values())
    settings = m["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["interactivity"] == {"is_enabled": True}
    assert "request_url" not in settings["event_subscriptions"]
    assert settings["event_subscriptions"]["bot_events"] == list(BOT_EVENTS)
    assert m["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)


def test_http_manifest_points_everything_at_the_request_url() -> None:
    url = "https://rhizome.example.org/slack/events"
    m = build_manifest(registry(), name="Rhizome", socket_mode=False, request_url=url)
    assert m["settings"]["socket_mode_enabled"] is False
    assert m["settings"]["event_subscriptions"]["request_url"] == url
    assert m["settings"]["interactivity"]["request_url"] == url
    assert all(c["url"] == url for c in m["features"]["slash_commands"])


def test_http_mode_without_url_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="request_url"):
        build_manifest(registry(), name="Rhizome", socket_mode=False, request_url=None)


def test_bad_command_name_is_refused() -> None:
    with pytest.raises(ValueError, match="slash command"):
        build_manifest(registry(), socket_mode=True, member_command="rhizome")


def test_events_and_scopes_are_exactly_what_the_adapter_needs() -> None:
    assert set(BOT_EVENTS) == {
        "message.channels",
        "reaction_added",
        "reaction_removed",
        "member_joined_channel",
        "channel_rename",
        "channel_deleted",
        "app_uninstalled",
        "tokens_revoked",
        "app_home_opened",
    }
    scopes = set(BOT_SCOPES)
    # every subscribed event's scope is granted; nothing reads private channels or DMs
    assert {"channels:history", "reactions:read", "channels:read"} <= scopes
    assert {"users:read", "chat:write", "commands", "im:write", "mpim:write"} <= scopes
    assert not any(s.startswith(("groups:", "im:history", "mpim:history", "admin")) for s in scopes)
    assert all(reason.strip() for reason in BOT_SCOPES.values())


def test_long_names_are_clipped_to_slack_limits() -> None:
    m = build_manifest(registry(), name="R" * 100, socket_mode=True)
    assert len(m["display_information"]["name"]) <= 35
    assert len(m["features"]["bot_user"]["display_name"]) <= 80


def test_usage_hint_stays_within_limit_with_many_commands() -> None:
    reg = registry(extra_member_commands=300)
    hint = usage_hint(reg, MEMBER_GROUP)
    assert len(hint) <= MAX_USAGE_HINT
    assert hint.startswith("[help | top") and hint.endswith("| …]")
    assert usage_hint(reg, MEMBER_GROUP, limit=40) == "[help | top | profile | privacy | …]"


def test_usage_hint_empty_group() -> None:
    assert usage_hint(Registry(), MEMBER_GROUP) == ""
    m = build_manifest(Registry(), socket_mode=True)
    assert all("usage_hint" not in c for c in m["features"]["slash_commands"])


def test_manifest_json_round_trips() -> None:
    text = manifest_json(registry(), socket_mode=True)
    assert json.loads(text) == build_manifest(registry(), socket_mode=True)


def test_cli_manifest_defaults_to_socket_mode_with_the_real_registry() -> None:
    from bot.commands import build_registry
    from bot.config import Config

    m = json.loads(manifest_for_cli(Config()))
    assert m["settings"]["socket_mode_enabled"] is True
    hint = {c["command"]: c.get("usage_hint", "") for c in m["features"]["slash_commands"]}
    for spec in build_registry().in_group(MEMBER_GROUP):
        assert spec.path[0] in hint["/rhizome"]


def test_cli_manifest_http_mode_appends_the_configured_path() -> None:
    from bot.config import Config

    m = json.loads(manifest_for_cli(Config(), request_url="https://bot.example.org"))
    assert m["settings"]["event_subscriptions"]["request_url"] == (
        "https://bot.example.org/slack/events"
    )
    m = json.loads(manifest_for_cli(Config(), request_url="https://bot.example.org/hooks/slack"))
    assert m["settings"]["interactivity"]["request_url"] == "https://bot.example.org/hooks/slack"
    with pytest.raises(ValueError, match="https"):
        manifest_for_cli(Config(), request_url="http://bot.example.org/")
    with pytest.raises(ValueError, match="request-url"):
        manifest_for_cli(Config(), socket_mode=False)


def test_private_channel_scopes_only_when_the_config_tracks_them() -> None:
    from bot.config import Config

    off = json.loads(manifest_for_cli(Config()))
    assert not any(s.startswith("groups:") for s in off["oauth_config"]["scopes"]["bot"])
    assert not {"message.groups", "group_deleted"} & set(
        off["settings"]["event_subscriptions"]["bot_events"]
    )
    on = json.loads(
        manifest_for_cli(Config.model_validate({"tracking": {"track_private_channels": True}}))
    )
    assert {"groups:history", "groups:read"} <= set(on["oauth_config"]["scopes"]["bot"])
    assert {"message.groups", "group_deleted"} <= set(
        on["settings"]["event_subscriptions"]["bot_events"]
    )


def test_the_data_export_upload_scope_is_requested() -> None:
    # my-data goes out through files.getUploadURLExternal / completeUploadExternal
    assert (
        "files:write"
        in build_manifest(registry(), socket_mode=True)["oauth_config"]["scopes"]["bot"]
    )
