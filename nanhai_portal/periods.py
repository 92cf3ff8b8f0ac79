"""Periods counted in months and years, by the Civil Code of the PRC (arts. 200–204).

One rule for every "N months after" in the portal (six months of registered residence, the
endorsement window a month before each anniversary, a permit valid for three years):

- art. 201: the day on which a period starts is not counted; the period begins the next day;
- art. 202: a period in months or years ends on the *corresponding day* of its last month
  (the day with the starting day's number); when that month has no such day, on the month's
  last day: one month after 31 January is 28 (or 29) February, a year after 29 February
  2024 is 28 February 2025;
- art. 203: the period ends at 24:00 of its last day. (A last day that falls on a public
  holiday moves to the day after the holiday; the portal's periods are counted on calendar
  days, so this is not applied here: no rule of the portal ends on a holiday-dependent day.)

So ``months_after(start, n)`` is the last day of an n-month period that starts with the event
on ``start``; it is also what the law means by "the same day n months later". The functions
are pure: no clock, no database.
"""

from __future__ import annotations

import calendar
from datetime import date


def months_after(start: date, months: int) -> date:
    """The corresponding day ``months`` months after ``start`` (before it, when negative),
    or the last day of that month when it has no corresponding day."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def years_after(start: date, years: int) -> date:
    """The corresponding day ``years`` years after ``start``: 29 February → 28 February in a
    common year."""
    return months_after(start, 12 * years)


def whole_years_between(start: date, end: date) -> int:
    """How many full years have passed from ``start`` to ``end`` (0 when ``end`` is earlier):
    the largest n with ``years_after(start, n) <= end``."""
    if end < start:
        return 0
    years = end.year - start.year
    if years_after(start, years) > end:
        years -= 1
    return years
