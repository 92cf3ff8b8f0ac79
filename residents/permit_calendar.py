"""The calendar of a residence permit: anniversaries, endorsement windows, status on a day.

State Council Order 663, art. 14: a holder endorses the permit within the month before each
full year of residence. A permit not endorsed by the anniversary is suspended; endorsing it
late restarts the count of continuous years from the day of the late endorsement.

A permit counted from 29 February has its anniversary on 28 February in common years (the
last day of the month), and on 29 February again in leap years: every period here is counted
by the one rule of ``nanhai_portal.periods`` (Civil Code arts. 201–203).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from nanhai_portal.periods import months_after, whole_years_between, years_after

WINDOW_MONTHS = 1  # the endorsement window opens a month before the anniversary


def anniversary(since: date, years: int) -> date:
    return years_after(since, years)


def window_opens(anniversary: date) -> date:
    return months_after(anniversary, -WINDOW_MONTHS)


@dataclass(frozen=True)
class EndorsementCalendar:
    """Where a permit stands on ``today``."""

    anniversary: date  # the next full year of continuous residence not yet endorsed
    window_opens: date  # the first day the endorsement for it may be made
    endorse_by: date  # the last day before the permit is suspended
    continuous_years: int


def calendar(*, continuous_since: date, last_endorsed_on: date | None, today: date) -> EndorsementCalendar:
    """The pending anniversary: the first whose window opens after the last endorsement."""
    years = 1
    while last_endorsed_on is not None and window_opens(anniversary(continuous_since, years)) <= last_endorsed_on:
        years += 1
    pending = anniversary(continuous_since, years)
    continuous = whole_years_between(continuous_since, today)
    return EndorsementCalendar(
        anniversary=pending,
        window_opens=window_opens(pending),
        endorse_by=pending - timedelta(days=1),
        continuous_years=continuous,
    )


def status_on(*, continuous_since: date, last_endorsed_on: date | None, valid_until: date, today: date) -> str:
    """``valid``, ``endorsement_due``, ``suspended`` or ``expired`` (the Permit.Status values)."""
    if today >= valid_until:
        return "expired"
    pending = calendar(continuous_since=continuous_since, last_endorsed_on=last_endorsed_on, today=today)
    if today >= pending.anniversary:
        return "suspended"
    if today >= pending.window_opens:
        return "endorsement_due"
    return "valid"


@dataclass(frozen=True)
class Endorsement:
    continuous_since: date
    last_endorsed_on: date
    late: bool


def endorse(*, continuous_since: date, last_endorsed_on: date | None, on: date) -> Endorsement:
    """The permit's dates after endorsing it on ``on``. Raises ValueError before the window opens."""
    pending = calendar(continuous_since=continuous_since, last_endorsed_on=last_endorsed_on, today=on)
    if on < pending.window_opens:
        raise ValueError(pending.window_opens)
    if on >= pending.anniversary:  # late: the count of continuous years starts again
        return Endorsement(continuous_since=on, last_endorsed_on=on, late=True)
    return Endorsement(continuous_since=continuous_since, last_endorsed_on=on, late=False)


def eligible_from(registered_since: date, months: int = 6) -> date:
    """The day from which ``months`` of registered residence count as complete: the last day
    of the period that began with the registration (the resident may apply on it)."""
    return months_after(registered_since, months)
