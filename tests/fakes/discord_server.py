"""A fake Discord: REST API and gateway websocket on 127.0.0.1, port 0.

The real discord.py client talks to it unchanged once `discord.http.Route.BASE` points at
`api_base` and the gateway URL comes from `GET /gateway/bot` (the client adapter does both from
config). Payloads follow the shapes of real captured gateway frames (see
../shared/datasets/discord-gateway-payloads, read but not copied) and are built here from scratch.

Everything the client sends is recorded: REST requests in `requests` (unknown routes answer 404
and are listed in `unknown_requests`, so a test can assert none happened) and gateway frames in
`gateway_frames`. Channel histories live in `messages` and serve `GET /channels/{id}/messages`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import WSMsgType, web

API_PREFIX = "/api/v10"
_BODY = web.RequestKey("body", object)
DISCORD_EPOCH_MS = 1420070400000

# Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types)
GUILD_TEXT = 0
MESSAGE_CONTENT_INTENT = 1 << 15
DM = 1
GUILD_VOICE = 2
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_FORUM = 15

# Permission bits used below.
ALL_PERMISSIONS = (1 << 51) - 1
MANAGE_GUILD = 1 << 5
DEFAULT_MEMBER_PERMISSIONS = (
    (1 << 10)  # view channel
    | (1 << 11)  # send messages
    | (1 << 38)  # send messages in threads
    | (1 << 14)  # embed links
    | (1 << 15)  # attach files
    | (1 << 16)  # read message history
    | (1 << 6)  # add reactions
    | (1 << 31)  # use application commands
)


def _json(data: Any, status: int = 200) -> web.Response:
    """JSON exactly as Discord labels it: discord.py only parses `application/json` verbatim."""
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


# --- ids and times ------------------------------------------------------------------------
class Snowflakes:
    """Monotonic snowflakes whose timestamps are real, so `created_at` is sensible."""

    def __init__(self) -> None:
        self._last = 0

    def next(self, at: datetime | None = None) -> int:
        ms = int((at.timestamp() if at else time.time()) * 1000) - DISCORD_EPOCH_MS
        value = ms << 22
        if at is None and value <= self._last:
            value = self._last + 1
        if at is None:
            self._last = value
        return value

    def __call__(self, at: datetime | None = None) -> str:
        return str(self.next(at))


def snowflake_time(snowflake: int | str) -> datetime:
    ms = (int(snowflake) >> 22) + DISCORD_EPOCH_MS
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def shard_of(guild_id: int | str, shard_count: int) -> int:
    return (int(guild_id) >> 22) % shard_count


# --- payload builders (shapes as in the captured frames) ------------------------------------
def user_payload(
    user_id: str, username: str, *, bot: bool = False, global_name: str | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(user_id),
        "username": username,
        "global_name": global_name,
        "discriminator": "0",
        "avatar": None,
        "public_flags": 0,
    }
    if bot:
        data["bot"] = True
    return data


def member_payload(
    user: Mapping[str, Any] | None,
    *,
    nick: str | None = None,
    roles: Sequence[str] = (),
    permissions: int | None = None,
    joined_at: datetime | None = None,
) -> dict[str, Any]:
    """A guild member; MESSAGE_CREATE carries one without `user`, interactions with `user`."""
    data: dict[str, Any] = {
        "roles": list(roles),
        "nick": nick,
        "joined_at": iso(joined_at or datetime(2020, 3, 30, 15, 24, 39, tzinfo=UTC)),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
    }
    if user is not None:
        data["user"] = dict(user)
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def channel_payload(
    channel_id: str,
    guild_id: str,
    name: str,
    *,
    type: int = GUILD_TEXT,
    position: int = 0,
    parent_id: str | None = None,
    topic: str | None = None,
) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": type,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "parent_id": parent_id,
        "topic": topic,
        "nsfw": False,
        "rate_limit_per_user": 0,
        "permission_overwrites": [],
        "last_message_id": None,
        **({"available_tags": [], "default_reaction_emoji": None} if type == GUILD_FORUM else {}),
    }


def thread_payload(
    thread_id: str,
    guild_id: str,
    parent_id: str,
    name: str,
    *,
    owner_id: str,
    private: bool = False,
    created_at: datetime | None = None,
    newly_created: bool = False,
) -> dict[str, Any]:
    created = created_at or snowflake_time(thread_id)
    data: dict[str, Any] = {
        "id": str(thread_id),
        "type": PRIVATE_THREAD if private else PUBLIC_THREAD,
        "guild_id": str(guild_id),
        "parent_id": str(parent_id),
        "owner_id": str(owner_id),
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "flags": 0,
        "applied_tags": [],
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": iso(created),
            "locked": False,
            "create_timestamp": iso(created),
            **({"invitable": False} if private else {}),
        },
    }
    if newly_created:
        data["newly_created"] = True
    return data


def role_payload(role_id: str, name: str, permissions: int, *, position: int = 0) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def guild_payload(
    guild_id: str,
    name: str,
    *,
    owner_id: str,
    channels: Sequence[Mapping[str, Any]] = (),
    threads: Sequence[Mapping[str, Any]] = (),
    members: Sequence[Mapping[str, Any]] = (),
    everyone_permissions: int = DEFAULT_MEMBER_PERMISSIONS,
) -> dict[str, Any]:
    """A GUILD_CREATE body: the bot always finds its own member in `members`."""
    return {
        "id": str(guild_id),
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": str(owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": [role_payload(str(guild_id), "@everyone", everyone_permissions)],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "joined_at": iso(datetime(2024, 1, 1, tzinfo=UTC)),
        "large": False,
        "unavailable": False,
        "member_count": max(len(members), 1),
        "voice_states": [],
        "members": [dict(m) for m in members],
        "channels": [dict(c) for c in channels],
        "threads": [dict(t) for t in threads],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "embedded_activities": [],
    }


def embed_payload(url: str, *, title: str | None = None, type: str = "link") -> dict[str, Any]:
    """An unfurled link as Discord adds it (often in a later MESSAGE_UPDATE)."""
    data: dict[str, Any] = {"type": type, "url": url}
    if title:
        data["title"] = title
    return data


def attachment_payload(
    attachment_id: str, filename: str, *, url: str | None = None, size: int = 1024
) -> dict[str, Any]:
    url = url or f"https://cdn.discordapp.com/attachments/0/{attachment_id}/{filename}"
    return {
        "id": str(attachment_id),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
        "content_type": "application/octet-stream",
    }


def message_payload(
    message_id: str,
    channel_id: str,
    author: Mapping[str, Any],
    content: str = "",
    *,
    guild_id: str | None = None,
    member: Mapping[str, Any] | None = None,
    embeds: Sequence[Mapping[str, Any]] = (),
    attachments: Sequence[Mapping[str, Any]] = (),
    type: int = 0,
    timestamp: datetime | None = None,
    edited_timestamp: datetime | None = None,
    message_reference: Mapping[str, Any] | None = None,
    flags: int = 0,
    webhook_id: str | None = None,
    message_snapshots: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A MESSAGE_CREATE body (and the REST message object, which lacks `member`/`guild_id`)."""
    data: dict[str, Any] = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "type": type,
        "content": content,
        "author": dict(author),
        "timestamp": iso(timestamp or snowflake_time(message_id)),
        "edited_timestamp": iso(edited_timestamp) if edited_timestamp else None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [dict(a) for a in attachments],
        "embeds": [dict(e) for e in embeds],
        "pinned": False,
        "flags": flags,
        "components": [],
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
        data["member"] = dict(member) if member is not None else member_payload(None)
    if message_reference is not None:
        data["message_reference"] = dict(message_reference)
    if message_snapshots:  # a forward: the forwarded message(s), as `{"message": {...}}`
        data["message_snapshots"] = [dict(s) for s in message_snapshots]
    if webhook_id is not None:
        data["webhook_id"] = webhook_id
    return data


def reaction_payload(
    *,
    user_id: str,
    channel_id: str,
    message_id: str,
    guild_id: str,
    emoji_name: str,
    emoji_id: str | None = None,
    member: Mapping[str, Any] | None = None,
    message_author_id: str | None = None,
    added: bool = True,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user_id": str(user_id),
        "channel_id": str(channel_id),
        "message_id": str(message_id),
        "guild_id": str(guild_id),
        "emoji": {"id": emoji_id, "name": emoji_name},
        "burst": False,
        "type": 0,
    }
    if added:
        if member is not None:
            data["member"] = dict(member)
        if message_author_id is not None:
            data["message_author_id"] = str(message_author_id)
    return data


# --- interactions ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class UserOption:
    """A USER option value; `member` fills `resolved.members` as Discord does in guilds."""

    user: Mapping[str, Any]
    member: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ChannelOption:
    channel: Mapping[str, Any]


OptionValue = str | int | bool | UserOption | ChannelOption


def _option(name: str, value: OptionValue, resolved: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if isinstance(value, UserOption):
        uid = str(value.user["id"])
        resolved.setdefault("users", {})[uid] = dict(value.user)
        if value.member is not None:
            m = {k: v for k, v in value.member.items() if k != "user"}
            m.setdefault("permissions", "0")
            resolved.setdefault("members", {})[uid] = m
        return {"name": name, "type": 6, "value": uid}
    if isinstance(value, ChannelOption):
        ch = value.channel
        resolved.setdefault("channels", {})[str(ch["id"])] = {
            "id": str(ch["id"]),
            "name": ch.get("name"),
            "type": ch.get("type", GUILD_TEXT),
            "permissions": str(ALL_PERMISSIONS),
            **({"parent_id": ch["parent_id"]} if ch.get("parent_id") else {}),
            **({"thread_metadata": ch["thread_metadata"]} if ch.get("thread_metadata") else {}),
        }
        return {"name": name, "type": 7, "value": str(ch["id"])}
    if isinstance(value, bool):
        return {"name": name, "type": 5, "value": value}
    if isinstance(value, int):
        return {"name": name, "type": 4, "value": value}
    return {"name": name, "type": 3, "value": value}


def command_interaction_payload(
    *,
    interaction_id: str,
    application_id: str,
    token: str,
    guild_id: str | None,
    channel: Mapping[str, Any],
    user: Mapping[str, Any],
    command: str,
    path: Sequence[str] = (),
    options: Mapping[str, OptionValue] | None = None,
    permissions: int = DEFAULT_MEMBER_PERMISSIONS,
    command_id: str = "1",
    focused: str | None = None,
    interaction_type: int = 2,
) -> dict[str, Any]:
    """An INTERACTION_CREATE for a slash command (type 2) or autocomplete (type 4).

    `path` nests the options as SUB_COMMAND_GROUP (2) / SUB_COMMAND (1) like real payloads.
    """
    resolved: dict[str, dict[str, Any]] = {}
    leaf = [_option(k, v, resolved) for k, v in (options or {}).items()]
    if focused is not None:
        for o in leaf:
            if o["name"] == focused:
                o["focused"] = True
    nested: list[dict[str, Any]] = leaf
    for depth, name in reversed(list(enumerate(path))):
        kind = 1 if depth == len(path) - 1 else 2
        nested = [{"name": name, "type": kind, "options": nested}]
    data: dict[str, Any] = {
        "id": str(command_id),
        "name": command,
        "type": 1,
        "options": nested,
    }
    if resolved:
        data["resolved"] = resolved
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": interaction_type,
        "token": token,
        "version": 1,
        "data": data,
        "channel_id": str(channel["id"]),
        "channel": {
            "id": str(channel["id"]),
            "type": channel.get("type", GUILD_TEXT),
            "name": channel.get("name"),
            "guild_id": str(guild_id) if guild_id else None,
            **({"parent_id": channel["parent_id"]} if channel.get("parent_id") else {}),
        },
        "app_permissions": str(ALL_PERMISSIONS),
        "attachment_size_limit": 10 * 1024 * 1024,
        "locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild_id)} if guild_id else {"1": user["id"]},
        "context": 0 if guild_id else 1,
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
        payload["guild_locale"] = "en-US"
        payload["member"] = member_payload(user, permissions=permissions)
    else:
        payload["user"] = dict(user)
    return payload


# --- recording ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str  # relative to /api/v10, without the query string
    query: Mapping[str, str]
    body: Any  # parsed JSON (or the `payload_json` of a multipart body), else None
    files: tuple[tuple[str, bytes], ...] = ()
    authorized: bool = False  # carried the expected bot token
    known: bool = True  # False: no such route in the fake (answered 404)


@dataclass(slots=True)
class GatewaySession:
    session_id: str
    shard: tuple[int, int]
    identify: Mapping[str, Any]
    seq: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    valid: bool = True


@dataclass(frozen=True, slots=True)
class GatewayConnection:
    """One accepted websocket, what the client asked for and how the session started."""

    kind: str  # "identify" | "resume" | "resume-refused" | "refused" (4014)
    shard: tuple[int, int]
    session_id: str | None
    query: Mapping[str, str]


@dataclass(slots=True)
class FakeGuild:
    id: str
    name: str
    owner_id: str
    channels: list[dict[str, Any]]
    threads: list[dict[str, Any]]  # active: what GUILD_CREATE lists
    members: list[dict[str, Any]]
    available: bool = True
    joined: bool = True  # False once the bot was removed
    # archived threads: only `GET /channels/{id}/threads/archived/...` lists them (private
    # ones only to those who may manage threads)
    archived: list[dict[str, Any]] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        return guild_payload(
            self.id,
            self.name,
            owner_id=self.owner_id,
            channels=self.channels,
            threads=self.threads,
            members=self.members,
        )


class FakeDiscord:
    """The fake server. `await start()`, point the client at `api_base`, then drive it."""

    # Generous: a wait only fails a test when something never happens, never for slowness.
    wait_timeout = 20.0

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        bot_name: str = "Rhizome",
        heartbeat_interval_ms: int = 41250,
        shards: int = 1,
        echo_own_messages: bool = True,
    ) -> None:
        self.token = token
        self.ids = Snowflakes()
        self.application_id = self.ids()
        self.bot_user = user_payload(self.application_id, bot_name, bot=True)
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.recommended_shards = shards
        self.echo_own_messages = echo_own_messages

        self.guilds: dict[str, FakeGuild] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.commands: dict[str | None, list[dict[str, Any]]] = {}
        self.requests: list[RecordedRequest] = []
        self.gateway_frames: list[dict[str, Any]] = []
        self.connections: list[GatewayConnection] = []
        self.sessions: dict[str, GatewaySession] = {}
        self.shard_sessions: dict[int, GatewaySession] = {}
        self.interaction_responses: dict[str, list[dict[str, Any]]] = {}
        # Set resumable=False to answer the next RESUMEs with INVALID_SESSION (op 9, d=false).
        self.resumable = True
        # Intents the application may not use (say, MESSAGE_CONTENT not enabled in the portal):
        # an IDENTIFY asking for any of them is closed with 4014, as Discord does.
        self.refused_intents = 0
        # Attachments one message may carry (10 MiB for a bot in a server without boosts).
        self.attachment_limit = 10 * 1024 * 1024
        self._held_history: dict[str, asyncio.Event] = {}
        # The application's flags (1 << 18: the Message Content intent is enabled).
        self.application_flags = 0

        self._changed = asyncio.Condition()
        self._gate = asyncio.Event()
        self._gate.set()
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._sockets: set[web.WebSocketResponse] = set()
        self._send_locks: dict[int, asyncio.Lock] = {}
        self._tokens = itertools.count(1)
        self._failures: list[tuple[str, str, int]] = []

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self) -> FakeDiscord:
        # Discord, not aiohttp's 1 MiB default, decides what is too large (attachment_limit)
        app = web.Application(
            middlewares=[self._record_middleware], client_max_size=64 * 1024 * 1024
        )
        app.router.add_get("/gateway", self._gateway)
        r = app.router
        p = API_PREFIX
        r.add_get(p + "/gateway", self._get_gateway)
        r.add_get(p + "/gateway/bot", self._get_gateway_bot)
        r.add_get(p + "/users/@me", self._get_me)
        r.add_get(p + "/oauth2/applications/@me", self._get_application)
        r.add_get(p + "/applications/@me", self._get_application)
        r.add_put(p + "/applications/{app_id}/commands", self._put_commands)
        r.add_get(p + "/applications/{app_id}/commands", self._get_commands)
        r.add_put(p + "/applications/{app_id}/guilds/{guild_id}/commands", self._put_commands)
        r.add_get(p + "/applications/{app_id}/guilds/{guild_id}/commands", self._get_commands)
        r.add_post(p + "/interactions/{interaction_id}/{token}/callback", self._callback)
        r.add_post(p + "/webhooks/{app_id}/{token}", self._followup)
        r.add_get(p + "/webhooks/{app_id}/{token}/messages/{message_id}", self._get_webhook_msg)
        r.add_patch(p + "/webhooks/{app_id}/{token}/messages/{message_id}", self._edit_webhook_msg)
        r.add_delete(p + "/webhooks/{app_id}/{token}/messages/{message_id}", self._no_content)
        r.add_get(p + "/channels/{channel_id}", self._get_channel)
        r.add_get(p + "/channels/{channel_id}/messages", self._get_history)
        r.add_get(p + "/channels/{channel_id}/threads/archived/public", self._get_archived)
        r.add_get(p + "/channels/{channel_id}/messages/{message_id}", self._get_message)
        r.add_post(p + "/channels/{channel_id}/messages", self._post_message)
        r.add_post(p + "/channels/{channel_id}/threads", self._create_thread)
        r.add_post(p + "/channels/{channel_id}/messages/{message_id}/threads", self._create_thread)
        r.add_put(p + "/channels/{channel_id}/thread-members/{user_id}", self._no_content)
        r.add_put(p + "/channels/{channel_id}/thread-members/@me", self._no_content)
        r.add_post(p + "/users/@me/channels", self._open_dm)
        r.add_route("*", "/{tail:.*}", self._unknown, name="unknown")
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[union-attr]
        self._port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        self._gate.set()
        for gate in self._held_history.values():
            gate.set()
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/gateway"

    # -- world building ----------------------------------------------------------------------
    def add_guild(
        self,
        name: str = "Test guild",
        *,
        guild_id: str | None = None,
        channels: Iterable[str] = ("general",),
        forums: Iterable[str] = (),
        owner_id: str | None = None,
    ) -> FakeGuild:
        gid = guild_id or self.ids()
        chans = [channel_payload(self.ids(), gid, n, position=i) for i, n in enumerate(channels)]
        chans += [
            channel_payload(self.ids(), gid, n, type=GUILD_FORUM, position=len(chans) + i)
            for i, n in enumerate(forums)
        ]
        me = member_payload(self.bot_user, roles=())
        guild = FakeGuild(
            id=gid,
            name=name,
            owner_id=owner_id or self.ids(),
            channels=chans,
            threads=[],
            members=[me],
        )
        self.guilds[gid] = guild
        for c in chans:
            self.messages.setdefault(c["id"], [])
        return guild

    def channel(self, guild: FakeGuild, name: str) -> dict[str, Any]:
        for c in guild.channels + guild.threads:
            if c["name"] == name:
                return c
        raise KeyError(name)

    def new_user(self, username: str, *, bot: bool = False) -> dict[str, Any]:
        return user_payload(self.ids(), username, bot=bot)

    def find_channel(self, channel_id: str) -> tuple[FakeGuild | None, dict[str, Any] | None]:
        for g in self.guilds.values():
            for c in g.channels + g.threads + g.archived:
                if c["id"] == str(channel_id):
                    return g, c
        return None, None

    def add_history(self, message: dict[str, Any]) -> None:
        """Store a message (REST shape: without guild_id/member) in its channel's history."""
        rest = {k: v for k, v in message.items() if k not in ("guild_id", "member")}
        history = self.messages.setdefault(rest["channel_id"], [])
        history[:] = [m for m in history if m["id"] != rest["id"]]
        history.append(rest)
        history.sort(key=lambda m: int(m["id"]))

    # -- gateway: pushing events -----------------------------------------------------------
    async def dispatch(
        self, event: str, data: Mapping[str, Any], *, guild_id: str | None = None
    ) -> int:
        """Send (or, while the shard is disconnected, queue for RESUME) one dispatch frame."""
        gid = guild_id or data.get("guild_id")
        session = self._session_for(gid)
        session.seq += 1
        if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and not (
            int(session.identify.get("intents") or 0) & MESSAGE_CONTENT_INTENT
        ):
            data = self._without_content(data)
        frame = {"op": 0, "t": event, "s": session.seq, "d": dict(data)}
        session.log.append(frame)
        if session.ws is not None and not session.ws.closed:
            await self._send(session.ws, frame)
        return session.seq

    async def post(
        self,
        guild: FakeGuild,
        channel: Mapping[str, Any] | str,
        author: Mapping[str, Any],
        content: str = "",
        *,
        dispatch: bool = True,
        nick: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """A member posts: the message joins the history and, unless `dispatch` is False (a lost
        event), a MESSAGE_CREATE goes out."""
        channel_id = channel if isinstance(channel, str) else channel["id"]
        mid = kwargs.pop("message_id", None) or self.ids()
        msg = message_payload(
            mid,
            channel_id,
            author,
            content,
            guild_id=guild.id,
            member=member_payload(None, nick=nick),
            **kwargs,
        )
        self.add_history(msg)
        if dispatch:
            await self.dispatch("MESSAGE_CREATE", msg)
        return msg

    async def edit(
        self, guild: FakeGuild, message: Mapping[str, Any], content: str, **changes: Any
    ) -> dict[str, Any]:
        """MESSAGE_UPDATE with the full message, as Discord sends it now."""
        updated = dict(message)
        updated.update(changes)
        updated["content"] = content
        updated["edited_timestamp"] = iso(datetime.now(UTC))
        updated["guild_id"] = guild.id
        updated.setdefault("member", member_payload(None))
        self.add_history(updated)
        await self.dispatch("MESSAGE_UPDATE", updated)
        return updated

    async def delete(self, guild: FakeGuild, message: Mapping[str, Any]) -> None:
        cid = message["channel_id"]
        self.messages[cid] = [m for m in self.messages.get(cid, []) if m["id"] != message["id"]]
        await self.dispatch(
            "MESSAGE_DELETE", {"id": message["id"], "channel_id": cid, "guild_id": guild.id}
        )

    async def delete_bulk(self, guild: FakeGuild, messages: Sequence[Mapping[str, Any]]) -> None:
        cid = messages[0]["channel_id"]
        ids = {m["id"] for m in messages}
        self.messages[cid] = [m for m in self.messages.get(cid, []) if m["id"] not in ids]
        await self.dispatch(
            "MESSAGE_DELETE_BULK",
            {"ids": [m["id"] for m in messages], "channel_id": cid, "guild_id": guild.id},
        )

    async def react(
        self,
        guild: FakeGuild,
        message: Mapping[str, Any],
        user: Mapping[str, Any],
        emoji_name: str,
        *,
        emoji_id: str | None = None,
        remove: bool = False,
    ) -> None:
        payload = reaction_payload(
            user_id=user["id"],
            channel_id=message["channel_id"],
            message_id=message["id"],
            guild_id=guild.id,
            emoji_name=emoji_name,
            emoji_id=emoji_id,
            member=member_payload(user),
            message_author_id=message["author"]["id"],
            added=not remove,
        )
        await self.dispatch(
            "MESSAGE_REACTION_REMOVE" if remove else "MESSAGE_REACTION_ADD", payload
        )

    async def clear_reactions(
        self, guild: FakeGuild, message: Mapping[str, Any], emoji_name: str | None = None
    ) -> None:
        """A moderator's "Remove All Reactions" (or of one emoji): one event, no member."""
        payload: dict[str, Any] = {
            "channel_id": message["channel_id"],
            "message_id": message["id"],
            "guild_id": guild.id,
        }
        if emoji_name is None:
            await self.dispatch("MESSAGE_REACTION_REMOVE_ALL", payload)
        else:
            payload["emoji"] = {"id": None, "name": emoji_name}
            await self.dispatch("MESSAGE_REACTION_REMOVE_EMOJI", payload)

    async def rename_thread(
        self, guild: FakeGuild, thread: Mapping[str, Any], name: str
    ) -> dict[str, Any]:
        """THREAD_UPDATE with the thread's new name (a forum post's title edited)."""
        renamed = {**thread, "name": name}
        guild.threads = [renamed if t["id"] == thread["id"] else t for t in guild.threads]
        await self.dispatch("THREAD_UPDATE", renamed)
        return renamed

    async def archive_thread(
        self, guild: FakeGuild, thread: Mapping[str, Any], *, at: datetime | None = None
    ) -> dict[str, Any]:
        """THREAD_UPDATE archiving it: it leaves the active list (and the next GUILD_CREATE)."""
        meta = {
            **thread["thread_metadata"],
            "archived": True,
            "archive_timestamp": iso(at or datetime.now(UTC)),
        }
        archived = {**thread, "thread_metadata": meta}
        guild.threads = [t for t in guild.threads if t["id"] != thread["id"]]
        guild.archived.append(archived)
        await self.dispatch("THREAD_UPDATE", archived)
        return archived

    async def delete_thread(self, guild: FakeGuild, thread: Mapping[str, Any]) -> None:
        """THREAD_DELETE as Discord sends it: ids and type only, no message deletions."""
        guild.threads = [t for t in guild.threads if t["id"] != thread["id"]]
        guild.archived = [t for t in guild.archived if t["id"] != thread["id"]]
        self.messages.pop(thread["id"], None)
        await self.dispatch(
            "THREAD_DELETE",
            {
                "id": thread["id"],
                "guild_id": guild.id,
                "parent_id": thread["parent_id"],
                "type": thread["type"],
            },
        )

    async def delete_channel(self, guild: FakeGuild, channel: Mapping[str, Any]) -> None:
        """CHANNEL_DELETE with the channel as it was; its messages go without events."""
        guild.channels = [c for c in guild.channels if c["id"] != channel["id"]]
        self.messages.pop(channel["id"], None)
        await self.dispatch("CHANNEL_DELETE", {**channel, "guild_id": guild.id})

    async def create_thread(
        self,
        guild: FakeGuild,
        parent: Mapping[str, Any],
        name: str,
        *,
        owner: Mapping[str, Any],
        starter: Mapping[str, Any] | None = None,
        content: str = "",
        private: bool = False,
        **message_kwargs: Any,
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """A thread: from an existing message (its id becomes the thread id) or, in a forum, a
        new post whose starter message has the thread's id. Returns (thread, starter message)."""
        tid = starter["id"] if starter is not None else self.ids()
        thread = thread_payload(
            tid,
            guild.id,
            parent["id"],
            name,
            owner_id=owner["id"],
            private=private,
            newly_created=True,
        )
        guild.threads.append({k: v for k, v in thread.items() if k != "newly_created"})
        self.messages.setdefault(tid, [])
        await self.dispatch("THREAD_CREATE", thread)
        post = None
        if parent.get("type") == GUILD_FORUM and starter is None:
            post = await self.post(guild, tid, owner, content, message_id=tid, **message_kwargs)
        return thread, post

    async def interact(
        self,
        guild: FakeGuild | None,
        channel: Mapping[str, Any],
        user: Mapping[str, Any],
        command: str,
        path: Sequence[str] = (),
        options: Mapping[str, OptionValue] | None = None,
        *,
        permissions: int = DEFAULT_MEMBER_PERMISSIONS,
        focused: str | None = None,
    ) -> dict[str, Any]:
        """Dispatch a slash command (or, with `focused`, an autocomplete request)."""
        iid = self.ids()
        token = f"interaction-token-{next(self._tokens)}-{secrets.token_hex(4)}"
        synced = self.commands.get(guild.id if guild else None) or self.commands.get(None) or []
        cmd_id = next((c["id"] for c in synced if c["name"] == command), "1")
        payload = command_interaction_payload(
            interaction_id=iid,
            application_id=self.application_id,
            token=token,
            guild_id=guild.id if guild else None,
            channel=channel,
            user=user,
            command=command,
            path=path,
            options=options,
            permissions=permissions,
            command_id=cmd_id,
            focused=focused,
            interaction_type=4 if focused else 2,
        )
        self.interaction_responses[token] = []
        await self.dispatch("INTERACTION_CREATE", payload, guild_id=guild.id if guild else None)
        return payload

    async def press(
        self,
        guild: FakeGuild,
        message: Mapping[str, Any],
        user: Mapping[str, Any],
        custom_id: str,
        *,
        permissions: int = DEFAULT_MEMBER_PERMISSIONS,
    ) -> dict[str, Any]:
        """A member presses a button (MESSAGE_COMPONENT interaction, type 3)."""
        iid = self.ids()
        token = f"interaction-token-{next(self._tokens)}-{secrets.token_hex(4)}"
        _, channel = self.find_channel(message["channel_id"])
        payload: dict[str, Any] = {
            "id": iid,
            "application_id": self.application_id,
            "type": 3,
            "token": token,
            "version": 1,
            "guild_id": guild.id,
            "guild_locale": "en-US",
            "channel_id": message["channel_id"],
            "channel": {
                "id": message["channel_id"],
                "type": (channel or {}).get("type", GUILD_TEXT),
                "name": (channel or {}).get("name"),
                "guild_id": guild.id,
            },
            "member": member_payload(user, permissions=permissions),
            "message": dict(message),
            "data": {"custom_id": custom_id, "component_type": 2},
            "app_permissions": str(ALL_PERMISSIONS),
            "attachment_size_limit": 10 * 1024 * 1024,
            "locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": guild.id},
            "context": 0,
        }
        self.interaction_responses[token] = []
        await self.dispatch("INTERACTION_CREATE", payload, guild_id=guild.id)
        return payload

    async def remove_guild(self, guild: FakeGuild) -> None:
        """The bot was kicked: GUILD_DELETE without `unavailable`."""
        guild.joined = False
        await self.dispatch("GUILD_DELETE", {"id": guild.id}, guild_id=guild.id)

    async def outage(self, guild: FakeGuild) -> None:
        """A guild outage, which must NOT purge anything: GUILD_DELETE with unavailable."""
        await self.dispatch(
            "GUILD_DELETE", {"id": guild.id, "unavailable": True}, guild_id=guild.id
        )

    def fail_next(self, method: str, path_part: str, status: int = 400) -> None:
        """Answer the next matching request with an error (Discord rejecting a body, 403...)."""
        self._failures.append((method, path_part, status))

    def _without_content(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """What a bot without the Message Content intent gets: no text, embeds or
        attachments, unless the message mentions the bot."""
        mentioned = any(str(u.get("id")) == self.application_id for u in data.get("mentions", []))
        if mentioned:
            return dict(data)
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

    # -- gateway: connection control --------------------------------------------------------
    def hold_connections(self) -> None:
        """New gateway connections wait (no HELLO) until `release_connections`: a gap."""
        self._gate.clear()

    def release_connections(self) -> None:
        self._gate.set()

    def hold_history(self, channel_id: str) -> None:
        """Reads of this channel's history wait until `release_history` (a slow catch-up)."""
        self._held_history[channel_id] = asyncio.Event()

    def release_history(self, channel_id: str) -> None:
        gate = self._held_history.pop(channel_id, None)
        if gate is not None:
            gate.set()

    async def request_reconnect(self, shard_id: int = 0) -> None:
        """op 7 RECONNECT: the client should come back and RESUME."""
        ws = self._live_ws(shard_id)
        await self._send(ws, {"op": 7, "d": None, "s": None, "t": None})

    async def invalidate_session(self, shard_id: int = 0, *, resumable: bool = False) -> None:
        """op 9 INVALID_SESSION; with resumable=False the client must IDENTIFY afresh."""
        session = self.shard_sessions[shard_id]
        if not resumable:
            session.valid = False
        ws = self._live_ws(shard_id)
        await self._send(ws, {"op": 9, "d": resumable, "s": None, "t": None})

    async def drop_connection(self, shard_id: int = 0, *, code: int = 4000) -> None:
        """Close the socket under the client (a network blip); it will try to RESUME."""
        ws = self._live_ws(shard_id)
        await ws.close(code=code)

    def identifies(self, shard_id: int | None = None) -> list[GatewayConnection]:
        return [
            c
            for c in self.connections
            if c.kind == "identify" and (shard_id is None or c.shard[0] == shard_id)
        ]

    def resumes(self, shard_id: int | None = None) -> list[GatewayConnection]:
        return [
            c
            for c in self.connections
            if c.kind == "resume" and (shard_id is None or c.shard[0] == shard_id)
        ]

    # -- waiting ----------------------------------------------------------------------------
    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait until `predicate()` holds; it is re-checked on every request and frame."""

        async def _wait() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        async with asyncio.timeout(self.wait_timeout):
            await _wait()

    async def wait_for_request(
        self, method: str, path_part: str, *, count: int = 1
    ) -> list[RecordedRequest]:
        def matching() -> list[RecordedRequest]:
            return [r for r in self.requests if r.method == method and path_part in r.path]

        await self.wait_until(lambda: len(matching()) >= count)
        return matching()

    async def wait_for_connections(self, kind: str, count: int) -> None:
        await self.wait_until(lambda: sum(1 for c in self.connections if c.kind == kind) >= count)

    async def wait_interaction_done(
        self, interaction: Mapping[str, Any], *, followups: int = 0
    ) -> list[dict[str, Any]]:
        """Wait for the callback (and `followups` webhook messages); returns the bodies."""
        token = interaction["token"]

        def done() -> bool:
            bodies = self.interaction_responses.get(token, [])
            return len(bodies) >= 1 + followups

        await self.wait_until(done)
        return self.interaction_responses[token]

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if not r.known]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- internals: gateway ----------------------------------------------------------------
    def _session_for(self, guild_id: str | None) -> GatewaySession:
        if not self.shard_sessions:
            raise RuntimeError("no gateway session yet: start the client first")
        count = next(iter(self.shard_sessions.values())).shard[1]
        shard = shard_of(guild_id, count) if guild_id else 0
        try:
            return self.shard_sessions[shard]
        except KeyError:
            raise RuntimeError(f"shard {shard} never identified") from None

    def _live_ws(self, shard_id: int) -> web.WebSocketResponse:
        ws = self.shard_sessions[shard_id].ws
        if ws is None or ws.closed:
            raise RuntimeError(f"shard {shard_id} is not connected")
        return ws

    async def _send(self, ws: web.WebSocketResponse, frame: Mapping[str, Any]) -> None:
        lock = self._send_locks.setdefault(id(ws), asyncio.Lock())
        async with lock:
            if not ws.closed:
                await ws.send_str(json.dumps(frame))

    def _shard_guilds(self, shard: tuple[int, int]) -> list[FakeGuild]:
        return [
            g for g in self.guilds.values() if g.joined and shard_of(g.id, shard[1]) == shard[0]
        ]

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.add(ws)
        await self._gate.wait()
        session: GatewaySession | None = None
        try:
            await self._send(
                ws,
                {
                    "op": 10,
                    "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                    "s": None,
                    "t": None,
                },
            )
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                self.gateway_frames.append(frame)
                op = frame.get("op")
                data = frame.get("d") or {}
                if op == 1:
                    await self._send(ws, {"op": 11, "d": None, "s": None, "t": None})
                elif op == 2:
                    if data.get("token") != self.token:
                        await ws.close(code=4004, message=b"Authentication failed.")
                        break
                    if int(data.get("intents") or 0) & self.refused_intents:
                        self.connections.append(
                            GatewayConnection("refused", (0, 1), None, dict(request.query))
                        )
                        await ws.close(code=4014, message=b"Disallowed intent(s).")
                        break
                    session = await self._identify(ws, data, request)
                elif op == 6:
                    session = await self._resume(ws, data, request)
                await self._notify()
        finally:
            self._sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
            await self._notify()
        return ws

    async def _identify(
        self, ws: web.WebSocketResponse, data: Mapping[str, Any], request: web.Request
    ) -> GatewaySession:
        shard_id, shard_count = data.get("shard") or (0, 1)
        shard = (int(shard_id), int(shard_count))
        old = self.shard_sessions.get(shard[0])
        if old is not None:
            old.valid = False
        session = GatewaySession(
            session_id=secrets.token_hex(16), shard=shard, identify=dict(data), ws=ws
        )
        self.sessions[session.session_id] = session
        self.shard_sessions[shard[0]] = session
        self.connections.append(
            GatewayConnection("identify", shard, session.session_id, dict(request.query))
        )
        guilds = self._shard_guilds(shard)
        session.seq += 1
        ready = {
            "op": 0,
            "t": "READY",
            "s": session.seq,
            "d": {
                "v": 10,
                "user": {**self.bot_user, "verified": True, "mfa_enabled": False, "flags": 0},
                "guilds": [{"id": g.id, "unavailable": True} for g in guilds],
                "session_id": session.session_id,
                "resume_gateway_url": self.gateway_url,
                "shard": list(shard),
                "application": {"id": self.application_id, "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "user_settings": {},
                "geo_ordered_rtc_regions": [],
            },
        }
        session.log.append(ready)
        await self._send(ws, ready)
        for g in guilds:
            session.seq += 1
            frame = {"op": 0, "t": "GUILD_CREATE", "s": session.seq, "d": g.payload()}
            session.log.append(frame)
            await self._send(ws, frame)
        return session

    async def _resume(
        self, ws: web.WebSocketResponse, data: Mapping[str, Any], request: web.Request
    ) -> GatewaySession | None:
        session = self.sessions.get(str(data.get("session_id")))
        ok = (
            self.resumable
            and session is not None
            and session.valid
            and data.get("token") == self.token
        )
        if not ok or session is None:
            shard = session.shard if session else (0, 1)
            self.connections.append(
                GatewayConnection("resume-refused", shard, None, dict(request.query))
            )
            if session is not None:
                session.valid = False
            await self._send(ws, {"op": 9, "d": False, "s": None, "t": None})
            return None
        session.ws = ws
        self.connections.append(
            GatewayConnection("resume", session.shard, session.session_id, dict(request.query))
        )
        seq = int(data.get("seq") or 0)
        for frame in list(session.log):
            if frame["s"] > seq:
                await self._send(ws, frame)
        session.seq += 1
        resumed = {"op": 0, "t": "RESUMED", "s": session.seq, "d": {}}
        session.log.append(resumed)
        await self._send(ws, resumed)
        return session

    # -- internals: REST --------------------------------------------------------------------
    @web.middleware
    async def _record_middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        if request.path == "/gateway":
            return await handler(request)
        body: Any = None
        files: list[tuple[str, bytes]] = []
        if request.content_type == "application/json":
            raw = await request.read()
            body = json.loads(raw) if raw else None
        elif request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    body = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    files.append(
                        (part.filename or part.name or "", await part.read())  # type: ignore[union-attr]
                    )
        request[_BODY] = body
        path = request.path.removeprefix(API_PREFIX)
        known = request.match_info.route.name != "unknown"
        record = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            body=body,
            files=tuple(files),
            authorized=request.headers.get("Authorization") == f"Bot {self.token}",
            known=known,
        )
        self.requests.append(record)
        if sum(len(data) for _, data in files) > self.attachment_limit:
            await self._notify()
            return _json({"message": "Request entity too large", "code": 40005}, status=413)
        for i, (method, part, status) in enumerate(self._failures):
            if method == request.method and part in path:
                del self._failures[i]
                await self._notify()
                return _json({"message": "Injected failure", "code": 50035}, status=status)
        try:
            return await handler(request)
        finally:
            await self._notify()

    def _check_auth(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise web.HTTPUnauthorized(
                text=json.dumps({"message": "401: Unauthorized", "code": 0}),
                content_type="application/json",
            )

    async def _unknown(self, request: web.Request) -> web.Response:
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    async def _no_content(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return _json({"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        return _json(
            {
                "url": self.gateway_url,
                "shards": self.recommended_shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14400000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _get_me(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        return _json({**self.bot_user, "verified": True, "mfa_enabled": False, "flags": 0})

    async def _get_application(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        return _json(
            {
                "id": self.application_id,
                "name": self.bot_user["username"],
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": user_payload(self.ids(), "owner"),
                "verify_key": "0" * 64,
                "team": None,
                "flags": self.application_flags,
                "bot": self.bot_user,
            }
        )

    async def _put_commands(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        guild_id = request.match_info.get("guild_id")
        body = request[_BODY] or []
        stored = []
        for cmd in body:
            stored.append(
                {
                    "id": self.ids(),
                    "application_id": self.application_id,
                    "version": self.ids(),
                    "type": 1,
                    "default_member_permissions": None,
                    "nsfw": False,
                    **({"guild_id": guild_id} if guild_id else {}),
                    **cmd,
                }
            )
        self.commands[guild_id] = stored
        return _json(stored)

    async def _get_commands(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        return _json(self.commands.get(request.match_info.get("guild_id"), []))

    def _bot_message(
        self, channel_id: str, body: Mapping[str, Any] | None, *, interaction: bool = False
    ) -> dict[str, Any]:
        body = body or {}
        msg = message_payload(
            self.ids(),
            channel_id,
            self.bot_user,
            body.get("content") or "",
            embeds=body.get("embeds") or (),
            flags=int(body.get("flags") or 0),
            type=20 if interaction else 0,
            webhook_id=self.application_id if interaction else None,
        )
        if body.get("components"):
            msg["components"] = body["components"]
        return msg

    async def _callback(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        body = request[_BODY] or {}
        self.interaction_responses.setdefault(token, []).append(body)
        kind = int(body.get("type", 0))
        data = body.get("data") or {}
        channel_id = self._interaction_channel(token)
        response: dict[str, Any] = {
            "interaction": {
                "id": request.match_info["interaction_id"],
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(int(data.get("flags") or 0) & 64),
            }
        }
        if kind in (4, 5):
            msg = self._bot_message(channel_id, data if kind == 4 else {}, interaction=True)
            response["interaction"]["response_message_id"] = msg["id"]
            response["resource"] = {"type": kind, "message": msg}
        elif kind:
            response["resource"] = {"type": kind}
        return _json(response)

    def _interaction_channel(self, token: str) -> str:
        for session in self.sessions.values():
            for frame in reversed(session.log):
                if frame.get("t") == "INTERACTION_CREATE" and frame["d"].get("token") == token:
                    return str(frame["d"]["channel_id"])
        return "0"

    async def _followup(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        body = request[_BODY] or {}
        self.interaction_responses.setdefault(token, []).append(body)
        return _json(self._bot_message(self._interaction_channel(token), body, interaction=True))

    async def _get_webhook_msg(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        return _json(self._bot_message(self._interaction_channel(token), {}, interaction=True))

    async def _edit_webhook_msg(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        body = request[_BODY] or {}
        self.interaction_responses.setdefault(token, []).append(body)
        return _json(self._bot_message(self._interaction_channel(token), body, interaction=True))

    async def _get_channel(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        _, channel = self.find_channel(request.match_info["channel_id"])
        if channel is None:
            return _json({"message": "Unknown Channel", "code": 10003}, status=404)
        return _json(channel)

    async def _get_archived(self, request: web.Request) -> web.Response:
        """A channel's public archived threads, newest archived first, `limit` a page, before
        an ISO `before` archive time (as Discord pages them)."""
        self._check_auth(request)
        cid = request.match_info["channel_id"]
        guild, channel = self.find_channel(cid)
        if guild is None or channel is None:
            return _json({"message": "Unknown Channel", "code": 10003}, status=404)
        limit = max(2, min(int(request.query.get("limit", 50)), 100))
        threads = sorted(
            (t for t in guild.archived if t["parent_id"] == cid and t["type"] == PUBLIC_THREAD),
            key=lambda t: t["thread_metadata"]["archive_timestamp"],
            reverse=True,
        )
        if "before" in request.query:
            before = request.query["before"]
            threads = [t for t in threads if t["thread_metadata"]["archive_timestamp"] < before]
        page = threads[:limit]
        return _json({"threads": page, "members": [], "has_more": len(threads) > limit})

    async def _get_history(self, request: web.Request) -> web.Response:
        """Like Discord: newest first; `after` gives the `limit` messages right after it."""
        self._check_auth(request)
        cid = request.match_info["channel_id"]
        _, channel = self.find_channel(cid)
        if channel is None and cid not in self.messages:
            return _json({"message": "Unknown Channel", "code": 10003}, status=404)
        gate = self._held_history.get(cid)
        if gate is not None:
            await self._notify()
            await gate.wait()
        history = self.messages.get(cid, [])
        limit = max(1, min(int(request.query.get("limit", 50)), 100))
        if "after" in request.query:
            after = int(request.query["after"])
            page = [m for m in history if int(m["id"]) > after][:limit]
        elif "before" in request.query:
            before = int(request.query["before"])
            page = [m for m in history if int(m["id"]) < before][-limit:]
        else:
            page = history[-limit:]
        return _json(list(reversed(page)))

    async def _get_message(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        cid, mid = request.match_info["channel_id"], request.match_info["message_id"]
        for m in self.messages.get(cid, []):
            if m["id"] == mid:
                return _json(m)
        return _json({"message": "Unknown Message", "code": 10008}, status=404)

    async def _post_message(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        cid = request.match_info["channel_id"]
        guild, channel = self.find_channel(cid)
        if channel is None and cid not in self.messages:
            return _json({"message": "Unknown Channel", "code": 10003}, status=404)
        msg = self._bot_message(cid, request[_BODY])
        self.add_history(msg)
        if self.echo_own_messages and guild is not None and self.shard_sessions:
            # Discord echoes the bot's own message on the gateway; sent before the response
            # here so tests see a fixed order.
            echo = {**msg, "guild_id": guild.id, "member": member_payload(None)}
            await self.dispatch("MESSAGE_CREATE", echo)
        return _json(msg)

    async def _create_thread(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        cid = request.match_info["channel_id"]
        guild, parent = self.find_channel(cid)
        if guild is None or parent is None:
            return _json({"message": "Unknown Channel", "code": 10003}, status=404)
        body = request[_BODY] or {}
        tid = request.match_info.get("message_id") or self.ids()
        thread = thread_payload(
            tid,
            guild.id,
            cid,
            body.get("name", "thread"),
            owner_id=self.application_id,
            private=int(body.get("type", PUBLIC_THREAD)) == PRIVATE_THREAD,
            newly_created=True,
        )
        guild.threads.append({k: v for k, v in thread.items() if k != "newly_created"})
        self.messages.setdefault(tid, [])
        if self.shard_sessions:
            await self.dispatch("THREAD_CREATE", thread)
        return _json(thread, status=201)

    async def _open_dm(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        body = request[_BODY] or {}
        recipient = str(body.get("recipient_id"))
        cid = self.ids()
        self.messages.setdefault(cid, [])
        return _json(
            {
                "id": cid,
                "type": DM,
                "last_message_id": None,
                "recipients": [user_payload(recipient, f"user-{recipient}")],
            }
        )
