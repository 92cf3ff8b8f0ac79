"""Education policy from settings: the ages each grade takes. The one module that reads them.

Settings (defaults here)::

    EDUCATION_GRADE_AGES = {"P1": {"min": 6, "max": 8}, "J1": {"min": 11, "max": 15}}

A child's age counts on 31 August of the round's year (the school year starts on 1 September):
a child of 6 on that day may start primary school.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings

DEFAULT_GRADE_AGES: dict[str, dict[str, int]] = {"P1": {"min": 6, "max": 8}, "J1": {"min": 11, "max": 15}}


def grade_ages(grade: str) -> tuple[int, int]:
    """The youngest and oldest age, on the cut-off day, of a child in the first year of ``grade``."""
    ages = {**DEFAULT_GRADE_AGES, **getattr(settings, "EDUCATION_GRADE_AGES", {})}[grade]
    return int(ages["min"]), int(ages["max"])


def age_cutoff(year: int) -> date:
    """The day a child's age counts for a round of ``year``: 31 August."""
    return date(year, 8, 31)
