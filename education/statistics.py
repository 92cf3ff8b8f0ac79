"""Statistics of school places by points, for the district dashboard (read-only).

Each selector reads the current scope (``in_current_scope``: the town being served, or every
town inside ``district_context()``), optionally narrowed to one ``year=`` or ``town=``, and
answers in one grouped query. Nothing here reads the clock.

- applications, places, admitted and the admission rate, by town and year and by school: an
  application counts once submitted (a draft or a withdrawn one does not), "admitted" is a place
  accepted, "offered" a place offered or accepted, as the source document counts 11,210
  applications for 5,581 places (49.8%);
- the points distribution of verified applications, in bands of ``band`` points;
- objections by outcome (awaiting an answer, upheld, dismissed), by town and year.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum
from django.db.models.functions import Cast, Floor

from education.models import AdmissionApplication, Choice, Objection, Offer, RoundSchool

Status = AdmissionApplication.Status
COUNTED = ~Q(status__in=[Status.DRAFT, Status.WITHDRAWN])
LIVE_OFFER = [Offer.State.OFFERED, Offer.State.ACCEPTED]
EMPTY: dict[str, Any] = {"applications": 0, "offered": 0, "admitted": 0}


@dataclass(frozen=True)
class AdmissionCounts:
    """Applications of a group (a town and year, or a school) and the places and offers."""

    key: Any
    applications: int
    places: int
    offered: int
    admitted: int

    @property
    def admission_rate(self) -> float | None:
        """Admitted over applications; None for no application."""
        return self.admitted / self.applications if self.applications else None

    @property
    def places_per_application(self) -> float | None:
        """Places over applications (the document's 5,581 / 11,210 = 49.8%)."""
        return self.places / self.applications if self.applications else None


@dataclass(frozen=True)
class PointsBand:
    town: str
    low: int  # the band is [low, low + band)
    applications: int


@dataclass(frozen=True)
class ObjectionCounts:
    town: str
    year: int
    state: str
    count: int


def _applications(year: int | None, town: str | None) -> QuerySet[AdmissionApplication]:
    applications = AdmissionApplication.objects.in_current_scope().filter(COUNTED)
    if year is not None:
        applications = applications.filter(round__year=year)
    if town is not None:
        applications = applications.filter(town_id=town)
    return applications


def _round_schools(year: int | None, town: str | None) -> QuerySet[RoundSchool]:
    schools = RoundSchool.objects.in_current_scope()
    if year is not None:
        schools = schools.filter(round__year=year)
    if town is not None:
        schools = schools.filter(town_id=town)
    return schools


def admissions_by_town(*, year: int | None = None, town: str | None = None) -> list[AdmissionCounts]:
    """Per (town, year): applications, places offered to new residents' children, offers and
    places accepted. The key is ``(town, year)``."""
    counted: dict[tuple[str, int], dict[str, Any]] = {
        (row["town_id"], row["round__year"]): dict(row)
        for row in _applications(year, town)
        .values("town_id", "round__year")
        .annotate(
            applications=Count("pk", distinct=True),
            offered=Count("pk", filter=Q(offers__state__in=LIVE_OFFER), distinct=True),
            admitted=Count("pk", filter=Q(offers__state=Offer.State.ACCEPTED), distinct=True),
        )
    }
    places = {
        (row["town_id"], row["round__year"]): row["places"] or 0
        for row in _round_schools(year, town).values("town_id", "round__year").annotate(places=Sum("places"))
    }
    return [
        AdmissionCounts(
            key=key,
            applications=counted.get(key, EMPTY)["applications"],
            places=places.get(key, 0),
            offered=counted.get(key, EMPTY)["offered"],
            admitted=counted.get(key, EMPTY)["admitted"],
        )
        for key in sorted(set(counted) | set(places))
    ]


def admissions_by_school(*, year: int | None = None, town: str | None = None) -> list[AdmissionCounts]:
    """Per school in a round: the applications that chose it first (its demand), its places,
    offers held and places accepted. The key is ``(town, year, school name)``."""
    schools = _round_schools(year, town)
    first_choices = dict(
        Choice.objects.in_current_scope()
        .filter(rank=1, stage=1, round_school__in=schools.values("pk"))
        .exclude(application__status__in=[Status.DRAFT, Status.WITHDRAWN])
        .values("round_school")
        .annotate(count=Count("pk"))
        .values_list("round_school", "count")
    )
    rows = schools.values("pk", "town_id", "round__year", "school__name", "places", "held", "accepted").order_by(
        "town_id", "round__year", "school__name"
    )
    return [
        AdmissionCounts(
            key=(row["town_id"], row["round__year"], row["school__name"]),
            applications=first_choices.get(row["pk"], 0),
            places=row["places"],
            offered=row["held"],
            admitted=row["accepted"],
        )
        for row in rows
    ]


def points_distribution(*, year: int | None = None, town: str | None = None, band: int = 20) -> list[PointsBand]:
    """Verified applications (with points) per town in bands of ``band`` points: [0, 20), [20, 40) …"""
    if band < 1:
        raise ValueError("band must be at least 1 point")
    rows = (
        _applications(year, town)
        .filter(points__isnull=False)
        .annotate(low=Cast(Floor(F("points") / Decimal(band)), IntegerField()) * band)
        .values("town_id", "low")
        .annotate(applications=Count("pk"))
        .order_by("town_id", "low")
    )
    return [PointsBand(town=row["town_id"], low=row["low"], applications=row["applications"]) for row in rows]


def objections_by_outcome(*, year: int | None = None, town: str | None = None) -> list[ObjectionCounts]:
    """Objections per town, year and state (open, upheld, dismissed)."""
    objections = Objection.objects.in_current_scope()
    if year is not None:
        objections = objections.filter(application__round__year=year)
    if town is not None:
        objections = objections.filter(town_id=town)
    rows = (
        objections.values("town_id", "application__round__year", "state")
        .annotate(count=Count("pk"))
        .order_by("town_id", "application__round__year", "state")
    )
    return [
        ObjectionCounts(
            town=row["town_id"], year=row["application__round__year"], state=row["state"], count=row["count"]
        )
        for row in rows
    ]
