"""The statistics selectors agree with plain SQL counts, for one town and for the district."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from education import statistics
from education.models import AdmissionApplication, Allocation, Choice, Objection, Offer
from nanhai_portal.tenancy import district_context, town_context
from tests.education.factories import AT, guardian_in, round_in, school_in
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
YEAR = 2019  # a year of no demo round: the counts are this test's alone


def application(round_: Any, school: Any, *, status: str, points: str | None = None) -> AdmissionApplication:
    town = round_.town_id
    with town_context(town):
        made = AdmissionApplication.objects.create(
            town_id=town,
            round=round_,
            guardian=guardian_in(town, permit=False),
            child=PersonFactory(),
            relationship="father",
            consent_at=AT,
            grade="P1",
            status=status,
            points=None if points is None else Decimal(points),
        )
        Choice.objects.create(town_id=town, application=made, round_school=school, rank=1)
    return made


def sql(query: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return list(cursor.fetchall())


def test_admissions_points_and_objections_agree_with_sql() -> None:
    rounds = {town: round_in(town, year=YEAR) for town in ("guicheng", "dali")}
    schools = {town: [school_in(round_, places=3), school_in(round_, places=2)] for town, round_ in rounds.items()}
    made = []
    for town, round_ in rounds.items():
        first, second = schools[town]
        made += [
            application(round_, first, status="verified", points="101.5"),
            application(round_, first, status="verified", points="119.99"),
            application(round_, second, status="submitted"),
            application(round_, second, status="draft"),
            application(round_, first, status="disqualified", points="40"),
        ]
        with town_context(town):
            allocation = Allocation.objects.create(town_id=town, round=round_, seed="0" * 32, scheme_label="x")
            accepted, offered = made[-5], made[-4]
            Offer.objects.create(
                town_id=town, application=accepted, allocation=allocation, round_school=first, state="accepted"
            )
            Offer.objects.create(
                town_id=town, application=offered, allocation=allocation, round_school=first, state="offered"
            )
            first.held, first.accepted = 2, 1
            first.save(update_fields=["held", "accepted"])
            Objection.objects.create(town_id=town, application=offered, reason="面积", state="dismissed")
            Objection.objects.create(town_id=town, application=accepted, reason="年限", state="open")
    ids = [str(item.pk) for item in made]
    round_ids = [str(round_.pk) for round_ in rounds.values()]

    with district_context():
        by_town = {row.key: row for row in statistics.admissions_by_town(year=YEAR) if row.key[0] in rounds}
        by_school = statistics.admissions_by_school(year=YEAR)
        bands = statistics.points_distribution(year=YEAR, band=20)
        objections = statistics.objections_by_outcome(year=YEAR)
        expected = sql(
            "SELECT a.town_id, count(*) FILTER (WHERE a.status NOT IN ('draft', 'withdrawn')),"
            " count(o.id) FILTER (WHERE o.state IN ('offered', 'accepted')),"
            " count(o.id) FILTER (WHERE o.state = 'accepted')"
            " FROM education_admissionapplication a LEFT JOIN education_offer o ON o.application_id = a.id"
            " WHERE a.id::text = ANY(%s) GROUP BY a.town_id",
            [ids],
        )
        places = dict(
            sql(
                "SELECT town_id, sum(places) FROM education_roundschool WHERE round_id::text = ANY(%s) GROUP BY town_id",
                [round_ids],
            )
        )
        band_rows = sql(
            "SELECT town_id, (floor(points / 20) * 20)::int, count(*) FROM education_admissionapplication"
            " WHERE id::text = ANY(%s) AND points IS NOT NULL AND status NOT IN ('draft', 'withdrawn')"
            " GROUP BY 1, 2 ORDER BY 1, 2",
            [ids],
        )
        objection_rows = sql(
            "SELECT town_id, state, count(*) FROM education_objection WHERE application_id::text = ANY(%s)"
            " GROUP BY 1, 2 ORDER BY 1, 2",
            [ids],
        )

    assert set(by_town) == {("guicheng", YEAR), ("dali", YEAR)}
    for town, applications, offered, admitted in expected:
        row = by_town[(town, YEAR)]
        assert (row.applications, row.offered, row.admitted, row.places) == (
            applications,
            offered,
            admitted,
            places[town],
        )
        assert (applications, offered, admitted, places[town]) == (4, 2, 1, 5)
        assert row.admission_rate == 0.25
    mine = {
        (row.key[0], row.key[2]): row
        for row in by_school
        if row.key[2] in {s.school.name for t in schools.values() for s in t}
    }
    for town, (first, second) in schools.items():
        assert (mine[(town, first.school.name)].applications, mine[(town, first.school.name)].offered) == (3, 2)
        assert mine[(town, first.school.name)].admitted == 1 and mine[(town, second.school.name)].applications == 1
    assert band_rows == [("dali", 40, 1), ("dali", 100, 2), ("guicheng", 40, 1), ("guicheng", 100, 2)]
    assert [(band.town, band.low, band.applications) for band in bands] == band_rows
    assert [(row.town, row.state, row.count) for row in objections] == objection_rows
    with town_context("dali"):
        assert {row.key[0] for row in statistics.admissions_by_town(year=YEAR)} == {"dali"}
