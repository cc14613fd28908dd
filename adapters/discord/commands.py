"""App-command groups `/rhizome` and `/rhizome-admin` generated from the core's Registry.

discord.py reads a command's options from its callback's signature, so each spec gets a
callback whose `__signature__` is built here: one keyword parameter per option, annotated with a
`Transformer` that declares the Discord option type (string, integer with min/max, choices,
user, channel) and converts the resolved value into what the core expects (str, int,
`MemberArg`, `ChannelArg`). Handlers contain no logic: they defer, call
`rhizome.run_command`, and render the `Reply`.

Every handler defers first (ephemeral as the spec says) and answers by editing the deferred
response. The 3-second window includes database work behind a batching writer; deferring always
costs one request but means no command ever shows "The application did not respond", and one
code path serves fast and `slow` specs alike.
"""

from __future__ import annotations

import gzip
import hashlib
import inspect
import io
import json
import logging
import re
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

import discord
from discord import app_commands

from adapters.discord.render import command_from_custom_id, render
from adapters.discord.translate import community_ref, place_for
from bot.commands.registry import (
    ADMIN_GROUP,
    MEMBER_GROUP,
    ChannelArg,
    CommandSpec,
    Invocation,
    MemberArg,
    OptionKind,
    OptionSpec,
    Registry,
)
from bot.documents import Reply
from bot.model import Actor, CommunityRef

if TYPE_CHECKING:
    from bot.app import Rhizome

log = logging.getLogger(__name__)

MAX_NAME = 32
MAX_DESCRIPTION = 100
MAX_CHOICES = 25
MAX_CHILDREN = 25
MAX_OPTIONS = 25

GROUP_DESCRIPTIONS = {
    MEMBER_GROUP: "Find what this community shares and who knows what",
    ADMIN_GROUP: "Moderator settings for Rhizome",
}
SORRY = "Sorry, something went wrong on my side. It has been logged; please try again shortly."
GUILD_ONLY = "Rhizome commands work inside a server, not in direct messages."

# Text-like places where members post (a channel option also accepts forums, whose posts are
# threads we track).
_CHANNEL_TYPES = [
    discord.ChannelType.text,
    discord.ChannelType.news,
    discord.ChannelType.forum,
]


class CommandCore(Protocol):
    """What the command layer needs from `bot.app.Rhizome`."""

    registry: Registry

    async def run_command(self, invocation: Invocation) -> Reply: ...

    async def autocomplete(
        self, community: CommunityRef, kind: str, prefix: str, limit: int = 25
    ) -> list[str]: ...


# --- names and descriptions -----------------------------------------------------------------
_NAME_BAD = re.compile(r"[^a-z0-9_-]+")


def discord_name(word: str) -> str:
    """Discord names: lower-case, 1–32 of [a-z0-9_-] (we stay ASCII so every client can type)."""
    name = _NAME_BAD.sub("-", word.strip().lower()).strip("-")[:MAX_NAME]
    if not name:
        raise ValueError(f"cannot make a Discord command name from {word!r}")
    return name


def discord_description(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        return "…"
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


# --- option transformers --------------------------------------------------------------------
def _choice(value: str) -> app_commands.Choice[str]:
    return app_commands.Choice(name=value[:100], value=value[:100])


class OptionTransformer(app_commands.Transformer):
    """Declares one core option to Discord and converts the resolved value back."""

    def __init__(self, spec: OptionSpec) -> None:
        super().__init__()
        self.spec = spec

    @property
    def label(self) -> str:
        """The option's name on Discord."""
        return self.spec.name

    @property
    def type(self) -> discord.AppCommandOptionType:
        kind = self.spec.kind
        if kind is OptionKind.INTEGER:
            return discord.AppCommandOptionType.integer
        if kind is OptionKind.MEMBER:
            return discord.AppCommandOptionType.user
        if kind is OptionKind.CHANNEL:
            return discord.AppCommandOptionType.channel
        return discord.AppCommandOptionType.string

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return list(_CHANNEL_TYPES) if self.spec.kind is OptionKind.CHANNEL else []

    @property
    def min_value(self) -> int | None:
        return self.spec.min_value if self.spec.kind is OptionKind.INTEGER else None

    @property
    def max_value(self) -> int | None:
        return self.spec.max_value if self.spec.kind is OptionKind.INTEGER else None

    @property
    def choices(self) -> list[app_commands.Choice[str]] | None:  # type: ignore[override]
        if self.spec.kind is OptionKind.CHOICE and 0 < len(self.spec.choices) <= MAX_CHOICES:
            return [_choice(c) for c in self.spec.choices]
        return None

    @property
    def _error_display_name(self) -> str:
        return self.spec.name

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> Any:
        kind = self.spec.kind
        if kind is OptionKind.MEMBER:
            return MemberArg(external_id=str(value.id), name=value.display_name)
        if kind is OptionKind.CHANNEL:
            return ChannelArg(external_id=str(value.id), name=getattr(value, "name", None))
        if kind is OptionKind.INTEGER:
            return int(value)
        return str(value)


class KeywordTransformer(OptionTransformer):
    """The yes/no twin of a channel option that also takes a word (`all`, `none`): Discord's
    channel picker cannot send one. True becomes that word, parsed by the core's own parser."""

    @property
    def label(self) -> str:
        return self.spec.keywords[0]

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.boolean

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return []

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> Any:
        return self.spec.keywords[0] if value else None


class SuggestingTransformer(OptionTransformer):
    """An option with suggestions while typing: the core's `autocomplete` provider, or the
    spec's own choices when there are more than Discord's 25 static choices."""

    def __init__(self, spec: OptionSpec, core: CommandCore) -> None:
        super().__init__(spec)
        self.core = core

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: int | float | str, /
    ) -> list[app_commands.Choice[str]] | list[app_commands.Choice[int]]:
        prefix = str(value or "")
        if self.spec.kind is OptionKind.CHOICE:
            p = prefix.lower()
            found = [c for c in self.spec.choices if c.lower().startswith(p)]
        elif interaction.guild_id is None or not self.spec.autocomplete:
            return []
        else:
            found = await self.core.autocomplete(
                community_ref(interaction.guild_id), self.spec.autocomplete, prefix, MAX_CHOICES
            )
        if self.spec.kind is OptionKind.INTEGER:  # Discord wants choices of the option's type
            numbers = [s for s in found if s.lstrip("-").isdigit()][:MAX_CHOICES]
            return [app_commands.Choice(name=s[:100], value=int(s)) for s in numbers]
        return [_choice(s) for s in found[:MAX_CHOICES] if s]


def transformers_for(spec: OptionSpec, core: CommandCore) -> list[OptionTransformer]:
    """One Discord option per core option, or a channel picker plus a yes/no for its word."""
    if spec.kind is OptionKind.CHANNEL and spec.keywords:
        optional = replace(spec, required=False)
        return [OptionTransformer(optional), KeywordTransformer(optional)]
    return [transformer_for(spec, core)]


def transformer_for(spec: OptionSpec, core: CommandCore) -> OptionTransformer:
    many_choices = spec.kind is OptionKind.CHOICE and len(spec.choices) > MAX_CHOICES
    # Discord offers autocomplete only on string/number options; users and channels have
    # their own pickers, and static choices exclude autocomplete.
    typed = spec.kind in (OptionKind.STRING, OptionKind.TEXT, OptionKind.INTEGER)
    if many_choices or (spec.autocomplete and typed):
        return SuggestingTransformer(spec, core)
    return OptionTransformer(spec)


# --- replies --------------------------------------------------------------------------------
# What one message may carry in attachments (a bot in a server without boosts), and the size of
# each part when a file has to be split even after compression.
ATTACHMENT_LIMIT = 10 * 1024 * 1024
PART_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PackedFiles:
    """A reply's files as Discord can take them: one list of (name, bytes) per message, and a
    note saying how to put a compressed or split file back together and check it."""

    messages: tuple[tuple[tuple[str, bytes], ...], ...]
    note: str | None = None


def pack_files(
    files: Sequence[tuple[str, str]], limit: int = ATTACHMENT_LIMIT, part: int = PART_BYTES
) -> PackedFiles:
    """Files as they are when they fit in one message; else each too-big file gzip-compressed,
    and split into numbered parts (one message each) when even that is too big."""
    raw = [(name, content.encode("utf-8")) for name, content in files]
    if sum(len(b) for _, b in raw) <= limit:
        return PackedFiles((tuple(raw),) if raw else ())
    first: list[tuple[str, bytes]] = []
    later: list[tuple[tuple[str, bytes], ...]] = []
    notes: list[str] = []
    for name, data in raw:
        if len(data) <= limit // 4:
            first.append((name, data))
            continue
        packed = gzip.compress(data, compresslevel=6, mtime=0)
        digest = hashlib.sha256(data).hexdigest()
        size = f"{len(data) / 1_000_000:.1f} MB"
        if len(packed) <= limit - sum(len(b) for _, b in first):
            first.append((f"{name}.gz", packed))
            notes.append(
                f"{name} is large ({size}), so it comes gzip-compressed as {name}.gz "
                f"(gunzip {name}.gz). Its SHA-256: {digest}."
            )
            continue
        chunks = [packed[i : i + part] for i in range(0, len(packed), part)]
        n = len(chunks)
        later.extend(((f"{name}.gz.part{i:02d}of{n:02d}", c),) for i, c in enumerate(chunks, 1))
        notes.append(
            f"{name} is large ({size}), so it comes gzip-compressed in {n} parts, one per "
            f"message: join them in order and unzip (cat {name}.gz.part* | gunzip > {name}). "
            f"Its SHA-256: {digest}."
        )
    messages = (tuple(first), *later)  # the first message always goes out
    return PackedFiles(messages, " ".join(notes) or None)


def discord_files(files: Sequence[tuple[str, bytes]]) -> list[discord.File]:
    return [discord.File(io.BytesIO(data), filename=name) for name, data in files]


async def send_reply(
    interaction: discord.Interaction, reply: Reply, *, deferred_ephemeral: bool
) -> None:
    """Answer a deferred interaction: edit the "thinking…" response, or, when the reply's
    visibility differs from the deferral's, replace it with a follow-up of the right kind."""
    content, embeds, view = render(reply.document)
    packed = pack_files(reply.files)
    if packed.note:
        content = f"{content}\n{packed.note}" if content else packed.note
    files = discord_files(packed.messages[0]) if packed.messages else []
    kwargs: dict[str, Any] = {"content": content or None, "embeds": embeds}
    if view is not None:
        kwargs["view"] = view
    if reply.ephemeral == deferred_ephemeral:
        if files:
            kwargs["attachments"] = files
        await interaction.edit_original_response(
            allowed_mentions=discord.AllowedMentions.none(), **kwargs
        )
    else:
        await interaction.delete_original_response()
        if files:
            kwargs["files"] = files
        await interaction.followup.send(
            ephemeral=reply.ephemeral, allowed_mentions=discord.AllowedMentions.none(), **kwargs
        )
    for more in packed.messages[1:]:
        await interaction.followup.send(
            "Attached: " + ", ".join(name for name, _ in more),
            files=discord_files(more),
            ephemeral=reply.ephemeral,
            allowed_mentions=discord.AllowedMentions.none(),
        )


async def apologise(interaction: discord.Interaction, text: str = SORRY) -> None:
    """A polite ephemeral note, whatever state the interaction is in; never raises."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.exception("could not tell the user about a failure (interaction %s)", interaction.id)


def actor_of(interaction: discord.Interaction) -> Actor:
    user = interaction.user
    perms = interaction.permissions
    return Actor(
        external_id=str(user.id),
        display_name=user.display_name,
        is_bot=bool(user.bot),
        is_admin=bool(perms.manage_guild or perms.administrator),
    )


def invocation_for(
    interaction: discord.Interaction,
    group: str,
    *,
    path: tuple[str, ...] | None = None,
    options: Mapping[str, Any] | None = None,
    text: str | None = None,
) -> Invocation:
    assert interaction.guild_id is not None
    guild = interaction.guild
    return Invocation(
        community=community_ref(interaction.guild_id, guild.name if guild else None),
        actor=actor_of(interaction),
        group=group,
        path=path,
        options=options,
        text=text,
        place=place_for(
            interaction.guild_id,
            interaction.channel_id or 0,
            guild=guild,
            channel=interaction.channel,
        ),
    )


async def run_and_reply(
    core: CommandCore,
    interaction: discord.Interaction,
    invocation: Invocation,
    *,
    ephemeral: bool,
    label: str,
) -> None:
    """Defer, run in the core, answer. Failures are logged and apologised for, never lost."""
    await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    try:
        reply = await core.run_command(invocation)
    except Exception:
        log.exception("discord: %s failed in the core (guild %s)", label, interaction.guild_id)
        reply = Reply.text(SORRY)
    try:
        await send_reply(interaction, reply, deferred_ephemeral=ephemeral)
    except discord.HTTPException as e:
        log.exception("discord: could not send the reply to %s (HTTP %s)", label, e.status)
        await apologise(interaction, "Sorry, I could not display that answer here.")


# --- building the tree ----------------------------------------------------------------------
Callback = Callable[..., Coroutine[Any, Any, None]]


def _callback_for(
    core: CommandCore, spec: CommandSpec, transformers: Sequence[OptionTransformer]
) -> Callback:
    names = [f"o{i}" for i in range(len(transformers))]

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        if interaction.guild_id is None:
            await apologise(interaction, GUILD_ONLY)
            return
        options = {
            t.spec.name: values[n]
            for n, t in zip(names, transformers, strict=True)
            if values.get(n) is not None
        }
        await run_and_reply(
            core,
            interaction,
            invocation_for(interaction, spec.group, path=spec.path, options=options),
            ephemeral=spec.ephemeral,
            label=spec.full_name,
        )

    params = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for n, t in zip(names, transformers, strict=True):
        params.append(
            inspect.Parameter(
                n,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=t,
                default=inspect.Parameter.empty if t.spec.required else None,
            )
        )
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_description__ = {  # type: ignore[attr-defined]
        n: discord_description(
            f"True: {t.label} instead of a channel"
            if isinstance(t, KeywordTransformer)
            else t.spec.description
        )
        for n, t in zip(names, transformers, strict=True)
    }
    callback.__discord_app_commands_param_rename__ = {  # type: ignore[attr-defined]
        n: discord_name(t.label) for n, t in zip(names, transformers, strict=True)
    }
    callback.__qualname__ = callback.__name__ = "rhizome_" + "_".join(
        discord_name(w).replace("-", "_") for w in (spec.group, *spec.path)
    )
    return callback


def command_for(
    core: CommandCore, spec: CommandSpec, name: str
) -> app_commands.Command[Any, ..., None]:
    if sum(2 if o.keywords else 1 for o in spec.options) > MAX_OPTIONS:
        raise ValueError(f"{spec.full_name}: Discord allows at most {MAX_OPTIONS} options")
    transformers = [t for o in spec.options for t in transformers_for(o, core)]
    return app_commands.Command(
        name=name,
        description=discord_description(spec.description),
        callback=_callback_for(core, spec, transformers),
        extras={"rhizome_spec": spec},
    )


def _add(
    parent: app_commands.Group, child: app_commands.Command[Any, ..., None] | app_commands.Group
) -> None:
    if len(parent.commands) >= MAX_CHILDREN:
        raise ValueError(
            f"/{parent.qualified_name} has more than {MAX_CHILDREN} subcommands; Discord allows no more"
        )
    parent.add_command(child)


def build_group(core: CommandCore, group: str) -> app_commands.Group:
    """One top-level group with its subcommands and subcommand groups."""
    admin = group == ADMIN_GROUP
    top = app_commands.Group(
        name=discord_name(group),
        description=discord_description(GROUP_DESCRIPTIONS.get(group, group)),
        # DMs have no community to answer about; the admin group is also hidden from members
        # by default. Both are hints only: the core authorizes every invocation itself.
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(
            guild=True, dm_channel=False, private_channel=False
        ),
        default_permissions=discord.Permissions(manage_guild=True) if admin else None,
    )
    subgroups: dict[str, app_commands.Group] = {}
    leaves: set[str] = set()
    for spec in core.registry.in_group(group):
        words = [discord_name(w) for w in spec.path]
        if len(words) == 1:
            if words[0] in subgroups or words[0] in leaves:
                raise ValueError(f"{spec.full_name}: Discord name {words[0]!r} is taken")
            leaves.add(words[0])
            _add(top, command_for(core, spec, words[0]))
            continue
        head, leaf = words
        if head in leaves:
            raise ValueError(
                f"{spec.full_name}: {head!r} is both a command and a group; Discord forbids that"
            )
        sub = subgroups.get(head)
        if sub is None:
            sub = app_commands.Group(
                name=head,
                description=discord_description(f"{spec.path[0].capitalize()} commands"),
            )
            _add(top, sub)
            subgroups[head] = sub
        if sub.get_command(leaf) is not None:
            raise ValueError(f"{spec.full_name}: Discord name {leaf!r} is taken")
        _add(sub, command_for(core, spec, leaf))
    return top


def build_groups(core: CommandCore) -> list[app_commands.Group]:
    """Both groups; a group without any command is left out (Discord rejects empty groups)."""
    return [build_group(core, g) for g in (MEMBER_GROUP, ADMIN_GROUP) if core.registry.in_group(g)]


def install(tree: app_commands.CommandTree[Any], core: CommandCore) -> list[app_commands.Group]:
    groups = build_groups(core)
    for g in groups:
        tree.add_command(g, override=True)
    return groups


async def handle_button(core: CommandCore, interaction: discord.Interaction) -> bool:
    """Run the command a pressed button carries, as the presser. False if not our button."""
    data: Mapping[str, Any] = interaction.data or {}
    custom_id = str(data.get("custom_id", ""))
    parsed = command_from_custom_id(custom_id)
    if parsed is None:
        return False
    if interaction.guild_id is None:
        await apologise(interaction, GUILD_ONLY)
        return True
    group, text = parsed
    await run_and_reply(
        core,
        interaction,
        invocation_for(interaction, group, text=text),
        ephemeral=True,
        label=f"button {custom_id!r}",
    )
    return True


# --- syncing only when the tree changed -------------------------------------------------------
def tree_payload(
    tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None = None
) -> list[dict[str, Any]]:
    return [c.to_dict(tree) for c in tree.get_commands(guild=guild)]


def tree_fingerprint(
    tree: app_commands.CommandTree[Any],
    registry: Registry,
    guild: discord.abc.Snowflake | None = None,
) -> str:
    """The registry's fingerprint plus the exact payload Discord would receive, so a change in
    how specs map to Discord also triggers a sync."""
    payload = json.dumps(tree_payload(tree, guild), sort_keys=True, default=str)
    return hashlib.sha256(f"{registry.fingerprint()}\n{payload}".encode()).hexdigest()


class SyncState:
    """The last synced fingerprint per scope ("global" or "guild:<id>"), in the database's
    `bot_state`, so every process and shard of one bot agrees on whether a sync is due."""

    KEY = "discord:commands:{scope}"

    def __init__(self, rhizome: Rhizome) -> None:
        self.state = rhizome.services.repos.state
        self.clock = rhizome.services.clock

    async def get(self, scope: str) -> str | None:
        return await self.state.get(self.KEY.format(scope=scope))

    async def set(self, scope: str, fingerprint: str) -> None:
        await self.state.set(self.KEY.format(scope=scope), fingerprint, self.clock.now())


def scope_of(guild_id: int | None) -> str:
    return f"guild:{guild_id}" if guild_id else "global"


async def sync_tree(
    tree: app_commands.CommandTree[Any],
    registry: Registry,
    state: SyncState,
    *,
    guild_id: int | None = None,
    force: bool = False,
) -> bool:
    """Sync globally (or to one guild, copying the global commands there, for development)
    only when the tree differs from the last sync. Returns whether it synced."""
    guild = discord.Object(id=guild_id) if guild_id else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    scope = scope_of(guild_id)
    fingerprint = tree_fingerprint(tree, registry, guild)
    if not force and await state.get(scope) == fingerprint:
        log.info("discord: command tree unchanged (%s), not syncing", scope)
        return False
    synced = await tree.sync(guild=guild)
    await state.set(scope, fingerprint)
    log.info("discord: synced %d top-level commands (%s)", len(synced), scope)
    return True
