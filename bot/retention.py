"""Retention: what is older than `[privacy] retention_days` is deleted, on a schedule.

Every `interval` (an hour) each community's messages older than the retention go, in short
transactions, with everything derived from them (shares, reactions, resources nobody shares
any more, search text; interests and digests read what is left). Tombstones of deleted
messages older than the retention go too (posts that old are not stored any more, so nothing
needs them), and delivery ids after `DELIVERY_IDS_DAYS` (platforms redeliver within minutes)
or the retention if shorter. The background scrub then wipes the old text from the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.periodic import Periodic
from bot.services import Services
from storage.retention import BATCH, community_ids, prune_messages, prune_records

if TYPE_CHECKING:
    from bot.app import Rhizome

DELIVERY_IDS_DAYS = 30


@dataclass(frozen=True, slots=True)
class Pruned:
    messages: int = 0
    tombstones: int = 0
    deliveries: int = 0


class Retention(Periodic):
    task_name = "rhizome-retention"
    interval = 3600.0

    def __init__(self, services: Services) -> None:
        self.services = services

    async def tick(self) -> Pruned:
        """Prune now; returns how much went."""
        services = self.services
        db, store = services.db, services.tracker.store
        days = services.config.privacy.retention_days
        now = services.clock.now()
        messages = 0
        if days:
            before = now - timedelta(days=days)
            async with db.read() as conn:
                ids = await conn.run_sync(community_ids)
            for cid in ids:
                while True:
                    n = await db.run_write(prune_messages, store, cid, before)
                    messages += n
                    if n < BATCH:
                        break
        deliveries_before = now - timedelta(days=min(days or DELIVERY_IDS_DAYS, DELIVERY_IDS_DAYS))
        tombstones, deliveries = await db.run_write(
            prune_records, now - timedelta(days=days) if days else None, deliveries_before
        )
        if messages or tombstones:
            db.needs_scrub = True
        return Pruned(messages, tombstones, deliveries)


def retention_for(services: Services) -> Retention:
    found = services.extras.get("retention")
    if not isinstance(found, Retention):
        found = Retention(services)
        services.extras["retention"] = found
    return found


async def run_retention(rhizome: Rhizome) -> None:
    """Background work (`Feature.background`): the loop, until cancelled or the core closes."""
    await retention_for(rhizome.services).start()
