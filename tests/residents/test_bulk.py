"""The district-scale loader, on a small count: valid, encrypted, unique, in every town."""

from __future__ import annotations

import pytest
from django.db import connection

from nanhai_portal.pii import is_valid_id_number
from nanhai_portal.tenancy import district_context
from residents.district_loader import _id_number, seed_district_residents
from residents.models import Resident

pytestmark = pytest.mark.django_db


def test_synthetic_id_numbers_are_valid_and_unique() -> None:
    numbers = [_id_number(index) for index in range(0, 2_400_000, 997)]
    assert all(is_valid_id_number(number) for number in numbers)
    assert len(set(numbers)) == len(numbers)


def test_loading_residents_by_copy_spreads_them_over_the_towns_encrypted() -> None:
    with district_context():
        before = Resident.objects.for_all_towns().count()
    assert seed_district_residents(count=3_500) == 3_500
    assert seed_district_residents(count=3_500) == 0  # a second run adds nobody
    with district_context():
        residents = Resident.objects.for_all_towns()
        assert residents.count() == before + 3_500
        assert residents.values("town_id").distinct().count() == 7
        sample = residents.select_related("person").order_by("-created_at").first().person
        assert is_valid_id_number(sample.id_number)
        assert sample.registered_town_id == residents.order_by("-created_at").first().town_id
        with connection.cursor() as cursor:
            cursor.execute("SELECT id_number FROM residents_person WHERE id = %s", [sample.pk])
            assert sample.id_number not in cursor.fetchone()[0]
