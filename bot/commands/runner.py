"""Run one invocation: parse, authorize, call the handler, turn every failure into a polite reply.

Authorization is decided here, in the core, from facts the adapter supplies (the actor's platform
role) and the configured moderator lists; platform-side hints are never trusted alone.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from bot.commands.parser import UnknownCommand, UsageError, bind_options, parse_text
from bot.commands.registry import (
    ADMIN_GROUP,
    GROUPS,
    CommandContext,
    CommandSpec,
    Invocation,
    Registry,
)
from bot.documents import Code, Document, Paragraph, Reply, Text, spans
from bot.services import Services

log = logging.getLogger(__name__)


def moderators_for(services: Services, platform: str) -> set[str]:
    if platform == "slack":
        return set(services.config.slack.moderators)
    if platform == "discord":
        return set(services.config.discord.moderators)
    return set()


def usage_reply(spec: CommandSpec, problem: str | None = None) -> Reply:
    blocks: list[Any] = []
    if problem:
        blocks.append(Paragraph(spans(problem)))
    blocks.append(Paragraph((Text("Usage: "), Text(spec.usage(), code=True))))
    blocks.append(Paragraph(spans(spec.description)))
    for example in spec.examples:
        blocks.append(Paragraph((Text("Example: "), Text(f"/{spec.group} {example}", code=True))))
    return Reply(Document(tuple(blocks)))


async def run_invocation(services: Services, registry: Registry, inv: Invocation) -> Reply:
    group = inv.group if inv.group in GROUPS else None
    if group is None:
        return Reply.text(f"I only answer /rhizome and /rhizome-admin, not /{inv.group[:40]}.")
    try:
        if inv.path is not None:
            spec = registry.get(group, tuple(inv.path))
            if spec is None:
                raise UnknownCommand(" ".join(inv.path), None)
            args = bind_options(spec, inv.options or {})
        else:
            spec, args = parse_text(registry, group, inv.text or "")
    except UnknownCommand as e:
        hint = f" Did you mean `/{group} {e.suggestion}`?" if e.suggestion else ""
        return Reply.text(
            f"I don't know “/{group} {e.words[:60]}”.{hint} Try `/rhizome help` for the list."
        )
    except UsageError as e:
        return usage_reply(e.spec, str(e))

    community = await services.repos.communities.ensure(inv.community)
    is_moderator = inv.actor.is_admin or inv.actor.external_id in moderators_for(
        services, community.platform
    )
    if (spec.moderator_only or spec.group == ADMIN_GROUP) and not is_moderator:
        return Reply.text(
            f"Sorry, {spec.full_name} is for moderators of this community. "
            "Ask a workspace admin or a moderator if you think it should be changed."
        )
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


def help_reply(registry: Registry, is_moderator: bool, topic: str | None = None) -> Reply:
    if topic:
        words = tuple(topic.lower().split()[:2])
        for group in GROUPS:
            spec = registry.get(group, words) or registry.get(group, words[:1])
            if spec is not None:
                return usage_reply(spec)
    lines = []
    for group in GROUPS:
        if group == ADMIN_GROUP and not is_moderator:
            continue
        for spec in registry.in_group(group):
            lines.append(f"{spec.usage():<48} {spec.description}")
    text = "\n".join(lines)
    blocks = (
        Paragraph(spans("Rhizome keeps track of what this community shares and who knows what.")),
        Code(text),
        Paragraph(spans("Type /rhizome help <command> for details.")),
    )
    return Reply(Document(blocks, title="Rhizome commands"))
