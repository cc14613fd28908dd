"""Run one invocation: parse, authorize, call the handler, turn every failure into a polite reply.

Authorization is decided here, in the core, from facts the adapter supplies (the actor's platform
role) and the configured moderator lists; platform-side hints are never trusted alone.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from bot.commands.parser import (
    HelpWanted,
    UnknownCommand,
    UsageError,
    bind_options,
    bind_tokens,
    find_command,
    suggest,
)
from bot.commands.registry import (
    ADMIN_GROUP,
    GROUPS,
    MEMBER_GROUP,
    CommandContext,
    CommandSpec,
    Invocation,
    Registry,
)
from bot.documents import Code, Document, Paragraph, Reply, Text, spans
from bot.platforms import adapter_spec
from bot.services import Services

log = logging.getLogger(__name__)


def moderators_for(services: Services, platform: str) -> set[str]:
    """The configured moderators of a platform (its adapter says where they are configured)."""
    spec = adapter_spec(platform)
    return set(spec.moderators(services.config)) if spec is not None else set()


def usage_reply(spec: CommandSpec, problem: str | None = None) -> Reply:
    blocks: list[Any] = []
    if problem:
        blocks.append(Paragraph(spans(problem)))
    blocks.append(Paragraph((Text("Usage: "), Text(spec.usage(), code=True))))
    blocks.append(Paragraph(spans(spec.description)))
    for example in spec.examples:
        blocks.append(Paragraph((Text("Example: "), Text(f"/{spec.group} {example}", code=True))))
    return Reply(Document(tuple(blocks)))


def _refusal(name: str) -> Reply:
    return Reply.text(
        f"Sorry, {name} is for moderators of this community. "
        "Ask a workspace admin or a moderator if you think it should be changed."
    )


def _admin_name(registry: Registry, group: str, inv: Invocation) -> str:
    """What a non-moderator tried, named without binding (and so explaining) its options."""
    if inv.path is not None:
        spec = registry.get(group, tuple(inv.path))
    else:
        try:
            spec = find_command(registry, group, inv.text or "").spec
        except (HelpWanted, UnknownCommand):
            spec = None
    return spec.full_name if spec is not None else f"/{group}"


def _unknown_reply(group: str, e: UnknownCommand, is_moderator: bool) -> Reply:
    visible = _visible(GROUPS, is_moderator)
    ideas = [s for s in e.suggestions if s.split()[0].lstrip("/") in visible]
    hint = (" Did you mean " + " or ".join(f"`{s}`" for s in ideas) + "?") if ideas else ""
    return Reply.text(
        f"I don't know “/{group} {e.words[:60]}”.{hint} Try `/{group} help` for the list."
    )


async def run_invocation(services: Services, registry: Registry, inv: Invocation) -> Reply:
    # A command's reads share one connection (a pool checkout, and on PostgreSQL a ping,
    # BEGIN and ROLLBACK, per read cost more than most of the reads themselves).
    async with services.db.reads_together():
        return await _run_invocation(services, registry, inv)


async def _run_invocation(services: Services, registry: Registry, inv: Invocation) -> Reply:
    group = inv.group if inv.group in GROUPS else None
    if group is None:
        return Reply.text(f"I only answer /rhizome and /rhizome-admin, not /{inv.group[:40]}.")
    community = await services.repos.communities.ensure(inv.community)
    is_moderator = inv.actor.is_admin or inv.actor.external_id in moderators_for(
        services, community.platform
    )
    # Permission comes first: a member gets no usage text of a command they may not run.
    if group == ADMIN_GROUP and not is_moderator:
        return _refusal(_admin_name(registry, group, inv))
    try:
        if inv.path is not None:
            spec = registry.get(group, tuple(inv.path))
            if spec is None:
                raise UnknownCommand(" ".join(inv.path))
            if spec.moderator_only and not is_moderator:
                return _refusal(spec.full_name)
            args = bind_options(spec, inv.options or {})
        else:
            found = find_command(registry, group, inv.text or "")
            spec = found.spec
            if spec.moderator_only and not is_moderator:
                return _refusal(spec.full_name)
            args = bind_tokens(spec, found.tokens, found.remainder)
    except HelpWanted as e:
        return help_reply(registry, is_moderator, e.topic, group)
    except UnknownCommand as e:
        return _unknown_reply(group, e, is_moderator)
    except UsageError as e:
        return usage_reply(e.spec, str(e))

    ctx = CommandContext(
        services=services,
        community=community,
        actor=inv.actor,
        place=inv.place,
        is_moderator=is_moderator,
        now=services.clock.now(),
        spec=spec,
    )
    try:
        reply = await spec.handler(ctx, args)
    except UsageError as e:
        return usage_reply(e.spec, str(e))
    except Exception:
        log.exception("command %s failed", spec.full_name)
        return Reply.text(
            f"Sorry, something went wrong running {spec.full_name}. "
            "It has been logged; please try again in a moment."
        )
    if is_moderator and spec.group == ADMIN_GROUP:
        reply = with_notice(reply, services.notices.take(inv.community))
    return reply


def with_notice(reply: Reply, notice: str | None) -> Reply:
    """A moderator notice (see `bot.notices`) at the end of a reply."""
    if not notice:
        return reply
    document = replace(reply.document, blocks=(*reply.document.blocks, Paragraph(spans(notice))))
    return replace(reply, document=document)


USAGE_COLUMN = 48


def _listing(specs: list[CommandSpec]) -> Code:
    """One command a line, descriptions in a column; a long usage gets its own line."""
    lines = []
    for spec in specs:
        usage = spec.usage()
        if len(usage) < USAGE_COLUMN:
            lines.append(f"{usage:<{USAGE_COLUMN}} {spec.description}")
        else:
            lines.append(usage)
            lines.append(f"{'':<{USAGE_COLUMN}} {spec.description}")
    return Code("\n".join(lines))


def _visible(groups: tuple[str, ...], is_moderator: bool) -> list[str]:
    return [g for g in groups if g != ADMIN_GROUP or is_moderator]


def help_reply(
    registry: Registry, is_moderator: bool, topic: str | None = None, group: str = MEMBER_GROUP
) -> Reply:
    """Help at every level: everything, one group word (`digest`), one command, or an
    unknown word, which is said to be unknown, with close safe suggestions."""
    order = (group, *(g for g in GROUPS if g != group))
    words = (topic or "").lower().split()[:3]
    if words and words[0].lstrip("/") in GROUPS:
        named = words.pop(0).lstrip("/")
        order = (named, *(g for g in GROUPS if g != named))
    if not words:
        return _overview(registry, is_moderator, order)
    for g in order:
        spec = registry.get(g, tuple(words[:2])) if len(words) >= 2 else None
        spec = spec or registry.get(g, tuple(words[:1]))
        if spec is not None:
            if g == ADMIN_GROUP and not is_moderator:
                return _refusal(spec.full_name)
            return usage_reply(spec)
    for g in order:
        under = registry.under(g, words[0])
        if under:
            if g == ADMIN_GROUP and not is_moderator:
                return _refusal(f"/{g} {words[0]}")
            return Reply(
                Document(
                    (
                        Paragraph(spans(f"The /{g} {words[0]} commands:")),
                        _listing(under),
                        Paragraph(spans(f"Type /{g} help {words[0]} <command> for details.")),
                    )
                )
            )
    visible = _visible(GROUPS, is_moderator)
    ideas = [s for s in suggest(registry, order[0], words) if s.split()[0].lstrip("/") in visible]
    hint = (" Did you mean " + " or ".join(f"`{s}`" for s in ideas) + "?") if ideas else ""
    shown = " ".join(words)[:60]
    return Reply.text(f"There is no command “{shown}”.{hint} Type /{order[0]} help for the list.")


def _overview(registry: Registry, is_moderator: bool, order: tuple[str, ...]) -> Reply:
    blocks: list[Any] = [
        Paragraph(spans("Rhizome keeps track of what this community shares and who knows what."))
    ]
    for g in _visible(order, is_moderator):
        if len(_visible(GROUPS, is_moderator)) > 1:
            blocks.append(
                Paragraph(spans("Member commands:" if g == MEMBER_GROUP else "Moderator commands:"))
            )
        blocks.append(_listing(registry.in_group(g)))
    blocks.append(Paragraph(spans(f"Type /{order[0]} help <command> for details.")))
    return Reply(Document(tuple(blocks), title="Rhizome commands"))
