"""Channels and threads deleted while the bot was away, found at catch-up.

Discord announces a deletion once (CHANNEL_DELETE, THREAD_DELETE) and replays it only on a
resumed session: a fresh one is told only what exists. What Rhizome stored and the guild no
longer has must go here too, with its messages; what merely could not be seen (a guild whose
channels have not arrived, an archived thread, one the bot may not list) must stay.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import discord

from adapters.discord import translate
from bot.model import ConversationDeleted
from bot.services import Services

__all__ = ["THREAD_CHECKS", "Found", "channels", "not_in_a_thread", "not_in_channel", "threads"]

log = logging.getLogger(__name__)

# Stored threads asked for by id in one catch-up, when neither the active nor the archived
# listing has them (each is a REST call; Discord's rate limits apply).
THREAD_CHECKS = 100


async def channels(
    guild: discord.Guild, services: Services, *, now: datetime
) -> list[ConversationDeleted]:
    """Stored channels the guild no longer has. Only a named channel (one whose place was
    resolved, never a thread stored under its bare id), and only while some stored channel is
    still there (a guild whose channels have not arrived is no evidence)."""
    repos = services.repos
    community = translate.community_ref(guild.id, guild.name)
    found = await repos.communities.find(community.platform, community.external_id)
    if found is None or guild.unavailable:
        return []
    stored = await repos.channels.list(found.id)
    present = {str(c.id) for c in guild.channels} | {str(t.id) for t in guild.threads}
    missing = [c for c in stored if c.name and c.external_id not in present]
    if not missing or not any(c.external_id in present for c in stored):
        return []
    for channel in missing:
        log.info(
            "discord: channel %s of guild %s was deleted while away", channel.external_id, guild.id
        )
    return [translate.deleted_channel_while_away(guild, c.external_id, now=now) for c in missing]


async def threads(
    guild: discord.Guild,
    services: Services,
    fetch_channel: Callable[[int], Awaitable[Any]],
    *,
    now: datetime,
) -> list[ConversationDeleted]:
    """Stored threads neither active nor among their channel's archived ones (a page of 100 a
    request) that Discord answers "Unknown Channel" for by id: a private archived thread is
    listed only to those who may manage threads, so it is asked for. At most `THREAD_CHECKS`
    asks per catch-up; a failing or forbidden ask is no evidence."""
    if guild.unavailable:
        return []
    community = translate.community_ref(guild.id, guild.name)
    stored = await services.repos.messages.threads_by_channel(community)
    active = {str(t.id) for t in guild.threads}
    out: list[ConversationDeleted] = []
    asks = 0
    for channel_id, held in stored.items():
        missing = held - active
        parent = guild.get_channel(int(channel_id)) if channel_id.isdigit() else None
        if not missing or not isinstance(parent, discord.TextChannel | discord.ForumChannel):
            continue  # a deleted channel goes whole (`channels`)
        if guild.me is not None and not parent.permissions_for(guild.me).read_message_history:
            continue  # neither listing nor history may be read: nothing to conclude
        try:
            async for thread in parent.archived_threads(limit=None):
                missing.discard(str(thread.id))
                if not missing:
                    break
        except discord.HTTPException as exc:
            log.info("discord: archived threads of %s not listed (%s)", channel_id, exc.status)
            continue
        for thread_id in sorted(missing):
            if asks >= THREAD_CHECKS:
                log.info("discord: more missing threads to check at the next catch-up")
                return out
            asks += 1
            try:
                await fetch_channel(int(thread_id))
                continue  # still there: private and archived, or listed late
            except discord.NotFound:
                pass
            except discord.HTTPException:
                continue
            log.info("discord: thread %s of guild %s was deleted while away", thread_id, guild.id)
            event = translate.deleted_thread_while_away(parent, thread_id, now=now)
            if event is not None:
                out.append(event)
    return out


async def not_in_channel(parent: Any, ids: Sequence[str], read: set[int] | None) -> list[str]:
    """Of the messages stored under a thread that its history lacks, those its channel
    (`parent`) has not got either. A reply in the channel to the message the thread was opened
    on joins that conversation, under the thread's id, but only the channel lists it; the
    channel's reading in this catch-up (`read`) has most, the rest are asked for one by one,
    and only Discord's "Unknown Message" deletes one here."""
    out: list[str] = []
    for mid in ids:
        if read is not None and int(mid) in read:
            continue
        if not isinstance(parent, discord.TextChannel):
            out.append(mid)  # a forum has no messages of its own
            continue
        try:
            await parent.fetch_message(int(mid))
        except discord.NotFound:
            out.append(mid)
        except discord.HTTPException:
            pass  # no answer is no evidence
    return out


@dataclass
class Found:
    deleted: list[str] = field(default_factory=list)  # message ids Discord has not got
    threads: set[str] = field(default_factory=set)  # roots found to be threads after all


async def not_in_a_thread(http: Any, missing: Sequence[tuple[str, str]]) -> Found:
    """Of the replies in a channel's reply chains that its history lacks (each id with the
    root it is stored under), those Discord has not got at all. A database from before threads
    were recorded stores a thread opened on a channel message just like a chain: its messages
    are asked for in the thread they claim, and a root found to be a thread is returned so it
    is recorded as one (once). `http`: discord.py's HTTP client."""
    found = Found()
    for message_id, thread in missing:
        if not thread.isdigit():
            continue
        try:
            await http.get_message(int(thread), int(message_id))
            found.threads.add(thread)
        except discord.NotFound:
            found.deleted.append(message_id)  # no such thread, or not in it: deleted
        except discord.HTTPException:
            pass  # no answer is no evidence
    return found
