"""The Discord client: gateway events in, neutral events to the core; documents out.

An `AutoShardedClient` (one process may run a subset of shards, `shard_ids`), with only the
intents Rhizome needs: guilds, guild messages, message content and guild reactions — not the
privileged members intent. Edits, deletes and reactions come through the raw events, so they
work for messages the client never cached.

A gateway gap (RESUME refused, process restarted) is closed by reading each channel and thread
from its high-water mark (`bot.catchup`) until the gap is closed; deletions in the re-read range
are reconciled. A successful RESUME needs no re-read: Discord replays what was missed. Ingest
is idempotent, so a message seen both live and in history is stored once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

from adapters.discord import gone, translate
from adapters.discord.commands import SyncState, apologise, handle_button, install, sync_tree
from adapters.discord.gone import not_in_a_thread, not_in_channel
from adapters.discord.invite import invite_url
from adapters.discord.render import render
from bot.catchup import CatchUpPlan, HighWaterMarks
from bot.clock import Clock, SystemClock
from bot.config import DiscordConfig, Secrets
from bot.documents import Document
from bot.model import CommunityRef, InboundEvent
from bot.runtime import StartupError

if TYPE_CHECKING:
    from bot.app import Rhizome
    from bot.config import Config

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://discord.com/api/v10"
DM_PREFIX = "dm:"
BACKFILL_BATCH = 100
RECONCILE_SCAN = 10_000
PROGRESS_EVERY = 1000
MARKS_SAVE_SECONDS = 60.0
CLOSE_GRACE_SECONDS = 10.0
INTRO_THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080  # a week: long enough to get talking


REDUCED_NOTICE = (
    "Rhizome runs without Discord's Message Content intent, so it sees no message text here: "
    "messages, threads, reactions, commands and digests still count, but links are not found. "
    "To turn it on: Discord Developer Portal → your application → Bot → Privileged Gateway "
    "Intents → Message Content Intent, save, then restart Rhizome."
)


def bot_intents(*, message_content: bool = True) -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True  # guild, channel and thread lifecycle; needed for everything else
    intents.guild_messages = True  # MESSAGE_CREATE/UPDATE/DELETE in guilds
    # the links are in the text (privileged: enabled in the portal, else Discord closes 4014)
    intents.message_content = message_content
    intents.guild_reactions = True  # reactions count as discussion
    return intents


def point_at_api(api_base_url: str) -> None:
    """Send REST calls to `api_base_url` (a fake in tests). discord.py keeps the base in a class
    attribute, so this affects the whole process, as there is one Discord client per process."""
    discord.http.Route.BASE = api_base_url.rstrip("/")


class RhizomeTree(app_commands.CommandTree["RhizomeDiscord"]):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """A failure outside the core (option conversion, a discord.py error): log it and tell
        the member politely instead of leaving "The application did not respond"."""
        name = interaction.command.qualified_name if interaction.command else "?"
        log.error("discord: command /%s failed: %s", name, error, exc_info=error)
        await apologise(interaction)


class DiscordOutlet:
    """Posts core documents (digests, intros) into Discord."""

    platform = "discord"

    def __init__(self, client: RhizomeDiscord) -> None:
        self.client = client

    async def post(self, community: CommunityRef, channel_id: str, document: Document) -> str:
        content, embeds, view = render(document, mentions_in_content=True)
        kwargs: dict[str, Any] = {
            "content": content or None,
            "embeds": embeds,
            "allowed_mentions": discord.AllowedMentions(users=True, roles=False, everyone=False),
        }
        if view is not None:
            kwargs["view"] = view
        if channel_id.startswith(DM_PREFIX):
            first: str | None = None
            for uid in filter(None, channel_id[len(DM_PREFIX) :].split(",")):
                dm = await self.client.create_dm(discord.Object(id=int(uid)))
                sent = await dm.send(**kwargs)
                first = first or str(sent.id)
            if first is None:
                raise ValueError("no members to message")
            return first
        channel = self.client.get_channel(int(channel_id)) or self.client.get_partial_messageable(
            int(channel_id), guild_id=int(community.external_id)
        )
        assert isinstance(channel, discord.abc.Messageable)
        message = await channel.send(**kwargs)
        return str(message.id)

    async def open_conversation(
        self, community: CommunityRef, member_external_ids: Sequence[str], topic: str
    ) -> str:
        """A private thread in the configured intros channel; without one, direct messages to
        each member (a bot cannot open a group DM), addressed as "dm:<id>,<id>"."""
        intros = self.client.config.intros_channel_id
        if not intros:
            return DM_PREFIX + ",".join(member_external_ids)
        parent = self.client.get_channel(int(intros))
        if parent is None:
            parent = await self.client.fetch_channel(int(intros))
        if not isinstance(parent, discord.TextChannel):
            raise ValueError(f"discord.intros_channel_id {intros} is not a text channel")
        thread = await parent.create_thread(
            name=(topic.strip() or "Introduction")[:100],
            type=discord.ChannelType.private_thread,
            invitable=False,
            auto_archive_duration=INTRO_THREAD_ARCHIVE_MINUTES,
        )
        for uid in member_external_ids:
            await thread.add_user(discord.Object(id=int(uid)))
        return str(thread.id)


class RhizomeDiscord(discord.AutoShardedClient):
    """The bot. `identify_delay` and `backfill_pause` exist so tests need not wait."""

    tree: RhizomeTree

    def __init__(
        self,
        rhizome: Rhizome,
        config: DiscordConfig,
        *,
        clock: Clock | None = None,
        sync_commands: bool = True,
        identify_delay: float = 5.0,
        backfill_pause: float = 0.5,
        marks_save_seconds: float = MARKS_SAVE_SECONDS,
        reduced: bool = False,
        **options: Any,
    ) -> None:
        options.setdefault("max_messages", None)  # raw events make the message cache useless
        options.setdefault("chunk_guilds_at_startup", False)
        if config.shard_ids is not None:
            options["shard_ids"] = list(config.shard_ids)
        super().__init__(
            intents=bot_intents(message_content=not reduced),
            shard_count=config.shard_count,
            **options,
        )
        self.reduced = reduced
        self.rhizome = rhizome
        self.config = config
        self.clock = clock or SystemClock()
        self.state = SyncState(rhizome)
        self.sync_commands = sync_commands
        self.identify_delay = identify_delay
        self.backfill_pause = backfill_pause
        self.tree = RhizomeTree(self)
        install(self.tree, rhizome)
        self.outlet = DiscordOutlet(self)
        self._backfill_locks: dict[int, asyncio.Lock] = {}
        self._stopping = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._channels: dict[int, Any] = {}  # channels fetched over REST (uncached threads)
        self.marks = HighWaterMarks(rhizome.services.repos.state, self.now)
        self.marks_save_seconds = marks_save_seconds
        self._session_started = self.now()
        self._marks_saver: asyncio.Task[None] | None = None
        # Catch-ups finished since start (one per shard per new session): reading what was
        # missed is over, and what arrives from here on is live.
        self.catch_ups_done = 0

    # -- lifecycle ------------------------------------------------------------------------
    async def setup_hook(self) -> None:
        self._marks_saver = asyncio.create_task(
            self._save_marks_periodically(), name="discord-marks-saver"
        )
        if self.config.api_base_url.rstrip("/") != DEFAULT_API_BASE:
            # Sharded starts and re-identifies after INVALID_SESSION use the class default
            # gateway, so follow the configured API's /gateway/bot answer there too.
            _, url, _ = await self.http.get_bot_gateway()
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        if self.sync_commands:
            guild_id = int(self.config.sync_guild_id) if self.config.sync_guild_id else None
            try:
                await sync_tree(self.tree, self.rhizome.registry, self.state, guild_id=guild_id)
            except discord.HTTPException:
                log.exception("discord: command sync failed; the previous commands stay in use")

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # Discord allows one IDENTIFY per 5 s per bucket; discord.py's default waits 5 s.
        if not initial and self.identify_delay:
            await asyncio.sleep(self.identify_delay)

    async def close(self) -> None:
        """Let running backfills stop at their next step (cancelling one mid-query would strand
        its database connection), then close the connection to Discord."""
        self._stopping = True
        if self._marks_saver is not None:
            self._marks_saver.cancel()
            await asyncio.gather(self._marks_saver, return_exceptions=True)
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=CLOSE_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._save_marks()
        await super().close()

    def _spawn(self, coro: Any, name: str) -> None:
        task: asyncio.Task[None] = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- ingest ---------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    async def ingest(self, event: InboundEvent | None) -> None:
        if event is None:
            return
        try:
            await self.rhizome.ingest(event)
        except Exception:
            log.exception(
                "discord: could not store %s in guild %s",
                type(event).__name__,
                event.community.external_id,
            )

    async def ingest_many(self, events: Sequence[InboundEvent]) -> None:
        results = await asyncio.gather(
            *(self.rhizome.ingest(e) for e in events), return_exceptions=True
        )
        for event, result in zip(events, results, strict=True):
            if isinstance(result, BaseException):
                log.error(
                    "discord: could not store %s during backfill",
                    type(event).__name__,
                    exc_info=result,
                )

    def _cached_channel(self, guild: discord.Guild | None, channel_id: int) -> Any:
        if guild is None:
            return None
        return guild.get_channel_or_thread(channel_id) or self._channels.get(channel_id)

    async def _channel(self, guild: discord.Guild | None, channel_id: int) -> Any:
        """A channel from the cache, else fetched once over REST (a thread the client has not
        seen yet, so its parent is known)."""
        found = self._cached_channel(guild, channel_id)
        if found is not None or guild is None:
            return found
        try:
            found = await self.fetch_channel(channel_id)
        except discord.HTTPException:
            return None
        self._channels[channel_id] = found
        return found

    # -- gateway events -------------------------------------------------------------------
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is not None:
            self.marks.seen_live(
                translate.community_ref(message.guild.id), str(message.channel.id), str(message.id)
            )
        if self.user is not None and message.author.id == self.user.id:
            return
        place = None
        if message.guild is not None and isinstance(message.channel, discord.PartialMessageable):
            channel = await self._channel(message.guild, message.channel.id)
            place = translate.place_for(
                message.guild.id, message.channel.id, guild=message.guild, channel=channel
            )
        await self.ingest(translate.message_posted(message, place=place))

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        message = payload.message
        place = None
        if message.guild is not None and isinstance(message.channel, discord.PartialMessageable):
            channel = await self._channel(message.guild, message.channel.id)
            place = translate.place_for(
                message.guild.id, message.channel.id, guild=message.guild, channel=channel
            )
        await self.ingest(translate.message_edited(payload, now=self.now(), place=place))

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        guild = self.get_guild(payload.guild_id) if payload.guild_id else None
        await self.ingest(
            translate.message_deleted(
                payload,
                now=self.now(),
                guild=guild,
                channel=self._cached_channel(guild, payload.channel_id),
            )
        )

    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        guild = self.get_guild(payload.guild_id) if payload.guild_id else None
        events = translate.messages_deleted(
            payload,
            now=self.now(),
            guild=guild,
            channel=self._cached_channel(guild, payload.channel_id),
        )
        await self.ingest_many(events)

    async def _reaction(self, payload: discord.RawReactionActionEvent) -> None:
        guild = self.get_guild(payload.guild_id) if payload.guild_id else None
        await self.ingest(
            translate.reaction(
                payload,
                now=self.now(),
                guild=guild,
                channel=self._cached_channel(guild, payload.channel_id),
                bot_user_ids=(self.user.id,) if self.user else (),
            )
        )

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload)

    async def _cleared(
        self, payload: discord.RawReactionClearEvent | discord.RawReactionClearEmojiEvent
    ) -> None:
        guild = self.get_guild(payload.guild_id) if payload.guild_id else None
        await self.ingest(
            translate.reactions_cleared(
                payload,
                now=self.now(),
                guild=guild,
                channel=self._cached_channel(guild, payload.channel_id),
            )
        )

    async def on_raw_reaction_clear(self, payload: discord.RawReactionClearEvent) -> None:
        await self._cleared(payload)

    async def on_raw_reaction_clear_emoji(
        self, payload: discord.RawReactionClearEmojiEvent
    ) -> None:
        await self._cleared(payload)

    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        guild = self.get_guild(payload.guild_id) if payload.guild_id else None
        await self.ingest(translate.thread_deleted(payload, now=self.now(), guild=guild))

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        await self.ingest(translate.channel_deleted(channel, now=self.now()))

    async def on_thread_create(self, thread: discord.Thread) -> None:
        """A forum post: store its starter message (id = thread id) even if its MESSAGE_CREATE
        raced ahead of the thread or was lost. Storing twice is harmless (idempotent)."""
        if not isinstance(thread.parent, discord.ForumChannel):
            return
        try:
            starter = thread.starter_message or await thread.fetch_message(thread.id)
        except discord.HTTPException:
            log.info("discord: forum post %s has no starter message (yet)", thread.id)
            return
        await self.ingest(translate.message_posted(starter))

    async def on_thread_update(self, before: discord.Thread, after: discord.Thread) -> None:
        """A forum post renamed: its title is the first line of its opening message here."""
        if before.name == after.name or not isinstance(after.parent, discord.ForumChannel):
            return
        try:
            starter = after.starter_message or await after.fetch_message(after.id)
        except discord.HTTPException:
            log.info("discord: renamed forum post %s has no starter message", after.id)
            return
        await self.ingest(translate.post_retitled(starter, now=self.now()))

    async def on_guild_channel_update(
        self, before: discord.abc.GuildChannel, after: discord.abc.GuildChannel
    ) -> None:
        await self.ingest(translate.channel_renamed(before, after, now=self.now()))

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Kicked or left (outages arrive as on_guild_unavailable instead): purge."""
        log.info("discord: removed from guild %s, purging its data", guild.id)
        await self.ingest(translate.community_removed(guild, now=self.now()))

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is discord.InteractionType.component:
            await handle_button(self.rhizome, interaction)

    # -- connection state -------------------------------------------------------------------
    def _guilds_of(self, shard_id: int) -> list[discord.Guild]:
        return [g for g in self.guilds if g.shard_id == shard_id]

    async def on_shard_disconnect(self, shard_id: int) -> None:
        """From here on events may be missed: a gap opens in every place of the shard."""
        for guild in self._guilds_of(shard_id):
            self.marks.disconnected(translate.community_ref(guild.id))
        self._spawn(self._save_marks(shard_id), f"discord-marks-{shard_id}")

    async def on_shard_ready(self, shard_id: int) -> None:
        """A new session (first start, or RESUME refused): read what was missed."""
        for guild in self._guilds_of(shard_id):
            self.marks.connected(translate.community_ref(guild.id))
        log.info("discord: shard %s ready, catching up", shard_id)
        self._spawn(self.backfill_shard(shard_id), f"discord-backfill-{shard_id}")

    async def on_shard_resumed(self, shard_id: int) -> None:
        """Discord replayed everything missed: nothing to re-read."""
        for guild in self._guilds_of(shard_id):
            if self.marks.resumed(translate.community_ref(guild.id)):
                log.info("discord: guild %s resumed; no catch-up needed", guild.id)

    async def _save_marks(self, shard_id: int | None = None) -> None:
        for guild in list(self.guilds):
            if shard_id is None or guild.shard_id == shard_id:
                try:
                    await self.marks.save(translate.community_ref(guild.id))
                except Exception:
                    log.exception("discord: could not save catch-up marks of guild %s", guild.id)

    async def _save_marks_periodically(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self.marks_save_seconds)
            await self._save_marks()

    # -- catch-up after downtime --------------------------------------------------------------
    async def backfill_shard(self, shard_id: int) -> int:
        total = 0
        try:
            for guild in list(self.guilds):
                if self._stopping:
                    break
                if guild.shard_id == shard_id:
                    total += await self.backfill_guild(guild)
        finally:
            self.catch_ups_done += 1
        return total

    async def backfill_guild(self, guild: discord.Guild) -> int:
        """Read what each channel and thread got after its high-water mark. One guild at a time
        (a second call waits, then runs again: it may cover a later gap)."""
        lock = self._backfill_locks.setdefault(guild.id, asyncio.Lock())
        async with lock:
            community = translate.community_ref(guild.id, guild.name)
            plan = None
            try:
                await self.marks.load(community)
                plan = self.marks.start(community)
                await self._backfill_guild(guild, plan)
                return plan.new
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("discord: catch-up of guild %s failed", guild.id)
                return plan.new if plan else 0
            finally:
                if plan is not None:
                    plan.finish(complete=not self._stopping)
                    try:
                        await self.marks.save(community)
                    except Exception:
                        log.exception("discord: could not save catch-up marks of %s", guild.id)

    async def _backfill_guild(self, guild: discord.Guild, plan: CatchUpPlan) -> None:
        services = self.rhizome.services
        for event in await gone.channels(guild, services, now=self.now()):
            await self.ingest(event)
        for event in await gone.threads(guild, services, self.fetch_channel, now=self.now()):
            await self.ingest(event)
        if self.config.backfill_limit <= 0:
            return
        me = guild.me
        parents: list[discord.TextChannel | discord.ForumChannel] = [
            *guild.text_channels,
            *guild.forums,
        ]
        channel_read: dict[int, set[int]] = {}
        for parent in parents:
            if self._stopping:
                break
            if me is not None:
                perms = parent.permissions_for(me)
                if not (perms.view_channel and perms.read_message_history):
                    continue
            places: list[discord.TextChannel | discord.Thread] = []
            if isinstance(parent, discord.TextChannel):
                places.append(parent)
            places.extend(t for t in guild.threads if t.parent_id == parent.id)
            for place in places:
                if self._stopping:
                    break
                await self._catch_up_place(guild, place, plan, channel_read)
                if self.backfill_pause:
                    await asyncio.sleep(self.backfill_pause)
        if plan.read or plan.deleted:
            log.info(
                "discord: caught up guild %s: %d new messages (%d read), %d found deleted",
                guild.id,
                plan.new,
                plan.read,
                plan.deleted,
            )

    async def _start_of(
        self, guild: discord.Guild, place: discord.TextChannel | discord.Thread, plan: CatchUpPlan
    ) -> tuple[int, str | None] | None:
        """Where to read from (exclusive) and the mark; None when there is nothing to catch up
        (a channel never tracked)."""
        community = plan.community
        mark = self.marks.mark(community, str(place.id))
        if mark is not None:
            return int(mark), mark
        if plan.seen_until is not None:
            # unknown here (a thread made while down): all it got since we last saw everything
            since = max(discord.utils.time_snowflake(plan.seen_until) - 1, 0)
            if isinstance(place, discord.Thread):
                since = max(since, place.id - 1)
            return since, None
        # no marks saved yet (the first start with them): the newest stored message before
        # this session, else the first one seen live in it; a thread of a tracked channel
        # with no stored reply is read whole
        channel_id, thread_id = _place_ids(place)
        messages = self.rhizome.services.repos.messages
        stored = await messages.in_place(
            community, channel_id, thread_id, before=self._session_started, limit=1
        )
        if stored and stored[0].external_id.isdigit():
            return int(stored[0].external_id), None
        first_seen = self.marks.first_seen(community, str(place.id))
        if first_seen is not None and first_seen.isdigit():
            # tracked only since this process saw it live: read from there if a gap opened
            # after it (the gateway has not delivered everything since)
            if first_seen == self.marks.first_live(community, str(place.id)):
                return None
            return int(first_seen) - 1, None
        if thread_id is not None and await messages.in_place(
            community, channel_id, None, before=self._session_started, limit=1
        ):
            return place.id - 1, None
        return None

    async def _catch_up_place(
        self,
        guild: discord.Guild,
        place: discord.TextChannel | discord.Thread,
        plan: CatchUpPlan,
        channel_read: dict[int, set[int]],
    ) -> None:
        """Read what one channel or thread got after its mark and reconcile what was deleted
        meanwhile; `channel_read`: the ids each channel's reading found (a channel is read
        before its threads), which a thread's reconciling consults."""
        community = plan.community
        key = str(place.id)
        start = await self._start_of(guild, place, plan)
        if start is None:
            plan.close(key, None)
            return
        after, mark = start
        # Re-read the last stored messages before the mark too: what was deleted meanwhile is
        # noticed there (Discord sends no deletions for the time the bot was away).
        channel_id, thread_id = _place_ids(place)
        messages = self.rhizome.services.repos.messages
        if mark is not None and self.config.recheck_messages:
            recent = await messages.in_place(
                community,
                channel_id,
                thread_id,
                before=discord.utils.snowflake_time(int(mark)) + timedelta(milliseconds=1),
                limit=self.config.recheck_messages,
            )
            ids = [int(r.external_id) for r in recent if r.external_id.isdigit()]
            if ids:
                after = min(after, min(ids) - 1)
        stop_at = self.marks.first_live(community, key)
        read, last, closed = await self._read_place(place, after, stop_at, mark)
        plan.read += len(read)
        fresh = [i for i in read if mark is None or i > int(mark)]
        plan.new += len(fresh)
        if isinstance(place, discord.TextChannel):
            channel_read[place.id] = read
        await self._reconcile(place, plan, after, last, read, channel_read)
        if closed:
            plan.close(key, last)
        else:
            # read without a gap up to `last`, but not to the end: still behind
            plan.advance(key, last, after)
            plan.failed.append(key)
        if fresh:
            log.info(
                "discord: caught up %d new messages in %s %s of guild %s",
                len(fresh),
                "thread" if isinstance(place, discord.Thread) else "channel",
                place.id,
                guild.id,
            )

    async def _read_place(
        self,
        place: discord.TextChannel | discord.Thread,
        after: int,
        stop_at: str | None,
        mark: str | None,
    ) -> tuple[set[int], str | None, bool]:
        """Page oldest-first after `after` until the gap is closed: the end of the history, or
        the first message that arrived live. Returns the ids read, the newest one, and whether
        the gap is closed (not when the place could not be read, or `backfill_limit` was
        reached). discord.py waits out rate limits (HTTP 429) by itself."""
        read: set[int] = set()
        last: str | None = None
        batch: list[InboundEvent] = []
        limit = self.config.backfill_limit
        stop = int(stop_at) if stop_at is not None else None
        known = int(mark) if mark is not None else 0
        fresh = 0
        closed = False
        try:
            async for message in place.history(
                limit=None, after=discord.Object(id=after), oldest_first=True
            ):
                read.add(message.id)
                last = str(message.id)
                fresh += message.id > known
                event = translate.message_posted(message)
                if event is not None:
                    batch.append(event)
                if len(batch) >= BACKFILL_BATCH:
                    await self.ingest_many(batch)
                    batch = []
                if len(read) % PROGRESS_EVERY == 0:
                    log.info("discord: catch-up of %s: %d messages so far", place.id, len(read))
                if stop is not None and message.id >= stop:
                    break  # the gateway delivered everything from here on
                if fresh >= limit:
                    log.warning(
                        "discord: catch-up of %s stopped at backfill_limit (%d); the next "
                        "catch-up goes on from there",
                        place.id,
                        limit,
                    )
                    break
                if self._stopping:
                    break
            else:
                closed = True
            if stop is not None and last is not None and int(last) >= stop:
                closed = True
        except discord.Forbidden:
            log.info("discord: no access to the history of %s", place.id)
        except discord.HTTPException:
            log.exception("discord: history of %s failed", place.id)
        if batch:
            await self.ingest_many(batch)
        return read, last, closed

    async def _reconcile(
        self,
        place: discord.TextChannel | discord.Thread,
        plan: CatchUpPlan,
        after: int,
        last: str | None,
        read: set[int],
        channel_read: Mapping[int, set[int]],
    ) -> None:
        """Stored messages within the range just read that Discord no longer has were deleted
        while the bot was away: delete them here too."""
        if last is None:
            return
        channel_id, thread_id = _place_ids(place)
        since = discord.utils.snowflake_time(after + 1) if after > 0 else None
        stored = await self.rhizome.services.repos.messages.in_place(
            plan.community,
            channel_id,
            thread_id,
            since=since,
            before=discord.utils.snowflake_time(int(last)) + timedelta(milliseconds=1),
            limit=RECONCILE_SCAN,
            replies=thread_id is None,
        )
        missing = [
            s
            for s in stored
            if s.external_id.isdigit()
            and after < int(s.external_id) <= int(last)
            and int(s.external_id) not in read
            and s.external_id != thread_id  # a thread's starter lives in its parent channel
        ]
        gone = [s.external_id for s in missing if s.thread_external_id is None or thread_id]
        if gone and isinstance(place, discord.Thread):
            parent = self._cached_channel(place.guild, place.parent_id or 0)
            gone = await not_in_channel(parent, gone, channel_read.get(place.parent_id or 0))
        chained = [
            (s.external_id, s.thread_external_id)
            for s in missing
            if s.thread_external_id is not None and not thread_id
        ]
        if chained:
            found = await not_in_a_thread(self.http, chained)
            gone += found.deleted
            if found.threads:
                await self.rhizome.services.repos.messages.note_threads(
                    plan.community, channel_id, found.threads
                )
        if not gone:
            return
        guild = place.guild
        events = [
            translate.deleted_while_away(guild, place, mid, now=self.now())
            for mid in sorted(gone, key=int)
        ]
        await self.ingest_many(events)
        plan.deleted += len(gone)


def _place_ids(place: discord.TextChannel | discord.Thread) -> tuple[str, str | None]:
    """(channel id, thread id) as the core stores a place."""
    if isinstance(place, discord.Thread):
        return str(place.parent_id), str(place.id)
    return str(place.id), None


def _token(env: Secrets | Mapping[str, str]) -> str:
    secrets = env if isinstance(env, Secrets) else Secrets.from_env(env)
    token = secrets.get("DISCORD_TOKEN")
    if not token:
        raise ValueError("DISCORD_TOKEN is not set")
    return token


async def run_discord(
    rhizome: Rhizome, config: Config, env: Secrets | Mapping[str, str], **options: Any
) -> None:
    """Run the Discord adapter until cancelled or the connection fails for good.

    When Discord refuses the Message Content intent (close code 4014), reconnect without it in
    reduced mode and have the moderators told how to turn it on, instead of exiting."""
    token = _token(env)
    point_at_api(config.discord.api_base_url)
    reduced = bool(options.pop("reduced", False))
    while True:
        client = RhizomeDiscord(
            rhizome, config.discord, clock=rhizome.services.clock, reduced=reduced, **options
        )
        rhizome.add_outlet(client.outlet)
        try:
            await client.start(token)
            return
        except discord.LoginFailure:
            raise StartupError(
                "discord: DISCORD_TOKEN was refused: copy the bot token from the Developer "
                "Portal (Bot > Reset Token)"
            ) from None
        except discord.PrivilegedIntentsRequired:
            if reduced:
                raise StartupError(
                    "discord: the gateway refused even without the Message Content intent "
                    "(close code 4014): check the bot's intents in the Developer Portal"
                ) from None
            log.warning(
                "discord: the Message Content intent is not enabled for this application "
                "(close code 4014); running without it (reduced tracking). %s",
                REDUCED_NOTICE,
            )
            rhizome.notify_moderators("discord", REDUCED_NOTICE)
            reduced = True
        finally:
            if not client.is_closed():
                await client.close()


async def sync_commands(
    rhizome: Rhizome,
    config: Config,
    env: Secrets | Mapping[str, str],
    *,
    guild_id: int | None = None,
) -> bool:
    """`rhizome discord sync [--guild ID]`: push the command tree now, whatever changed.
    Logs in over REST only (no gateway connection)."""
    token = _token(env)
    point_at_api(config.discord.api_base_url)
    client = RhizomeDiscord(rhizome, config.discord, sync_commands=False)
    try:
        await client.login(token)
        return await sync_tree(
            client.tree, rhizome.registry, client.state, guild_id=guild_id, force=True
        )
    finally:
        await client.close()


async def fetch_invite_url(config: Config, env: Secrets | Mapping[str, str]) -> str:
    """`rhizome discord invite`: the invite link for this token's application (REST only)."""
    token = _token(env)
    point_at_api(config.discord.api_base_url)
    client = discord.Client(intents=discord.Intents.none())
    try:
        await client.login(token)
        assert client.application_id is not None
        return invite_url(client.application_id)
    finally:
        await client.close()
