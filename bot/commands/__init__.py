"""The command registry of the whole bot: every feature registers its commands here once."""

from __future__ import annotations

from bot.commands.registry import Registry


def build_registry() -> Registry:
    from bot.commands import member, privacy
    from bot.digests import commands as digests
    from bot.interests import commands as interests
    from bot.intros import commands as intro_commands

    registry = Registry()
    member.register(registry)
    privacy.register(registry)
    interests.register(registry)
    intro_commands.register(registry)
    digests.register(registry)
    return registry
