"""Intro cadences name their periods: weekly, every other week, the first weekday of a month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.intros.scheduler import DEFAULT_CADENCE, Cadence


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


ANCHOR = utc(2026, 11, 1, 12)  # a Sunday: the cadence was set then


def test_weekly_periods_are_the_last_and_next_scheduled_instants() -> None:
    c = Cadence("weekly", 0, 10, 0, "UTC")
    assert c.latest(utc(2026, 11, 3, 8), ANCHOR) == utc(2026, 11, 2, 10)
    assert c.latest(utc(2026, 11, 2, 10), ANCHOR) == utc(2026, 11, 2, 10)
    assert c.latest(utc(2026, 11, 2, 9, 59), ANCHOR) == utc(2026, 10, 26, 10)
    assert c.next_after(utc(2026, 11, 2, 10), ANCHOR) == utc(2026, 11, 9, 10)
    assert c.next_after(utc(2026, 10, 1), ANCHOR) == utc(2026, 11, 2, 10)  # not before the anchor


def test_biweekly_runs_every_other_week_from_the_first_period_after_the_anchor() -> None:
    c = Cadence("biweekly", 0, 10, 0, "UTC")
    assert c.latest(utc(2026, 11, 2, 9), ANCHOR) is None  # nothing since the anchor yet
    periods = {c.latest(utc(2026, 11, 2, 10) + timedelta(days=d), ANCHOR) for d in range(0, 42)}
    assert periods == {utc(2026, 11, 2, 10), utc(2026, 11, 16, 10), utc(2026, 11, 30, 10)}
    assert c.latest(utc(2026, 11, 15, 23), ANCHOR) == utc(2026, 11, 2, 10)
    assert c.next_after(utc(2026, 11, 2, 10), ANCHOR) == utc(2026, 11, 16, 10)
    assert c.next_after(utc(2026, 11, 10), ANCHOR) == utc(2026, 11, 16, 10)
    assert c.next_after(utc(2026, 10, 20), ANCHOR) == utc(2026, 11, 2, 10)
    # A later anchor (the cadence changed) restarts the alternation from its first period.
    later = utc(2026, 11, 5)
    assert c.next_after(utc(2026, 11, 6), later) == utc(2026, 11, 9, 10)
    assert c.latest(utc(2026, 11, 17), later) == utc(2026, 11, 9, 10)


def test_monthly_is_the_first_given_weekday_of_each_month() -> None:
    c = Cadence("monthly", 0, 10, 0, "UTC")
    assert c.latest(utc(2026, 11, 30), ANCHOR) == utc(2026, 11, 2, 10)
    assert c.latest(utc(2026, 12, 7, 9, 59), ANCHOR) == utc(2026, 11, 2, 10)
    assert c.latest(utc(2026, 12, 7, 10), ANCHOR) == utc(2026, 12, 7, 10)
    assert c.latest(utc(2027, 1, 1), ANCHOR) == utc(2026, 12, 7, 10)  # across the year
    assert c.next_after(utc(2026, 12, 7, 10), ANCHOR) == utc(2027, 1, 4, 10)
    friday = Cadence("monthly", 4, 16, 30, "UTC")
    assert friday.next_after(utc(2026, 11, 7), ANCHOR) == utc(2026, 12, 4, 16, 30)


def test_wall_clock_time_holds_across_daylight_saving() -> None:
    c = Cadence("weekly", 0, 10, 0, "Europe/Berlin")
    summer, winter = utc(2026, 10, 19, 12), utc(2026, 11, 2, 12)
    assert c.latest(summer, utc(2026, 1, 1)) == utc(2026, 10, 19, 8)  # CEST, UTC+2
    assert c.latest(winter, utc(2026, 1, 1)) == utc(2026, 11, 2, 9)  # CET, UTC+1
    monthly = Cadence("monthly", 6, 2, 30, "Europe/Berlin")  # the first Sunday, 02:30
    # 1 March 2026 is a Sunday (CET); in April the first Sunday is the 5th (CEST).
    assert monthly.latest(utc(2026, 3, 2), utc(2026, 1, 1)) == utc(2026, 3, 1, 1, 30)
    assert monthly.latest(utc(2026, 4, 6), utc(2026, 1, 1)) == utc(2026, 4, 5, 0, 30)


def test_descriptions_and_bad_cadences() -> None:
    assert DEFAULT_CADENCE.describe() == "every Monday at 10:00 UTC"
    assert Cadence("biweekly", 1, 14, 5, "Europe/Berlin").describe() == (
        "every other Tuesday at 14:05 Europe/Berlin"
    )
    assert Cadence("monthly", 4).describe() == "on the first Friday of each month at 10:00 UTC"
    with pytest.raises(ValueError, match="weekly, biweekly or monthly"):
        Cadence("yearly")
    with pytest.raises(ValueError):
        Cadence("weekly", 7)
    with pytest.raises(ValueError, match="Unknown timezone"):
        Cadence("weekly", 0, 10, 0, "Mars/Olympus")
