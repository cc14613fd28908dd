"""Catching up after downtime: read what Slack stopped retrying from channel history.

Slack retries an event three times within about five minutes and then drops it, so after a
restart (or a Socket Mode reconnect) every tracked channel is read with
`conversations.history` from a little before its newest stored message, and every thread
with new replies with `conversations.replies`. What was missed is stored; edits and
deletions within that range are reconciled (an edit only over older text; a stored message
absent from a *complete* listing was deleted). The high-water marks are taken before the
adapter listens, so live traffic cannot move them past the gap.

Calls go through a client that waits out HTTP 429 (`Retry-After`); each community installs
Rhizome as its own internal app, which keeps Slack's normal (Tier 3) history limits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.translate import history_events, parse_ts, thread_activity
from bot.emojis import canonical as canonical_emoji
from bot.model import (
    Actor,
    CommunityRef,
    ConversationDeleted,
    InboundEvent,
    MessageDeleted,
    MessageEdited,
    Place,
    ReactionRemoved,
)

if TYPE_CHECKING:
    from bot.app import Rhizome

log = logging.getLogger("rhizome.slack")

PAGE_SIZE = 200  # Slack's recommendation for conversations.history / replies
# Deletions are only believed while they are a minority of what is stored in the range.
SUSPICIOUS_GONE = 5
SUSPICIOUS_SHARE = 0.5
Marks = dict[tuple[str, str | None], datetime]


@dataclass(slots=True)
class CatchUpReport:
    """What one catch-up read and changed (for the log and for tests)."""

    channels: int = 0
    threads: int = 0
    pages: int = 0
    messages: int = 0  # messages stored that were missing
    edits: int = 0
    deletions: int = 0
    channels_deleted: int = 0  # public channels deleted while the bot was away
    failed: list[str] = field(default_factory=list)  # channels left for the next catch-up


def slack_ts(when: datetime) -> str:
    """A datetime as a Slack `ts` bound (microseconds kept)."""
    return f"{when.timestamp():.6f}"


class SlackCatchUp:
    """One community's catch-up: `snapshot()` before listening, `run(marks)` after."""

    def __init__(
        self,
        rhizome: Rhizome,
        client: AsyncWebClient,
        community: CommunityRef,
        *,
        window: timedelta,
        is_private: Callable[[str], Awaitable[bool]],
        page_size: int = PAGE_SIZE,
        private_channels: bool = False,
        clock: Callable[[], float] = time.time,
        logger: logging.Logger | None = None,
    ) -> None:
        self.rhizome = rhizome
        self.client = client
        self.community = community
        self.window = window
        self._is_private = is_private
        self.page_size = page_size
        self.private_channels = private_channels
        self._clock = clock
        self.log = logger or log

    async def snapshot(self, before: datetime | None = None) -> Marks:
        """Where each channel and recent thread stands; `before`: as it stood then (the
        moment a connection was lost), whatever arrived since."""
        return await self.rhizome.services.repos.messages.high_water_marks(
            self.community, self.window, before=before
        )

    async def run(self, marks: Marks) -> CatchUpReport:
        report = CatchUpReport()
        channels = {ch: at for (ch, thread), at in marks.items() if thread is None}
        threads = {key: at for key, at in marks.items() if key[1] is not None}
        if not channels:
            return report
        # The channels the bot is in: one it left cannot be read (and needs no catching up);
        # one with nothing stored yet (invited, or first spoken in, while the bot was away) is
        # read from when the community's newest stored message was posted.
        member = await self._member_channels()
        if member is not None:
            newest = max(marks.values())
            await self._forget_deleted(set(channels) - set(member), report)
            channels = {ch: channels.get(ch, newest) for ch in member}
        started = time.monotonic()
        self.log.info(
            "slack: catching up %d channels in %s from %s before their newest stored message",
            len(channels),
            self.community.external_id,
            self.window,
        )
        for n, (channel, mark) in enumerate(sorted(channels.items()), 1):
            try:
                await self._channel(channel, mark, threads, report)
            except SlackApiError as e:
                # e.g. not_in_channel after the bot was removed; the rest goes on
                self.log.warning(
                    "slack: catch-up of %s stopped: %s", channel, e.response.get("error")
                )
                report.failed.append(channel)
            self.log.info(
                "slack: catch-up %d/%d channels: %d missed messages stored so far",
                n,
                len(channels),
                report.messages,
            )
        self.log.info(
            "slack: caught up %d channels and %d threads in %d pages: %d missed messages, "
            "%d edits, %d deletions, %d channels deleted (%.1f s)%s",
            report.channels,
            report.threads,
            report.pages,
            report.messages,
            report.edits,
            report.deletions,
            report.channels_deleted,
            time.monotonic() - started,
            f"; {len(report.failed)} channels failed" if report.failed else "",
        )
        return report

    # --- one channel ------------------------------------------------------------------------
    async def _channel(
        self,
        channel: str,
        mark: datetime,
        threads: Mapping[tuple[str, str | None], datetime],
        report: CatchUpReport,
    ) -> None:
        private = await self._is_private(channel)
        oldest = mark - self.window
        until = self._now()
        listing = await self._pages(
            "conversations.history", report, channel=channel, oldest=slack_ts(oldest)
        )
        listing.sort(key=_ts_key)
        events: list[InboundEvent] = []
        seen: set[str] = set()
        for message in listing:
            seen.add(str(message.get("ts")))
            events.extend(history_events(message, self.community, channel, is_private=private))
        events.extend(await self._deleted(channel, None, oldest, until, seen))
        events.extend(await self._unreacted(channel, listing, until, private))
        await self._store(events, report)
        report.channels += 1

        active = {
            str(msg.get("ts")): at for msg in listing if (at := thread_activity(msg)) is not None
        }
        for root, latest in sorted(active.items()):
            if latest > threads.get((channel, root), mark):
                await self._thread(channel, root, oldest, private, report, root_seen=True)
        # threads under older roots that had replies lately: the listing does not show them
        for (ch, thread), at in sorted(threads.items(), key=lambda kv: kv[0][1] or ""):
            if ch == channel and thread is not None and thread not in active:
                await self._thread(channel, thread, at - self.window, private, report)

    async def _thread(
        self,
        channel: str,
        root: str,
        oldest: datetime,
        private: bool,
        report: CatchUpReport,
        *,
        root_seen: bool = False,
    ) -> None:
        until = self._now()
        try:
            listing = await self._pages(
                "conversations.replies", report, channel=channel, ts=root, oldest=slack_ts(oldest)
            )
        except SlackApiError as e:
            if e.response.get("error") == "thread_not_found":
                return  # the root went (its deletion is reconciled at the top level)
            raise
        listing.sort(key=_ts_key)
        events: list[InboundEvent] = []
        seen: set[str] = set()
        for message in listing:
            ts = str(message.get("ts"))
            if ts == root and root_seen:
                continue
            seen.add(ts)
            events.extend(history_events(message, self.community, channel, is_private=private))
        events.extend(await self._deleted(channel, root, oldest, until, seen))
        replies = [msg for msg in listing if not (root_seen and str(msg.get("ts")) == root)]
        events.extend(await self._unreacted(channel, replies, until, private))
        await self._store(events, report)
        report.threads += 1

    async def _forget_deleted(self, left: set[str], report: CatchUpReport) -> None:
        """Stored channels the bot is no longer in: a public one that Slack no longer knows
        was deleted while the bot was away, and its messages with it (`channel_deleted` came
        when nobody listened). A private one may only have shut the bot out: it stays."""
        if not left:
            return
        repos = self.rhizome.services.repos
        found = await repos.communities.find(self.community.platform, self.community.external_id)
        if found is None:
            return
        private = {c.external_id: c.is_private for c in await repos.channels.list(found.id)}
        for channel in sorted(left):
            if private.get(channel, True):
                continue
            try:
                await self.client.api_call(
                    "conversations.info", http_verb="GET", params={"channel": channel}
                )
            except SlackApiError as e:
                if e.response.get("error") != "channel_not_found":
                    continue
                place = Place(community=self.community, channel_id=channel)
                await self._store(
                    [ConversationDeleted(place=place, occurred_at=self._now())], report
                )
                report.channels_deleted += 1
                self.log.info("slack: channel %s was deleted while away: forgotten", channel)

    # --- helpers ----------------------------------------------------------------------------
    async def _member_channels(self) -> list[str] | None:
        """users.conversations: the channels the bot is in (None when Slack refuses)."""
        types = "public_channel,private_channel" if self.private_channels else "public_channel"
        found: list[str] = []
        cursor: str | None = None
        try:
            while True:
                args: dict[str, Any] = {"types": types, "exclude_archived": "true", "limit": 200}
                if cursor:
                    args["cursor"] = cursor
                resp = await self.client.api_call(
                    "users.conversations", http_verb="GET", params=args
                )
                found.extend(
                    str(c["id"])
                    for c in resp.get("channels") or []
                    if isinstance(c, Mapping) and c.get("id")
                )
                cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    return found
        except SlackApiError as e:
            self.log.warning(
                "slack: could not list the bot's channels (%s); catching up known ones only",
                e.response.get("error"),
            )
            return None

    async def _pages(
        self, method: str, report: CatchUpReport, **params: Any
    ) -> list[Mapping[str, Any]]:
        """Every message of a listing, following `next_cursor` to its end; raises (and so
        reconciles nothing) when a page cannot be read."""
        out: list[Mapping[str, Any]] = []
        cursor: str | None = None
        while True:
            args = {**params, "limit": self.page_size}
            if cursor:
                args["cursor"] = cursor
            resp = await self.client.api_call(method, http_verb="GET", params=args)
            report.pages += 1
            out.extend(m for m in resp.get("messages") or [] if isinstance(m, Mapping))
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor or not resp.get("has_more", True):
                return out

    async def _deleted(
        self,
        channel: str,
        thread: str | None,
        after: datetime,
        until: datetime,
        seen: set[str],
    ) -> list[InboundEvent]:
        """Deletions for stored messages of the listed range that the listing lacks."""
        stored = await self.rhizome.services.repos.messages.posted_between(
            self.community, channel, thread, after, until
        )
        gone = sorted(stored - seen)
        if len(gone) >= SUSPICIOUS_GONE and len(gone) > len(stored) * SUSPICIOUS_SHARE:
            # Most of a range missing looks like history Slack hides (a free plan's limit, a
            # retention policy), not deletions: keep what is stored.
            self.log.warning(
                "slack: %d of %d stored messages in %s are not in its history; kept",
                len(gone),
                len(stored),
                channel,
            )
            return []
        place = Place(community=self.community, channel_id=channel, thread_id=thread)
        return [
            MessageDeleted(place=place, occurred_at=until, event_id=None, message_id=ts)
            for ts in gone
        ]

    async def _unreacted(
        self,
        channel: str,
        listing: list[Mapping[str, Any]],
        until: datetime,
        private: bool,
    ) -> list[InboundEvent]:
        """Removals for stored reactions on listed messages that the listing no longer shows
        (only where Slack listed every member of a reaction: `count` = len(`users`))."""
        listed: set[tuple[str, str, str]] = set()
        complete: set[str] = set()
        for message in listing:
            ts = str(message.get("ts"))
            reactions = [r for r in message.get("reactions") or [] if isinstance(r, Mapping)]
            if all(_lists_everyone(r) for r in reactions):
                complete.add(ts)
            for r in reactions:
                # as stored: one canonical form (`+1::skin-tone-2` and 👍 are the same)
                emoji = canonical_emoji(str(r.get("name") or ""))
                listed.update((ts, str(user), emoji) for user in r.get("users") or [])
        stored = await self.rhizome.services.repos.messages.reactions_on(
            self.community, channel, complete
        )
        ctype = "group" if private else "channel"
        threads = {str(m.get("ts")): m.get("thread_ts") for m in listing}
        out: list[InboundEvent] = []
        for ts, member, emoji in sorted(stored - listed):
            root = threads.get(ts)
            out.append(
                ReactionRemoved(
                    place=Place(
                        community=self.community,
                        channel_id=channel,
                        thread_id=str(root) if root and root != ts else None,
                        is_private=ctype == "group",
                    ),
                    occurred_at=until,
                    event_id=None,
                    message_id=ts,
                    actor=Actor(external_id=member),
                    emoji=emoji,
                )
            )
        return out

    async def _store(self, events: list[InboundEvent], report: CatchUpReport) -> None:
        if not events:
            return
        stats = await self.rhizome.ingest_many(events)
        report.messages += stats.messages
        report.edits += sum(isinstance(e, MessageEdited) for e in events)
        report.deletions += sum(isinstance(e, MessageDeleted) for e in events)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)


def _lists_everyone(reaction: Mapping[str, Any]) -> bool:
    """Slack lists a reaction's members up to a limit; `count` says how many there are."""
    users, count = reaction.get("users"), reaction.get("count")
    if not isinstance(users, list):
        return False
    return not isinstance(count, int) or len(users) >= count


def _ts_key(message: Mapping[str, Any]) -> tuple[datetime, str]:
    ts = message.get("ts")
    when = parse_ts(ts) or datetime.min.replace(tzinfo=UTC)
    return when, str(ts)
