"""The settings audit trail as commands write and read it: one entry per change a moderator
makes (digests, intros, tracking), shown by `/rhizome-admin settings history` and exported by
`privacy my-data`; the table and its store are `storage.audit`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.audit import Audit, AuditStore

if TYPE_CHECKING:
    from bot.commands.registry import CommandContext
    from bot.services import Services

EXTRA_KEY = "audit"


def audit_entry(ctx: CommandContext, action: str, detail: str) -> Audit:
    """An entry for a change the invoking moderator is making now."""
    return Audit(
        community_id=ctx.community.id,
        actor_id=ctx.actor.external_id,
        actor_name=ctx.actor.display_name,
        action=action,
        detail=detail,
        at=ctx.now,
    )


def audit_store(services: Services) -> AuditStore:
    found = services.extras.get(EXTRA_KEY)
    if not isinstance(found, AuditStore):
        found = AuditStore(services.db)
        services.extras[EXTRA_KEY] = found
    return found
