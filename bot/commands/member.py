"""Member commands of the foundation: help, search, top, profile."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from bot.commands.registry import (
    MEMBER_GROUP,
    CommandContext,
    MemberArg,
    OptionKind,
    OptionSpec,
    Registry,
)
from bot.commands.runner import help_reply
from bot.commands.views import resource_list, short_date
from bot.documents import Document, Field, Fields, Heading, Paragraph, Reply, spans
from bot.model import Member
from bot.wording import count, quoted

RESULTS = 10


async def search(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    query = str(args["query"])
    results = await ctx.services.repos.resources.search(ctx.community.id, query, RESULTS)
    shown = quoted(query if len(query) <= 60 else query[:59] + "…")
    if not results:
        return Reply.text(f"Nothing shared here matches {shown} yet. Try fewer or different words.")
    return Reply(Document((Heading(f"Resources matching {shown}"), resource_list(results))))


async def top(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    days = args.get("days") or 7
    span = "the last day" if days == 1 else f"the last {count(days, 'day')}"
    repos = ctx.services.repos
    since = ctx.now - timedelta(days=days)
    results = await repos.resources.top(ctx.community.id, since, RESULTS)
    if results:
        return Reply(Document((Heading(f"Most discussed in {span}"), resource_list(results))))
    last = await repos.communities.last_activity(ctx.community.id)
    if last is None or last >= since:
        return Reply.text(f"Nothing was shared or discussed in {span}.")
    # A quiet spell or an imported archive: the same span up to the newest activity.
    results = await repos.resources.top(ctx.community.id, last - timedelta(days=days), RESULTS)
    heading = (
        f"Nothing was shared or discussed in {span}. The newest activity here is from "
        f"{short_date(last)}; most discussed in the {count(days, 'day')} up to then"
    )
    return Reply(Document((Heading(heading), resource_list(results))))


async def profile(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
    member = await resolve_member(ctx, args.get("member"))
    if member is None:
        who = args.get("member")
        if who is None:
            return Reply.text("I have nothing stored about you yet: share a link to start.")
        return Reply.text(f"I don't know a member called {quoted(str(who))} here.")
    return Reply(await profile_document(ctx, member))


def register(registry: Registry) -> None:
    cmd = registry.command

    # The one closure: help lists whatever this registry holds.
    async def help_(ctx: CommandContext, args: Mapping[str, Any]) -> Reply:
        return help_reply(registry, ctx.is_moderator, args.get("command"))

    cmd(
        MEMBER_GROUP,
        "help",
        "What Rhizome can do, or how to use one command",
        OptionSpec("command", OptionKind.TEXT, "a command name", required=False),
        examples=("help search",),
    )(help_)

    cmd(
        MEMBER_GROUP,
        "search",
        "Search shared links and files by title, address and what people said",
        OptionSpec("query", OptionKind.TEXT, "words to look for"),
        examples=("search rust async",),
    )(search)

    cmd(
        MEMBER_GROUP,
        "top",
        "The most-discussed resources of the last days (7 unless you say)",
        OptionSpec(
            "days",
            OptionKind.INTEGER,
            "how many days back",
            required=False,
            min_value=1,
            max_value=3650,
        ),
        examples=("top", "top 30"),
    )(top)

    cmd(
        MEMBER_GROUP,
        "profile",
        "What a member shared and discussed (you, unless you name someone)",
        OptionSpec("member", OptionKind.MEMBER, "whose profile", required=False),
        examples=("profile", "profile @ana"),
    )(profile)


async def resolve_member(ctx: CommandContext, arg: MemberArg | None) -> Member | None:
    members = ctx.services.repos.members
    if arg is None:
        return await members.by_external_id(ctx.community.id, ctx.actor.external_id)
    if arg.external_id:
        found = await members.by_external_id(ctx.community.id, arg.external_id)
        if found:
            return found
    if arg.name:
        return await members.by_name(ctx.community.id, arg.name)
    return None


async def profile_document(ctx: CommandContext, member: Member) -> Document:
    repos = ctx.services.repos
    settings = await repos.settings.get(
        ctx.community.id, member.external_id, ctx.services.config.privacy.default_tracking
    )
    if not settings.tracking and member.external_id != ctx.actor.external_id:
        return Document((Paragraph(spans(f"{member.name} has chosen not to be tracked.")),))
    shared_ids = await repos.resources.shared_by(member.id, RESULTS)
    discussed_ids = await repos.resources.discussed_by(ctx.community.id, member.id, RESULTS)
    # One read for both lists (three statements, not six).
    found = {
        r.id: r
        for r in await repos.resources.summaries(
            ctx.community.id, list(dict.fromkeys([*shared_ids, *discussed_ids]))
        )
    }
    shared = [found[i] for i in shared_ids if i in found]
    discussed = [found[i] for i in discussed_ids if i in found]
    blocks: list[Any] = [Heading(f"{member.name}")]
    blocks.append(
        Fields(
            (
                Field(
                    "Shared",
                    spans(str(len(shared_ids)) + (" +" if len(shared_ids) == RESULTS else "")),
                ),
                Field(
                    "Discussed",
                    spans(
                        str(len(discussed_ids)) + (" +" if len(discussed_ids) == RESULTS else "")
                    ),
                ),
            )
        )
    )
    for feature in ctx.services.features:
        blocks.extend(await feature.profile_blocks(ctx, member))
    if shared:
        blocks.append(resource_list(shared, "Shared"))
    if discussed:
        blocks.append(resource_list(discussed, "Discussed"))
    if not shared and not discussed:
        blocks.append(Paragraph(spans("Nothing shared or discussed yet.")))
    return Document(tuple(blocks))
