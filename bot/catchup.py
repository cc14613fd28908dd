"""High-water marks for catching up after downtime, per place (a channel's top level or a thread).

A place's mark is the newest message id up to which everything in that place was seen with no
gap. Live traffic advances it only while the place is in sync; after a disconnect every place is
behind until its catch-up has read up to the first message that arrived live again (or to the
end of its history). So a live message arriving before the catch-up reaches its place cannot
move the start past the gap, and a place whose catch-up failed keeps its old mark.

A successful RESUME replays what was missed, so it puts places back in sync without any re-read.
Marks (and the time up to which the community was fully seen, used for places without a mark)
are kept in `bot_state`, one JSON value per community; a mark that was not saved before a crash
is only older, which costs a longer re-read, never a gap. Message ids are compared with `order`
(Discord snowflakes: as integers).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.model import CommunityRef

log = logging.getLogger(__name__)

KEY = "catchup:{platform}:{community}"


class StateStore(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str, now: datetime) -> None: ...


@dataclass
class _Community:
    marks: dict[str, str] = field(default_factory=dict)
    seen_until: datetime | None = None  # every place was in sync up to this time
    loaded: bool = False
    connected: bool = False
    catching_up: bool = False
    behind: bool = True  # a gap may be open: places not in `closed` are behind
    gap: int = 0  # counts gaps opened, so a catch-up started before a new one cannot close it
    closed: set[str] = field(default_factory=set)  # caught up since the gap opened
    first_live: dict[str, str] = field(default_factory=dict)  # first id seen live while behind
    last_live: dict[str, str] = field(default_factory=dict)  # newest id seen live while behind
    # first id this process saw live per place, kept across gaps: where a place that was never
    # read before this process (no mark, nothing stored) has been tracked from
    first_seen: dict[str, str] = field(default_factory=dict)


class HighWaterMarks:
    """Marks for every community one process serves (one instance per adapter)."""

    def __init__(
        self, state: StateStore, now: Callable[[], datetime], order: Callable[[str], int] = int
    ) -> None:
        self.state = state
        self.now = now
        self.order = order
        self._by: dict[tuple[str, str], _Community] = {}

    def _c(self, community: CommunityRef) -> _Community:
        return self._by.setdefault(community.key, _Community())

    def _newer(self, a: str | None, b: str | None) -> str | None:
        if a is None or b is None:
            return a or b
        return a if self.order(a) >= self.order(b) else b

    # -- persistence ------------------------------------------------------------------------
    async def load(self, community: CommunityRef) -> None:
        """Read the saved marks once; later calls keep what this process learned since."""
        c = self._c(community)
        if c.loaded:
            return
        raw = await self.state.get(
            KEY.format(platform=community.platform, community=community.external_id)
        )
        if raw:
            try:
                data = json.loads(raw)
                for place, mid in dict(data.get("marks", {})).items():
                    c.marks[str(place)] = self._newer(c.marks.get(str(place)), str(mid)) or str(mid)
                if data.get("seen_until"):
                    c.seen_until = datetime.fromisoformat(data["seen_until"])
            except (ValueError, TypeError, AttributeError):
                log.warning("catch-up marks of %s were unreadable; starting without", community.key)
        c.loaded = True

    async def save(self, community: CommunityRef) -> None:
        c = self._c(community)
        if not c.loaded:
            return  # never overwrite saved marks with a partial picture
        if not c.behind:
            c.seen_until = self.now()
        data = {
            "marks": c.marks,
            "seen_until": c.seen_until.isoformat() if c.seen_until else None,
        }
        key = KEY.format(platform=community.platform, community=community.external_id)
        await self.state.set(key, json.dumps(data, sort_keys=True), self.now())

    # -- connection events ------------------------------------------------------------------
    def connected(self, community: CommunityRef) -> None:
        """A new session (READY): whatever happened while disconnected must be read."""
        c = self._c(community)
        c.connected = True
        self._open_gap(c)

    def disconnected(self, community: CommunityRef) -> None:
        c = self._c(community)
        if c.connected and not c.behind:
            c.seen_until = self.now()
        c.connected = False
        self._open_gap(c)

    def resumed(self, community: CommunityRef) -> bool:
        """RESUME succeeded and Discord replayed the missed events: back in sync without a
        re-read, unless a catch-up was still under way (then it finishes the job). Returns
        whether the gap is closed."""
        c = self._c(community)
        c.connected = True
        if c.catching_up:
            return False
        for place, mid in c.last_live.items():
            c.marks[place] = self._newer(c.marks.get(place), mid) or mid
        self._close_gap(c)
        return True

    def _open_gap(self, c: _Community) -> None:
        c.gap += 1
        c.behind = True
        c.closed.clear()
        c.first_live.clear()
        c.last_live.clear()

    def _close_gap(self, c: _Community) -> None:
        c.behind = False
        c.closed.clear()
        c.first_live.clear()
        c.last_live.clear()

    # -- traffic ----------------------------------------------------------------------------
    def seen_live(self, community: CommunityRef, place: str, message_id: str) -> None:
        """A message arrived over the gateway in `place` (a channel or thread id)."""
        c = self._c(community)
        if place not in c.first_seen or self.order(message_id) < self.order(c.first_seen[place]):
            c.first_seen[place] = message_id
        if not c.behind or place in c.closed:
            c.marks[place] = self._newer(c.marks.get(place), message_id) or message_id
            return
        c.first_live[place] = (
            message_id
            if place not in c.first_live or self.order(message_id) < self.order(c.first_live[place])
            else c.first_live[place]
        )
        c.last_live[place] = self._newer(c.last_live.get(place), message_id) or message_id

    # -- catch-up ---------------------------------------------------------------------------
    def start(self, community: CommunityRef) -> CatchUpPlan:
        c = self._c(community)
        c.catching_up = True
        return CatchUpPlan(self, community, seen_until=c.seen_until, gap=c.gap)

    def mark(self, community: CommunityRef, place: str) -> str | None:
        return self._c(community).marks.get(place)

    def first_seen(self, community: CommunityRef, place: str) -> str | None:
        """The first id this process saw live in `place`, whatever gaps opened since."""
        return self._c(community).first_seen.get(place)

    def first_live(self, community: CommunityRef, place: str) -> str | None:
        """Reading a place may stop here: from this id on, the gateway delivered it."""
        return self._c(community).first_live.get(place)

    def close(
        self, community: CommunityRef, place: str, last_read: str | None, *, gap: int | None = None
    ) -> None:
        """`place` was read up to `last_read` (or up to its first live message) with no gap.
        A read that began before a newer gap opened (`gap` is older) only moves the mark."""
        c = self._c(community)
        current = gap is None or gap == c.gap
        best = self._newer(c.marks.get(place), last_read)
        if current:
            best = self._newer(best, c.last_live.get(place))
        if best is not None:
            c.marks[place] = best
        if current:
            c.closed.add(place)

    def advance(
        self, community: CommunityRef, place: str, last_read: str | None, read_after: int
    ) -> None:
        """`place` was read without a gap from `read_after` (at or before its mark) up to
        `last_read`, but not to its end: the mark moves, the place stays behind."""
        c = self._c(community)
        mark = c.marks.get(place)
        if last_read is None or (mark is not None and self.order(mark) < read_after):
            return
        c.marks[place] = self._newer(mark, last_read) or last_read

    def finish(self, community: CommunityRef, *, complete: bool, gap: int | None = None) -> None:
        """The catch-up ended; `complete` when every place was read (none failed or was cut
        short) and no newer gap opened meanwhile, which closes the gap for places that had no
        traffic at all."""
        c = self._c(community)
        c.catching_up = False
        if complete and c.connected and (gap is None or gap == c.gap):
            self._close_gap(c)


@dataclass
class CatchUpPlan:
    """What one catch-up of one community knows when it starts."""

    marks: HighWaterMarks
    community: CommunityRef
    seen_until: datetime | None
    gap: int
    read: int = 0  # messages read, the re-read ones before the marks included
    new: int = 0  # of those, the ones after the marks
    deleted: int = 0
    failed: list[str] = field(default_factory=list)

    def close(self, place: str, last_read: str | None) -> None:
        self.marks.close(self.community, place, last_read, gap=self.gap)

    def advance(self, place: str, last_read: str | None, read_after: int) -> None:
        self.marks.advance(self.community, place, last_read, read_after)

    def finish(self, *, complete: bool) -> None:
        self.marks.finish(self.community, complete=complete and not self.failed, gap=self.gap)
