"""Periods in months and years (Civil Code arts. 201–203): the corresponding day, or the last
day of a month that has none."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from nanhai_portal.periods import months_after, whole_years_between, years_after


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        # 31 January and the days around it
        (date(2027, 1, 30), 1, date(2027, 2, 28)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2027, 2, 1), 1, date(2027, 3, 1)),
        (date(2027, 1, 31), 2, date(2027, 3, 31)),
        (date(2027, 1, 31), 3, date(2027, 4, 30)),
        # 28 February and 29 February of a leap year, and the days around them
        (date(2027, 2, 27), 12, date(2028, 2, 27)),
        (date(2027, 2, 28), 12, date(2028, 2, 28)),  # the corresponding day, not the month's end
        (date(2028, 2, 28), 12, date(2029, 2, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2028, 2, 29), 48, date(2032, 2, 29)),
        (date(2028, 3, 1), 12, date(2029, 3, 1)),
        (date(2027, 8, 29), 6, date(2028, 2, 29)),
        (date(2027, 8, 30), 6, date(2028, 2, 29)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 9, 1), 6, date(2028, 3, 1)),
        # 30 November and the days around it
        (date(2026, 5, 29), 6, date(2026, 11, 29)),
        (date(2026, 5, 30), 6, date(2026, 11, 30)),
        (date(2026, 5, 31), 6, date(2026, 11, 30)),
        (date(2026, 6, 1), 6, date(2026, 12, 1)),
        (date(2026, 11, 30), 1, date(2026, 12, 30)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        # 31 December and the days around it, across the year
        (date(2026, 12, 30), 2, date(2027, 2, 28)),
        (date(2026, 12, 31), 1, date(2027, 1, 31)),
        (date(2026, 12, 31), 6, date(2027, 6, 30)),
        (date(2027, 1, 1), 12, date(2028, 1, 1)),
        # backwards: a month before an anniversary (the endorsement window)
        (date(2027, 3, 31), -1, date(2027, 2, 28)),
        (date(2028, 3, 31), -1, date(2028, 2, 29)),
        (date(2027, 1, 15), -1, date(2026, 12, 15)),
        (date(2026, 11, 30), -6, date(2026, 5, 30)),
        (date(2027, 2, 28), 0, date(2027, 2, 28)),
    ],
)
def test_a_period_ends_on_the_corresponding_day_or_the_last_day_of_a_shorter_month(
    start: date, months: int, end: date
) -> None:
    assert months_after(start, months) == end


def _stepwise(start: date, months: int) -> date:
    """An independent reading of art. 202: walk to the target month, then take the day."""
    year, month = start.year, start.month
    for _ in range(abs(months)):
        month += 1 if months > 0 else -1
        if month == 13:
            year, month = year + 1, 1
        elif month == 0:
            year, month = year - 1, 12
    day = start.day
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def test_every_day_of_seven_years_agrees_with_a_stepwise_count() -> None:
    day = date(2024, 1, 1)
    while day < date(2031, 1, 1):
        for months in (-13, -12, -6, -1, 1, 2, 6, 12, 36):
            assert months_after(day, months) == _stepwise(day, months), (day, months)
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("start", "end", "years"),
    [
        (date(2024, 2, 29), date(2025, 2, 27), 0),
        (date(2024, 2, 29), date(2025, 2, 28), 1),  # the anniversary of 29 February
        (date(2024, 2, 29), date(2028, 2, 28), 3),
        (date(2024, 2, 29), date(2028, 2, 29), 4),
        (date(2025, 12, 31), date(2026, 12, 30), 0),
        (date(2025, 12, 31), date(2026, 12, 31), 1),
        (date(2026, 11, 30), date(2026, 11, 29), 0),  # the end before the start
    ],
)
def test_whole_years_count_from_anniversary_to_anniversary(start: date, end: date, years: int) -> None:
    assert whole_years_between(start, end) == years
    assert years_after(start, years) <= end or years == 0


def test_no_other_month_arithmetic_is_used() -> None:
    """``relativedelta(years=1, months=-1)`` from 29 February is 29 January, not the 28th the
    calendar's rule gives: one rule for every period, so nothing else may count months."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    word = "relative" + "delta"  # not this file's own mention
    users = [
        str(path.relative_to(root))
        for folder in ("nanhai_portal", "residents", "rentals", "education", "governance", "tests")
        for path in (root / folder).rglob("*.py")
        if word in path.read_text(encoding="utf-8") and path.name != "test_periods.py"
    ]
    assert users == []
