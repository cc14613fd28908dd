"""Moderator commands of the whole bot: which channels are tracked (`/rhizome-admin track`,
`untrack`, `channels`) and everything configured in one place (`settings`, `settings history`,
from the settings audit trail). As a feature it owns that trail (forget-me keeps the changes but
drops who made them; my-data exports a member's own changes), and its part of `settings` is the
tracked channels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.audit import audit_entry, audit_store
from bot.commands.channels import ChannelChoice, resolve_channel
from bot.commands.registry import (
    ADMIN_GROUP,
    ChannelArg,
    CommandContext,
    OptionKind,
    OptionSpec,
    Registry,
)
from bot.digests.model import AuditEntry
from bot.documents import (
    Block,
    ChannelRef,
    Document,
    Heading,
    Item,
    ItemList,
    Paragraph,
    Reply,
    Text,
    spans,
)
from bot.emojis import label as emoji_label
from bot.feature import FeatureBase
from bot.model import CommunityRef, Place
from bot.services import Services

HISTORY_LIMIT = 20


async def track(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await _set_tracked(ctx, args["channel"], True)


async def untrack(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return await _set_tracked(ctx, args["channel"], False)


async def channels(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    return Reply(Document(await channel_blocks(ctx)))


async def settings(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    if args.get("part") == "history":
        entries = await audit_store(ctx.services).history(ctx.community.id, HISTORY_LIMIT)
        return Reply(history_document(entries))
    return Reply(await settings_document(ctx))


def register(registry: Registry) -> None:
    cmd = registry.command
    cmd(
        ADMIN_GROUP,
        "track",
        "Track a channel (its links and discussions are stored and can reach digests)",
        OptionSpec("channel", OptionKind.CHANNEL, "the channel to track"),
        examples=("track #python",),
    )(track)
    cmd(
        ADMIN_GROUP,
        "untrack",
        "Stop tracking a channel (nothing new from it is stored; it leaves digests)",
        OptionSpec("channel", OptionKind.CHANNEL, "the channel to stop tracking"),
        examples=("untrack #random",),
        destructive=True,
    )(untrack)
    cmd(ADMIN_GROUP, "channels", "Which channels are tracked, and why")(channels)
    cmd(
        ADMIN_GROUP,
        "settings",
        "Everything configured here in one place; `settings history` for who changed what",
        OptionSpec(
            "part",
            OptionKind.CHOICE,
            "history: the latest changes, with who and when",
            required=False,
            choices=("history",),
        ),
        examples=("settings", "settings history"),
    )(settings)


class AdminFeature(FeatureBase):
    name = "admin"
    table_modules = ("storage.audit",)
    owns_member_data = True  # the audit trail names who changed what
    settings_order = 20  # tracked channels, after the digests

    def register_commands(self, registry: Registry) -> None:
        register(registry)

    async def forget(self, services: Services, community_id: int, external_id: str) -> None:
        await audit_store(services).forget_actor(community_id, external_id)

    async def export(
        self, services: Services, community_id: int, external_id: str
    ) -> Mapping[str, Any]:
        return {"settings_changes": await audit_store(services).export(community_id, external_id)}

    async def settings_blocks(self, ctx: CommandContext) -> Sequence[Block]:
        return await channel_blocks(ctx)


FEATURE = AdminFeature()


async def _set_tracked(ctx: CommandContext, arg: ChannelArg, tracked: bool) -> Reply:
    services = ctx.services
    channel = await resolve_channel(ctx, arg)
    if await _is_tracked(ctx, channel) == tracked:
        state = "already tracked" if tracked else "already not tracked"
        return Reply.text(channel.ref(), f" is {state}; nothing changed.")
    await services.repos.channels.set_tracked(
        ctx.community.id, channel.external_id, channel.name, tracked
    )
    services.tracker.invalidate(ctx.community.id)
    await audit_store(services).record(
        audit_entry(
            ctx,
            "track" if tracked else "untrack",
            f"#{channel.label}: {'tracked' if tracked else 'not tracked'}",
        )
    )
    if tracked:
        extra = (
            " It is private: its resources appear only in a digest posted in that channel."
            if channel.is_private
            else ""
        )
        return Reply.text(
            "Tracking ", channel.ref(), ": new links and discussions there are stored." + extra
        )
    return Reply.text(
        "Stopped tracking ",
        channel.ref(),
        ": nothing new from it is stored, and it no longer feeds digests. What was stored stays "
        "searchable; track it again any time.",
    )


async def _is_tracked(ctx: CommandContext, channel: ChannelChoice) -> bool:
    """Whether a channel is tracked now: a moderator's choice, else the config's default."""
    known = await ctx.services.repos.channels.find(
        ctx.community.id, external_id=channel.external_id
    )
    if known is not None and known.tracked is not None:
        return known.tracked
    return _tracked_by_default(ctx, channel.external_id, channel.name, channel.is_private)


def _tracked_by_default(
    ctx: CommandContext, external_id: str, name: str | None, private: bool
) -> bool:
    community = ctx.community
    place = Place(
        CommunityRef(community.platform, community.external_id, community.name),
        external_id,
        name,
        is_private=private,
    )
    return ctx.services.tracker.channel_tracked(place, None)


async def channel_blocks(ctx: CommandContext) -> tuple[Block, ...]:
    known = await ctx.services.repos.channels.list(ctx.community.id)
    tracking = ctx.services.config.tracking
    rule = (
        "only the channels listed in the config"
        if tracking.tracked_channels
        else "every public channel"
        + (" and private ones the bot is in" if tracking.track_private_channels else "")
    )
    if tracking.ignored_channels:
        rule += f", except {', '.join('#' + c.lstrip('#') for c in tracking.ignored_channels)}"
    blocks: list[Block] = [
        Heading("Tracked channels"),
        Paragraph(spans(f"By default Rhizome tracks {rule}.")),
    ]
    if not known:
        blocks.append(Paragraph(spans("No channel has been seen yet.")))
        return tuple(blocks)
    items = []
    for c in known:
        if c.tracked is None:
            on = _tracked_by_default(ctx, c.external_id, c.name, c.is_private)
            why = "tracked (default)" if on else "not tracked (default)"
        else:
            why = (
                "tracked (set by a moderator)" if c.tracked else "not tracked (set by a moderator)"
            )
        if c.is_private:
            why += " · private"
        items.append(Item(title=spans(ChannelRef(c.label, c.external_id)), details=(spans(why),)))
    blocks.append(ItemList(tuple(items)))
    return tuple(blocks)


def _silence_hint(silence: Sequence[str]) -> str:
    """How members keep a message out of digests, in the emoji every platform shows."""
    shown = [emoji_label(e) for e in silence if e.strip()]
    return f" Reacting with {' or '.join(shown)} keeps a message out of digests." if shown else ""


async def settings_document(ctx: CommandContext) -> Document:
    """Every feature's part (in `settings_order`), then privacy and the latest changes."""
    blocks: list[Block] = []
    for feature in sorted(ctx.services.features, key=lambda f: f.settings_order):
        blocks.extend(await feature.settings_blocks(ctx))
    privacy = ctx.services.config.privacy
    blocks.append(Heading("Privacy"))
    blocks.append(
        Paragraph(
            spans(
                "New members are "
                + (
                    "tracked unless they opt out."
                    if privacy.default_tracking
                    else "not tracked unless they opt in."
                )
                + _silence_hint(ctx.services.config.tracking.silence_emoji)
            )
        )
    )
    recent = await audit_store(ctx.services).history(ctx.community.id, 3)
    if recent:
        blocks.append(Heading("Latest changes"))
        blocks.append(ItemList(tuple(_history_item(e) for e in recent)))
        blocks.append(Paragraph(spans("All of them: /rhizome-admin settings history")))
    return Document(tuple(blocks), title="Rhizome settings")


def _history_item(entry: AuditEntry) -> Item:
    who = entry.actor_name or entry.actor_id
    return Item(
        title=spans(entry.detail),
        details=(spans(f"{entry.at:%Y-%m-%d %H:%M} UTC by ", Text(who, bold=True)),),
    )


def history_document(entries: Sequence[AuditEntry]) -> Document:
    if not entries:
        return Document((Paragraph(spans("No settings have been changed yet.")),))
    return Document(
        (ItemList(tuple(_history_item(e) for e in entries)),),
        title=f"Settings history (latest {len(entries)})",
    )
