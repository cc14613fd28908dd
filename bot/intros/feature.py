"""Introductions as a feature: `/rhizome intros` and `/rhizome-admin intros`, rounds on a
cadence (the scheduler loop), the "people you were introduced to" part of `/rhizome network`,
the intros part of `/rhizome-admin settings`, forget/export of a member's intros and choices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.feature import BackgroundWork, FeatureBase

if TYPE_CHECKING:
    from bot.app import Rhizome
    from bot.commands.registry import CommandContext, Registry
    from bot.documents import Block
    from bot.model import Community, Member
    from bot.services import Services


class IntrosFeature(FeatureBase):
    name = "intros"
    table_modules = ("storage.intros.tables",)
    owns_member_data = True

    def register_commands(self, registry: Registry) -> None:
        from bot.intros import commands

        commands.register(registry)

    def start(self, services: Services) -> None:
        from bot.intros.scheduler import scheduler_for
        from bot.intros.service import service_for

        service_for(services)
        scheduler_for(services)

    def background(self, services: Services) -> Sequence[BackgroundWork]:
        from bot.intros.scheduler import run_scheduler

        return (run_scheduler,)

    async def close(self, services: Services) -> None:
        from bot.intros.scheduler import scheduler_for

        await scheduler_for(services).stop()

    async def forget(self, services: Services, community_id: int, external_id: str) -> None:
        from bot.intros.service import service_for

        await service_for(services).forget(community_id, external_id)

    async def export(
        self, services: Services, community_id: int, external_id: str
    ) -> Mapping[str, Any]:
        from bot.intros.service import service_for

        return await service_for(services).export(community_id, external_id)

    async def network_blocks(self, ctx: CommandContext, member: Member) -> Sequence[Block]:
        from bot.intros.service import service_for

        return tuple(await service_for(ctx.services).network_section(ctx, member))

    async def settings_blocks(self, ctx: CommandContext) -> Sequence[Block]:
        from bot.intros.commands import settings_blocks
        from bot.intros.service import service_for

        return tuple(await settings_blocks(ctx, service_for(ctx.services)))

    async def demo(self, rhizome: Rhizome, community: Community) -> None:
        from bot.intros.service import demo_opt_in

        await demo_opt_in(rhizome, community)


FEATURE = IntrosFeature()
