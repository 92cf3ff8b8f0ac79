"""Statistics of the two committees and elections, for the district dashboard (read-only).

Each selector reads the current scope (``in_current_scope``: the town being served, or every
town inside ``district_context()``) and answers in one grouped query. Nothing here reads the
clock: "serving" means serving on ``on`` when it is given, and with no end date otherwise.

- non-hukou members (非户籍两委委员) by town, by community and by post (the document's 130);
- non-hukou party members registered with a local branch (报到), by town;
- elections' turnout, by town and year, once tallied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from governance.models import CommitteeMember, Election, PartyRegistration


@dataclass(frozen=True)
class Turnout:
    town: str
    year: int
    elections: int
    valid: int
    registered: int
    ballots_cast: int

    @property
    def rate(self) -> float | None:
        return self.ballots_cast / self.registered if self.registered else None


def serving_members(*, on: date | None = None) -> QuerySet[CommitteeMember]:
    members = CommitteeMember.objects.in_current_scope()
    if on is None:
        return members.filter(to_date__isnull=True)
    return members.filter(Q(from_date__lte=on) & (Q(to_date__isnull=True) | Q(to_date__gte=on)))


def _non_hukou(on: date | None, town: str | None) -> QuerySet[CommitteeMember]:
    members = serving_members(on=on).filter(is_hukou=False)
    return members.filter(town_id=town) if town else members


def non_hukou_members_by_town(*, on: date | None = None) -> dict[str, int]:
    """Serving non-hukou members (one per person and committee seat held), by town."""
    rows = _non_hukou(on, None).values("town_id").annotate(n=Count("id")).order_by("town_id")
    return {row["town_id"]: row["n"] for row in rows}


def non_hukou_members_by_community(*, on: date | None = None, town: str | None = None) -> dict[Any, int]:
    """Serving non-hukou members by community id."""
    rows = (
        _non_hukou(on, town)
        .values("term__committee__community_id")
        .annotate(n=Count("id"))
        .order_by("term__committee__community_id")
    )
    return {row["term__committee__community_id"]: row["n"] for row in rows}


def non_hukou_members_by_post(*, on: date | None = None, town: str | None = None) -> dict[tuple[str, str], int]:
    """Serving non-hukou members by (committee kind, post)."""
    rows = (
        _non_hukou(on, town)
        .values("term__committee__kind", "post")
        .annotate(n=Count("id"))
        .order_by("term__committee__kind", "post")
    )
    return {(row["term__committee__kind"], row["post"]): row["n"] for row in rows}


def party_registrations_by_town() -> dict[str, int]:
    """Non-hukou party members registered with a local branch (报到), by town."""
    rows = PartyRegistration.objects.in_current_scope().values("town_id").annotate(n=Count("id")).order_by("town_id")
    return {row["town_id"]: row["n"] for row in rows}


def election_turnout(*, year: int | None = None) -> list[Turnout]:
    """Tallied elections' registered voters and ballots cast, by town and year."""
    elections = Election.objects.in_current_scope().filter(tallied_at__isnull=False)
    if year is not None:
        elections = elections.filter(year=year)
    rows = (
        elections.values("town_id", "year")
        .annotate(
            elections=Count("id"),
            valid=Count("id", filter=Q(is_valid=True)),
            registered=Sum("registered_voters"),
            cast=Sum("ballots_cast"),
        )
        .order_by("town_id", "year")
    )
    return [
        Turnout(row["town_id"], row["year"], row["elections"], row["valid"], row["registered"] or 0, row["cast"] or 0)
        for row in rows
    ]
