"""Weekly digests as a feature: `/rhizome-admin digest …`, the scheduler loop, time-zone
suggestions for `digest schedule`, and the digests' part of `/rhizome-admin settings`. Its tables
hold no member data (who changed a digest is in the settings audit trail, `bot.commands.admin`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from bot.feature import BackgroundWork, Completer, FeatureBase

if TYPE_CHECKING:
    from bot.commands.registry import CommandContext, Registry
    from bot.documents import Block
    from bot.model import CommunityRef
    from bot.services import Services


class DigestsFeature(FeatureBase):
    name = "digests"
    table_modules = ("storage.digests",)
    settings_order = 10  # first in /rhizome-admin settings

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

    async def settings_blocks(self, ctx: CommandContext) -> Sequence[Block]:
        from bot.digests.commands import settings_blocks

        return await settings_blocks(ctx)

    def completers(self, services: Services) -> Mapping[str, Completer]:
        from bot.digests.service import timezone_suggestions

        async def timezones(community: CommunityRef, prefix: str, limit: int) -> list[str]:
            return timezone_suggestions(prefix, limit)

        return {"timezones": timezones}


FEATURE = DigestsFeature()
