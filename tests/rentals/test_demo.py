"""The demo (seeded once per test session by ``seed_demo``): each grid worker's houses with
hazards in every state, the landlord who signs in, a tenant among the demo residents, and a
second ``seed_demo`` that changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.areas.models import Town
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.demo import DEMO_PASSWORD
from nanhai_portal.notifications.models import Notification
from nanhai_portal.tenancy import district_context, town_context
from rentals import access, conf, selectors
from rentals.models import Hazard, Inspection, RentalHouse, Tenancy
from tests.unchanged import Rows, nothing_changes

pytestmark = pytest.mark.django_db
TOWNS = ["dali", "danzao", "guicheng", "jiujiang", "lishui", "shishan", "xiqiao"]


@pytest.mark.parametrize("town", TOWNS)
def test_each_grid_worker_has_houses_with_hazards_in_every_state(town: str) -> None:
    worker = User.objects.get(username=f"grid.{town}")
    now = timezone.now()
    with town_context(town):
        houses = access.houses_visible_to(worker)
        assert houses.count() == 5
        assert set(houses.values_list("grid", flat=True)) == set(
            access.grids_served_by(worker).values_list("pk", flat=True)
        )
        hazards = Hazard.objects.filter(house__in=houses)
        assert set(hazards.values_list("state", flat=True)) == set(Hazard.State.values)
        overdue = selectors.overdue_hazards(worker, now=now)
        assert overdue.count() == 2  # the escape window (town's queue) and the evacuation route
        assert overdue.filter(due_at__lte=now - conf.second_deadline()).count() == 1  # the district's list
        assert selectors.hazards_for_return_visit(worker, now=now).filter(state="rectification_submitted").count() == 1
        assert selectors.houses_due_for_inspection(worker, now=now).count() == 2  # never, and 100 days ago
        # every inspection answered the whole checklist, and each hazard answer is a hazard
        answers = [inspection.answers for inspection in Inspection.objects.filter(house__in=houses)]
        assert all(len(answered) == 16 for answered in answers)
        assert hazards.count() == sum(list(answered.values()).count("hazard") for answered in answers)
        # made by the services: each registration and inspection is in the audit trail
        assert AuditEvent.objects.filter(action="rentals.house_registered").count() >= 5


@pytest.mark.parametrize("town", TOWNS)
def test_the_landlord_signs_in_and_sees_their_three_houses_and_open_hazards(town: str) -> None:
    landlord = User.objects.get(username=f"landlord.{town}")
    assert landlord.check_password(DEMO_PASSWORD) and landlord.is_active
    assert landlord.role == Role.RESIDENT and landlord.town_id == town
    with town_context(town):
        houses = access.houses_visible_to(landlord)
        assert houses.count() == 3
        assert not houses.exclude(landlord__user=landlord).exists()
        assert access.hazards_visible_to(landlord).exclude(state=Hazard.State.VERIFIED).count() == 4
        assert Notification.objects.filter(recipient=landlord, event="rentals.hazard_opened").count() == 5
    # another town's landlord sees none of them
    with town_context(town):
        stranger = User.objects.get(username="landlord.dali" if town != "dali" else "landlord.lishui")
        assert not access.houses_visible_to(stranger).exists()


def test_resident_1_rents_a_house_and_sees_it() -> None:
    tenant = User.objects.get(username="resident.1")
    with town_context("guicheng"):
        houses = access.houses_visible_to(tenant)
        assert houses.count() == 1
        house = houses.get()
        assert house.landlord.user.username == "landlord.guicheng"
        assert Tenancy.objects.filter(house=house, resident__person__user=tenant, to_date=None).count() == 1
        assert not access.may(tenant, access.RECTIFY, house)


def test_a_second_seed_demo_changes_nothing() -> None:
    rentals = [Rows(model) for model in (RentalHouse, Tenancy, Inspection, Hazard)]
    trail = [
        Rows(AuditEvent, {"action__startswith": "rentals."}),
        Rows(Notification, {"event__startswith": "rentals."}),
    ]
    with nothing_changes(*rentals, *trail, Rows(User, {"username__startswith": "landlord."})):
        call_command("seed_demo", quiet_accounts=True, stdout=io.StringIO())
    with district_context():
        assert RentalHouse.objects.for_all_towns().count() >= 5 * Town.objects.count()
