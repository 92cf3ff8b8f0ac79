"""Endorsement dates, suspension on the anniversary and a late endorsement, 29 February included."""

from __future__ import annotations

from datetime import date

import pytest

from residents import permit_calendar


def status(since: date, today: date, endorsed: date | None = None) -> str:
    return permit_calendar.status_on(
        continuous_since=since, last_endorsed_on=endorsed, valid_until=date(2099, 1, 1), today=today
    )


def test_the_endorsement_falls_due_a_month_before_each_full_year() -> None:
    since = date(2025, 6, 15)
    assert status(since, date(2026, 5, 14)) == "valid"
    assert status(since, date(2026, 5, 15)) == "endorsement_due"
    assert status(since, date(2026, 6, 14)) == "endorsement_due"
    assert status(since, date(2026, 6, 15)) == "suspended"  # on the anniversary, unendorsed


def test_an_endorsement_in_the_window_carries_the_permit_to_the_next_year() -> None:
    since = date(2025, 6, 15)
    done = permit_calendar.endorse(continuous_since=since, last_endorsed_on=None, on=date(2026, 6, 1))
    assert (done.continuous_since, done.late) == (since, False)
    assert status(since, date(2026, 6, 15), done.last_endorsed_on) == "valid"
    assert status(since, date(2027, 5, 15), done.last_endorsed_on) == "endorsement_due"
    calendar = permit_calendar.calendar(
        continuous_since=since, last_endorsed_on=done.last_endorsed_on, today=date(2026, 7, 1)
    )
    assert (calendar.anniversary, calendar.window_opens, calendar.endorse_by) == (
        date(2027, 6, 15),
        date(2027, 5, 15),
        date(2027, 6, 14),
    )
    assert calendar.continuous_years == 1


def test_an_endorsement_before_the_window_is_refused() -> None:
    with pytest.raises(ValueError) as error:
        permit_calendar.endorse(continuous_since=date(2025, 6, 15), last_endorsed_on=None, on=date(2026, 5, 14))
    assert error.value.args[0] == date(2026, 5, 15)


def test_a_late_endorsement_restores_the_permit_and_restarts_the_count() -> None:
    since = date(2023, 3, 10)
    late = permit_calendar.endorse(continuous_since=since, last_endorsed_on=None, on=date(2024, 4, 2))
    assert (late.continuous_since, late.late) == (date(2024, 4, 2), True)
    assert status(late.continuous_since, date(2024, 4, 3), late.last_endorsed_on) == "valid"
    calendar = permit_calendar.calendar(
        continuous_since=late.continuous_since, last_endorsed_on=late.last_endorsed_on, today=date(2024, 5, 1)
    )
    assert calendar.anniversary == date(2025, 4, 2) and calendar.continuous_years == 0


def test_a_permit_counted_from_29_february() -> None:
    since = date(2024, 2, 29)
    assert permit_calendar.anniversary(since, 1) == date(2025, 2, 28)
    assert permit_calendar.anniversary(since, 4) == date(2028, 2, 29)
    assert status(since, date(2025, 1, 27)) == "valid"
    assert status(since, date(2025, 1, 28)) == "endorsement_due"
    assert status(since, date(2025, 2, 27)) == "endorsement_due"
    assert status(since, date(2025, 2, 28)) == "suspended"
    endorsed = permit_calendar.endorse(
        continuous_since=since, last_endorsed_on=None, on=date(2025, 2, 1)
    ).last_endorsed_on
    # Later years keep counting from 29 February: 2028 is a leap year again.
    for year, opens in ((2026, date(2026, 1, 28)), (2027, date(2027, 1, 28))):
        calendar = permit_calendar.calendar(
            continuous_since=since, last_endorsed_on=endorsed, today=date(year - 1, 12, 1)
        )
        assert calendar.window_opens == opens
        endorsed = opens
    calendar = permit_calendar.calendar(continuous_since=since, last_endorsed_on=endorsed, today=date(2027, 12, 1))
    assert (calendar.anniversary, calendar.window_opens) == (date(2028, 2, 29), date(2028, 1, 29))


def test_exactly_six_months_of_registration_is_enough_and_a_day_less_is_not() -> None:
    assert permit_calendar.eligible_from(date(2025, 5, 20)) == date(2025, 11, 20)
    assert permit_calendar.eligible_from(date(2025, 8, 31)) == date(2026, 2, 28)  # the end of a shorter month
    assert permit_calendar.eligible_from(date(2023, 8, 29)) == date(2024, 2, 29)
