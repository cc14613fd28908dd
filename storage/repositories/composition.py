"""The composition of every core repository over one database, and the two writes that span
them: an ingest batch (dropping cached ids on failure) and purging a community."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    delete,
)

from bot.model import (
    IngestStats,
)
from storage import models as m
from storage.db import Database
from storage.ingest import IngestStore, Planned
from storage.repositories.channels import Channels
from storage.repositories.communities import Communities
from storage.repositories.deliveries import Deliveries
from storage.repositories.members import Members
from storage.repositories.messages import Messages
from storage.repositories.privacy import Privacy
from storage.repositories.resources import Resources
from storage.repositories.settings import Settings
from storage.repositories.state import State


class Repositories:
    """The composition of every repository over one database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.communities = Communities(db)
        self.members = Members(db)
        self.channels = Channels(db)
        self.settings = Settings(db)
        self.resources = Resources(db)
        self.messages = Messages(db)
        self.state = State(db)
        self.privacy = Privacy(db)
        self.deliveries = Deliveries(db)

    async def run_ingest(
        self, store: IngestStore, planned: Sequence[Planned], now: datetime
    ) -> IngestStats:
        try:
            return await self.db.run_write(store.apply, planned, now)
        except Exception:
            # Cached ids may be stale (another process purged a member or community): drop them
            # so the retry, or the next batch, re-reads them.
            store.clear()
            self.communities.clear()
            raise
        finally:
            if store.erased:  # old text to wipe from the files at the next scrub
                store.erased = False
                self.db.needs_scrub = True

    async def purge_community(self, community_id: int, store: IngestStore) -> None:
        async with self.db.write() as conn:
            await conn.execute(delete(m.communities).where(m.communities.c.id == community_id))
        store.forget_community(community_id)
        self.communities.forget(community_id)
