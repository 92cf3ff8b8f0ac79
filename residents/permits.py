"""The calendar of a residence permit: anniversaries, endorsement windows, status on a day.

State Council Order 663, art. 14: a holder endorses the permit within the month before each
full year of residence. A permit not endorsed by the anniversary is suspended; endorsing it
late restarts the count of continuous years from the day of the late endorsement.

A permit counted from 29 February has its anniversary on 28 February in common years (the
last day of the month), and on 29 February again in leap years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

WINDOW = relativedelta(months=1)


def anniversary(since: date, years: int) -> date:
    return since + relativedelta(years=years)


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
    while last_endorsed_on is not None and anniversary(continuous_since, years) - WINDOW <= last_endorsed_on:
        years += 1
    pending = anniversary(continuous_since, years)
    continuous = relativedelta(today, continuous_since).years if today >= continuous_since else 0
    return EndorsementCalendar(
        anniversary=pending,
        window_opens=pending - WINDOW,
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
    """The first day on which ``months`` of registered residence are complete."""
    return registered_since + relativedelta(months=months)
