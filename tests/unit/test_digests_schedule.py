"""Weekly schedules: parsing, periods, catch-up/skip rules and DST transitions of 2026."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.digests.schedule import (
    MAX_LISTED_SKIPS,
    Schedule,
    check,
    due,
    next_run,
    parse_schedule,
    period_start,
)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("monday 09:00 Europe/Berlin", Schedule(0, 9, 0, "Europe/Berlin")),
        ("mon 9:00", Schedule(0, 9, 0, "UTC")),
        ("Fri 17:30 UTC", Schedule(4, 17, 30, "UTC")),
        ("  THURS   23:59  america/new_york ", Schedule(3, 23, 59, "America/New_York")),
        ("sun 0:00 Australia/Lord_Howe", Schedule(6, 0, 0, "Australia/Lord_Howe")),
    ],
)
def test_parse_schedule_accepts(text: str, expected: Schedule) -> None:
    assert parse_schedule(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("monday", "needs a time"),
        ("funday 09:00", "'funday' is not a weekday"),
        ("mo 09:00", "'mo' is not a weekday"),
        ("mon 24:00", "not a valid time of day"),
        ("mon 9:60", "not a valid time of day"),
        ("mon 9am", "'9am' is not a time"),
        ("mon 09:00 Mars/Olympus", "Unknown timezone 'Mars/Olympus'"),
        ("mon 09:00 Europe/Berln", "Did you mean `Europe/Berlin`"),
        ("mon 09:00 ../../etc/passwd", "Unknown timezone"),
        ("mon 09:00 UTC+2", "fixed offset"),
        ("mon 09:00 Europe/Berlin extra", "Too many parts"),
    ],
)
def test_parse_schedule_rejects_politely(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_schedule(text)


def test_schedule_round_trips_and_validates() -> None:
    s = parse_schedule("wednesday 7:05 Europe/Berlin")
    assert s.describe() == "Wednesday 07:05 Europe/Berlin"
    assert parse_schedule(str(s)) == s
    with pytest.raises(ValueError, match="weekday"):
        Schedule(7, 9, 0)
    with pytest.raises(ValueError, match="Unknown timezone"):
        Schedule(0, 9, 0, "Nowhere/Town")
    with pytest.raises(ValueError, match="spelled 'Europe/Berlin'"):
        Schedule(0, 9, 0, "europe/berlin")


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        period_start(Schedule(0, 9, 0), datetime(2026, 1, 1))


# --- periods ---------------------------------------------------------------------------------


def test_period_start_and_next_run_in_utc() -> None:
    s = parse_schedule("mon 09:00")
    # Wednesday 2026-03-04: last Monday 2026-03-02 09:00, next 2026-03-09 09:00.
    assert period_start(s, utc(2026, 3, 4, 12)) == utc(2026, 3, 2, 9)
    assert next_run(s, utc(2026, 3, 4, 12)) == utc(2026, 3, 9, 9)
    # Exactly on time: that instant is the current period and the next run is a week later.
    assert period_start(s, utc(2026, 3, 9, 9)) == utc(2026, 3, 9, 9)
    assert next_run(s, utc(2026, 3, 9, 9)) == utc(2026, 3, 16, 9)
    assert period_start(s, utc(2026, 3, 9, 8, 59, 59)) == utc(2026, 3, 2, 9)


def test_local_weekday_differs_from_utc_weekday() -> None:
    # Monday 09:00 in Auckland is Sunday 20:00 UTC (NZDT, +13).
    s = parse_schedule("mon 09:00 Pacific/Auckland")
    assert period_start(s, utc(2026, 1, 12, 0)) == utc(2026, 1, 11, 20)


def test_berlin_weekly_time_follows_summer_time() -> None:
    s = parse_schedule("monday 09:00 Europe/Berlin")
    assert period_start(s, utc(2026, 3, 24)) == utc(2026, 3, 23, 8)  # CET, +1
    assert period_start(s, utc(2026, 3, 31)) == utc(2026, 3, 30, 7)  # CEST, +2
    assert next_run(s, utc(2026, 10, 20)) == utc(2026, 10, 26, 8)  # back to CET


def test_berlin_spring_forward_fires_when_clocks_jump() -> None:
    # 2026-03-29 02:30 does not exist in Berlin (02:00 → 03:00): fire at 03:00 CEST = 01:00 UTC.
    s = parse_schedule("sun 02:30 Europe/Berlin")
    assert next_run(s, utc(2026, 3, 28)) == utc(2026, 3, 29, 1)
    assert period_start(s, utc(2026, 3, 29, 1)) == utc(2026, 3, 29, 1)
    assert period_start(s, utc(2026, 3, 29, 0, 59)) == utc(2026, 3, 22, 1, 30)
    assert utc(2026, 3, 29, 1).astimezone(ZoneInfo("Europe/Berlin")).hour == 3
    # The week after, 02:30 exists again (CEST).
    assert next_run(s, utc(2026, 3, 29, 1)) == utc(2026, 4, 5, 0, 30)


def test_new_york_spring_forward() -> None:
    # 2026-03-08 02:00 EST → 03:00 EDT; 02:30 fires at 03:00 EDT = 07:00 UTC.
    s = parse_schedule("sunday 02:30 America/New_York")
    assert next_run(s, utc(2026, 3, 7)) == utc(2026, 3, 8, 7)
    # Times just outside the gap are untouched.
    assert next_run(parse_schedule("sun 01:59 America/New_York"), utc(2026, 3, 7)) == utc(
        2026, 3, 8, 6, 59
    )
    assert next_run(parse_schedule("sun 03:00 America/New_York"), utc(2026, 3, 7)) == utc(
        2026, 3, 8, 7
    )


def fire_times(
    schedule: Schedule, start: datetime, end: datetime, step: timedelta
) -> list[tuple[datetime, datetime]]:
    """Simulate a scheduler tick loop that records each posted period, as the caller will."""
    last: datetime | None = start
    posted: list[tuple[datetime, datetime]] = []
    now = start
    while now <= end:
        period = due(schedule, now, last)
        if period is not None:
            posted.append((period, now))
            last = period
        now += step
    return posted


def test_berlin_fall_back_ambiguous_time_fires_once_at_first_occurrence() -> None:
    # 2026-10-25 03:00 CEST → 02:00 CET: 02:30 happens at 00:30 UTC and again at 01:30 UTC.
    s = parse_schedule("sun 02:30 Europe/Berlin")
    assert next_run(s, utc(2026, 10, 24)) == utc(2026, 10, 25, 0, 30)
    posted = fire_times(s, utc(2026, 10, 24, 22), utc(2026, 10, 25, 6), timedelta(minutes=5))
    assert posted == [(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 0, 30))]
    # Even without a record, the second 02:30 is the same period, not a new one.
    assert period_start(s, utc(2026, 10, 25, 1, 45)) == utc(2026, 10, 25, 0, 30)


def test_new_york_fall_back_fires_once() -> None:
    # 2026-11-01 02:00 EDT → 01:00 EST: 01:30 happens at 05:30 and 06:30 UTC.
    s = parse_schedule("sun 01:30 America/New_York")
    posted = fire_times(s, utc(2026, 10, 31, 12), utc(2026, 11, 1, 12), timedelta(minutes=10))
    assert [p for p, _ in posted] == [utc(2026, 11, 1, 5, 30)]


def test_lord_howe_half_hour_spring_forward() -> None:
    # 2026-10-04 02:00 (+10:30) → 02:30 (+11): 02:15 does not exist; fire at 02:30 = 15:30 UTC.
    s = parse_schedule("sun 02:15 Australia/Lord_Howe")
    assert next_run(s, utc(2026, 10, 1)) == utc(2026, 10, 3, 15, 30)
    local = utc(2026, 10, 3, 15, 30).astimezone(ZoneInfo("Australia/Lord_Howe"))
    assert (local.hour, local.minute) == (2, 30)
    # 02:00 itself is the first instant of the gap; it fires at the same jump.
    assert next_run(parse_schedule("sun 02:00 Australia/Lord_Howe"), utc(2026, 10, 1)) == utc(
        2026, 10, 3, 15, 30
    )


def test_lord_howe_half_hour_fall_back_fires_once() -> None:
    # 2026-04-05 02:00 (+11) → 01:30 (+10:30): 01:45 happens twice; the first is 14:45 UTC.
    s = parse_schedule("sun 01:45 Australia/Lord_Howe")
    posted = fire_times(s, utc(2026, 4, 4, 10), utc(2026, 4, 4, 20), timedelta(minutes=5))
    assert [p for p, _ in posted] == [utc(2026, 4, 4, 14, 45)]


@given(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)),
    st.integers(0, 6),
    st.integers(0, 23),
    st.sampled_from([0, 15, 30, 45]),
    st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]),
)
def test_periods_tile_time(naive: datetime, weekday: int, hour: int, minute: int, tz: str) -> None:
    s = Schedule(weekday, hour, minute, tz)
    now = naive.replace(tzinfo=UTC)
    start, upcoming = period_start(s, now), next_run(s, now)
    assert start <= now < upcoming
    assert period_start(s, upcoming) == upcoming  # the next period starts exactly there
    assert timedelta(days=7) - timedelta(hours=1) <= upcoming - start <= timedelta(days=7, hours=1)
    local = start.astimezone(ZoneInfo(tz))
    assert local.weekday() == weekday
    # On the wall clock it is the scheduled time, or the end of a DST gap right after it.
    scheduled = local.replace(hour=hour, minute=minute)
    assert (
        timedelta(0)
        <= local.replace(tzinfo=None) - scheduled.replace(tzinfo=None)
        <= timedelta(hours=1)
    )


# --- due / catch-up --------------------------------------------------------------------------


def test_due_within_grace_and_once_only() -> None:
    s = parse_schedule("mon 09:00")
    last = utc(2026, 3, 2, 9)
    assert due(s, utc(2026, 3, 9, 8, 59), last) is None  # not yet
    assert due(s, utc(2026, 3, 9, 9), last) == utc(2026, 3, 9, 9)
    assert due(s, utc(2026, 3, 10, 8), last) == utc(2026, 3, 9, 9)  # late, within 24 h
    assert due(s, utc(2026, 3, 10, 8), utc(2026, 3, 9, 9)) is None  # already posted


def test_missed_period_beyond_grace_is_skipped_and_reported() -> None:
    s = parse_schedule("mon 09:00")
    result = check(s, utc(2026, 3, 10, 10), utc(2026, 3, 2, 9))
    assert result.period is None
    assert result.skipped == (utc(2026, 3, 9, 9),)
    assert result.next_run == utc(2026, 3, 16, 9)
    # Once the skip is recorded, nothing is due until the next period.
    assert due(s, utc(2026, 3, 12), max(result.skipped)) is None
    assert check(s, utc(2026, 3, 10, 10), utc(2026, 3, 2, 9), grace=timedelta(days=2)).period == (
        utc(2026, 3, 9, 9)
    )


def test_after_downtime_only_the_latest_period_posts() -> None:
    s = parse_schedule("mon 09:00")
    result = check(s, utc(2026, 3, 30, 10), utc(2026, 3, 2, 9))
    assert result.period == utc(2026, 3, 30, 9)
    assert result.skipped == (utc(2026, 3, 9, 9), utc(2026, 3, 16, 9), utc(2026, 3, 23, 9))


def test_skip_list_is_bounded_after_a_long_outage() -> None:
    s = parse_schedule("mon 09:00")
    result = check(s, utc(2026, 3, 30, 10), utc(2016, 1, 4, 9))
    assert len(result.skipped) == MAX_LISTED_SKIPS
    assert result.skipped[-1] == utc(2026, 3, 23, 9)
    assert result.period == utc(2026, 3, 30, 9)


def test_first_run_without_history() -> None:
    s = parse_schedule("mon 09:00")
    assert due(s, utc(2026, 3, 9, 12), None) == utc(2026, 3, 9, 9)
    result = check(s, utc(2026, 3, 11), None)
    assert result.period is None and result.skipped == (utc(2026, 3, 9, 9),)
    # Passing the creation instant keeps a digest from posting a period older than itself.
    assert due(s, utc(2026, 3, 9, 12), utc(2026, 3, 9, 11)) is None
