"""Segments: named groups of people a town may send a fan-out to.

A segment is a function of the town's code returning a queryset of user ids. Domain apps
add theirs (e.g. every tenant of every rental house in the town) with ``@segment(...)`` in
their ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import TOWN_STAFF_ROLES, Role

SegmentQuery = Callable[[str], "QuerySet[User, int]"]


@dataclass(frozen=True)
class Segment:
    name: str
    label: str | Promise
    user_ids: SegmentQuery


_SEGMENTS: dict[str, Segment] = {}


def segment(name: str, *, label: str | Promise) -> Callable[[SegmentQuery], SegmentQuery]:
    """Register ``fn(town) -> queryset of user ids`` as the segment ``name``."""

    def register(fn: SegmentQuery) -> SegmentQuery:
        _SEGMENTS[name] = Segment(name=name, label=label, user_ids=fn)
        return fn

    return register


def registered_segments() -> dict[str, Segment]:
    return dict(_SEGMENTS)


def segment_named(name: str) -> Segment | None:
    return _SEGMENTS.get(name)


@segment("town_residents", label=_("residents of the town"))
def town_residents(town: str) -> QuerySet[User, int]:
    return User.objects.filter(role=Role.RESIDENT, town_id=town, is_active=True).values_list("id", flat=True)


@segment("town_staff", label=_("staff of the town (officers, admins, grid workers)"))
def town_staff(town: str) -> QuerySet[User, int]:
    return User.objects.filter(role__in=TOWN_STAFF_ROLES, town_id=town, is_active=True).values_list("id", flat=True)
