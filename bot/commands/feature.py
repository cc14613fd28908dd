"""The core as a feature: member commands (help, search, top, profile), privacy commands, and
the background work every community needs (retention, scrubbing deleted text from the files).

The core's own tables (`storage.models`: messages, shares, reactions, settings; `storage.activity`:
the activity index triggers keep) are forgotten and exported by the privacy commands themselves
(`repos.privacy`, and the cascades and triggers), before every feature's part.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.feature import BackgroundWork, FeatureBase

if TYPE_CHECKING:
    from bot.commands.registry import Registry
    from bot.services import Services


class CoreFeature(FeatureBase):
    name = "core"
    table_modules = ("storage.models", "storage.activity")

    def register_commands(self, registry: Registry) -> None:
        from bot.commands import member, privacy

        member.register(registry)
        privacy.register(registry)

    def start(self, services: Services) -> None:
        from bot.retention import retention_for
        from bot.scrub import scrubber_for

        scrubber_for(services)
        retention_for(services)

    def background(self, services: Services) -> Sequence[BackgroundWork]:
        from bot.retention import run_retention
        from bot.scrub import run_scrubber

        return (run_scrubber, run_retention)

    async def close(self, services: Services) -> None:
        from bot.retention import retention_for
        from bot.scrub import scrubber_for

        await scrubber_for(services).stop()
        await retention_for(services).stop()


FEATURE = CoreFeature()
