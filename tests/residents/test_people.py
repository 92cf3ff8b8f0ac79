"""People are district-wide, found or made by ID number; their registrations are per town."""

from __future__ import annotations

import random
from datetime import date

import pytest
from django.db import transaction

from nanhai_portal.accounts.roles import Role
from nanhai_portal.areas.models import Community
from nanhai_portal.tenancy import district_context, town_context
from residents import access, services, synthetic
from residents.models import Person, Resident
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def a_number(seed: str) -> str:
    return synthetic.id_number(random.Random(seed))


def test_the_same_id_number_finds_the_same_person_and_keeps_their_name() -> None:
    number = a_number("landlord")
    with transaction.atomic():
        first = services.person_find_or_create(id_number=number, name="房东甲")
        again = services.person_find_or_create(id_number=number.lower(), name="别名", mobile="13800138000")
    assert again.pk == first.pk and again.name == "房东甲" and again.mobile == "13800138000"
    assert Person.objects.filter(pk=first.pk).count() == 1
    assert not services.is_registered(number), "a person is not a registered resident until registered"


def test_a_known_person_who_is_not_registered_can_register_once() -> None:
    number = a_number("child")
    with transaction.atomic():
        person = services.person_find_or_create(id_number=number, name="小明")
    with town_context("jiujiang"):
        resident = services.resident_register(name="小明", id_number=number, community=Community.objects.first())
    assert resident.person_id == person.pk and services.is_registered(number)
    with town_context("dali"), pytest.raises(services.AlreadyRegistered):
        services.resident_register(name="小明", id_number=number, community=Community.objects.first())


def test_moving_town_closes_the_old_registration_and_opens_one_in_the_new_town() -> None:
    number = a_number("mover")
    with town_context("jiujiang"):
        old = services.resident_register(name="搬家", id_number=number, community=Community.objects.first())
    with town_context("dali"):
        community = Community.objects.first()
    with town_context("jiujiang"):
        moved = services.resident_move(
            resident=old, community=community, address="大沥1号", on=date(2026, 6, 1), by=None
        )
        old.refresh_from_db()
        assert old.moved_out_on == date(2026, 6, 1)
        with pytest.raises(services.AlreadyRegistered):  # a closed registration moves nowhere
            services.resident_move(resident=old, community=community, on=date(2026, 6, 2), by=None)
    with town_context("dali"):
        assert Resident.objects.get(pk=moved.pk).registered_since == date(2026, 6, 1)
    person = Person.objects.get(pk=old.person_id)
    with district_context():
        history = Resident.objects.for_all_towns().filter(person=person).order_by("moved_out_on")
        assert [(item.town_id, item.moved_out_on) for item in history] == [
            ("jiujiang", date(2026, 6, 1)),
            ("dali", None),
        ]
    assert person.registered_town_id == "dali"


def test_people_are_visible_only_through_a_registration_the_caller_sees() -> None:
    mine = ResidentFactory(town_id="guicheng", account=True)
    neighbour = ResidentFactory(town_id="guicheng")
    elsewhere = ResidentFactory(town_id="lishui")
    officer = UserFactory(role=Role.TOWN_OFFICER, town_id="guicheng")
    with town_context("guicheng"):
        own = set(access.people_visible_to(mine.person.user).values_list("pk", flat=True))
        town = set(access.people_visible_to(officer).values_list("pk", flat=True))
    assert own == {mine.person_id}
    assert {mine.person_id, neighbour.person_id} <= town and elsewhere.person_id not in town
