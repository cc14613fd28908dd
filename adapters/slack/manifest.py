"""The Slack app manifest, generated so scopes, events and commands match the code.

Paste the JSON into "Create New App → From an app manifest" (or `rhizome slack manifest`).
Field limits follow Slack's app manifest reference: app name ≤ 35 characters, short
description ≤ 140, long description 174–4000, bot display name ≤ 80, slash command ≤ 32,
command description ≤ 2000 and usage hint ≤ 1000 (we keep both far shorter: Slack shows them
on one line in the command picker).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from bot.commands.registry import ADMIN_GROUP, MEMBER_GROUP, Registry
from bot.config import Config

MAX_NAME = 35
MAX_DESCRIPTION = 140
MIN_LONG_DESCRIPTION = 174
MAX_LONG_DESCRIPTION = 4000
MAX_BOT_NAME = 80
MAX_COMMAND = 32
MAX_COMMAND_DESCRIPTION = 2000
MAX_USAGE_HINT = 1000
EVENTS_PATH = "/slack/events"

# Bot scopes: exactly what the adapter calls or subscribes to, each with its reason.
BOT_SCOPES: dict[str, str] = {
    "channels:history": "receive message.channels events (links, replies, edits, deletions)",
    "channels:read": "conversations.info for channel names; member_joined_channel, "
    "channel_rename and channel_deleted events in public channels",
    "reactions:read": "receive reaction_added / reaction_removed",
    "users:read": "users.info for display names and the admin/owner role moderators need",
    "chat:write": "post digests, intros and command replies",
    "chat:write.public": "post a digest into a public channel without being invited first",
    "commands": "the /rhizome and /rhizome-admin slash commands",
    "im:write": "conversations.open with one member (an intro to a single person)",
    "mpim:write": "conversations.open with several members (group DM for an intro)",
    "files:read": "complete file objects (name, title, permalink) in file_share messages, "
    "so shared files are tracked as resources",
    "files:write": "files.getUploadURLExternal / files.completeUploadExternal: a member's "
    "complete data export (privacy my-data) as a file in a DM",
}
# Only with `[tracking] track_private_channels = true`: reading the private channels the bot
# is invited to (events, history for catch-up, names).
PRIVATE_SCOPES: dict[str, str] = {
    "groups:history": "receive message.groups events and read private channels' history "
    "(catch-up after downtime)",
    "groups:read": "conversations.info and users.conversations for private channels; "
    "group_deleted events",
}
PRIVATE_EVENTS: tuple[str, ...] = ("message.groups", "group_deleted")
# Deliberately absent: im:history / mpim:history (DMs are never tracked), team:read
# (auth.test already names the workspace), users:read.email (never needed).

BOT_EVENTS: tuple[str, ...] = (
    "message.channels",
    "reaction_added",
    "reaction_removed",
    "member_joined_channel",
    "channel_rename",
    "channel_deleted",
    "app_uninstalled",
    "tokens_revoked",
    "app_home_opened",
)

COMMAND_DESCRIPTIONS = {
    MEMBER_GROUP: "Find who shares and discusses what in this community",
    ADMIN_GROUP: "Moderate Rhizome: tracked channels, digests, intros",
}

LONG_DESCRIPTION = (
    "Rhizome helps a community of practice see its own knowledge network. It notices which "
    "links and files members share in public channels and who discusses them, introduces "
    "members whose interests overlap (and says why), and posts a weekly digest of what the "
    "community found worth talking about into the channels moderators choose. Members can "
    "ask who knows about a topic, see their own profile, pause tracking or delete their data "
    "at any time with /rhizome; moderators configure it with /rhizome-admin. Direct messages "
    "and private channels are never read."
)


def usage_hint(registry: Registry, group: str, *, limit: int = MAX_USAGE_HINT) -> str:
    """A one-line list of the group's subcommands, e.g. "[help | top | profile | …]"."""
    words: list[str] = []
    for spec in registry.in_group(group):
        head = spec.path[0]
        if head not in words:
            words.append(head)
    if not words:
        return ""
    inner = ""
    for n, word in enumerate(words):
        candidate = word if not inner else f"{inner} | {word}"
        rest = " | …" if n + 1 < len(words) else ""
        if len(candidate) + len(rest) + 2 > limit:
            inner = f"{inner} | …" if inner else "…"
            break
        inner = candidate
    return f"[{inner}]"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def build_manifest(
    registry: Registry,
    *,
    name: str = "Rhizome",
    socket_mode: bool,
    request_url: str | None = None,
    member_command: str = "/rhizome",
    admin_command: str = "/rhizome-admin",
    private_channels: bool = False,
) -> dict[str, Any]:
    """A complete app manifest (schema version 1).

    HTTP mode needs `request_url` — the public address of Bolt's `/slack/events` endpoint,
    used for events, commands and interactivity alike; Socket Mode needs none.
    `private_channels` (the config's `track_private_channels`) adds what reading private
    channels takes, and nothing asks for it otherwise.
    """
    if not socket_mode and not request_url:
        raise ValueError(
            "HTTP mode needs request_url, the public https address of /slack/events "
            "(or build the manifest with socket_mode=True)"
        )
    for command in (member_command, admin_command):
        if not command.startswith("/") or len(command) > MAX_COMMAND or " " in command:
            raise ValueError(f"invalid slash command {command!r}: '/name', ≤ {MAX_COMMAND} chars")
    url = None if socket_mode else request_url
    display = _clip(name.strip() or "Rhizome", MAX_NAME)

    commands: list[dict[str, Any]] = []
    for command, group in ((member_command, MEMBER_GROUP), (admin_command, ADMIN_GROUP)):
        entry: dict[str, Any] = {
            "command": command,
            "description": _clip(COMMAND_DESCRIPTIONS[group], MAX_COMMAND_DESCRIPTION),
            "should_escape": True,  # mentions arrive as <@U…>/<#C…> ids, not ambiguous names
        }
        hint = usage_hint(registry, group)
        if hint:
            entry["usage_hint"] = hint
        if url:
            entry["url"] = url
        commands.append(entry)

    events = [*BOT_EVENTS, *(PRIVATE_EVENTS if private_channels else ())]
    scopes = [*BOT_SCOPES, *(PRIVATE_SCOPES if private_channels else ())]
    event_subscriptions: dict[str, Any] = {"bot_events": events}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if url:
        event_subscriptions = {"request_url": url, **event_subscriptions}
        interactivity["request_url"] = url

    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": display,
            "description": _clip(
                "Connects members of a community of practice through what they share",
                MAX_DESCRIPTION,
            ),
            "long_description": LONG_DESCRIPTION,
            "background_color": "#2d4a3e",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": False,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": _clip(display, MAX_BOT_NAME), "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": scopes}},
        "settings": {
            "event_subscriptions": event_subscriptions,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def manifest_json(
    registry: Registry,
    *,
    name: str = "Rhizome",
    socket_mode: bool,
    request_url: str | None = None,
    private_channels: bool = False,
) -> str:
    """The manifest as pretty JSON, for `rhizome slack manifest`."""
    manifest = build_manifest(
        registry,
        name=name,
        socket_mode=socket_mode,
        request_url=request_url,
        private_channels=private_channels,
    )
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def manifest_for_cli(
    config: Config,
    *,
    request_url: str | None = None,
    socket_mode: bool | None = None,
    name: str = "Rhizome",
    registry: Registry | None = None,
) -> str:
    """What `rhizome slack manifest` prints.

    Socket Mode unless a public `request_url` is given (or `socket_mode` says otherwise); a
    bare origin such as ``https://bot.example.org`` gets the configured ``[slack] path``.
    """
    if socket_mode is None:
        socket_mode = request_url is None
    url = None
    if not socket_mode:
        if not request_url:
            raise ValueError("HTTP mode needs --request-url, the public https address of the bot")
        parts = urlsplit(request_url)
        if parts.scheme != "https" or not parts.netloc:
            raise ValueError(f"request URL must be an https:// address, not {request_url!r}")
        url = (
            request_url
            if parts.path not in ("", "/")
            else f"https://{parts.netloc}{config.slack.path}"
        )
    if registry is None:
        from bot.commands import build_registry

        registry = build_registry()
    return manifest_json(
        registry,
        name=name,
        socket_mode=socket_mode,
        request_url=url,
        private_channels=config.tracking.track_private_channels,
    )
