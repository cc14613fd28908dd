"""Discord objects and raw gateway events → the core's neutral events.

Pure functions: the client resolves the guild and channel from discord.py's cache and passes
them in, so these can be tested on objects built from payloads without a connection. Bots,
webhooks, system messages and DMs yield None: the core only tracks what members say in guilds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import discord

from bot.mentions import mentioned_ids, merge_mentions
from bot.model import (
    Actor,
    Attachment,
    ChannelRenamed,
    CommunityRef,
    CommunityRemoved,
    ConversationDeleted,
    LinkPreview,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    Place,
    ReactionAdded,
    ReactionRemoved,
    ReactionsCleared,
)
from bot.posts import post_text
from bot.urls import extract_urls, stable_cdn_url

PLATFORM = "discord"

# Message types that carry something a member wrote; joins, pins, boosts, thread-created notices
# and the thread starter stub (type 21, a pointer to the real root message) are not.
_CONTENT_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})


def community_ref(guild_id: int | str, name: str | None = None) -> CommunityRef:
    return CommunityRef(PLATFORM, str(guild_id), name)


def place_for(
    guild_id: int | None,
    channel_id: int,
    *,
    guild: discord.Guild | None = None,
    channel: Any = None,
) -> Place | None:
    """Where an event happened; None for DMs (no guild).

    A thread (or forum post) maps to its parent channel with `thread_id` = the thread id, which
    equals its starter message id. An uncached channel falls back to its bare id.
    """
    if guild_id is None:
        return None
    community = community_ref(guild_id, guild.name if guild is not None else None)
    if isinstance(channel, discord.Thread):
        parent = channel.parent
        return Place(
            community=community,
            channel_id=str(channel.parent_id),
            channel_name=getattr(parent, "name", None),
            thread_id=str(channel.id),
            is_private=channel.is_private() or _is_private(parent),
        )
    name = getattr(channel, "name", None)
    return Place(
        community=community,
        channel_id=str(channel_id),
        channel_name=name if isinstance(name, str) else None,
        is_private=_is_private(channel),
    )


def _is_private(channel: Any) -> bool:
    """A guild channel that @everyone cannot see."""
    if not isinstance(channel, discord.abc.GuildChannel):
        return False
    try:
        return not channel.permissions_for(channel.guild.default_role).view_channel
    except (AttributeError, KeyError):
        return False


def actor_for(user: discord.abc.User | discord.Member, *, is_admin: bool = False) -> Actor:
    return Actor(
        external_id=str(user.id),
        display_name=user.display_name,
        is_bot=bool(user.bot),
        is_admin=is_admin,
    )


def embed_urls(embeds: Iterable[discord.Embed]) -> tuple[str, ...]:
    """Links Discord unfurled (embed.url), in order, without duplicates."""
    return tuple(p.url for p in embed_previews(embeds))


def embed_previews(embeds: Iterable[discord.Embed]) -> tuple[LinkPreview, ...]:
    """Links Discord unfurled with the titles members saw, in order, without duplicates."""
    seen: dict[str, LinkPreview] = {}
    for e in embeds:
        if e.url:
            seen.setdefault(str(e.url), LinkPreview(str(e.url), e.title or None))
    return tuple(seen.values())


def attachments_of(attachments: Iterable[discord.Attachment]) -> tuple[Attachment, ...]:
    return tuple(
        Attachment(
            url=stable_cdn_url(a.url),
            filename=a.filename,
            title=getattr(a, "title", None),
            external_id=str(a.id),
        )
        for a in attachments
    )


def _is_member_message(message: discord.Message) -> bool:
    return (
        message.guild is not None
        and not message.author.bot
        and message.webhook_id is None
        and message.type in _CONTENT_TYPES
    )


def message_posted(message: discord.Message, *, place: Place | None = None) -> MessagePosted | None:
    """MESSAGE_CREATE (or a message from channel history during backfill)."""
    if not _is_member_message(message):
        return None
    assert message.guild is not None
    place = place or place_for(
        message.guild.id, message.channel.id, guild=message.guild, channel=message.channel
    )
    if place is None:
        return None
    return MessagePosted(
        place=place,
        occurred_at=message.created_at,
        message_id=str(message.id),
        author=actor_for(message.author),
        text=message_text(message),
        attachments=attachments_of(message.attachments) + forwarded_attachments(message),
        extra_urls=embed_urls(message.embeds) + forwarded_urls(message),
        previews=embed_previews(message.embeds),
        reply_to=reply_target(message, place),
        mentions=mentions_of(message),
    )


def forwarded_urls(message: discord.Message) -> tuple[str, ...]:
    """Links of the messages a message forwards (`message_snapshots`): forwarding a message
    with links into a channel reshares them there."""
    found: dict[str, None] = {}
    for snapshot in getattr(message, "message_snapshots", None) or ():
        for link in extract_urls(snapshot.content or ""):
            found.setdefault(link.original)
        for url in embed_urls(snapshot.embeds):
            found.setdefault(url)
    return tuple(found)


def forwarded_attachments(message: discord.Message) -> tuple[Attachment, ...]:
    """Files of the messages a message forwards: reshared like its links."""
    return tuple(
        a
        for snapshot in getattr(message, "message_snapshots", None) or ()
        for a in attachments_of(snapshot.attachments)
    )


def message_text(message: discord.Message) -> str:
    """What members read: a forum post's opening message (its id is the thread's) under the
    post's title (`bot.posts`), any other message as written."""
    channel = message.channel
    if isinstance(channel, discord.Thread) and channel.id == message.id:
        return post_text(channel.name, message.content or "")
    return message.content or ""


def mentions_of(message: discord.Message) -> tuple[Actor, ...]:
    """The members a message mentions: the payload's `mentions` list (which also names the
    author a reply pinged), then any `<@id>` of the content it left out."""
    listed = tuple(actor_for(u) for u in message.mentions)
    return merge_mentions(listed, (Actor(external_id=i) for i in mentioned_ids(message.content)))


def reply_target(message: discord.Message, place: Place) -> str | None:
    """The message a reply answers, when it is in the same channel and not in a thread
    (a thread already groups its messages); forwards are not replies."""
    ref = message.reference
    if ref is None or ref.message_id is None or place.thread_id is not None:
        return None
    if getattr(ref, "type", None) == discord.MessageReferenceType.forward:
        return None
    if ref.channel_id is not None and ref.channel_id != message.channel.id:
        return None
    return str(ref.message_id)


def message_edited(
    event: discord.RawMessageUpdateEvent, *, now: datetime, place: Place | None = None
) -> MessageEdited | None:
    """MESSAGE_UPDATE: an edit, or Discord adding link embeds after the fact (no edit time)."""
    message = event.message
    if not _is_member_message(message):
        return None
    assert message.guild is not None
    place = place or place_for(
        message.guild.id, message.channel.id, guild=message.guild, channel=message.channel
    )
    if place is None:
        return None
    return MessageEdited(
        place=place,
        occurred_at=message.edited_at or now,
        message_id=str(message.id),
        text=message_text(message),
        attachments=attachments_of(message.attachments) + forwarded_attachments(message),
        extra_urls=embed_urls(message.embeds) + forwarded_urls(message),
        previews=embed_previews(message.embeds),
        author=actor_for(message.author),
        mentions=mentions_of(message),
    )


def post_retitled(message: discord.Message, *, now: datetime) -> MessageEdited | None:
    """THREAD_UPDATE renaming a forum post: its opening message reads under the new title
    (`message_text`), as members now see it; nothing else about it changed."""
    if not _is_member_message(message) or message.guild is None:
        return None
    place = place_for(
        message.guild.id, message.channel.id, guild=message.guild, channel=message.channel
    )
    if place is None:
        return None
    return MessageEdited(
        place=place, occurred_at=now, message_id=str(message.id), text=message_text(message)
    )


def message_deleted(
    event: discord.RawMessageDeleteEvent,
    *,
    now: datetime,
    guild: discord.Guild | None = None,
    channel: Any = None,
) -> MessageDeleted | None:
    place = place_for(event.guild_id, event.channel_id, guild=guild, channel=channel)
    if place is None:
        return None
    return MessageDeleted(place=place, occurred_at=now, message_id=str(event.message_id))


def deleted_while_away(
    guild: discord.Guild, channel: Any, message_id: str, *, now: datetime
) -> MessageDeleted:
    """A stored message that channel history no longer has: deleted while the bot was away."""
    place = place_for(guild.id, channel.id, guild=guild, channel=channel)
    assert place is not None
    return MessageDeleted(place=place, occurred_at=now, message_id=message_id)


def messages_deleted(
    event: discord.RawBulkMessageDeleteEvent,
    *,
    now: datetime,
    guild: discord.Guild | None = None,
    channel: Any = None,
) -> list[MessageDeleted]:
    """MESSAGE_DELETE_BULK (a moderator purge): one neutral deletion per id, oldest first."""
    place = place_for(event.guild_id, event.channel_id, guild=guild, channel=channel)
    if place is None:
        return []
    return [
        MessageDeleted(place=place, occurred_at=now, message_id=str(mid))
        for mid in sorted(event.message_ids)
    ]


def emoji_name(emoji: discord.PartialEmoji | discord.Emoji | str) -> str:
    """Unicode emoji as is, custom emoji by name (ids differ between guilds, names carry meaning)."""
    if isinstance(emoji, str):
        return emoji
    return emoji.name or (str(emoji.id) if emoji.id else "?")


def reaction(
    event: discord.RawReactionActionEvent,
    *,
    now: datetime,
    guild: discord.Guild | None = None,
    channel: Any = None,
    bot_user_ids: Sequence[int] = (),
) -> ReactionAdded | ReactionRemoved | None:
    """MESSAGE_REACTION_ADD / _REMOVE. Removals carry no member, so only the id is known."""
    if event.user_id in bot_user_ids:
        return None
    member = event.member
    if member is not None and member.bot:
        return None
    place = place_for(event.guild_id, event.channel_id, guild=guild, channel=channel)
    if place is None:
        return None
    actor = actor_for(member) if member is not None else Actor(external_id=str(event.user_id))
    cls = ReactionAdded if event.event_type == "REACTION_ADD" else ReactionRemoved
    return cls(
        place=place,
        occurred_at=now,
        message_id=str(event.message_id),
        actor=actor,
        emoji=emoji_name(event.emoji),
    )


def reactions_cleared(
    event: discord.RawReactionClearEvent | discord.RawReactionClearEmojiEvent,
    *,
    now: datetime,
    guild: discord.Guild | None = None,
    channel: Any = None,
) -> ReactionsCleared | None:
    """MESSAGE_REACTION_REMOVE_ALL, or _REMOVE_EMOJI (every reaction of one emoji): a
    moderator's clean-up, which sends no removal per member."""
    place = place_for(event.guild_id, event.channel_id, guild=guild, channel=channel)
    if place is None:
        return None
    emoji = getattr(event, "emoji", None)
    return ReactionsCleared(
        place=place,
        occurred_at=now,
        message_id=str(event.message_id),
        emoji=emoji_name(emoji) if emoji is not None else None,
    )


def thread_deleted(
    event: discord.RawThreadDeleteEvent, *, now: datetime, guild: discord.Guild | None = None
) -> ConversationDeleted | None:
    """THREAD_DELETE: the thread's messages are gone, and a forum post's starter with them
    (it lives inside its thread); a thread opened on a channel message leaves that message."""
    if event.guild_id is None or event.parent_id is None:
        return None
    parent = guild.get_channel(event.parent_id) if guild is not None else None
    place = place_for(event.guild_id, event.parent_id, guild=guild, channel=parent)
    if place is None:
        return None
    forum = isinstance(parent, discord.ForumChannel)  # media channels too (`is_media()`)
    return ConversationDeleted(
        place=Place(
            community=place.community,
            channel_id=place.channel_id,
            channel_name=place.channel_name,
            thread_id=str(event.thread_id),
            is_private=place.is_private,
        ),
        occurred_at=now,
        with_starter=forum,
    )


def channel_deleted(
    channel: discord.abc.GuildChannel, *, now: datetime
) -> ConversationDeleted | None:
    """CHANNEL_DELETE: every message of the channel, and of its threads, is gone."""
    place = place_for(channel.guild.id, channel.id, guild=channel.guild, channel=channel)
    if place is None:
        return None
    return ConversationDeleted(place=place, occurred_at=now)


def deleted_channel_while_away(
    guild: discord.Guild, channel_id: str, *, now: datetime
) -> ConversationDeleted:
    """A stored channel the guild no longer has: deleted while the bot was away."""
    return ConversationDeleted(
        place=Place(community=community_ref(guild.id, guild.name), channel_id=channel_id),
        occurred_at=now,
    )


def deleted_thread_while_away(
    parent: discord.TextChannel | discord.ForumChannel, thread_id: str, *, now: datetime
) -> ConversationDeleted | None:
    """A stored thread its channel no longer has, active or archived: deleted while the bot
    was away (a forum post's starter with it, as for THREAD_DELETE)."""
    place = place_for(parent.guild.id, parent.id, guild=parent.guild, channel=parent)
    if place is None:
        return None
    return ConversationDeleted(
        place=Place(
            community=place.community,
            channel_id=place.channel_id,
            channel_name=place.channel_name,
            thread_id=thread_id,
            is_private=place.is_private,
        ),
        occurred_at=now,
        with_starter=isinstance(parent, discord.ForumChannel),
    )


def community_removed(guild: discord.Guild, *, now: datetime) -> CommunityRemoved:
    """The bot left or was kicked (not an outage: discord.py reports those separately)."""
    return CommunityRemoved(
        place=Place(community=community_ref(guild.id, guild.name), channel_id=""),
        occurred_at=now,
    )


def channel_renamed(
    before: discord.abc.GuildChannel, after: discord.abc.GuildChannel, *, now: datetime
) -> ChannelRenamed | None:
    if before.name == after.name:
        return None
    place = place_for(after.guild.id, after.id, guild=after.guild, channel=after)
    if place is None:
        return None
    return ChannelRenamed(place=place, occurred_at=now, new_name=after.name)
