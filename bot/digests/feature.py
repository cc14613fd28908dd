"""Weekly digests as a feature: `/rhizome-admin digest …`, the scheduler loop, time-zone
suggestions for `digest schedule`, and the settings audit trail's part of forget/export (a
member's own changes are exported; forget-me keeps the changes but drops who made them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.feature import BackgroundWork, Completer, FeatureBase

if TYPE_CHECKING:
    from bot.commands.registry import Registry
    from bot.model import CommunityRef
    from bot.services import Services


class DigestsFeature(FeatureBase):
    name = "digests"
    table_modules = ("storage.digests",)
    owns_member_data = True  # the settings audit trail names who changed what

    def register_commands(self, registry: Registry) -> None:
        from bot.digests import commands

        commands.register(registry)

    def start(self, services: Services) -> None:
        from bot.digests.scheduler import scheduler_for
        from bot.digests.service import service_for

        service_for(services)
        scheduler_for(services)

    def background(self, services: Services) -> Sequence[BackgroundWork]:
        from bot.digests.scheduler import run_scheduler

        return (run_scheduler,)

    async def close(self, services: Services) -> None:
        from bot.digests.scheduler import scheduler_for

        await scheduler_for(services).stop()

    async def forget(self, services: Services, community_id: int, external_id: str) -> None:
        from bot.digests.service import service_for

        await service_for(services).store.forget_actor(community_id, external_id)

    async def export(
        self, services: Services, community_id: int, external_id: str
    ) -> Mapping[str, Any]:
        from bot.digests.service import service_for

        store = service_for(services).store
        return {"settings_changes": await store.audit_export(community_id, external_id)}

    def completers(self, services: Services) -> Mapping[str, Completer]:
        from bot.digests.service import timezone_suggestions

        async def timezones(community: CommunityRef, prefix: str, limit: int) -> list[str]:
            return timezone_suggestions(prefix, limit)

        return {"timezones": timezones}


FEATURE = DigestsFeature()
