"""Fetching shared pages' metadata in the background, as the topic pass works: a watermark
over new resources, a batch per pass, retries with backoff recorded per resource, recent
successes reused across communities (the fetching itself, safely, is `bot.interests.unfurl`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from storage.interests import InterestStore, Unfurled, UnfurlTodo

if TYPE_CHECKING:
    from bot.interests.unfurl import PageMeta, Unfurler, UnfurlSettings
    from bot.services import Services

log = logging.getLogger(__name__)

UNFURL_BATCH = 16
UNFURL_SUCCESS_CACHE = 2000


class UnfurlPipeline:
    """Fetches metadata of new links in the background; nothing at all when disabled."""

    def __init__(self, services: Services, store: InterestStore) -> None:
        self.services = services
        self.store = store
        self.unfurler: Unfurler | None = None  # tests may install their own
        self._found: dict[str, PageMeta] = {}  # recent successes by URL, across communities

    @property
    def enabled(self) -> bool:
        return bool(self.services.config.unfurl.enabled)

    def _unfurler(self) -> Unfurler:
        if self.unfurler is None:
            from bot.interests.unfurl import Unfurler, UnfurlSettings

            self.unfurler = Unfurler(
                UnfurlSettings.from_config(self.services.config.unfurl), clock=self.services.clock
            )
        return self.unfurler

    async def close(self) -> None:
        if self.unfurler is not None:
            await self.unfurler.aclose()

    async def step(self, community_id: int, *, batch: int = UNFURL_BATCH) -> tuple[list[int], bool]:
        """Fetch one batch of new links and due retries; returns the resources whose title or
        description changed and whether more is waiting."""
        if not self.enabled:
            return [], False
        now = self.services.clock.now()
        state = await self.store.state(community_id, now)
        fresh = await self.store.unfurl_new(community_id, state.last_unfurl_resource_id, batch)
        retries = await self.store.unfurl_retries(community_id, now, batch)
        todo = {t.resource_id: t for t in [*retries, *fresh]}
        if not todo:
            return [], False
        results = await self._fetch_all(list(todo.values()))
        changed = await self.store.record_unfurls(community_id, results, self.services.clock.now())
        if fresh:
            await self.store.set_state(
                community_id,
                self.services.clock.now(),
                last_unfurl_resource_id=max(t.resource_id for t in fresh),
            )
        if changed:
            await self.store.mark_dirty(community_id, changed, ())
        return changed, len(fresh) >= batch or len(retries) >= batch

    async def _fetch_all(self, todo: Sequence[UnfurlTodo]) -> list[Unfurled]:
        unfurler = self._unfurler()
        limit = asyncio.Semaphore(max(1, unfurler.settings.max_concurrency))

        async def one(t: UnfurlTodo) -> Unfurled:
            async with limit:
                return await self._fetch_one(unfurler, t)

        return list(await asyncio.gather(*(one(t) for t in todo)))

    async def _fetch_one(self, unfurler: Unfurler, t: UnfurlTodo) -> Unfurled:
        from bot.interests.unfurl import UnfurlError

        settings = unfurler.settings
        attempts = t.attempts + 1
        meta = self._found.get(t.url)
        if meta is None:
            try:
                meta = await unfurler.fetch(t.url)
            except UnfurlError as e:
                if e.refused:
                    return Unfurled(t.resource_id, "refused", attempts, error=str(e))
                return self._failed(t.resource_id, attempts, str(e), settings)
            except Exception as e:  # never let one odd page stop the loop
                log.warning(
                    "unfurl of resource %s failed unexpectedly", t.resource_id, exc_info=True
                )
                return self._failed(t.resource_id, attempts, type(e).__name__, settings)
            self._found[t.url] = meta
            while len(self._found) > UNFURL_SUCCESS_CACHE:
                self._found.pop(next(iter(self._found)))
        return Unfurled(
            t.resource_id,
            "ok",
            attempts,
            title=meta.best_title,
            description=meta.best_description,
            site_name=meta.site_name,
            keywords=meta.keywords,
        )

    def _failed(self, resource_id: int, attempts: int, error: str, s: UnfurlSettings) -> Unfurled:
        if attempts >= s.max_attempts:
            return Unfurled(resource_id, "failed", attempts, error=error)
        delay = min(s.retry_base * (2 ** (attempts - 1)), s.retry_max)
        return Unfurled(
            resource_id,
            "retry",
            attempts,
            next_attempt_at=self.services.clock.now() + delay,
            error=error,
        )
