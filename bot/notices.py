"""Things moderators must hear about once, such as a platform setting that limits tracking.

An adapter adds a notice for its platform; the core appends it to the next reply a moderator
of each community gets (an admin command's answer), once per community and process.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.model import CommunityRef


@dataclass
class ModeratorNotices:
    _pending: dict[str, str] = field(default_factory=dict)  # platform → text
    _told: set[tuple[str, str, str]] = field(default_factory=set)  # (platform, community, text)

    def add(self, platform: str, text: str) -> None:
        self._pending[platform] = text

    def take(self, community: CommunityRef) -> str | None:
        """The notice for this community's moderators, the first time only."""
        text = self._pending.get(community.platform)
        if text is None:
            return None
        key = (community.platform, community.external_id, text)
        if key in self._told:
            return None
        self._told.add(key)
        return text
