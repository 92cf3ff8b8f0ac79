"""The district-scale rentals loader, on a small scale: the document's shape, every town,
row-level security on, and a second run adds nothing."""

from __future__ import annotations

import pytest
from django.db.models import F

from nanhai_portal.pii import is_valid_id_number
from nanhai_portal.tenancy import district_context, town_context
from rentals import conf
from rentals.district_loader import (
    DISTRICT_FIXED,
    DISTRICT_HAZARDS,
    FIXED_BY_CATEGORY,
    hazard_plan,
    landlord_id_number,
    seed_district_rentals,
)
from rentals.models import Hazard, HazardCategory, Inspection, RentalHouse, Tenancy
from residents.district_loader import _id_number
from tests.rentals.factories import AT

pytestmark = pytest.mark.django_db
SCALE = 0.004  # 1,200 houses, 4,800 inspections, 1,580 hazards


def test_the_plan_is_the_documents_figures() -> None:
    plan = hazard_plan(1.0)
    assert sum(found for found, _fixed in plan.values()) == DISTRICT_HAZARDS == 395_000
    assert sum(fixed for _found, fixed in plan.values()) == DISTRICT_FIXED == 391_000
    assert plan["ebike_indoor"][1] == 66_800
    equipment = ("extinguisher", "smoke_alarm", "emergency_lighting", "hydrant", "escape_mask", "fire_blanket")
    assert sum(plan[code][1] for code in equipment) == 177_600
    assert plan["electrical_wiring"][1] == 52_100
    assert plan["evacuation_route"][1] == 39_600
    assert set(plan) == set(HazardCategory.objects.values_list("code", flat=True)) == set(FIXED_BY_CATEGORY)
    small = hazard_plan(SCALE)
    assert sum(found for found, _fixed in small.values()) == 1_580
    assert sum(fixed for _found, fixed in small.values()) == 1_564


def test_landlord_numbers_are_valid_unique_and_never_a_synthetic_residents() -> None:
    numbers = [landlord_id_number(index) for index in range(0, 7_300_000, 997)]
    assert all(is_valid_id_number(number) for number in numbers)
    assert len(set(numbers)) == len(numbers)
    residents = {_id_number(index) for index in range(0, 2_400_000, 61)}
    assert not residents & set(numbers)


def test_loading_spreads_houses_inspections_and_hazards_over_every_town() -> None:
    with district_context():
        assert not RentalHouse.objects.for_all_towns().filter(address__contains="巷").exists()

    loaded = seed_district_rentals(scale=SCALE, now=AT)

    assert (loaded.houses, loaded.inspections) == (1_200, 4_800)
    assert loaded.hazards >= 1_575  # a hazard whose category every chosen inspection had is skipped
    with district_context():
        houses = RentalHouse.objects.for_all_towns().filter(address__contains="巷")
        hazards = Hazard.objects.for_all_towns().filter(house__in=houses)
        assert houses.count() == 1_200
        assert houses.values("town_id").distinct().count() == 7
        assert Inspection.objects.for_all_towns().filter(house__in=houses).count() == 4_800
        assert hazards.count() == loaded.hazards
        fixed = hazards.filter(state=Hazard.State.VERIFIED).count()
        assert fixed >= 1_560 and round(fixed / hazards.count(), 3) == 0.99
        # every state the workflow knows, and both escalation levels
        assert set(hazards.values_list("state", flat=True).distinct()) == set(Hazard.State.values)
        assert set(hazards.values_list("escalated_level", flat=True).distinct()) == {0, 1, 2}
        # every inspection answers the whole checklist; each hazard's answer in its inspection
        # says "hazard", and its inspection is of its house; no other answer says "hazard"
        checklist = set(HazardCategory.objects.filter(retired_at=None).values_list("code", flat=True))
        answers = dict(Inspection.objects.for_all_towns().filter(house__in=houses).values_list("pk", "answers"))
        assert all(set(answered) == checklist for answered in answers.values())
        assert loaded.answers == 16 * 4_800
        for inspection, category in hazards.values_list("inspection_id", "category_id"):
            assert answers[inspection][category] == "hazard"
        assert not hazards.exclude(inspection__house=F("house")).exists()
        assert sum(list(answered.values()).count("hazard") for answered in answers.values()) == loaded.hazards
        # the fixed were verified after they were found; none in the future
        assert not hazards.filter(verified_at__lt=F("opened_at")).exists()
        assert not hazards.filter(verified_at__gt=AT).exists()
        # the last visit of each house is its latest inspection; risk classes are configured
        sample = houses.order_by("id").first()
        assert (
            sample.last_inspected_at
            == Inspection.objects.for_all_towns().filter(house=sample).order_by("-inspected_at")[0].inspected_at
        )
        assert set(houses.values_list("risk_class", flat=True).distinct()) <= set(conf.risk_classes())
        # landlords are people of the district, with valid numbers, registered in no town
        landlord = sample.landlord
        assert is_valid_id_number(landlord.id_number) and landlord.registered_town_id is None
        tenancies = Tenancy.objects.for_all_towns().filter(house__in=houses).count()
    assert tenancies == loaded.tenancies
    # row-level security on: a town sees only its own
    with town_context("dali"):
        assert set(RentalHouse.objects.filter(address__contains="巷").values_list("town_id", flat=True)) == {"dali"}

    again = seed_district_rentals(scale=SCALE, now=AT)

    assert (again.houses, again.inspections, again.hazards, again.landlords) == (0, 0, 0, 0)
