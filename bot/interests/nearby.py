"""Per community, its topics embedded for nearby wording (`bot.interests.embeddings`).

Built in a worker thread when the community's vocabulary first loads, rebuilt in the background
at most every `NEARBY_TTL` seconds: a few new topics missing meanwhile only miss a nearby match,
never an exact one. numpy and the model load only here, never at start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.interests.embeddings import NearbyIndex

__all__ = ["NEARBY", "NEARBY_FLOOR", "NEARBY_LIMIT", "NEARBY_TOPICS", "NearbyTopics"]

log = logging.getLogger(__name__)

NEARBY_TOPICS = 10_000  # the community's most used topics
NEARBY_TTL = 300.0  # seconds between rebuilds
NEARBY_FLOOR = 0.75  # cosine similarity a known topic needs to the asked one
NEARBY_LIMIT = 5
NEARBY = 0.4  # its weight in who-knows, against 1.0 for the asked topic

Topics = Callable[[int], Awaitable[Sequence[str]]]  # community -> topics, most used first


class NearbyTopics:
    """The indexes and the tasks that build them, one per community."""

    def __init__(self, topics: Topics) -> None:
        self._topics = topics
        self._index: dict[int, NearbyIndex | None] = {}
        self._built_at: dict[int, float] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}

    def prepare(self, community_id: int) -> None:
        """Start building the community's index in the background, unless built or under way."""
        if community_id not in self._index and community_id not in self._tasks:
            self._start(community_id)

    async def index(self, community_id: int) -> NearbyIndex | None:
        """The community's index (None without the model); waits for a build under way, or
        builds it now the first time."""
        if community_id not in self._index:
            building = self._tasks.get(community_id)
            if building is not None:
                await asyncio.shield(building)
                return self._index.get(community_id)
            await self._build(community_id)
            return self._index.get(community_id)
        if (
            time.monotonic() - self._built_at[community_id] >= NEARBY_TTL
            and community_id not in self._tasks
        ):
            self._start(community_id)
        return self._index[community_id]

    async def close(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _start(self, community_id: int) -> None:
        task = asyncio.create_task(self._rebuild(community_id))
        self._tasks[community_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(community_id, None))

    async def _build(self, community_id: int) -> None:
        from bot.interests.embeddings import build_index  # numpy: not at start-up

        topics = list(await self._topics(community_id))[:NEARBY_TOPICS]
        self._index[community_id] = await asyncio.to_thread(build_index, topics)
        self._built_at[community_id] = time.monotonic()

    async def _rebuild(self, community_id: int) -> None:
        try:
            await self._build(community_id)
        except Exception:
            log.exception("building the nearby-wording index failed")
