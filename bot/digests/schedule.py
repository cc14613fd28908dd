"""Weekly schedules in a community's own time zone, correct across daylight-saving changes.

A schedule is a weekday and a wall-clock time in an IANA zone ("monday 09:00 Europe/Berlin").
Each scheduled instant starts a *period*; the UTC instant of the most recent one (`period_start`)
is the key the caller claims exactly once before posting.

Daylight-saving rules (decided here so every caller agrees):

* **Spring forward** — when the local time does not exist that day (02:30 in Berlin on the last
  Sunday of March), the digest fires at the first valid instant after it: the moment the clocks
  jump (03:00 CEST, 01:00 UTC). The same holds for 30-minute shifts (Australia/Lord_Howe).
* **Fall back** — when the local time occurs twice, it fires once, at the first occurrence
  (``fold=0``, the earlier UTC instant); the repeat is the same period, so it is never posted
  again.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
DEFAULT_GRACE = timedelta(hours=24)
# How many missed periods `check` lists at most (a year of weeks); older ones are left out.
MAX_LISTED_SKIPS = 52
_WEEK = timedelta(days=7)
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
_OFFSET_RE = re.compile(r"^(utc|gmt)?\s*[+-]\d{1,2}(:?\d{2})?$", re.IGNORECASE)
USAGE = "Use `<weekday> <HH:MM> [IANA timezone]`, e.g. `monday 09:00 Europe/Berlin`."


@dataclass(frozen=True, slots=True)
class Schedule:
    """Every week on `weekday` (0 = Monday) at `hour:minute` local time in zone `tz`."""

    weekday: int
    hour: int
    minute: int
    tz: str = "UTC"

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}.")
        if not (0 <= self.hour <= 23 and 0 <= self.minute <= 59):
            raise ValueError(f"{self.hour}:{self.minute:02d} is not a time of day. {USAGE}")
        _zone(self.tz)  # raises ValueError for an unknown zone

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.tz)

    def describe(self) -> str:
        """Canonical text form; `parse_schedule(s.describe()) == s`."""
        return f"{WEEKDAYS[self.weekday].capitalize()} {self.hour:02d}:{self.minute:02d} {self.tz}"

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True, slots=True)
class DueCheck:
    """What the scheduler should do now.

    `period` is the period to post (None: nothing due). `skipped` lists missed periods newer than
    `last_period` that are too old to post (oldest first; only the `MAX_LISTED_SKIPS` most recent
    are listed). Record `max(skipped)` (or `period` once posted)
    as the new `last_period` so a skipped period is never reconsidered.
    """

    period: datetime | None
    skipped: tuple[datetime, ...]
    next_run: datetime


# --- parsing ---------------------------------------------------------------------------------


def parse_schedule(text: str) -> Schedule:
    """Parse "monday 09:00 Europe/Berlin", "mon 9:00", "Fri 17:30 UTC" (zone defaults to UTC).

    Raises `ValueError` with a message fit to show the moderator, naming what is wrong.
    """
    parts = text.split()
    if not parts:
        raise ValueError(f"The schedule is empty. {USAGE}")
    if len(parts) < 2:
        raise ValueError(f"The schedule needs a time after the weekday. {USAGE}")
    if len(parts) > 3:
        raise ValueError(
            f"Too many parts in {text.strip()!r}: expected a weekday, a time and an optional "
            f"timezone. {USAGE}"
        )
    weekday = parse_weekday(parts[0])
    hour, minute = parse_time(parts[1])
    tz = canonical_timezone(parts[2]) if len(parts) == 3 else "UTC"
    return Schedule(weekday, hour, minute, tz)


def parse_weekday(word: str) -> int:
    """Full names and unambiguous prefixes of at least three letters ("mon", "Thurs")."""
    w = word.strip().lower().rstrip(".,")
    if len(w) >= 3:
        for i, name in enumerate(WEEKDAYS):
            if name.startswith(w):
                return i
    raise ValueError(f"{word!r} is not a weekday; use a name such as `monday` or `mon`.")


def parse_time(word: str) -> tuple[int, int]:
    """24-hour "H:MM" or "HH:MM"."""
    m = _TIME_RE.match(word.strip())
    if not m:
        raise ValueError(f"{word!r} is not a time; use 24-hour HH:MM such as `09:00` or `17:30`.")
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"{word!r} is not a valid time of day; hours go 0–23 and minutes 00–59.")
    return hour, minute


def canonical_timezone(name: str) -> str:
    """The IANA key for `name`, matched case-insensitively ("europe/berlin" → "Europe/Berlin")."""
    key = _timezone_keys().get(name.strip().lower())
    if key is not None:
        return key
    if _OFFSET_RE.match(name.strip()):
        raise ValueError(
            f"{name!r} is a fixed offset, which ignores daylight saving; use the IANA name of "
            "a place instead, such as `Europe/Berlin` or `America/New_York` (or `UTC`)."
        )
    close = difflib.get_close_matches(name.strip(), sorted(_timezone_keys().values()), n=1)
    hint = f" Did you mean `{close[0]}`?" if close else ""
    raise ValueError(
        f"Unknown timezone {name!r}; use an IANA name such as `Europe/Berlin`, "
        f"`America/New_York` or `UTC`.{hint}"
    )


@lru_cache(maxsize=1)
def _timezone_keys() -> dict[str, str]:
    keys = {k.lower(): k for k in available_timezones()}
    keys.setdefault("utc", "UTC")
    return keys


@lru_cache(maxsize=256)
def _zone(tz: str) -> ZoneInfo:
    # Only keys from the installed database are opened, so no path-like text reaches ZoneInfo.
    if tz not in _timezone_keys().values():
        canonical = canonical_timezone(tz)  # raises the polite "unknown timezone" message
        raise ValueError(f"Timezone {tz!r} must be spelled {canonical!r}.")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - listed but unloadable
        raise ValueError(f"Timezone {tz!r} could not be loaded.") from exc


# --- instants --------------------------------------------------------------------------------


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall time `at` on `day` in `zone`, with the DST rules above."""
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=zone, fold=0)
    utc0 = first.astimezone(UTC)
    if utc0.astimezone(zone).replace(tzinfo=None) == naive:
        return utc0  # exists (for an ambiguous time this is the first occurrence)
    # In a gap: the clocks jump at some instant T in (naive - post_offset, naive - pre_offset].
    # Every instant before T shows a wall time before the gap (< naive), every one from T on a
    # wall time after it (> naive); bisect whole seconds for T.
    utc1 = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    lo, hi = sorted((int(utc0.timestamp()), int(utc1.timestamp())))
    while hi - lo > 1:
        mid = (lo + hi) // 2
        wall = datetime.fromtimestamp(mid, UTC).astimezone(zone).replace(tzinfo=None)
        if wall > naive:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def _require_aware(now_utc: datetime) -> datetime:
    if now_utc.tzinfo is None or now_utc.utcoffset() is None:
        raise ValueError("now_utc must be a timezone-aware datetime.")
    return now_utc.astimezone(UTC)


def _instants_around(schedule: Schedule, now_utc: datetime) -> list[datetime]:
    """Scheduled instants in the weeks before, of and after the local week of `now_utc`."""
    zone = schedule.zone
    local = now_utc.astimezone(zone)
    this_week = local.date() - timedelta(days=(local.weekday() - schedule.weekday) % 7)
    at = time(schedule.hour, schedule.minute)
    return [local_instant(this_week + k * _WEEK, at, zone) for k in (-1, 0, 1)]


def period_start(schedule: Schedule, now_utc: datetime) -> datetime:
    """UTC instant of the most recent scheduled time ≤ `now_utc`; it names the current period."""
    now = _require_aware(now_utc)
    return max(t for t in _instants_around(schedule, now) if t <= now)


def next_run(schedule: Schedule, now_utc: datetime) -> datetime:
    """UTC instant of the first scheduled time strictly after `now_utc`."""
    now = _require_aware(now_utc)
    return min(t for t in _instants_around(schedule, now) if t > now)


def previous_period(schedule: Schedule, period: datetime) -> datetime:
    """The period before `period` (a week earlier, give or take a DST shift)."""
    return period_start(schedule, _require_aware(period) - timedelta(seconds=1))


def check(
    schedule: Schedule,
    now_utc: datetime,
    last_period: datetime | None,
    grace: timedelta = DEFAULT_GRACE,
) -> DueCheck:
    """Decide which period to post now and which missed ones to record as skipped.

    `last_period` is the newest period already handled (posted or skipped); pass the digest's
    creation instant for a new digest to avoid posting a period that started before it existed,
    or None to consider only the latest period. Only the latest period ≤ now is ever posted, and
    only while `now - period <= grace`; every older unhandled period is skipped.
    """
    now = _require_aware(now_utc)
    latest = period_start(schedule, now)
    upcoming = next_run(schedule, now)
    last = _require_aware(last_period) if last_period is not None else None
    if last is not None and latest <= last:
        return DueCheck(None, (), upcoming)

    post = latest if now - latest <= grace else None
    missed: list[datetime] = [] if post is not None else [latest]
    if last is not None:
        p = previous_period(schedule, latest)
        while p > last and len(missed) < MAX_LISTED_SKIPS:
            missed.append(p)
            p = previous_period(schedule, p)
    return DueCheck(post, tuple(reversed(missed)), upcoming)


def due(
    schedule: Schedule,
    now_utc: datetime,
    last_period: datetime | None,
    grace: timedelta = DEFAULT_GRACE,
) -> datetime | None:
    """The period to post now, or None; see `check` for the skipped periods."""
    return check(schedule, now_utc, last_period, grace).period
