"""Wiping edited and deleted messages' old text from the database files, in the background.

forget-me and purges scrub at once (`Database.scrub`); an edit or a deletion only marks the
database, and this loop scrubs it at most every `[privacy] scrub_minutes`, since merging the
search index costs in proportion to its size rather than to what changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.periodic import Periodic
from bot.services import Services

if TYPE_CHECKING:
    from bot.app import Rhizome


class Scrubber(Periodic):
    task_name = "rhizome-scrub"

    def __init__(self, services: Services) -> None:
        self.services = services
        self.interval = services.config.privacy.scrub_minutes * 60

    async def tick(self) -> bool:
        """Scrub when something was edited or deleted since the last time; True if it did."""
        if not self.services.db.needs_scrub:
            return False
        await self.services.db.scrub()
        return True


def scrubber_for(services: Services) -> Scrubber:
    found = services.extras.get("scrubber")
    if not isinstance(found, Scrubber):
        found = Scrubber(services)
        services.extras["scrubber"] = found
    return found


async def run_scrubber(rhizome: Rhizome) -> None:
    """Background work (`Feature.background`): the loop, until cancelled or the core closes."""
    await scrubber_for(rhizome.services).start()
