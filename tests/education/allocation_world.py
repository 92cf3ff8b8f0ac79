"""Rounds ready to allocate, for the allocation and offer tests: verified applications written
as the verification leaves them (points, breakdown, scheme label), with their choices."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from education.models import AdmissionApplication, AdmissionRound, Choice, RoundSchool, SchoolCatchment
from nanhai_portal.tenancy import town_context
from residents.models import Resident
from tests.education.factories import AT
from tests.factories import PersonFactory

Status = AdmissionApplication.Status


def verified(
    round_: AdmissionRound,
    choices: list[RoundSchool],
    points: str | int,
    *,
    guardian: Resident,
    catchment_points: str = "0",
    child_name: str | None = None,
    disqualified: bool = False,
) -> AdmissionApplication:
    """A verified application of ``guardian`` for a new child, with ``points`` and these choices."""
    with town_context(round_.town_id):
        child = PersonFactory(**({"name": child_name} if child_name else {}))
        application = AdmissionApplication.objects.create(
            town_id=round_.town_id,
            round=round_,
            guardian=guardian,
            child=child,
            relationship=AdmissionApplication.Relationship.FATHER,
            consent_at=AT,
            grade="P1",
            status=Status.DISQUALIFIED if disqualified else Status.VERIFIED,
            points=Decimal(points),
            breakdown={
                "total": str(Decimal(points)),
                "disqualified": disqualified,
                "catchment_points": catchment_points,
                "lines": [],
            },
            scheme_label=round_.scheme.label,
            verified_at=AT,
        )
        Choice.objects.bulk_create(
            [
                Choice(town_id=round_.town_id, application=application, round_school=school, rank=rank, stage=1)
                for rank, school in enumerate(choices, start=1)
            ]
        )
    return application


def catchment_of(school: RoundSchool, guardian: Resident) -> None:
    """The guardian's registered community is in ``school``'s catchment."""
    with town_context(school.town_id):
        SchoolCatchment.objects.create(town_id=school.town_id, school_id=school.school_id, community=guardian.community)


def fresh(model: Any, pk: Any, town: str) -> Any:
    with town_context(town):
        return model.objects.get(pk=pk)
