"""A background loop that calls `tick()` every `interval` seconds until stopped.

Digests and intro rounds both tick this way; a failing tick is logged and the loop goes on, so
one bad community never stops the others' schedules.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger(__name__)


# How long a stopping loop lets its tick in flight finish (a digest being posted records its
# message id instead of leaving a claim for the next start to wonder about).
DRAIN_SECONDS = 6.0


class Periodic:
    task_name = "rhizome-periodic"
    interval: float = 30.0
    _task: asyncio.Task[None] | None = None

    async def tick(self) -> object:
        raise NotImplementedError

    async def run(self) -> None:
        """Tick forever (until cancelled); the interval is real time, `now` is the clock's."""
        while True:
            tick = asyncio.create_task(self._tick(), name=f"{self.task_name}-tick")
            try:
                await asyncio.shield(tick)
            except asyncio.CancelledError:
                # Stopping: a tick in flight finishes (within a bound) rather than being cut
                # off between posting and recording the post.
                await asyncio.wait([tick], timeout=DRAIN_SECONDS)
                tick.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await tick
                raise
            await asyncio.sleep(self.interval)

    async def _tick(self) -> None:
        try:
            await self.tick()
        except Exception:
            log.exception("%s: tick failed", self.task_name)

    def start(self) -> asyncio.Task[None]:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name=self.task_name)
        return self._task

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
