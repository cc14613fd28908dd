"""Who may be named to others: consent to profiling (`[privacy] profiling`).

Tracking resources can stay anonymous; naming a member as someone who knows a topic, as a
digest's connector or in an introduction is profiling, which Discord's Developer Policy
allows only as far as users expect. Communities choose the mode; members answer with
`/rhizome privacy profiling on|off`, and an explicit "off" always wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["allowed", "mode_for", "named_allowed"]


def mode_for(setting: str, platform: str) -> str:
    """ "opt-in" or "opt-out" for a community on this platform (with "platform", the adapter's
    `AdapterSpec.profiling`: opt-in on Discord)."""
    if setting == "platform":
        from bot.platforms import adapter_spec

        spec = adapter_spec(platform)
        return spec.profiling if spec is not None else "opt-out"
    return setting


def allowed(mode: str, choice: bool | None) -> bool:
    """May a member with this answer be named, in this mode? ("off" always wins.)"""
    if choice is not None:
        return choice
    return mode == "opt-out"


async def named_allowed(
    services: Services, community_id: int, external_ids: Iterable[str]
) -> set[str]:
    """The members among these who may be named to others."""
    community = await services.repos.communities.get(community_id)
    platform = community.platform if community is not None else ""
    mode = mode_for(services.config.privacy.profiling, platform)
    choices = await services.repos.settings.profiling_choices(community_id)
    return {ext for ext in external_ids if allowed(mode, choices.get(ext))}
