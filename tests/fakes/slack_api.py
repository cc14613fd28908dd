"""A fake Slack Web API (plus response_url and Socket Mode endpoints) on loopback.

The real `slack_sdk.web.async_client.AsyncWebClient` and Bolt talk to it over HTTP, so tests
exercise the real libraries down to the wire. Every call is recorded; answers have Slack's
shape (``{"ok": true, ...}`` / ``{"ok": false, "error": ...}``), and ``fail_next`` makes the
next calls to a method answer 429 with ``Retry-After`` like Slack's rate limiter.

Shape inspired by bolt-python's tests/mock_web_api_server, but async, on port 0 and stateful.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

DEFAULT_TOKEN = "xoxb-fake-bot-token"
DEFAULT_APP_TOKEN = "xapp-1-fake-app-token"
# The bot scope each method needs (only those the tests take away).
SCOPE_OF = {
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "conversations.history": "channels:history",
    "conversations.replies": "channels:history",
    "users.conversations": "channels:read",
    "chat.postMessage": "chat:write",
}


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """One request the fake received."""

    method: str
    params: Mapping[str, Any]
    headers: Mapping[str, str]
    at: float  # time.monotonic() when it arrived, for ordering checks
    status: int = 200

    @property
    def token(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return auth[len("Bearer ") :]
        tok = self.params.get("token")
        return str(tok) if tok is not None else None


@dataclass(slots=True)
class FakeUser:
    id: str
    name: str
    real_name: str = ""
    display_name: str = ""
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    deleted: bool = False
    team_id: str = ""

    def as_json(self, team_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "team_id": self.team_id or team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": self.is_owner,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "tz": "Europe/Berlin",
            "profile": {
                "real_name": self.real_name,
                "display_name": self.display_name,
                "real_name_normalized": self.real_name,
                "display_name_normalized": self.display_name,
                "team": self.team_id or team_id,
            },
        }


@dataclass(slots=True)
class FakeChannel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    members: list[str] = field(default_factory=list)
    is_member: bool = True  # whether the bot was invited

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not (self.is_private or self.is_im or self.is_mpim),
            "is_group": self.is_private and not self.is_mpim,
            "is_im": self.is_im,
            "is_mpim": self.is_mpim,
            "is_private": self.is_private or self.is_im or self.is_mpim,
            "is_archived": False,
            "is_member": self.is_member,
            "created": 1_600_000_000,
            "name_normalized": self.name,
            "num_members": len(self.members),
        }


class FakeSlackApi:
    """Async context manager serving the fake on 127.0.0.1, port 0.

    `base_url` ends with ``/api/`` so ``AsyncWebClient(base_url=fake.base_url)`` works.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        app_token: str = DEFAULT_APP_TOKEN,
        team_id: str = "T0FAKE001",
        team_name: str = "Fake Workspace",
        bot_user_id: str = "UBOT00001",
        bot_id: str = "BBOT00001",
        check_token: bool = True,
    ) -> None:
        self.token = token
        self.app_token = app_token
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.check_token = check_token
        self.calls: list[RecordedCall] = []
        self.users: dict[str, FakeUser] = {}
        self.channels: dict[str, FakeChannel] = {}
        # channel id -> messages (dicts with ts, text, blocks, thread_ts, user)
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}  # user id -> last published view
        self.responses: dict[str, list[dict[str, Any]]] = {}  # response_url id -> payloads
        self.socket_acks: list[dict[str, Any]] = []
        # Scopes the token was granted, sent in the X-OAuth-Scopes header like Slack's; None: none.
        self.granted_scopes: list[str] | None = None
        # files.getUploadURLExternal → POST to upload_url → files.completeUploadExternal
        self.pending_uploads: dict[str, dict[str, Any]] = {}  # file id -> name, length, data
        self.files: dict[str, dict[str, Any]] = {}  # shared files: id -> name, data, channel…
        # scopes the app was *not* granted: methods needing them answer missing_scope
        self.missing_scopes: set[str] = set()
        self.max_page = 999  # Slack may answer fewer than `limit`; lower it to force paging
        self.socket_connections = 0
        self._fail: dict[str, list[int]] = {}  # method -> remaining 429s, retry_after
        self._delays: dict[str, float] = {}
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._changed = asyncio.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self.add_user(bot_user_id, name="rhizome", real_name="Rhizome", is_bot=True)

    # --- lifecycle ------------------------------------------------------------------------
    async def __aenter__(self) -> FakeSlackApi:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self, port: int = 0) -> None:
        """Serve on 127.0.0.1: port 0 picks a free one; a given port restarts the fake where
        clients already point (Slack coming back after an outage)."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{rid}", self._response_url)
        app.router.add_post("/upload/v1/{file_id}", self._upload)
        app.router.add_get("/socket-mode/link", self._socket)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self._port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- addresses ------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeSlackApi is not started")
        return self._port

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/api/"

    def response_url(self, rid: str) -> str:
        return f"{self.root_url}/response/{rid}"

    @property
    def socket_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/socket-mode/link"

    # --- configuration --------------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str = "",
        display_name: str = "",
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        team_id: str = "",
    ) -> FakeUser:
        """`team_id` other than the fake's own: a Slack Connect partner's member."""
        user = FakeUser(
            id=user_id,
            name=name or user_id.lower(),
            real_name=real_name,
            display_name=display_name,
            is_admin=is_admin,
            is_owner=is_owner,
            is_bot=is_bot,
            deleted=deleted,
            team_id=team_id,
        )
        self.users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        members: list[str] | None = None,
        is_member: bool = True,
    ) -> FakeChannel:
        ch = FakeChannel(
            id=channel_id,
            name=name,
            is_private=is_private,
            members=members or [],
            is_member=is_member,
        )
        self.channels[channel_id] = ch
        return ch

    def fail_next(self, method: str, times: int = 1, *, retry_after: int = 1) -> None:
        """The next `times` calls to `method` answer 429 with ``Retry-After: retry_after``."""
        self._fail[method] = [times, retry_after]

    def delay(self, method: str, seconds: float) -> None:
        """Answer calls to `method` only after `seconds` (to make a handler slow)."""
        self._delays[method] = seconds

    # --- inspection -----------------------------------------------------------------------
    def calls_to(self, method: str, *, status: int | None = 200) -> list[RecordedCall]:
        return [
            c for c in self.calls if c.method == method and (status is None or c.status == status)
        ]

    async def wait_for(
        self, method: str, count: int = 1, *, within: float = 10.0, status: int | None = 200
    ) -> list[RecordedCall]:
        """Wait until `count` calls to `method` (with `status`) arrived; returns them."""

        async def _enough() -> list[RecordedCall]:
            async with self._changed:
                await self._changed.wait_for(
                    lambda: len(self.calls_to(method, status=status)) >= count
                )
            return self.calls_to(method, status=status)

        return await asyncio.wait_for(_enough(), within)

    async def wait_for_response(
        self, rid: str, count: int = 1, *, within: float = 10.0
    ) -> list[dict[str, Any]]:
        async def _enough() -> list[dict[str, Any]]:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.responses.get(rid, [])) >= count)
            return self.responses[rid]

        return await asyncio.wait_for(_enough(), within)

    async def wait_until(self, predicate: Any, *, within: float = 10.0) -> None:
        """Wait until `predicate()` holds; re-checked after every request the fake receives."""

        async def _wait() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(_wait(), within)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- Socket Mode ----------------------------------------------------------------------
    async def socket_send(self, envelope: Mapping[str, Any]) -> None:
        """Push one Socket Mode envelope to every connected client."""
        data = json.dumps(envelope)
        for ws in list(self._sockets):
            await ws.send_str(data)

    async def drop_sockets(self) -> None:
        """Close every Socket Mode connection from the server side (a lost connection)."""
        for ws in list(self._sockets):
            await ws.close()

    @property
    def socket_clients(self) -> int:
        """How many Socket Mode clients are connected now."""
        return len(self._sockets)

    async def wait_for_socket_ack(
        self, envelope_id: str, *, within: float = 10.0
    ) -> dict[str, Any]:
        def _find() -> dict[str, Any] | None:
            return next((a for a in self.socket_acks if a.get("envelope_id") == envelope_id), None)

        await self.wait_until(lambda: _find() is not None, within=within)
        found = _find()
        assert found is not None
        return found

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        self.socket_connections += 1
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": len(self._sockets),
                    "debug_info": {"host": "fake", "approximate_connection_time": 3600},
                    "connection_info": {"app_id": "AFAKE0001"},
                }
            )
        )
        await self._notify()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                if isinstance(data, dict) and "envelope_id" in data:
                    self.socket_acks.append(data)
                    await self._notify()
        finally:
            self._sockets.remove(ws)
            await self._notify()
        return ws

    # --- HTTP handlers --------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            raw = await request.text()
            ctype = request.content_type
            if ctype == "application/json" or raw.startswith("{"):
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {}
                if isinstance(body, dict):
                    params.update(body)
            else:
                params.update(dict(parse_qsl(raw, keep_blank_values=True)))
        return params

    async def _response_url(self, request: web.Request) -> web.Response:
        rid = request.match_info["rid"]
        params = await self._params(request)
        self.calls.append(
            RecordedCall(f"response/{rid}", params, dict(request.headers), time.monotonic())
        )
        self.responses.setdefault(rid, []).append(params)
        await self._notify()
        return web.json_response({"ok": True})

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL handed out by files.getUploadURLExternal (files.slack.com in
        production): takes the raw bytes, answers "OK - <length>" as Slack does."""
        file_id = request.match_info["file_id"]
        pending = self.pending_uploads.get(file_id)
        data = await request.read()
        self.calls.append(
            RecordedCall(f"upload/{file_id}", {}, dict(request.headers), time.monotonic())
        )
        await self._notify()
        if pending is None:
            return web.Response(status=404, text="upload url expired")
        pending["data"] = data
        return web.Response(text=f"OK - {len(data)}")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        headers = dict(request.headers)
        delay = self._delays.get(method)
        if delay:
            await asyncio.sleep(delay)
        fail = self._fail.get(method)
        if fail and fail[0] > 0:
            fail[0] -= 1
            self.calls.append(RecordedCall(method, params, headers, time.monotonic(), status=429))
            await self._notify()
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(fail[1])},
            )
        call = RecordedCall(method, params, headers, time.monotonic())
        expected = self.app_token if method == "apps.connections.open" else self.token
        if self.check_token and call.token != expected:
            body: dict[str, Any] = {"ok": False, "error": "invalid_auth"}
        else:
            handler = getattr(self, "_m_" + method.replace(".", "_"), None)
            needed = SCOPE_OF.get(method)
            if needed in self.missing_scopes:
                body = {"ok": False, "error": "missing_scope", "needed": needed}
            else:
                body = handler(params) if handler else {"ok": False, "error": "unknown_method"}
        self.calls.append(call)
        await self._notify()
        extra = {}
        if self.granted_scopes is not None:
            extra["X-OAuth-Scopes"] = ",".join(self.granted_scopes)
        return web.json_response(body, headers=extra)

    # --- methods (named _m_<method with dots as underscores>) --------------------------------
    def _next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.000100"

    def _m_auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.com/",
            "team": self.team_name,
            "user": "rhizome",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _m_team_info(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "team": {"id": self.team_id, "name": self.team_name, "domain": "fake"},
        }

    def _m_apps_connections_open(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.socket_url}

    def _m_users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(p.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user.as_json(self.team_id)}

    def _m_conversations_info(self, p: dict[str, Any]) -> dict[str, Any]:
        ch = self.channels.get(str(p.get("channel", "")))
        if ch is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": ch.as_json()}

    def _m_conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        users = sorted(u for u in str(p.get("users", "")).split(",") if u)
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        if len(users) > 8:
            return {"ok": False, "error": "too_many_users"}
        unknown = [u for u in users if u not in self.users]
        if unknown:
            return {"ok": False, "error": "user_not_found"}
        key = "-".join(users)
        for ch in self.channels.values():
            if (ch.is_im or ch.is_mpim) and ch.name == key:
                return {"ok": True, "channel": {"id": ch.id}, "already_open": True}
        prefix = "D" if len(users) == 1 else "G"
        cid = f"{prefix}{len(self.channels) + 1:08d}"
        ch = FakeChannel(
            id=cid, name=key, is_im=len(users) == 1, is_mpim=len(users) > 1, members=users
        )
        self.channels[cid] = ch
        return {"ok": True, "channel": {"id": cid}}

    def _blocks(self, p: dict[str, Any]) -> list[Any]:
        blocks = p.get("blocks")
        if isinstance(blocks, str):
            try:
                blocks = json.loads(blocks)
            except ValueError:
                blocks = None
        return blocks if isinstance(blocks, list) else []

    def _m_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        known = self.channels.get(channel)
        if known is not None and not known.is_member:
            # a private channel is invisible until invited; a public one needs chat:write.public
            if known.is_private:
                return {"ok": False, "error": "channel_not_found"}
            if "chat:write.public" in self.missing_scopes:
                return {"ok": False, "error": "not_in_channel"}
        blocks = self._blocks(p)
        text = p.get("text")
        if not text and not blocks:
            return {"ok": False, "error": "no_text"}
        if len(blocks) > 50:
            return {"ok": False, "error": "invalid_blocks"}
        msg: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "text": text or "",
            "blocks": blocks,
            "ts": self._next_ts(),
        }
        if p.get("thread_ts"):
            msg["thread_ts"] = str(p["thread_ts"])
        self.messages.setdefault(channel, []).append(msg)
        return {"ok": True, "channel": channel, "ts": msg["ts"], "message": msg}

    def _m_chat_postEphemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("channel") or not p.get("user"):
            return {"ok": False, "error": "invalid_arguments"}
        ts = self._next_ts()
        self.ephemerals.append({**p, "message_ts": ts})
        return {"ok": True, "message_ts": ts}

    def _m_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(p.get("channel", "")), str(p.get("ts", ""))
        for msg in self.messages.get(channel, []):
            if msg["ts"] == ts:
                if "text" in p:
                    msg["text"] = p["text"]
                if "blocks" in p:
                    msg["blocks"] = self._blocks(p)
                return {"ok": True, "channel": channel, "ts": ts, "text": msg["text"]}
        return {"ok": False, "error": "message_not_found"}

    def _m_views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        user_id = str(p.get("user_id", ""))
        view = p.get("view")
        if isinstance(view, str):
            try:
                view = json.loads(view)
            except ValueError:
                view = None
        if not user_id or not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        if view.get("type") != "home" or len(view.get("blocks", [])) > 100:
            return {"ok": False, "error": "invalid_arguments"}
        self.views[user_id] = view
        return {"ok": True, "view": {"id": f"V{len(self.views):08d}", **view}}

    def load_history(self, channel_id: str, messages: list[dict[str, Any]]) -> None:
        """Put real history messages (e.g. conversations.history pages) into a channel."""
        known = {m["ts"]: m for m in self.messages.get(channel_id, [])}
        for msg in messages:
            known[str(msg["ts"])] = dict(msg)
        self.messages[channel_id] = sorted(known.values(), key=lambda m: Decimal(m["ts"]))
        # as Slack does, a root shows how many replies it has and when the latest came
        replies: dict[str, list[str]] = {}
        for msg in self.messages[channel_id]:
            root = msg.get("thread_ts")
            if root and root != msg["ts"]:
                replies.setdefault(str(root), []).append(msg["ts"])
        for root, found in replies.items():
            parent = known.get(root)
            if parent is not None:
                parent.update(thread_ts=root, reply_count=len(found), latest_reply=found[-1])

    def edit_message(self, channel_id: str, ts: str, text: str, *, edited_ts: str) -> None:
        for msg in self.messages.get(channel_id, []):
            if msg["ts"] == ts:
                msg["text"] = text
                msg.pop("blocks", None)
                msg["edited"] = {"user": msg.get("user"), "ts": edited_ts}
                return
        raise KeyError(ts)

    def delete_message(self, channel_id: str, ts: str) -> None:
        before = self.messages.get(channel_id, [])
        self.messages[channel_id] = [m for m in before if m["ts"] != ts]
        if len(self.messages[channel_id]) == len(before):
            raise KeyError(ts)

    def _page(self, p: dict[str, Any], msgs: list[dict[str, Any]]) -> dict[str, Any]:
        """One page as Slack pages: `limit` (capped at `max_page`), an opaque cursor,
        `has_more` and `response_metadata.next_cursor`."""
        try:
            limit = max(1, min(int(p.get("limit") or 100), 999, self.max_page))
            cursor = str(p.get("cursor") or "")
            offset = int(cursor.removeprefix("bmV4dDo")) if cursor else 0
        except ValueError:
            return {"ok": False, "error": "invalid_cursor"}
        page = msgs[offset : offset + limit]
        more = offset + limit < len(msgs)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
            "response_metadata": {"next_cursor": f"bmV4dDo{offset + limit}" if more else ""},
        }

    @staticmethod
    def _in_range(p: dict[str, Any], ts: str) -> bool:
        inclusive = str(p.get("inclusive", "")).lower() in ("1", "true")
        value = Decimal(ts)
        if p.get("oldest"):
            oldest = Decimal(str(p["oldest"]))
            if value < oldest or (value == oldest and not inclusive):
                return False
        if p.get("latest"):
            latest = Decimal(str(p["latest"]))
            if value > latest or (value == latest and not inclusive):
                return False
        return True

    def _m_users_conversations(self, p: dict[str, Any]) -> dict[str, Any]:
        """The conversations the bot is a member of, of the asked `types`."""
        types = set(str(p.get("types") or "public_channel").split(","))
        found = [
            ch.as_json()
            for ch in self.channels.values()
            if ch.is_member
            and not (ch.is_im or ch.is_mpim)
            and ("private_channel" if ch.is_private else "public_channel") in types
        ]
        page = self._page(p, found)
        if page.get("ok"):
            page["channels"] = page.pop("messages")
        return page

    def _m_conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel", ""))
        if channel not in self.messages and channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        msgs = [
            m
            for m in self.messages.get(channel, [])
            if (m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast")
            and self._in_range(p, m["ts"])
        ]
        return self._page(p, list(reversed(msgs)))  # newest first, as Slack answers

    def _m_conversations_replies(self, p: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(p.get("channel", "")), str(p.get("ts", ""))
        thread = [
            m for m in self.messages.get(channel, []) if m["ts"] == ts or m.get("thread_ts") == ts
        ]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        parent = [m for m in thread if m["ts"] == ts]
        replies = [m for m in thread if m["ts"] != ts and self._in_range(p, m["ts"])]
        return self._page(p, parent + replies)  # the parent first, then oldest first

    def _m_files_getUploadURLExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        filename, length = str(p.get("filename") or ""), str(p.get("length") or "")
        if not filename or not length.isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{len(self.pending_uploads) + len(self.files) + 1:08d}"
        self.pending_uploads[file_id] = {"name": filename, "length": int(length), "data": None}
        return {
            "ok": True,
            "upload_url": f"{self.root_url}/upload/v1/{file_id}",
            "file_id": file_id,
        }

    def _m_files_completeUploadExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        raw = p.get("files")
        try:
            items = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            items = None
        if not isinstance(items, list) or not items:
            return {"ok": False, "error": "invalid_arguments"}
        channel = str(p.get("channel_id") or "")
        if channel and channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        done: list[dict[str, Any]] = []
        for item in items:
            pending = self.pending_uploads.get(str(item.get("id")))
            if pending is None or pending["data"] is None:
                return {"ok": False, "error": "file_not_found"}
            if len(pending["data"]) != pending["length"]:
                return {"ok": False, "error": "file_upload_size_mismatch"}
        for item in items:
            file_id = str(item["id"])
            pending = self.pending_uploads.pop(file_id)
            shared = {
                "id": file_id,
                "name": pending["name"],
                "title": item.get("title") or pending["name"],
                "data": pending["data"],
                "channel": channel or None,
                "initial_comment": p.get("initial_comment"),
            }
            self.files[file_id] = shared
            done.append({"id": file_id, "title": shared["title"]})
        return {"ok": True, "files": done}
