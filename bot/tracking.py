"""Turning neutral events into stored facts: what is tracked, and what a message shares.

The rules live here (DMs, bots, opted-out members and excluded channels are never stored;
links and files become resources); `storage.ingest.IngestStore` does the bulk writing.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.clock import Clock, as_utc
from bot.config import TrackingConfig
from bot.emojis import canonical as canonical_emoji
from bot.model import (
    Actor,
    Attachment,
    ChannelRenamed,
    CommunityRemoved,
    ConversationDeleted,
    InboundEvent,
    IngestStats,
    LinkPreview,
    MemberJoined,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    Place,
    ReactionAdded,
    ReactionRemoved,
    ReactionsCleared,
)
from bot.titles import TitleSource, address_label, clean_title, file_title, label_title, own_words
from bot.urls import MAX_URLS_PER_MESSAGE, canonicalize, domain_of, extract_urls
from storage.ingest import (
    IngestStore,
    Planned,
    PlannedChannel,
    PlannedClear,
    PlannedDelete,
    PlannedEdit,
    PlannedErase,
    PlannedJoin,
    PlannedPost,
    PlannedPurge,
    PlannedReaction,
    PlannedRename,
    PlannedResource,
)

if TYPE_CHECKING:
    from storage.repositories import Repositories

POLICY_TTL_SECONDS = 10.0  # other processes' opt-outs and channel choices are seen this fast
PLAN_SLICE = 64  # events planned between two turns of the event loop (about a millisecond)


@dataclass(slots=True)
class PlannedBatch:
    """What a batch of events stores, and what was skipped before any write."""

    items: list[Planned] = field(default_factory=list)
    stats: IngestStats = field(default_factory=IngestStats)
    # Holds a purge: the next batch is planned only once this one is written, so that it
    # never refers to the purged community's old ids.
    barrier: bool = False


def resources_in(
    text: str,
    attachments: Iterable[Attachment] = (),
    extra_urls: Iterable[str] = (),
    limit: int = MAX_URLS_PER_MESSAGE,
    previews: Iterable[LinkPreview] = (),
) -> tuple[PlannedResource, ...]:
    """Links in the text, platform-parsed links and attached files, deduplicated, capped; each
    with the title the message itself gives (a label, an unfurl, a file's title; see
    `bot.titles`; a front page labelled with its own address keeps it, weakly). Weaker titles
    (the URL's words, the sharing sentence) are worked out off the ingest path, with topics
    (`bot.interests.pipeline`)."""
    found: dict[str, PlannedResource] = {}
    for f in extract_urls(_storable(text), limit=limit):
        label = label_title(f.label, f.original) if f.label else None
        rank = TitleSource.LABEL if label else 0
        if label is None and (label := address_label(f.label, f.original)):
            rank = TitleSource.SITE
        found.setdefault(
            f.canonical,
            PlannedResource(f.canonical, f.original, f.domain, "link", label, rank),
        )
    if not extra_urls and not attachments and not previews:
        return _caption_names_page(tuple(found.values()), text)
    for preview in previews:
        url = _storable(preview.url)
        canonical = canonicalize(url)
        if not canonical:
            continue
        source = TitleSource.LABEL if preview.is_label else TitleSource.PLATFORM
        text = _storable(preview.title or "")
        title = label_title(text, url) if preview.is_label else clean_title(text, url)
        known = found.get(canonical)
        if known is None and _quoted_in_text(url, found):
            continue  # what the platform fetched there was another page (`Issues · owner/repo`)
        if known is None and len(found) < limit:
            rank = source if title else 0
            found[canonical] = PlannedResource(canonical, url, domain_of(url), "link", title, rank)
        elif known is not None and title and known.title_rank < source:
            known.title, known.title_rank = title, source
    for url in map(_storable, extra_urls):
        canonical = canonicalize(url)
        if (
            canonical
            and canonical not in found
            and not _quoted_in_text(url, found)
            and len(found) < limit
        ):
            found[canonical] = PlannedResource(canonical, url, domain_of(url), "link")
    for a in attachments:
        url = _storable(a.url)
        canonical = canonicalize(url)
        if canonical and len(found) < limit:
            named = file_title(_storable(a.title or ""), _storable(a.filename or ""))
            title, rank = named if named else (None, 0)
            found.setdefault(
                canonical, PlannedResource(canonical, url, domain_of(url), "file", title, rank)
            )
    return _caption_names_page(tuple(found.values())[:limit], text)


def _is_upload(resource: PlannedResource) -> bool:
    """A file members uploaded: an attachment, or a Slack file permalink in the text (old
    exports write "uploaded a file: <https://x.slack.com/files/…|title>")."""
    if resource.kind == "file":
        return True
    domain = resource.domain or ""
    return domain == "files.slack.com" or (
        domain.endswith(".slack.com") and "/files/" in resource.canonical_url
    )


def _caption_names_page(
    resources: tuple[PlannedResource, ...], text: str
) -> tuple[PlannedResource, ...]:
    """A screenshot captioned with a page's name and posted with nothing but that page's
    link ("uploaded a file: <…|Intro to WebGL with Three.js> and commented: <http://…>"):
    the caption the member typed names the page too: a label of theirs, which leaves with
    the message like any other (`drop_member_titles`)."""
    if len(resources) != 2:
        return resources
    files = [
        r
        for r in resources
        if _is_upload(r) and r.title_rank == TitleSource.LABEL and not _file_name(r.title)
    ]
    pages = [r for r in resources if not _is_upload(r) and not r.title]
    if len(files) == 1 and len(pages) == 1 and own_words(text) == 0:
        pages[0].title, pages[0].title_rank = files[0].title, TitleSource.LABEL
    return resources


_FILE_NAME = re.compile(r"^\S+\.[A-Za-z0-9]{1,5}$")


def _file_name(title: str | None) -> bool:
    """A file's name, which Slack gives a file as its title when the member typed none
    (`avg_price_by_county_NY-region.png`): no caption of the page linked beside it."""
    return bool(title and _FILE_NAME.match(title))


# What a platform's own link parser may carry past the end of a link quoted in prose or code:
# Discord embedded `https://host/repo.git).',` from a pasted Python error, whose text link
# ends at `.git`.
_TRAILING_PUNCTUATION = ").,;:!?'\"]}>`"


def _quoted_in_text(url: str, found: Mapping[str, PlannedResource]) -> bool:
    """True when a preview's URL is one of the text's own links with punctuation trailing:
    not a second resource under a URL nobody shared."""
    stripped = url.rstrip(_TRAILING_PUNCTUATION)
    canonical = canonicalize(stripped) if stripped != url else None
    return canonical is not None and canonical in found


def event_key(event: InboundEvent) -> str | None:
    """The delivery id used to drop redeliveries; None when the natural keys suffice."""
    return f"{type(event).__name__}:{event.event_id}"[:128] if event.event_id else None


@dataclass
class _Policy:
    loaded_at: float
    member_tracking: dict[str, bool]  # external id -> explicit choice
    channel_overrides: dict[str, bool]  # external id -> tracked
    default_tracking: bool

    def ignores(self, member_external_id: str) -> bool:
        return not self.member_tracking.get(member_external_id, self.default_tracking)


@dataclass
class Tracker:
    """Applies batches of events in one write transaction each."""

    repos: Repositories
    config: TrackingConfig
    clock: Clock
    default_tracking: bool = True
    store: IngestStore = field(default_factory=IngestStore)
    _policies: dict[int, _Policy] = field(default_factory=dict)
    # `[privacy] retention_days`: posts older than that are not stored (0: no limit).
    retention_days: int = 0
    _oldest: datetime | None = None

    def invalidate(self, community_id: int | None = None) -> None:
        """Drop cached privacy and channel choices (after a command changed them)."""
        if community_id is None:
            self._policies.clear()
        else:
            self._policies.pop(community_id, None)

    async def _policy(self, community_id: int) -> _Policy:
        cached = self._policies.get(community_id)
        if cached and time.monotonic() - cached.loaded_at < POLICY_TTL_SECONDS:
            return cached
        choices = await self.repos.settings.tracking_choices(community_id)
        overrides = await self.repos.channels.tracking_overrides(community_id)
        policy = _Policy(time.monotonic(), choices, overrides, self.default_tracking)
        self._policies[community_id] = policy
        return policy

    def channel_tracked(self, place: Place, override: bool | None) -> bool:
        if place.is_dm:
            return False
        if override is not None:
            return override
        names = {place.channel_id, (place.channel_name or "").lstrip("#").lower()}
        ignored = {c.lstrip("#").lower() for c in self.config.ignored_channels}
        if names & ignored:
            return False
        if self.config.tracked_channels:
            tracked = {c.lstrip("#").lower() for c in self.config.tracked_channels}
            return bool(names & tracked)
        return not place.is_private or self.config.track_private_channels

    async def apply(self, events: Sequence[InboundEvent]) -> IngestStats:
        """Store a batch; returns what changed and what was skipped, and why."""
        return await self.write(await self.plan(events))

    async def plan(self, events: Sequence[InboundEvent]) -> PlannedBatch:
        """Decide what a batch stores (rules, links), reading nothing but cached choices.

        Runs on the event loop while the previous batch is being written, so it hands the loop
        back every few dozen events: commands stay answered, and a write that needs the loop
        (PostgreSQL's, through the async driver) keeps going meanwhile."""
        batch = PlannedBatch()
        stats = batch.stats
        refs = {e.place.community: None for e in events}
        ids = await self.repos.communities.ensure_many(refs)
        community_ids = {ref: ids[ref.key] for ref in refs}
        policies = {cid: await self._policy(cid) for cid in set(community_ids.values())}
        self._oldest = (
            self.clock.now() - timedelta(days=self.retention_days) if self.retention_days else None
        )
        channels: dict[tuple[int, str, str | None, bool], PlannedChannel | None] = {}
        planned = batch.items
        for n, event in enumerate(events, 1):
            cid = community_ids[event.place.community]
            item = self._plan(cid, policies[cid], channels, event, stats)
            if item is not None:
                planned.append(item)
                if type(item) is PlannedPurge:
                    batch.barrier = True
            if not n % PLAN_SLICE:
                await asyncio.sleep(0)
        stats.events += len(events)
        return batch

    async def write(self, batch: PlannedBatch) -> IngestStats:
        """Write a planned batch in one transaction."""
        stats = IngestStats()
        stats.add(batch.stats)
        if batch.items:
            batch_stats = await self.repos.run_ingest(self.store, batch.items, self.clock.now())
            purged = False
            for p in batch.items:
                if isinstance(p, PlannedPurge):
                    purged = True
                    self.invalidate(p.community_id)
                    self.repos.communities.forget(p.community_id)
            if purged:  # the bot was removed: its data leaves the files now, not at the next pass
                await self.repos.db.scrub()
            stats.add(batch_stats)
        return stats

    def _plan(
        self,
        cid: int,
        policy: _Policy,
        channels: dict[tuple[int, str, str | None, bool], PlannedChannel | None],
        event: InboundEvent,
        stats: IngestStats,
    ) -> Planned | None:
        if isinstance(event, CommunityRemoved):
            return PlannedPurge(community_id=cid, event_key=None)
        place = event.place
        if place.is_dm:
            stats.skip("direct message")
            return None
        # What the platform deleted goes whether or not the channel is tracked now: it may
        # have been when the messages came.
        if isinstance(event, ConversationDeleted):
            return PlannedErase(
                community_id=cid,
                event_key=event_key(event),
                channel_id=place.channel_id,
                thread_id=place.thread_id,
                with_starter=event.with_starter,
            )
        if isinstance(event, ReactionsCleared):
            return PlannedClear(
                community_id=cid,
                event_key=event_key(event),
                channel_id=place.channel_id,
                message_id=event.message_id,
                emoji=None
                if event.emoji is None
                else _storable(canonical_emoji(event.emoji) or event.emoji),
                at=_utc(event.occurred_at),
            )
        # The channel's stored form, or None when it is not tracked; once per batch and channel.
        where = (cid, place.channel_id, place.channel_name, place.is_private)
        try:
            channel = channels[where]
        except KeyError:
            override = policy.channel_overrides.get(place.channel_id)
            channel = _channel(place) if self.channel_tracked(place, override) else None
            channels[where] = channel
        if channel is None:
            stats.skip("channel not tracked")
            return None
        if isinstance(event, MessagePosted):
            author = event.author
            if author.is_bot:
                stats.skip("bot message")
                return None
            if policy.ignores(author.external_id):
                stats.skip("member opted out")
                return None
            if self._oldest is not None and _utc(event.occurred_at) < self._oldest:
                stats.skip("older than the retention period")
                return None
            text = event.text
            return PlannedPost(
                community_id=cid,
                # A redelivered post is caught by the message's natural key; recording delivery
                # ids only where a replay could undo a later change (reactions, edits) keeps
                # the hot path lean.
                event_key=None,
                channel=channel,
                author=_actor(author),
                message_id=event.message_id,
                thread_id=place.thread_id if place.thread_id != event.message_id else None,
                posted_at=_utc(event.occurred_at),
                text=_storable(text[: self.config.max_message_chars]),
                resources=resources_in(
                    text, event.attachments, event.extra_urls, previews=event.previews
                ),
                reply_to=event.reply_to if event.reply_to != event.message_id else None,
                mentions=_mentioned(event.mentions, author, policy),
            )
        key = event_key(event)
        if isinstance(event, MessageEdited):
            if event.author is not None and policy.ignores(event.author.external_id):
                stats.skip("member opted out")
                return None
            return PlannedEdit(
                community_id=cid,
                event_key=key,
                channel_id=place.channel_id,
                message_id=event.message_id,
                edited_at=_utc(event.occurred_at),
                text=_storable(event.text[: self.config.max_message_chars]),
                resources=resources_in(
                    event.text,
                    event.attachments or (),
                    event.extra_urls,
                    previews=event.previews,
                ),
                replaces_files=event.attachments is not None,
                mentions=(
                    None
                    if event.mentions is None
                    else _mentioned(event.mentions, event.author, policy)
                ),
            )
        if isinstance(event, MessageDeleted):
            return PlannedDelete(
                community_id=cid,
                event_key=key,
                channel_id=place.channel_id,
                message_id=event.message_id,
            )
        if isinstance(event, ReactionAdded | ReactionRemoved):
            if event.actor.is_bot:
                stats.skip("bot reaction")
                return None
            if policy.ignores(event.actor.external_id):
                stats.skip("member opted out")
                return None
            return PlannedReaction(
                community_id=cid,
                event_key=key,
                channel_id=place.channel_id,
                message_id=event.message_id,
                actor=_actor(event.actor),
                emoji=_storable(canonical_emoji(event.emoji) or event.emoji),
                added=isinstance(event, ReactionAdded),
                at=_utc(event.occurred_at),
            )
        if isinstance(event, MemberJoined):
            if event.actor.is_bot or policy.ignores(event.actor.external_id):
                return None
            return PlannedJoin(
                community_id=cid,
                event_key=key,
                actor=_actor(event.actor),
                at=_utc(event.occurred_at),
            )
        if isinstance(event, ChannelRenamed):
            renamed = PlannedChannel(place.channel_id, _storable(event.new_name), place.is_private)
            return PlannedRename(community_id=cid, event_key=key, channel=renamed)
        raise TypeError(f"not an inbound event: {event!r}")


def _storable(text: str) -> str:
    """Text as it can be stored: without NUL characters, which mean nothing in chat and which
    neither PostgreSQL text nor SQLite's JSON functions keep, and without lone surrogates
    (escaped in some JSON payloads), which no database can encode."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:
            text = text.encode(errors="replace").decode()
    return text


def _mentioned(
    mentions: tuple[Actor, ...], author: Actor | None, policy: _Policy
) -> tuple[Actor, ...]:
    """The mentions worth storing: other people (not the author, not bots) who have not
    turned tracking off: a member who opted out is not recorded even as someone named."""
    if not mentions:
        return ()
    own = author.external_id if author is not None else None
    return tuple(
        _actor(a)
        for a in mentions
        if a.external_id != own and not a.is_bot and not policy.ignores(a.external_id)
    )


def _actor(actor: Actor) -> Actor:
    name = actor.display_name
    clean = name if name is None else _storable(name)
    return actor if clean is name else replace(actor, display_name=clean)


def _channel(place: Place) -> PlannedChannel:
    name = _storable(place.channel_name.lstrip("#")) if place.channel_name else None
    return PlannedChannel(place.channel_id, name, place.is_private)


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo is UTC else as_utc(when)
