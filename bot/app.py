"""The composition root: one `Rhizome` core that every adapter (and the CLI) talks to."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable, Iterable, Sequence
from dataclasses import dataclass

from bot.clock import Clock, SystemClock
from bot.commands import build_registry
from bot.commands.registry import Invocation, Registry
from bot.commands.runner import run_invocation
from bot.config import Config
from bot.documents import Reply
from bot.feature import BackgroundWork, Feature, migration_folders
from bot.ingest import Pipeline, Writer, batches
from bot.model import CommunityRef, InboundEvent, IngestStats
from bot.ports import Outlet
from bot.services import Services
from bot.tracking import Tracker
from storage.db import Database
from storage.repositories import Repositories

log = logging.getLogger(__name__)

# Events per transaction for imports and other bulk work. Bigger batches touch each hot index
# page once for more rows and commit less often (a 400k-message import: 6.3k messages/s at 5k,
# 8.0k at 10k, 9.8k at 20k). 20k took the 1M-message import past its 300 MB memory budget
# while Slack exports were read channel by channel; read day by day, it peaks at 286 MB.
IMPORT_BATCH = 20_000


@dataclass
class Rhizome:
    services: Services
    registry: Registry

    @classmethod
    async def start(
        cls,
        config: Config,
        clock: Clock | None = None,
        *,
        db: Database | None = None,
        features: Sequence[Feature] | None = None,
    ) -> Rhizome:
        """Open the database, migrate it, start the writer and every feature (`FEATURES`
        unless `features` says otherwise)."""
        if features is None:
            from bot.features import FEATURES

            features = FEATURES
        clock = clock or SystemClock()
        if db is None:
            s = config.storage
            db = Database.open(
                s.url,
                pool_size=s.pool_size,
                max_overflow=s.max_overflow,
                statement_cache_size=s.statement_cache_size,
                echo=s.echo,
            )
        await db.migrate(migration_folders(features))
        repos = Repositories(db)
        tracker = Tracker(
            repos,
            config.tracking,
            clock,
            config.privacy.default_tracking,
            retention_days=config.privacy.retention_days,
        )
        writer = Writer(tracker)
        writer.start()
        services = Services(config, clock, db, repos, tracker, writer, features=tuple(features))
        for feature in features:
            feature.start(services)
        return cls(services, build_registry(features))

    def background(self) -> list[BackgroundWork]:
        """Every feature's background work, for the runner to keep running (`rhizome run`,
        the console); each ends when cancelled or when the core closes."""
        return [work for f in self.services.features for work in f.background(self.services)]

    async def close(self) -> None:
        for feature in self.services.features:
            await feature.close(self.services)
        await self.services.writer.stop()
        await self.services.db.close()

    async def __aenter__(self) -> Rhizome:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- inbound --------------------------------------------------------------------------
    async def ingest(self, event: InboundEvent) -> IngestStats:
        """Store one event; returns once it is committed (adapters ack after this)."""
        return await self.services.writer.write(event)

    async def ingest_many(
        self, events: Iterable[InboundEvent] | AsyncIterable[InboundEvent]
    ) -> IngestStats:
        """Store many events in large batches, bypassing the live queue (importers).

        Each call commits batch by batch; pass one export file per call so a file is never
        half-written when it is small enough to be one batch (the importers' contract). The
        next batch is read and planned while the previous one is being written.
        """
        pipeline = self.pipeline()
        tasks: list[asyncio.Task[IngestStats]] = []
        try:
            async for batch in batches(events, IMPORT_BATCH):
                tasks.append(await pipeline.put(batch))
            await pipeline.wait()
        except BaseException:
            await pipeline.abandon()
            raise
        total = IngestStats()
        for task in tasks:
            total.add(task.result())
        return total

    def pipeline(self) -> Pipeline:
        """Bulk writes that overlap planning and writing (see `ingest_many`)."""
        return Pipeline(self.services.tracker)

    async def flush(self) -> None:
        await self.services.writer.flush()

    async def claim_delivery(self, community: CommunityRef, key: str) -> bool:
        """Whether a request with this delivery key (Slack's `trigger_id`) is new: replays
        and duplicates, in this process or another, answer False and must do nothing."""
        found = await self.services.repos.communities.ensure(community)
        return await self.services.repos.deliveries.claim(found.id, key, self.services.clock.now())

    async def run_command(self, invocation: Invocation) -> Reply:
        return await run_invocation(self.services, self.registry, invocation)

    async def purge_community(self, community: CommunityRef) -> None:
        found = await self.services.repos.communities.find(
            community.platform, community.external_id
        )
        if found is not None:
            await self.services.repos.purge_community(found.id, self.services.tracker.store)
            self.services.tracker.invalidate(found.id)
            for feature in self.services.features:
                await feature.purge(self.services, found.id)
            await self.services.db.scrub()  # and out of the files, not only the tables

    # --- outbound -------------------------------------------------------------------------
    def notify_moderators(self, platform: str, text: str) -> None:
        """Tell the moderators of every community on `platform`, once, in their next admin reply."""
        self.services.notices.add(platform, text)

    def add_outlet(self, outlet: Outlet) -> None:
        self.services.outlets[outlet.platform] = outlet

    async def autocomplete(
        self, community: CommunityRef, kind: str, prefix: str, limit: int = 25
    ) -> list[str]:
        """Suggestions while typing an option (Discord autocomplete)."""
        provider = None
        for feature in self.services.features:
            provider = feature.completers(self.services).get(kind) or provider
        if provider is not None:
            return list(await provider(community, prefix, limit))[:limit]
        if kind == "members":
            found = await self.services.repos.communities.find(
                community.platform, community.external_id
            )
            if found is None:
                return []
            names = [m.name for m in await self.services.repos.members.names(found.id)]
            p = prefix.lower()
            return sorted(n for n in names if n.lower().startswith(p))[:limit]
        return []
