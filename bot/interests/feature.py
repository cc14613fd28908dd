"""Interests as a feature: topics of resources, who knows what, `/rhizome who-knows|interests|
network`, its part of `/rhizome profile`, the refresh loop, and forget/export of a member's
topics and declared interests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.feature import BackgroundWork, Completer, FeatureBase

if TYPE_CHECKING:
    from bot.app import Rhizome
    from bot.commands.registry import CommandContext, Registry
    from bot.documents import Block
    from bot.model import Community, CommunityRef, Member
    from bot.services import Services


class InterestsFeature(FeatureBase):
    name = "interests"
    table_modules = ("storage.interests.tables", "storage.wants")
    owns_member_data = True

    def register_commands(self, registry: Registry) -> None:
        from bot.interests import commands

        commands.register(registry)

    def start(self, services: Services) -> None:
        from bot.interests.service import service_for
        from storage.interests.documents import redo_readers

        services.topics_for = service_for(services).topics_for
        # Topics read other messages' words: erasing those redoes them (deletes, edits,
        # forget-me, retention).
        hooks = services.tracker.store.erase_hooks
        if redo_readers not in hooks:
            hooks.append(redo_readers)

    def background(self, services: Services) -> Sequence[BackgroundWork]:
        from bot.interests.service import run_interests

        return (run_interests,)

    async def close(self, services: Services) -> None:
        from bot.interests.service import service_for

        await service_for(services).close()

    async def forget(self, services: Services, community_id: int, external_id: str) -> None:
        from bot.interests.service import service_for

        await service_for(services).forget(community_id, external_id)

    async def export(
        self, services: Services, community_id: int, external_id: str
    ) -> Mapping[str, Any]:
        from bot.interests.service import service_for

        return await service_for(services).export(community_id, external_id)

    async def purge(self, services: Services, community_id: int) -> None:
        from bot.interests.service import service_for

        # its rows went with the community: nothing to load again
        service_for(services).invalidate(community_id, reload=False)

    async def profile_blocks(self, ctx: CommandContext, member: Member) -> Sequence[Block]:
        from bot.interests.commands import profile_blocks

        return await profile_blocks(ctx, member)

    def completers(self, services: Services) -> Mapping[str, Completer]:
        from bot.interests.service import service_for

        async def topics(community: CommunityRef, prefix: str, limit: int) -> list[str]:
            return await service_for(services).complete_topics(community, prefix, limit)

        return {"topics": topics}

    async def demo(self, rhizome: Rhizome, community: Community) -> None:
        from bot.interests.service import service_for

        await service_for(rhizome.services).refresh(community.id)


FEATURE = InterestsFeature()
