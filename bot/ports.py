"""What the core needs from a platform, as protocols adapters implement.

Digests and intros are *posted* by the core; the adapter that owns the community's platform
does the sending. Inbound traffic needs no port: adapters call `Rhizome.ingest` and
`Rhizome.run_command` directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.documents import Document
from bot.model import CommunityRef


class PostRefused(Exception):
    """The platform refused a post for a reason a moderator can fix (the bot is not in that
    channel); the message says what to do, and retrying as-is would fail the same way."""


class Outlet(Protocol):
    """Sends neutral documents to one platform."""

    platform: str

    async def post(self, community: CommunityRef, channel_id: str, document: Document) -> str:
        """Post into a channel; returns the platform message id."""
        ...

    async def open_conversation(
        self, community: CommunityRef, member_external_ids: Sequence[str], topic: str
    ) -> str:
        """Open a place where these members can talk (Slack group DM, Discord private thread);
        returns a channel id usable with `post`."""
        ...
