"""The writer and the bulk pipeline: batches commit in order, the next one is planned while the
previous one is written, a bad event is isolated, a purge is a barrier.

The tracker here is a recording stand-in for `bot.tracking.Tracker` (the two stages the writer
drives), so the tests can hold a write open and see what runs meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest

from bot.ingest import Pipeline, Writer
from bot.model import CommunityRef, InboundEvent, IngestStats, MessagePosted
from bot.tracking import PlannedBatch
from tests.conftest import START
from tests.factories import Chat


class RecordingTracker:
    def __init__(self) -> None:
        self.log: list[tuple[str, list[str]]] = []
        self.gate: asyncio.Event | None = None  # when set up, writes wait for it
        self.bad: set[str] = set()  # message ids whose batch write fails
        self.purge_in: set[str] = set()  # message ids whose batch holds a purge
        self.planned: dict[int, list[str]] = {}  # id(batch) -> its message ids

    @staticmethod
    def ids(events: Sequence[InboundEvent]) -> list[str]:
        return [e.message_id for e in events if isinstance(e, MessagePosted)]

    async def plan(self, events: Sequence[InboundEvent]) -> PlannedBatch:
        ids = self.ids(events)
        self.log.append(("plan", ids))
        batch = PlannedBatch(barrier=bool(self.purge_in & set(ids)))
        self.planned[id(batch)] = ids
        return batch

    async def write(self, batch: PlannedBatch) -> IngestStats:
        ids = self.planned.pop(id(batch))
        self.log.append(("write", ids))
        if self.gate is not None:
            await self.gate.wait()
        if self.bad & set(ids):
            raise RuntimeError("constraint failed")
        self.log.append(("written", ids))
        return IngestStats(events=len(ids), messages=len(ids))

    async def apply(self, events: Sequence[InboundEvent]) -> IngestStats:
        return await self.write(await self.plan(events))


@pytest.fixture
def chat() -> Chat:
    return Chat(CommunityRef("slack", "T1", "One"), START)


@pytest.fixture
def tracker() -> RecordingTracker:
    return RecordingTracker()


@pytest.fixture
async def writer(tracker: RecordingTracker) -> AsyncIterator[Writer]:
    writer = Writer(tracker)  # type: ignore[arg-type]
    writer.start()
    yield writer
    await writer.stop()


def posts(chat: Chat, *ids: str) -> list[MessagePosted]:
    return [chat.post("ana", f"message {i}", mid=i) for i in ids]


async def test_the_next_batch_is_planned_while_the_previous_one_is_written(
    chat: Chat, tracker: RecordingTracker, writer: Writer
) -> None:
    tracker.gate = asyncio.Event()
    first = [await writer.submit(e) for e in posts(chat, "1", "2")]
    await asyncio.sleep(0.01)  # batch 1 is now being written, held at the gate
    second = [await writer.submit(e) for e in posts(chat, "3")]
    await asyncio.sleep(0.01)
    assert ("plan", ["3"]) in tracker.log  # planned meanwhile
    assert ("write", ["3"]) not in tracker.log  # but not written before batch 1
    tracker.gate.set()
    results = await asyncio.gather(*first, *second)
    assert [r.messages for r in results] == [2, 2, 1]
    writes = [ids for kind, ids in tracker.log if kind == "written"]
    assert writes == [["1", "2"], ["3"]]


async def test_a_failing_batch_is_retried_event_by_event(
    chat: Chat, tracker: RecordingTracker, writer: Writer
) -> None:
    tracker.bad = {"2"}
    futures = [await writer.submit(e) for e in posts(chat, "1", "2", "3")]
    done = await asyncio.gather(*futures, return_exceptions=True)
    assert isinstance(done[1], RuntimeError)
    assert str(done[1]) == "the event could not be stored"
    assert [r.messages for r in (done[0], done[2])] == [1, 1]  # type: ignore[union-attr]
    written = [ids for kind, ids in tracker.log if kind == "written"]
    assert written == [["1"], ["3"]]


async def test_flush_waits_for_the_write_in_progress(
    chat: Chat, tracker: RecordingTracker, writer: Writer
) -> None:
    tracker.gate = asyncio.Event()
    await writer.submit(posts(chat, "1")[0])
    flushed = asyncio.ensure_future(writer.flush())
    await asyncio.sleep(0.01)
    assert not flushed.done()
    tracker.gate.set()
    await asyncio.wait_for(flushed, 5)
    assert ("written", ["1"]) in tracker.log


async def test_a_purge_is_written_before_the_next_batch_is_planned(
    chat: Chat, tracker: RecordingTracker
) -> None:
    tracker.purge_in = {"1"}
    pipeline = Pipeline(tracker)  # type: ignore[arg-type]
    first = await pipeline.put(posts(chat, "1"))
    assert first.done()  # a barrier: written before put() returned
    await pipeline.put(posts(chat, "2"))
    await pipeline.wait()
    assert tracker.log.index(("written", ["1"])) < tracker.log.index(("plan", ["2"]))


async def test_the_bulk_pipeline_stops_at_a_failed_write(
    chat: Chat, tracker: RecordingTracker
) -> None:
    tracker.bad = {"1"}
    pipeline = Pipeline(tracker)  # type: ignore[arg-type]
    await pipeline.put(posts(chat, "1"))
    with pytest.raises(RuntimeError, match="constraint failed"):
        await pipeline.put(posts(chat, "2"))  # planned, then refused: the write before failed
    assert ("write", ["2"]) not in tracker.log
    # After a failure elsewhere, abandon() lets the write in progress end and only logs its error.
    tracker.bad = {"3"}
    await pipeline.put(posts(chat, "3"))
    await pipeline.abandon()
    await pipeline.wait()  # nothing left in progress


async def test_a_bulk_write_is_under_way_when_put_returns(
    chat: Chat, tracker: RecordingTracker
) -> None:
    """An importer goes on reading its next files without awaiting anything: had the write
    only been scheduled, the writer would idle until the importer next gave the loop a turn."""
    tracker.gate = asyncio.Event()
    pipeline = Pipeline(tracker)  # type: ignore[arg-type]
    await pipeline.put(posts(chat, "1"))
    assert ("write", ["1"]) in tracker.log  # no loop turn in between
    tracker.gate.set()
    await pipeline.wait()
    assert ("written", ["1"]) in tracker.log
