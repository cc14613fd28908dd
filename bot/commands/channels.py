"""Channels named in commands: a platform mention or a name the bot has seen (shared by every
feature's commands that take a channel)."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.commands.parser import UsageError
from bot.commands.registry import ChannelArg, CommandContext
from bot.documents import ChannelRef


@dataclass(frozen=True, slots=True)
class ChannelChoice:
    external_id: str
    name: str | None
    is_private: bool = False

    @property
    def label(self) -> str:
        return self.name or self.external_id

    def ref(self) -> ChannelRef:
        return ChannelRef(self.label, self.external_id)


async def resolve_channel(
    ctx: CommandContext, arg: ChannelArg, *, new_ok: bool = False
) -> ChannelChoice:
    """A channel named in a command: a platform mention (its id is the platform's word that
    the channel exists) or a name the bot has seen. Only `digest channel` may name a console
    channel nobody has posted in yet (console channels are their names)."""
    channels = ctx.services.repos.channels
    if arg.external_id:
        found = await channels.find(ctx.community.id, external_id=arg.external_id)
        if found is not None:
            return ChannelChoice(found.external_id, found.name or arg.name, found.is_private)
        return ChannelChoice(arg.external_id, arg.name)
    name = (arg.name or "").lstrip("#").strip()
    if not name:
        raise UsageError("Please name a channel, e.g. #general.", ctx.spec)
    found = await channels.find(ctx.community.id, name=name)
    if found is not None:
        return ChannelChoice(found.external_id, found.name, found.is_private)
    if new_ok and ctx.community.platform == "console":
        return ChannelChoice(name.lower(), name.lower())
    known = [c.label for c in await channels.list(ctx.community.id)]
    close = [m[0] for m in process.extract(name, known, scorer=fuzz.ratio, score_cutoff=70)]
    hint = f" Did you mean {' or '.join('#' + c for c in close[:3])}?" if close else ""
    how = (
        "Post in it first, or check the name."
        if ctx.community.platform == "console"
        else "Mention it as a channel link (type # and pick it from the list) so I get its id."
    )
    raise UsageError(
        f"I don't know a channel called #{name[:80]} here.{hint} {how}",
        ctx.spec,
    )
