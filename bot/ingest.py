"""The single writer: one task drains a queue of events and stores them in batches.

Per-row awaits through aiosqlite cost ~200 µs each; one transaction per batch of whatever has
queued up costs about the same as one row, so live traffic and imports both stay fast. Batches
go through two stages: while one is being written (`Database.run_write`: on SQLite on a thread
of its own), the next is planned on the event loop, so the two overlap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.model import InboundEvent, IngestStats
from bot.tracking import PLAN_SLICE, PlannedBatch

log = logging.getLogger(__name__)


class BatchTracker(Protocol):
    """The two stages of storing a batch (`bot.tracking.Tracker`)."""

    async def plan(self, events: Sequence[InboundEvent]) -> PlannedBatch: ...

    async def write(self, batch: PlannedBatch) -> IngestStats: ...

    async def apply(self, events: Sequence[InboundEvent]) -> IngestStats: ...


@dataclass(slots=True)
class _Pending:
    event: InboundEvent
    future: asyncio.Future[IngestStats]
    enqueued: float = field(default_factory=time.perf_counter)


class Writer:
    """Batches submitted events; a failing batch is retried event by event to isolate the bad one."""

    def __init__(
        self, tracker: BatchTracker, *, max_batch: int = 25_000, queue_size: int = 50_000
    ) -> None:
        # Batches only grow this big while a backlog drains (a flood, a replay after a
        # reconnect); bigger ones touch each hot index page once for more rows and commit less
        # often (10k -> 25k: 13.0k -> 14.6k events/s in bench/ingest.py's flood).
        self._tracker = tracker
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
        pending = _Pending(event, future)
        if self._queue.full():
            await self._queue.put(pending)  # back-pressure
        else:
            self._queue.put_nowait(pending)
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
        writing: asyncio.Task[None] | None = None  # the batch being written, if any
        while True:
            item = await self._queue.get() if not batch else self._queue.get_nowait()
            if isinstance(item, _Pending):
                batch.append(item)
                if len(batch) < self._max_batch and not self._queue.empty():
                    continue
            if batch:
                writing = await self._next(batch, writing)
                batch = []
            if writing is not None and not isinstance(item, _Pending):
                await writing  # flush and stop: everything before is written
                writing = None
            if item is None:
                return
            if isinstance(item, asyncio.Future) and not item.done():
                item.set_result(None)

    async def _next(
        self, batch: list[_Pending], writing: asyncio.Task[None] | None
    ) -> asyncio.Task[None] | None:
        """Plan `batch` while `writing` goes on, then start writing it once that is done
        (batches commit in order); returns the new write, unless it had to finish first."""
        planned: PlannedBatch | None
        try:
            planned = await self._tracker.plan([p.event for p in batch])
        except Exception:
            log.exception("could not plan a batch of %d; storing its events one by one", len(batch))
            planned = None
        if writing is not None:
            await writing
        task = asyncio.create_task(self._write(batch, planned), name="rhizome-write")
        if planned is None or planned.barrier:
            await task
            return None
        return task

    async def _write(self, batch: list[_Pending], planned: PlannedBatch | None) -> None:
        """Write a batch; a failing batch is retried event by event to isolate the bad one."""
        if planned is not None:
            try:
                stats = await self._tracker.write(planned)
            except Exception:
                if len(batch) == 1:
                    self._failed(batch[0])
                    return
                log.warning("a batch of %d failed; storing its events one by one", len(batch))
            else:
                self._done(batch, stats)
                return
        for pending in batch:
            try:
                stats = await self._tracker.apply([pending.event])
            except Exception:
                self._failed(pending)
            else:
                self._done([pending], stats)

    def _done(self, batch: list[_Pending], stats: IngestStats) -> None:
        done = time.perf_counter()
        for pending in batch:
            if self.latencies is not None:
                self.latencies.append(done - pending.enqueued)
            if not pending.future.done():
                pending.future.set_result(stats)

    @staticmethod
    def _failed(pending: _Pending) -> None:
        log.exception("could not store event %s", type(pending.event).__name__)
        if not pending.future.done():
            pending.future.set_exception(RuntimeError("the event could not be stored"))


class Pipeline:
    """Bulk writes in order, each batch planned while the one before it is being written
    (importers and backfills: no per-event futures, no retries; a failure stops the stream)."""

    def __init__(self, tracker: BatchTracker) -> None:
        self._tracker = tracker
        self._writing: asyncio.Task[IngestStats] | None = None

    async def put(self, events: Sequence[InboundEvent]) -> asyncio.Task[IngestStats]:
        """Plan `events` and start writing them once the batch before is written; the task
        gives what the batch changed. Raises what the write before raised, if it failed."""
        planned = await self._tracker.plan(events)
        await self.wait()
        task = asyncio.create_task(self._tracker.write(planned), name="rhizome-bulk-write")
        self._writing = task
        if planned.barrier:
            await self.wait()
        else:
            # Let the write reach its thread now: the caller may go on without awaiting (an
            # importer reads the next files), and the writer would idle until it did.
            await asyncio.sleep(0)
        return task

    async def wait(self) -> None:
        """Until the batch being written is committed; raises what its write raised."""
        task, self._writing = self._writing, None
        if task is not None:
            await task

    async def abandon(self) -> None:
        """Let the batch being written finish, after a failure elsewhere: its own error, if
        any, is only logged (the caller is already handling another)."""
        task, self._writing = self._writing, None
        if task is not None:
            await asyncio.wait([task])
            if not task.cancelled() and task.exception() is not None:
                log.error("a bulk write failed as well", exc_info=task.exception())


async def batches(
    events: Iterable[InboundEvent] | AsyncIterable[InboundEvent], size: int
) -> AsyncIterator[list[InboundEvent]]:
    """Lists of up to `size` events, handing the event loop back every few dozen read, so
    commands stay answered during an import and a write that needs the loop (PostgreSQL's,
    through the async driver) keeps going while the next batch is parsed."""
    batch: list[InboundEvent] = []
    if isinstance(events, AsyncIterable):
        async for event in events:
            batch.append(event)
            if len(batch) >= size:
                yield batch
                batch = []
    else:
        for event in events:
            batch.append(event)
            if len(batch) >= size:
                yield batch
                batch = []
            elif not len(batch) % PLAN_SLICE:
                await asyncio.sleep(0)
    if batch:
        yield batch
