"""Privacy commands: stop tracking, be forgotten, see everything stored about you."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.commands.registry import MEMBER_GROUP, CommandContext, OptionKind, OptionSpec, Registry
from bot.documents import Actions, Button, Code, Document, Paragraph, Reply, spans
from bot.profiling import allowed, mode_for
from bot.wording import count

EXPORT_PREVIEW_CHARS = 2500


async def _save(ctx: CommandContext, **choice: bool) -> None:
    """Record one of the member's own privacy choices."""
    services = ctx.services
    await services.repos.settings.update(
        ctx.community.id,
        ctx.actor.external_id,
        ctx.now,
        services.config.privacy.default_tracking,
        **choice,
    )


async def tracking(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    on = args["state"] == "on"
    await _save(ctx, tracking=on)
    ctx.services.tracker.invalidate(ctx.community.id)
    if on:
        return Reply.text("Tracking is on: what you share and discuss helps others find it.")
    return Reply.text(
        "Tracking is off: nothing new will be stored about you. What is already stored stays "
        "until you run /rhizome privacy forget-me."
    )


async def forget_me(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    if args.get("confirm") != "confirm":
        return Reply(
            Document(
                (
                    Paragraph(
                        spans(
                            "This deletes every message, share and reaction Rhizome stored about "
                            "you in this community, and turns tracking off. Links only you shared "
                            "disappear from search. It cannot be undone."
                        )
                    ),
                    Actions(
                        (
                            Button(
                                "Yes, forget me",
                                "rhizome privacy forget-me confirm",
                                style="danger",
                            ),
                        )
                    ),
                    Paragraph(spans("Or type /rhizome privacy forget-me confirm")),
                )
            )
        )
    services = ctx.services
    # Settle anything of theirs still queued, so nothing lands after the deletion.
    await services.writer.flush()
    await services.repos.settings.update(
        ctx.community.id,
        ctx.actor.external_id,
        ctx.now,
        services.config.privacy.default_tracking,
        tracking=False,
    )
    services.tracker.invalidate(ctx.community.id)
    existed = await services.repos.privacy.forget(
        services.tracker.store, ctx.community.id, ctx.actor.external_id
    )
    for feature in services.features:
        await feature.forget(services, ctx.community.id, ctx.actor.external_id)
    # Deleted rows leave bytes in the files (search index, WAL, dead tuples): wipe them now.
    await services.db.scrub()
    if not existed:
        return Reply.text("There was nothing stored about you. Tracking is now off.")
    return Reply.text(
        "Done: everything stored about you here is deleted and tracking is off. "
        "Turn it back on any time with /rhizome privacy tracking on."
    )


async def profiling(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    on = args["state"] == "on"
    await _save(ctx, profiling=on)
    if on:
        return Reply.text(
            "Others may now find you: who-knows, digests and introductions can name you, "
            "with the evidence. Turn it off any time with /rhizome privacy profiling off."
        )
    return Reply.text(
        "Rhizome will not name you to others: not in who-knows, digests or introductions. "
        "What you share is still counted for the community, without your name."
    )


async def status(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    services = ctx.services
    privacy = services.config.privacy
    community, who = ctx.community.id, ctx.actor.external_id
    settings = await services.repos.settings.get(community, who, privacy.default_tracking)
    messages, shares, reactions = await services.repos.privacy.counts(community, who)
    tracking = (
        "on: what you share and discuss helps others find it"
        if settings.tracking
        else "off: nothing new is stored about you"
    )
    intros = {True: "on", False: "off", None: "not chosen (the community's default applies)"}
    community_row = await services.repos.communities.get(community)
    mode = mode_for(privacy.profiling, community_row.platform if community_row else "")
    named = allowed(mode, settings.profiling)
    profiling = (
        f"{'others may find you' if named else 'you are never named to others'} "
        f"({'your choice' if settings.profiling is not None else f'this community is {mode}'})"
    )
    kept = (
        f"{privacy.retention_days} days, then deleted"
        if privacy.retention_days
        else "until deleted on the platform or by you"
    )
    lines = (
        f"Tracking: {tracking}.",
        f"Stored about you: {_n(messages, 'message')}, {_n(shares, 'share')}, "
        f"{_n(reactions, 'reaction')}.",
        f"Introductions: {intros[settings.intros]}.",
        f"Named in who-knows, digests and introductions: {profiling}.",
        f"Messages are kept {kept}; deleted text is wiped from the database files "
        f"within {privacy.scrub_minutes:g} minutes, at once after forget-me.",
        "Change it: /rhizome privacy tracking on|off · /rhizome privacy profiling on|off "
        "· see it all: /rhizome privacy my-data "
        "· delete it all: /rhizome privacy forget-me",
    )
    return Reply(Document(tuple(Paragraph(spans(line)) for line in lines)))


async def my_data(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    data = await ctx.services.repos.privacy.export(ctx.community.id, ctx.actor.external_id)
    for feature in ctx.services.features:
        data.update(await feature.export(ctx.services, ctx.community.id, ctx.actor.external_id))
    body = json.dumps(data, indent=2, ensure_ascii=False)
    preview = body if len(body) <= EXPORT_PREVIEW_CHARS else body[:EXPORT_PREVIEW_CHARS] + "\n…"
    counts = ", ".join(
        count(len(data[key]), noun)
        for key, noun in (
            ("messages", "message"),
            ("shares", "share"),
            ("reactions", "reaction"),
        )
    )
    return Reply(
        Document(
            (
                Paragraph(spans(f"Everything stored about you: {counts}.")),
                Code(preview, language="json", filename="rhizome-my-data.json"),
            )
        ),
        files=(("rhizome-my-data.json", body),),
    )


def register(registry: Registry) -> None:
    cmd = registry.command

    cmd(
        MEMBER_GROUP,
        "privacy tracking",
        "Turn tracking of your messages off or back on",
        OptionSpec("state", OptionKind.CHOICE, "on or off", choices=("on", "off")),
        examples=("privacy tracking off",),
        destructive=True,
    )(tracking)

    cmd(
        MEMBER_GROUP,
        "privacy forget-me",
        "Delete everything Rhizome stored about you (asks to confirm)",
        OptionSpec(
            "confirm",
            OptionKind.CHOICE,
            "say confirm to go ahead",
            required=False,
            choices=("confirm",),
        ),
        examples=("privacy forget-me", "privacy forget-me confirm"),
        destructive=True,
    )(forget_me)

    cmd(
        MEMBER_GROUP,
        "privacy profiling",
        "Let Rhizome name you in who-knows, digests and introductions (on), or never (off)",
        OptionSpec("state", OptionKind.CHOICE, "on or off", choices=("on", "off")),
        examples=("privacy profiling on",),
    )(profiling)

    cmd(
        MEMBER_GROUP,
        "privacy status",
        "What Rhizome keeps about you, and the rules it keeps it under",
        examples=("privacy status",),
    )(status)

    cmd(
        MEMBER_GROUP,
        "privacy my-data",
        "A JSON export of everything Rhizome stored about you",
        slow=True,
    )(my_data)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
