"""The demo (seeded once per test session by ``seed_demo``): 桂城's spring round past its
allocation, with offers accepted, declined, live and not placed; ``resident.1`` sees a live
offer for a second child and may accept it; a second ``seed_demo`` changes nothing."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.test import Client

from education.demo import ALLOCATED_TOWN, _allocated_round_name
from education.models import AdmissionApplication, AdmissionRound, Allocation, Offer, RoundSchool
from education.services.allocation import allocation_replay
from nanhai_portal.accounts.models import User
from nanhai_portal.areas.models import Town
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.notifications.models import Notification
from nanhai_portal.tenancy import town_context
from tests.unchanged import Rows, nothing_changes

pytestmark = pytest.mark.django_db
Status = AdmissionApplication.Status


def the_round() -> AdmissionRound:
    """The demo's allocated round, of the year it was seeded in (the suite may cross a New Year's
    midnight between the seeding and this test: ``PORTAL_TEST_TODAY=2026-12-31T23:58``)."""
    town = Town.objects.get(code=ALLOCATED_TOWN)
    with town_context(ALLOCATED_TOWN):
        (round_,) = [r for r in AdmissionRound.objects.all() if r.name == _allocated_round_name(town, r.year)]
        return round_


def test_guicheng_has_a_round_past_its_allocation_with_every_kind_of_result() -> None:
    round_ = the_round()
    assert round_.phase == AdmissionRound.Phase.RESULTS_PUBLISHED and round_.seed
    with town_context(ALLOCATED_TOWN):
        allocation = Allocation.objects.get(round=round_)
        assert allocation.state == Allocation.State.DONE and allocation.inputs_sha256
        assert allocation_replay(allocation)  # anyone can check it
        offers = Counter(Offer.objects.filter(allocation=allocation).values_list("state", flat=True))
        assert offers == {"accepted": 2, "declined": 1, "offered": 3}
        statuses = Counter(AdmissionApplication.objects.filter(round=round_).values_list("status", flat=True))
        assert statuses == {"accepted": 2, "declined": 1, "offered": 3, "not_placed": 3, "disqualified": 1}
        for school in RoundSchool.objects.filter(round=round_):
            assert school.accepted <= school.held <= school.places
        # Every family was told its result.
        told = Notification.objects.filter(
            event__in=["education.place_offered", "education.not_placed"],
            target_id__in=[
                str(pk) for pk in AdmissionApplication.objects.filter(round=round_).values_list("pk", flat=True)
            ],
        )
        assert told.count() == 9


def test_resident_1_sees_a_live_offer_for_a_second_child_and_may_accept_it() -> None:
    round_ = the_round()
    user = User.objects.get(username="resident.1")
    with town_context(ALLOCATED_TOWN):
        application = AdmissionApplication.objects.get(round=round_, guardian__person__user=user)
        assert application.status == Status.OFFERED
        others = AdmissionApplication.objects.filter(guardian__person__user=user).exclude(pk=application.pk)
        assert others.exists() and application.child_id not in set(others.values_list("child_id", flat=True))
    browser = Client()
    browser.force_login(user)
    assert f"/education/applications/{application.pk}/" in browser.get("/education/").content.decode()
    page = browser.get(f"/education/applications/{application.pk}/").content.decode()
    assert 'data-offer="offered"' in page and 'id="accept-form"' in page
    assert browser.post(f"/education/applications/{application.pk}/accept/").status_code == 302
    with town_context(ALLOCATED_TOWN):
        assert AdmissionApplication.objects.get(pk=application.pk).status == Status.ACCEPTED


def test_a_second_seed_demo_changes_no_admission() -> None:
    education = [
        Rows(AdmissionRound),
        Rows(AdmissionApplication),
        Rows(Offer),
        Rows(Allocation),
        Rows(RoundSchool),
        Rows(AuditEvent, {"action__startswith": "education."}),
    ]
    with nothing_changes(*education):
        call_command("seed_demo", quiet_accounts=True, stdout=io.StringIO())
