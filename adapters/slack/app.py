"""The Slack adapter at run time: a Bolt `AsyncApp` wired to the Rhizome core.

HTTP mode (Bolt's aiohttp adapter on the configured host/port) when only the signing secret
is set; Socket Mode when an app-level token is set. Every value Bolt needs is passed
explicitly — Bolt never reads SLACK_* from the environment here — and tokens are never logged.

Events are stored durably *before* they are acknowledged: a listener middleware translates the
payload and awaits `rhizome.ingest`, which returns once the batch is committed; redeliveries
(`X-Slack-Retry-Num`) carry the same `event_id`, which the core's processed-event table drops.
Slash commands and button presses are acknowledged at once and answered through `respond()`.

(Long because Bolt's listeners, the outlet and the socket/HTTP start-up share one app object and
its state; translation, rendering, catch-up, the manifest and the doctor live in their own
modules.)
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import hmac
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.catchup import CatchUpReport, Marks, SlackCatchUp
from adapters.slack.home import home_document, home_view
from adapters.slack.render import ACTION_PREFIX, render_document, render_reply
from adapters.slack.translate import (
    PLATFORM,
    CommandRequest,
    action_requests,
    command_request,
    community_of,
    slack_user_is_admin,
    slack_user_name,
    translate_envelope,
)
from bot.commands.registry import ADMIN_GROUP, MEMBER_GROUP, Invocation
from bot.config import Config, Secrets
from bot.documents import Code, Document, Paragraph, Reply, spans
from bot.logs import RepeatLimiter, WithholdContent, guard, library_loggers
from bot.model import (
    Actor,
    ChannelRenamed,
    CommunityRef,
    CommunityRemoved,
    InboundEvent,
    MemberJoined,
    MemberSettings,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.ports import PostRefused
from bot.runtime import StartupError

if TYPE_CHECKING:
    from bot.app import Rhizome

log = logging.getLogger("rhizome.slack")

COMMAND_GROUPS: dict[str, str] = {"/rhizome": MEMBER_GROUP, "/rhizome-admin": ADMIN_GROUP}
# How long a name lookup may delay an event's ack; past it the event is stored without a name.
LOOKUP_BUDGET_SECONDS = 1.5
STOP_GRACE_SECONDS = 6.0  # how long stopping waits for commands being answered
USER_TTL_SECONDS = 300.0
CHANNEL_TTL_SECONDS = 600.0
FAILED_LOOKUP_TTL_SECONDS = 30.0
STARTUP_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0)
# Slack's own rule: a request signed more than 5 minutes ago may be a replay.
SIGNATURE_MAX_AGE_SECONDS = 300

T = TypeVar("T")
# chat.postMessage errors that mean "invite the bot first" (a private or archived channel)
_NOT_THERE = frozenset({"not_in_channel", "channel_not_found", "is_archived"})

# Which field of each event names the person, for display-name lookups.
_ACTOR_FIELDS: dict[type, str] = {
    MessagePosted: "author",
    MessageEdited: "author",
    ReactionAdded: "actor",
    ReactionRemoved: "actor",
    MemberJoined: "actor",
}


class _IgnoreEnvTokenWarning(logging.Filter):
    """Bolt always peeks at SLACK_BOT_TOKEN and warns that it will not use it (we pass a
    client); that is the intended outcome, not something for the operator to fix."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _bolt_logger(parent: logging.Logger) -> logging.Logger:
    logger = parent.getChild("bolt")
    if not any(isinstance(f, _IgnoreEnvTokenWarning) for f in logger.filters):
        logger.addFilter(_IgnoreEnvTokenWarning())
    return logger


# --- caches of users.info / conversations.info ----------------------------------------------
@dataclass(frozen=True, slots=True)
class SlackUser:
    id: str
    name: str | None
    is_admin: bool = False
    is_bot: bool = False
    team_id: str | None = None


@dataclass(frozen=True, slots=True)
class SlackChannel:
    id: str
    name: str | None
    is_private: bool = False


class _TTLDirectory:
    """A small cache in front of one Web API lookup, with in-flight de-duplication.

    Many events from one busy member arrive together; only one lookup goes out, and a failed
    lookup is remembered briefly so a rate-limited API is not hammered.
    """

    def __init__(
        self,
        fetch: Callable[[str], Awaitable[Any]],
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 20_000,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._clock = clock
        self._max = max_entries
        self._entries: dict[str, tuple[float, Any]] = {}
        self._inflight: dict[str, asyncio.Future[Any]] = {}

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)

    def put(self, key: str, value: Any, ttl: float | None = None) -> None:
        if len(self._entries) >= self._max:
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = (self._clock() + (self._ttl if ttl is None else ttl), value)

    async def get(self, key: str) -> Any:
        """The cached value, or the result of one shared lookup.

        The lookup runs as its own task, so a caller that gives up (a time budget) neither
        cancels it nor loses it: the answer still lands in the cache for the next event.
        """
        hit = self._entries.get(key)
        if hit is not None and hit[0] > self._clock():
            return hit[1]
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._load(key))
            self._inflight[key] = task
            task.add_done_callback(functools.partial(self._settled, key))
        return await asyncio.shield(task)

    async def _load(self, key: str) -> Any:
        value = await self._fetch(key)
        self.put(key, value, None if value is not None else FAILED_LOOKUP_TTL_SECONDS)
        return value

    def _settled(self, key: str, task: asyncio.Future[Any]) -> None:
        self._inflight.pop(key, None)
        if not task.cancelled() and task.exception() is not None:
            log.warning("slack: lookup of %s failed: %s", key, task.exception())

    async def close(self) -> None:
        """Cancel lookups still under way (adapter shutdown)."""
        pending = list(self._inflight.values())
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


class UserDirectory(_TTLDirectory):
    """users.info, cached: names for Actor.display_name, admin/owner for moderator checks."""

    def __init__(self, client: AsyncWebClient, ttl: float = USER_TTL_SECONDS) -> None:
        self._client = client
        super().__init__(self._lookup, ttl)

    async def _lookup(self, user_id: str) -> SlackUser | None:
        try:
            resp = await self._client.users_info(user=user_id)
        except SlackApiError as e:
            log.warning("users.info %s failed: %s", user_id, e.response.get("error"))
            return None
        user = resp.get("user") or {}
        return SlackUser(
            id=user_id,
            name=slack_user_name(user),
            is_admin=slack_user_is_admin(user),
            is_bot=bool(user.get("is_bot")),
            team_id=user.get("team_id") or None,
        )


class ChannelDirectory(_TTLDirectory):
    """conversations.info, cached: channel names, which tracking rules match on."""

    def __init__(self, client: AsyncWebClient, ttl: float = CHANNEL_TTL_SECONDS) -> None:
        self._client = client
        super().__init__(self._lookup, ttl)

    async def _lookup(self, channel_id: str) -> SlackChannel | None:
        try:
            resp = await self._client.conversations_info(channel=channel_id)
        except SlackApiError as e:
            log.warning("conversations.info %s failed: %s", channel_id, e.response.get("error"))
            return None
        ch = resp.get("channel") or {}
        return SlackChannel(
            id=channel_id, name=ch.get("name") or None, is_private=bool(ch.get("is_private"))
        )


async def _within(budget: float, work: Awaitable[T]) -> T | None:
    """`work`'s result, or None if it takes longer than `budget` seconds or fails."""
    try:
        return await asyncio.wait_for(work, budget)
    except Exception as e:
        log.debug("lookup skipped: %s", type(e).__name__)
        return None


# --- the outlet -----------------------------------------------------------------------------
class SlackOutlet:
    """Posts the core's documents (digests, intros) into Slack.

    chat.postMessage allows about one message a second per channel: posts to one channel are
    spaced by `1 / posts_per_second`; a 429 is waited out (Retry-After) by slack_sdk's
    rate-limit retry handler on the outlet's own client.
    """

    platform = PLATFORM

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        team_id: str | None = None,
        posts_per_second: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.team_id = team_id
        self._interval = 1.0 / posts_per_second
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    def _check(self, community: CommunityRef) -> None:
        if community.platform != PLATFORM:
            raise ValueError(f"the Slack outlet cannot post to a {community.platform} community")
        if self.team_id and community.external_id != self.team_id:
            raise ValueError(
                f"this Slack app is installed in {self.team_id}, not {community.external_id}"
            )

    async def post(self, community: CommunityRef, channel_id: str, document: Document) -> str:
        self._check(community)
        message = render_document(document)
        lock = self._locks.setdefault(channel_id, asyncio.Lock())
        async with lock:
            wait = self._last.get(channel_id, float("-inf")) + self._interval - self._clock()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                resp = await self.client.chat_postMessage(
                    channel=channel_id,
                    text=message.text,
                    blocks=message.blocks,
                    unfurl_links=False,
                    unfurl_media=False,
                )
            except SlackApiError as e:
                if e.response.get("error") in _NOT_THERE:
                    raise PostRefused(
                        f"I am not a member of <#{channel_id}>, so I cannot post there. Invite "
                        "me with /invite @Rhizome in that channel (a private one needs it), "
                        "or choose another channel."
                    ) from None
                raise
            finally:
                self._last[channel_id] = self._clock()
        return str(resp["ts"])

    async def open_conversation(
        self, community: CommunityRef, member_external_ids: Sequence[str], topic: str
    ) -> str:
        """A group DM with these members (a 1:1 DM for one); `topic` is left to the first post,
        since a bot cannot set a group DM's topic."""
        self._check(community)
        users = sorted(set(member_external_ids))
        if not users:
            raise ValueError("open_conversation needs at least one member")
        resp = await self.client.conversations_open(users=",".join(users))
        return str(resp["channel"]["id"])


# --- the adapter ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Identity:
    """Who this app is, from auth.test at start."""

    team_id: str
    team_name: str | None
    bot_user_id: str
    bot_id: str | None


class SlackAdapter:
    """One Slack workspace (single bot token), in HTTP or Socket Mode."""

    def __init__(
        self,
        rhizome: Rhizome,
        config: Config,
        secrets: Secrets,
        *,
        logger: logging.Logger | None = None,
    ) -> None:
        if not secrets.get("SLACK_BOT_TOKEN"):
            raise ValueError("slack: SLACK_BOT_TOKEN is not set")
        self.socket_mode = bool(secrets.get("SLACK_APP_TOKEN"))
        if not self.socket_mode and not secrets.get("SLACK_SIGNING_SECRET"):
            raise ValueError(
                "slack: HTTP mode needs SLACK_SIGNING_SECRET (or set SLACK_APP_TOKEN for Socket Mode)"
            )
        self.rhizome = rhizome
        self.config = config
        self._secrets = secrets
        self.log = logger or log
        self._wall_clock: Callable[[], float] = time.time
        # Waits between start-up attempts while Slack is unreachable (then StartupError).
        self.startup_delays: tuple[float, ...] = STARTUP_DELAYS
        self._log_guards = (WithholdContent(), RepeatLimiter())
        base_url = config.slack.api_base_url
        if not base_url.endswith("/"):
            base_url += "/"
        # Bolt's client: no rate-limit retries, so nothing before an ack can stall on a 429.
        self.client = AsyncWebClient(
            token=secrets.get("SLACK_BOT_TOKEN"),
            base_url=base_url,
            logger=self.log,
            retry_handlers=[AsyncConnectionErrorRetryHandler()],
        )
        # The outlet's client waits out 429s (digests and intros are not in a hurry).
        self.outlet_client = AsyncWebClient(
            token=secrets.get("SLACK_BOT_TOKEN"),
            base_url=base_url,
            logger=self.log,
            retry_handlers=[
                AsyncConnectionErrorRetryHandler(),
                AsyncRateLimitErrorRetryHandler(max_retry_count=5),
            ],
        )
        # Bolt gets its own token-less client: `authorize` supplies the token per request.
        self.bolt_client = AsyncWebClient(
            base_url=base_url,
            logger=self.log,
            retry_handlers=[AsyncConnectionErrorRetryHandler()],
        )
        self.users = UserDirectory(self.client)
        self.channels = ChannelDirectory(self.client)
        self.outlet = SlackOutlet(
            self.outlet_client, posts_per_second=config.slack.posts_per_second
        )
        self.identity: Identity | None = None
        self.catch_up_task: asyncio.Task[CatchUpReport] | None = None
        self._socket_hellos = 0
        self._socket_activity = 0.0  # wall-clock time of the last Socket Mode message
        self.app = self._build_app()
        # After the app is built, so Bolt's own loggers (slack_bolt.*) exist to be guarded.
        guard(
            [self.log, _bolt_logger(self.log), *library_loggers("slack_bolt", "slack_sdk")],
            *self._log_guards,
        )
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self.port: int | None = None
        # Commands and buttons being answered: Bolt runs them after the ack, outside any
        # request, so `stop` waits for them instead of cutting a reply (or a post) off.
        self._answering: set[asyncio.Task[Any]] = set()

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        """Check the tokens (auth.test; apps.connections.open in Socket Mode), register the
        outlet, take the catch-up marks, then listen.

        A refused token raises StartupError at once; an unreachable Slack is retried with
        backoff (`startup_delays`) before StartupError."""
        auth = await self._startup_call("auth.test", self.client.auth_test, "SLACK_BOT_TOKEN")
        if self.socket_mode:
            app_token = self._secrets.get("SLACK_APP_TOKEN") or ""
            app_client = AsyncWebClient(
                base_url=self.client.base_url, logger=self.log, retry_handlers=[]
            )
            await self._startup_call(
                "apps.connections.open",
                lambda: app_client.apps_connections_open(app_token=app_token),
                "SLACK_APP_TOKEN",
            )
        self.identity = Identity(
            team_id=str(auth["team_id"]),
            team_name=auth.get("team") or None,
            bot_user_id=str(auth["user_id"]),
            bot_id=auth.get("bot_id") or None,
        )
        self.outlet.team_id = self.identity.team_id
        self.rhizome.add_outlet(self.outlet)
        # Before listening: live traffic must not move the marks past the gap.
        marks = await self.catch_up().snapshot() if self.config.slack.catch_up else None
        if self.socket_mode:
            self._socket = AsyncSocketModeHandler(
                self.app,
                app_token=self._secrets.get("SLACK_APP_TOKEN"),
                logger=self.log,
                web_client=self.client,
            )
            client = self._socket.client
            client.on_message_listeners.append(self._on_socket_message)
            try:
                await self._socket.connect_async()
            except SlackApiError as e:
                raise StartupError(
                    f"slack: SLACK_APP_TOKEN was refused ({e.response.get('error')}): create an "
                    "app-level token (xapp-…) with connections:write under Basic Information"
                ) from None
            self.log.info("slack: connected in Socket Mode to %s", self.identity.team_id)
        else:
            self._runner = web.AppRunner(self.web_app(), handle_signals=False, access_log=None)
            await self._runner.setup()
            slack = self.config.slack
            await web.TCPSite(self._runner, slack.host, slack.port).start()
            self.port = int(self._runner.addresses[0][1])
            self.log.info(
                "slack: listening on http://%s:%d%s for %s",
                slack.host,
                self.port,
                slack.path,
                self.identity.team_id,
            )
        if marks:  # none on a first start: nothing is stored, so nothing was missed
            self._start_catch_up(marks)

    async def _startup_call(
        self, method: str, call: Callable[[], Awaitable[Any]], secret: str
    ) -> Any:
        """One start-up API call: a refusal is final, a network failure is retried."""
        for attempt, delay in enumerate((*self.startup_delays, None), 1):
            try:
                return await call()
            except SlackApiError as e:
                error = str(e.response.get("error") or e.response.status_code)
                raise StartupError(_refusal_hint(secret, method, error)) from None
            except (TimeoutError, aiohttp.ClientError, OSError) as e:
                if delay is None:
                    raise StartupError(
                        f"slack: cannot reach {self.client.base_url} ({type(e).__name__}) "
                        f"after {attempt} attempts; check the network, or [slack] api_base_url"
                    ) from None
                self.log.warning(
                    "slack: %s failed (%s); retrying in %.0f s", method, type(e).__name__, delay
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    # --- catch-up -------------------------------------------------------------------------
    def catch_up(self) -> SlackCatchUp:
        """Reading what Slack stopped retrying while we were away (adapters/slack/catchup)."""
        if self.identity is None:
            raise RuntimeError("slack: catch-up needs auth.test first")

        async def is_private(channel_id: str) -> bool:
            found = await self.channels.get(channel_id)
            return found.is_private if found is not None else channel_id.startswith("G")

        return SlackCatchUp(
            self.rhizome,
            self.outlet_client,  # waits out 429s
            community_of(self.identity.team_id, self._team_names()),
            window=timedelta(hours=self.config.slack.catch_up_window_hours),
            is_private=is_private,
            private_channels=self.config.tracking.track_private_channels,
            logger=self.log,
        )

    def _start_catch_up(self, marks: Marks) -> None:
        if self.catch_up_task is not None and not self.catch_up_task.done():
            self.catch_up_task.cancel()  # a newer gap: its marks are no later than these
        self.catch_up_task = asyncio.create_task(
            self._run_catch_up(marks), name="rhizome-slack-catch-up"
        )

    async def _run_catch_up(self, marks: Marks) -> CatchUpReport:
        try:
            return await self.catch_up().run(marks)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.log.exception("slack: catch-up failed; the next start tries again")
            return CatchUpReport()

    async def _on_socket_message(self, message: Any) -> None:
        """Socket Mode traffic: a `hello` after the first one means the connection was lost
        and re-established: catch up from where things stood when traffic last arrived.
        (slack_sdk reconnects before it tells close listeners, so a close hook would be late.)"""
        now = self._wall_clock()
        if not _is_hello(getattr(message, "data", None)):
            self._socket_activity = now
            return
        if not self._socket_hellos or not self.config.slack.catch_up:
            self._socket_hellos += 1
            self._socket_activity = now
            return
        self._socket_hellos += 1
        lost = datetime.fromtimestamp(self._socket_activity, UTC)
        self._socket_activity = now
        self.log.info("slack: reconnected to Socket Mode; catching up from before %s", lost)
        self._spawn_reconnect_catch_up(lost)

    def _spawn_reconnect_catch_up(self, lost: datetime) -> None:
        async def run() -> CatchUpReport:
            try:
                marks = await self.catch_up().snapshot(before=lost)
            except Exception:
                self.log.exception("slack: could not read where to catch up from")
                return CatchUpReport()
            return await self._run_catch_up(marks) if marks else CatchUpReport()

        if self.catch_up_task is not None and not self.catch_up_task.done():
            self.catch_up_task.cancel()
        self.catch_up_task = asyncio.create_task(run(), name="rhizome-slack-catch-up")

    async def stop(self) -> None:
        """Stop listening first (in-flight requests finish), then drop pending lookups."""
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._answering:
            await asyncio.wait(set(self._answering), timeout=STOP_GRACE_SECONDS)
        if self.catch_up_task is not None and not self.catch_up_task.done():
            self.catch_up_task.cancel()  # the next start catches up from the same marks
            await asyncio.gather(self.catch_up_task, return_exceptions=True)
        await self.users.close()
        await self.channels.close()
        if self.rhizome.services.outlets.get(PLATFORM) is self.outlet:
            del self.rhizome.services.outlets[PLATFORM]

    async def __aenter__(self) -> SlackAdapter:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def web_app(self) -> web.Application:
        """aiohttp application serving Bolt on the configured path (plus a health check)."""
        app = web.Application()

        async def slack_events(request: web.Request) -> web.Response:
            raw = await request.read()
            refused = self._refusal(request.headers, raw)
            if refused is not None:
                # One line without the body: it may hold message text and a response_url,
                # and anyone can send these (RepeatLimiter keeps a flood to a few lines).
                self.log.warning("slack: refused a request with %s", refused)
                return web.json_response({"error": "invalid request"}, status=401)
            if _is_app_rate_limited(raw):
                # Slack's notice that it is dropping this app's events for a minute: the
                # next catch-up reads them from history.
                self.log.warning("slack: Slack reports the Events API rate limit was reached")
                return web.Response(status=200)
            try:
                bolt_req = await to_bolt_request(request)
            except ValueError:  # not JSON / not a form, though signed
                return web.Response(status=400, text="malformed body")
            bolt_resp: BoltResponse = await self.app.async_dispatch(bolt_req)
            return await to_aiohttp_response(bolt_resp)

        async def health(request: web.Request) -> web.Response:
            return web.Response(text="ok")

        app.router.add_post(self.config.slack.path, slack_events)
        app.router.add_get("/healthz", health)
        return app

    def _refusal(self, headers: Mapping[str, str], raw: bytes) -> str | None:
        """Why a request is not Slack's (signed with our secret, less than 5 minutes old),
        or None when it is."""
        timestamp = headers.get("X-Slack-Request-Timestamp", "")
        signature = headers.get("X-Slack-Signature", "")
        if not timestamp or not signature:
            return "no signature"
        if not timestamp.isascii() or not timestamp.isdigit():
            return "a timestamp that is not a number"
        if abs(self._wall_clock() - int(timestamp)) > SIGNATURE_MAX_AGE_SECONDS:
            return "a timestamp more than 5 minutes off"
        secret = (self._secrets.get("SLACK_SIGNING_SECRET") or "").encode()
        digest = hmac.new(secret, b"v0:" + timestamp.encode() + b":" + raw, "sha256")
        if not hmac.compare_digest("v0=" + digest.hexdigest(), signature):
            return "a wrong signature"
        return None

    # --- Bolt -----------------------------------------------------------------------------
    def _build_app(self) -> AsyncApp:
        app = AsyncApp(
            name="rhizome",
            logger=_bolt_logger(self.log),
            client=self.bolt_client,
            # explicit, so Bolt never falls back to SLACK_SIGNING_SECRET in the environment
            signing_secret=self._secrets.get("SLACK_SIGNING_SECRET") or "",
            # auth.test once at start instead of Bolt's lazy per-process call on a live request
            authorize=self._authorizer(),
            # HTTP requests are verified in `web_app` before Bolt sees them: Bolt logs the
            # whole body of a rejected request and answers a non-numeric timestamp with a 500.
            request_verification_enabled=False,
            process_before_response=False,
        )
        app.event(re.compile(r".*"), middleware=[self._record_event])(self._after_event)
        for command in COMMAND_GROUPS:
            app.command(command)(self._on_command)
        app.action(re.compile(f"^{ACTION_PREFIX}"))(self._on_action)
        app.error(self._on_error)
        return app

    def _authorizer(self) -> Callable[..., Awaitable[Any]]:
        """Bolt's `authorize`: this one workspace, from the auth.test done at start.

        Each community installs Rhizome as its own internal app, so every request signed with
        this app's secret is for this installation, whatever `team_id` Bolt read: a Slack
        Connect partner's command or button carries *their* org's id. (Events name the
        installing workspace in `authorizations`; `_record_event` checks that one.)
        A plain function, because Bolt injects authorize arguments by name (no `self`).
        """

        async def authorize(team_id: str | None) -> AuthorizeResult | None:
            ident = self.identity
            if ident is None:
                return None
            return AuthorizeResult(
                enterprise_id=None,
                team_id=ident.team_id,
                team=ident.team_name,
                bot_user_id=ident.bot_user_id,
                bot_id=ident.bot_id,
                bot_token=self.client.token,
            )

        return authorize

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        self.log.error("slack: listener failed: %s", error, exc_info=error)

    def _home(self) -> str | None:
        """The installing workspace: the community of every event, command and action."""
        return self.identity.team_id if self.identity else None

    def _team_names(self) -> Mapping[str, str]:
        ident = self.identity
        return {ident.team_id: ident.team_name} if ident and ident.team_name else {}

    # --- events ---------------------------------------------------------------------------
    async def _record_event(
        self, body: dict[str, Any], next: Callable[[], Awaitable[Any]]
    ) -> BoltResponse | None:
        """Listener middleware: store the event, *then* let Bolt ack it.

        A storage failure answers 500 so Slack redelivers later; a payload we cannot read is
        logged and acknowledged, since redelivering it would fail the same way.
        """
        installed = _installed_team(body)
        home = self.identity.team_id if self.identity else None
        if installed and home and installed != home:
            self.log.warning(
                "slack: ignored an event for workspace %s; this app is installed in %s",
                installed,
                home,
            )
            await next()
            return None
        try:
            event = translate_envelope(body, team_names=self._team_names(), team_id=home)
        except Exception:
            self.log.exception("slack: could not translate event %s", body.get("event_id"))
            event = None
        if event is not None:
            event = await self._enrich(event)
            try:
                await self.rhizome.ingest(event)
            except Exception:
                self.log.exception("slack: could not store event %s", body.get("event_id"))
                return BoltResponse(status=500, body="")
            if isinstance(event, ChannelRenamed):
                self.channels.forget(event.place.channel_id)
            elif isinstance(event, CommunityRemoved):
                self.log.warning(
                    "slack: app removed from %s; its data was purged", event.community.external_id
                )
        await next()
        return None

    async def _after_event(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """Work that may follow the ack: the Home tab."""
        if event.get("type") == "app_home_opened" and event.get("tab", "home") == "home":
            user = event.get("user")
            if isinstance(user, str) and user:
                await self.publish_home(body, user)

    async def _enrich(self, event: InboundEvent) -> InboundEvent:
        """Fill display and channel names from cached lookups, all within one small budget.

        This runs before the ack, so it must stay well inside Slack's 3 seconds: the user and
        channel lookups run together, and whatever has not answered in time is left out (the
        lookup still finishes in the background and serves the next event).
        """
        place = event.place
        if place.is_dm or isinstance(event, CommunityRemoved | ChannelRenamed):
            return event
        actor_field = _ACTOR_FIELDS.get(type(event))
        actor: Actor | None = getattr(event, actor_field) if actor_field else None
        wanted: dict[str, asyncio.Future[Any]] = {}
        if actor is not None and not actor.display_name:
            wanted["user"] = asyncio.ensure_future(self.users.get(actor.external_id))
        if place.channel_id and not place.channel_name:
            wanted["channel"] = asyncio.ensure_future(self.channels.get(place.channel_id))
        if not wanted:
            return event
        done, pending = await asyncio.wait(wanted.values(), timeout=LOOKUP_BUDGET_SECONDS)
        for task in pending:
            task.cancel()  # only this caller's wait; the shared lookup goes on
        results = {
            name: task.result()
            for name, task in wanted.items()
            if task in done and not task.cancelled() and task.exception() is None
        }
        changes: dict[str, Any] = {}
        user: SlackUser | None = results.get("user")
        if actor_field and actor is not None and user is not None:
            changes[actor_field] = dataclasses.replace(
                actor, display_name=user.name, is_bot=actor.is_bot or user.is_bot
            )
        channel: SlackChannel | None = results.get("channel")
        if channel is not None and channel.name:
            changes["place"] = dataclasses.replace(
                place,
                channel_name=channel.name,
                is_private=place.is_private or channel.is_private,
            )
        return dataclasses.replace(event, **changes) if changes else event

    # --- commands and buttons -------------------------------------------------------------
    async def actor_for(self, user_id: str, fallback_name: str | None = None) -> Actor:
        user = await _within(LOOKUP_BUDGET_SECONDS * 2, self.users.get(user_id))
        if user is None:
            return Actor(external_id=user_id, display_name=fallback_name)
        # An admin of *another* workspace (a Slack Connect channel) is no admin here.
        home_team = self.identity.team_id if self.identity else None
        foreign = bool(user.team_id and home_team and user.team_id != home_team)
        return Actor(
            external_id=user_id,
            display_name=user.name or fallback_name,
            is_bot=user.is_bot,
            is_admin=user.is_admin and not foreign,
        )

    async def run(self, req: CommandRequest) -> Reply:
        actor = await self.actor_for(req.user_id, req.user_name)
        return await self.rhizome.run_command(
            Invocation(
                community=req.community,
                actor=actor,
                group=req.group,
                text=req.text,
                place=req.place,
            )
        )

    async def _on_command(
        self, ack: Callable[..., Awaitable[None]], body: dict[str, Any], respond: Any
    ) -> None:
        await ack()  # within Slack's 3 seconds, before any work
        self._answering_now()
        req = command_request(
            body, command_names=COMMAND_GROUPS, team_names=self._team_names(), team_id=self._home()
        )
        if req is None:
            await respond(text="Sorry, I could not read that command.", response_type="ephemeral")
            return
        if not await self._first_delivery(req.community, body):
            return
        reply = await self.deliver_files(req.user_id, await self.run(req))
        await self._respond(respond, reply)

    async def _on_action(
        self, ack: Callable[..., Awaitable[None]], body: dict[str, Any], respond: Any
    ) -> None:
        await ack()
        self._answering_now()
        view = body.get("view") or {}
        requests = action_requests(body, team_names=self._team_names(), team_id=self._home())
        if requests and not await self._first_delivery(requests[0].community, body):
            return
        for req in requests:
            reply = await self.deliver_files(req.user_id, await self.run(req))
            if view.get("type") == "home":
                # No conversation to answer in: show the result on top of the refreshed panel.
                await self.publish_home(body, req.user_id, notice=reply.document)
            else:
                await self._respond(respond, reply, replace_original=False)

    def _answering_now(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._answering.add(task)
            task.add_done_callback(self._answering.discard)

    async def _first_delivery(self, community: CommunityRef, body: Mapping[str, Any]) -> bool:
        """False for a command or button press already run: a replayed signed request (or a
        second worker receiving the same one) carries the same unique `trigger_id`."""
        trigger = body.get("trigger_id")
        if not isinstance(trigger, str) or not trigger:
            return True
        if await self.rhizome.claim_delivery(community, f"slack:trigger:{trigger}"):
            return True
        self.log.warning("slack: ignored a repeated request (trigger_id %s)", trigger)
        return False

    async def deliver_files(self, user_id: str, reply: Reply) -> Reply:
        """Send a reply's files (a data export) whole, in a DM, through Slack's current upload
        flow (files.getUploadURLExternal → upload → files.completeUploadExternal); a message
        or the Home tab can only show a preview. The reply then says where the file went;
        when Slack refuses, it says why and keeps the preview."""
        if not reply.files:
            return reply
        sent: list[str] = []
        try:
            dm = await self.outlet_client.conversations_open(users=user_id)
            channel = str(dm["channel"]["id"])
            for name, content in reply.files:
                size = len(content.encode("utf-8"))
                await self.outlet_client.files_upload_v2(
                    channel=channel,
                    filename=name,
                    title=name,
                    content=content,
                    initial_comment=f"Your complete Rhizome export: {name} ({size:,} bytes).",
                )
                sent.append(f"{name} ({size:,} bytes)")
        except (SlackApiError, SlackRequestError, aiohttp.ClientError, TimeoutError) as e:
            error = (
                str(e.response.get("error"))
                if isinstance(e, SlackApiError)
                else f"the upload failed ({type(e).__name__})"
            )
            self.log.warning("slack: could not send a file to %s: %s", user_id, error)
            hint = (
                " The app needs the files:write scope: reinstall it from a current manifest "
                "(rhizome slack manifest)."
                if error == "missing_scope"
                else ""
            )
            note = Paragraph(
                spans(f"I could not send you the complete file (Slack said: {error}).{hint}")
            )
            return dataclasses.replace(
                reply, document=Document((note, *reply.document.blocks), reply.document.title)
            )
        delivered = {name for name, _ in reply.files}
        kept = tuple(
            b
            for b in reply.document.blocks
            if not (isinstance(b, Code) and b.filename in delivered)
        )
        note = Paragraph(
            spans(f"The complete file is in your direct messages with me: {', '.join(sent)}.")
        )
        return Reply(Document((*kept, note), reply.document.title), ephemeral=reply.ephemeral)

    async def _respond(self, respond: Any, reply: Reply, **extra: Any) -> None:
        message = render_reply(reply)
        await respond(
            text=message.text,
            blocks=message.blocks,
            response_type="ephemeral" if reply.ephemeral else "in_channel",
            **extra,
        )

    # --- App Home -------------------------------------------------------------------------
    async def publish_home(
        self, body: Mapping[str, Any], user_id: str, *, notice: Document | None = None
    ) -> None:
        ident = self.identity
        if ident is None:
            return
        community = community_of(ident.team_id, self._team_names())
        actor = await self.actor_for(user_id)
        profile = await self.rhizome.run_command(
            Invocation(community=community, actor=actor, text="profile")
        )
        settings = await self._settings(community, user_id)
        doc = home_document(profile.document, settings, notice=notice)
        # after the ack: the outlet's client, which waits out a 429
        await self.outlet_client.views_publish(user_id=user_id, view=home_view(doc))

    async def _settings(self, community: CommunityRef, user_id: str) -> MemberSettings | None:
        """The member's privacy choices, if the core can tell (the panel works without)."""
        services = self.rhizome.services
        try:
            found = await services.repos.communities.find(community.platform, community.external_id)
            if found is None:
                return None
            return await services.repos.settings.get(
                found.id, user_id, services.config.privacy.default_tracking
            )
        except Exception:
            self.log.exception("slack: could not read settings for the Home tab")
            return None


def _refusal_hint(secret: str, method: str, error: str) -> str:
    """One line saying which token Slack refused and what to do about it."""
    where = (
        "the app-level token (xapp-…, with connections:write) under Basic Information"
        if secret == "SLACK_APP_TOKEN"
        else "the Bot User OAuth Token (xoxb-…) under OAuth & Permissions"
    )
    return f"slack: {method} refused {secret} ({error}); set it to {where} of the installed app"


def _is_app_rate_limited(raw: bytes) -> bool:
    """An `app_rate_limited` callback (not an event_callback, so Bolt would answer 404)."""
    if b"app_rate_limited" not in raw[:4096]:
        return False
    try:
        parsed = json.loads(raw)
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("type") == "app_rate_limited"


def _is_hello(data: Any) -> bool:
    """A Socket Mode `hello`: Slack's first message on every new connection."""
    if not isinstance(data, str) or "hello" not in data:
        return False
    try:
        parsed = json.loads(data)
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("type") == "hello"


def _installed_team(body: Mapping[str, Any]) -> str | None:
    """The workspace an Events API envelope was delivered for (`authorizations[0]`)."""
    auths = body.get("authorizations")
    if isinstance(auths, list) and auths and isinstance(auths[0], Mapping):
        team = auths[0].get("team_id")
        return team if isinstance(team, str) and team else None
    return None


def outlet_for_token(token: str, config: Config) -> SlackOutlet:
    """A Slack outlet on its own, for one-off posts from the CLI (`rhizome digest post`)."""
    client = AsyncWebClient(
        token=token,
        base_url=config.slack.api_base_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=5),
        ],
    )
    return SlackOutlet(client, posts_per_second=config.slack.posts_per_second)


async def run_slack(rhizome: Rhizome, config: Config, env: Secrets | Mapping[str, str]) -> None:
    """Run the Slack adapter until cancelled (`rhizome run` awaits this)."""
    secrets = env if isinstance(env, Secrets) else Secrets.from_env(env)
    adapter = SlackAdapter(rhizome, config, secrets)
    await adapter.start()
    try:
        await asyncio.Event().wait()
    finally:
        await adapter.stop()
