"""The single writer: one task drains a queue of events and stores them in batches.

Per-row awaits through aiosqlite cost ~200 µs each; one transaction per batch of whatever has
queued up costs about the same as one row, so live traffic and imports both stay fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from bot.model import InboundEvent, IngestStats

log = logging.getLogger(__name__)

ApplyBatch = Callable[[Sequence[InboundEvent]], Awaitable[IngestStats]]


@dataclass(slots=True)
class _Pending:
    event: InboundEvent
    future: asyncio.Future[IngestStats]
    enqueued: float = field(default_factory=time.perf_counter)


class Writer:
    """Batches submitted events; a failing batch is retried event by event to isolate the bad one."""

    def __init__(
        self, apply: ApplyBatch, *, max_batch: int = 10000, queue_size: int = 50_000
    ) -> None:
        self._apply = apply
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Pending | asyncio.Future[None] | None] = asyncio.Queue(
            queue_size
        )
        self._task: asyncio.Task[None] | None = None
        self.latencies: list[float] | None = None  # set to [] to record (benchmarks)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="rhizome-writer")

    async def stop(self) -> None:
        if self._task is None:
            return
        await self._queue.put(None)
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def submit(self, event: InboundEvent) -> asyncio.Future[IngestStats]:
        """Queue an event; the returned future resolves once it is committed."""
        if self._task is None:
            raise RuntimeError("writer is not running")
        future: asyncio.Future[IngestStats] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(event, future))
        return future

    async def write(self, event: InboundEvent) -> IngestStats:
        return await (await self.submit(event))

    async def flush(self) -> None:
        """Wait until everything submitted so far is stored."""
        if self._task is None:
            return
        marker: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put(marker)
        await marker

    async def _run(self) -> None:
        batch: list[_Pending] = []
        while True:
            item = await self._queue.get() if not batch else self._queue.get_nowait()
            if isinstance(item, _Pending):
                batch.append(item)
                if len(batch) < self._max_batch and not self._queue.empty():
                    continue
            if batch:
                await self._store(batch)
                batch = []
            if item is None:
                return
            if isinstance(item, asyncio.Future) and not item.done():
                item.set_result(None)

    async def _store(self, batch: list[_Pending]) -> None:
        try:
            stats = await self._apply([p.event for p in batch])
        except Exception:
            if len(batch) == 1:
                log.exception("could not store event %s", type(batch[0].event).__name__)
                if not batch[0].future.done():
                    batch[0].future.set_exception(RuntimeError("the event could not be stored"))
                return
            log.warning("a batch of %d failed; storing its events one by one", len(batch))
            for pending in batch:
                await self._store([pending])
            return
        done = time.perf_counter()
        for pending in batch:
            if self.latencies is not None:
                self.latencies.append(done - pending.enqueued)
            if not pending.future.done():
                pending.future.set_result(stats)
