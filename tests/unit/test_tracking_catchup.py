"""High-water marks: live traffic never moves a place's mark past a gap."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.catchup import HighWaterMarks
from bot.model import CommunityRef

G = CommunityRef("discord", "1")
NOW = datetime(2026, 3, 1, tzinfo=UTC)


class MemoryState:
    """The `bot_state` port, in memory."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    async def get(self, key: str) -> str | None:
        return self.values.get(key)

    async def set(self, key: str, value: str, now: datetime) -> None:
        self.values[key] = value


async def caught_up(marks: HighWaterMarks) -> None:
    await marks.load(G)
    marks.connected(G)
    marks.start(G)
    marks.finish(G, complete=True)


async def test_live_messages_advance_only_while_in_sync() -> None:
    marks = HighWaterMarks(MemoryState(), lambda: NOW)
    await caught_up(marks)
    marks.seen_live(G, "c", "10")
    assert marks.mark(G, "c") == "10"
    marks.disconnected(G)
    marks.connected(G)  # a new session: behind until caught up
    marks.seen_live(G, "c", "30")
    marks.seen_live(G, "c", "31")
    assert marks.mark(G, "c") == "10" and marks.first_live(G, "c") == "30"
    marks.start(G)
    marks.close(G, "c", "30")  # read up to the first live message
    assert marks.mark(G, "c") == "31"  # and the live ones after it are contiguous
    marks.seen_live(G, "c", "32")
    assert marks.mark(G, "c") == "32"


async def test_a_failed_place_keeps_its_mark_until_a_later_catch_up() -> None:
    marks = HighWaterMarks(MemoryState(), lambda: NOW)
    await caught_up(marks)
    marks.seen_live(G, "a", "5")
    marks.seen_live(G, "b", "6")
    marks.disconnected(G)
    marks.connected(G)
    marks.start(G)
    marks.close(G, "a", "20")
    marks.finish(G, complete=False)  # "b" could not be read
    marks.seen_live(G, "a", "21")
    marks.seen_live(G, "b", "22")
    assert (marks.mark(G, "a"), marks.mark(G, "b")) == ("21", "6")


async def test_resume_closes_the_gap_without_reading() -> None:
    marks = HighWaterMarks(MemoryState(), lambda: NOW)
    await caught_up(marks)
    marks.seen_live(G, "c", "10")
    marks.disconnected(G)
    marks.seen_live(G, "c", "11")  # replayed by Discord
    assert marks.resumed(G) is True
    assert marks.mark(G, "c") == "11"


async def test_resume_during_a_catch_up_leaves_the_gap_to_it() -> None:
    marks = HighWaterMarks(MemoryState(), lambda: NOW)
    await marks.load(G)
    marks.connected(G)
    marks.start(G)
    marks.disconnected(G)
    assert marks.resumed(G) is False


async def test_marks_survive_a_restart_and_ids_compare_as_numbers() -> None:
    state = MemoryState()
    marks = HighWaterMarks(state, lambda: NOW)
    await caught_up(marks)
    marks.seen_live(G, "c", "99")
    marks.seen_live(G, "c", "100")  # "100" < "99" as text
    await marks.save(G)
    again = HighWaterMarks(state, lambda: NOW)
    await again.load(G)
    assert again.mark(G, "c") == "100"
    assert again.start(G).seen_until == NOW


async def test_unreadable_saved_marks_start_empty() -> None:
    state = MemoryState()
    state.values["catchup:discord:1"] = "{not json"
    marks = HighWaterMarks(state, lambda: NOW)
    await marks.load(G)
    assert marks.mark(G, "c") is None


async def test_a_catch_up_older_than_a_new_gap_cannot_close_it() -> None:
    marks = HighWaterMarks(MemoryState(), lambda: NOW)
    await caught_up(marks)
    marks.seen_live(G, "c", "10")
    marks.disconnected(G)
    marks.connected(G)
    old = marks.start(G)
    marks.disconnected(G)  # dropped again while the catch-up runs; a new session follows
    marks.connected(G)
    marks.seen_live(G, "c", "50")  # live, after a second gap
    old.close("c", "20")  # read up to 20 before the second gap: the mark moves, no more
    old.finish(complete=True)
    marks.seen_live(G, "c", "51")
    assert marks.mark(G, "c") == "20"  # still behind: the next catch-up reads 21..50
    new = marks.start(G)
    new.close("c", "50")
    new.finish(complete=True)
    marks.seen_live(G, "c", "52")
    assert marks.mark(G, "c") == "52"
