"""Offered families accept or decline before the deadline; the second round gives the places
left to the families not placed, with new choices; then the round closes.

Every refusal changes nothing: another guardian, an officer, another town, after the
deadline, an offer answered already, a full school, choices after the second round closed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from education.models import AdmissionApplication, AdmissionRound, Allocation, Choice, Offer, RoundSchool
from education.services import allocation as allocation_services
from education.services import offers as services
from education.services.applications import WindowClosed
from nanhai_portal.accounts.roles import Role
from nanhai_portal.errors import InvalidTransition
from nanhai_portal.tenancy import town_context
from tests.education.allocation_world import fresh, verified
from tests.education.factories import AT, guardian_in, officer_of, round_in, school_in
from tests.rentals.test_api_inspections import client_of
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db
TOWN = "guicheng"
Phase = AdmissionRound.Phase
Status = AdmissionApplication.Status
DEADLINE = AT + timedelta(days=50)  # round_in's acceptance deadline
SECOND_CLOSE = AT + timedelta(days=60)


def allocated(places: tuple[int, ...], points: list[str]) -> tuple[AdmissionRound, list[RoundSchool], list[Any], Any]:
    """A round allocated at AT: schools with ``places``, one family per points value (each
    choosing every school in order), and its admin."""
    round_ = round_in(TOWN, phase=Phase.ALLOCATION)
    schools = [school_in(round_, places=count) for count in places]
    admin = officer_of(TOWN, Role.TOWN_ADMIN)
    families = []
    for value in points:
        guardian = guardian_in(TOWN)
        families.append((verified(round_, schools, value, guardian=guardian), guardian.person.user))
    with town_context(TOWN):
        allocation_services.allocation_run(allocation_services.allocation_start(by=admin, round_=round_, now=AT).pk)
    return round_, schools, families, admin


def counters(school: RoundSchool) -> tuple[int, int]:
    row = fresh(RoundSchool, school.pk, TOWN)
    return row.held, row.accepted


def watched(application: AdmissionApplication, school: RoundSchool) -> list[Any]:
    return [
        rows(Offer, application_id=application.pk),
        rows(RoundSchool, pk=school.pk),
        rows(AdmissionApplication, pk=application.pk),
    ]


@time_machine.travel(AT + timedelta(days=41), tick=False)
def test_a_family_accepts_its_place_once_and_the_school_counts_it() -> None:
    _round, (school,), [(application, guardian)], _admin = allocated((1,), ["200"])
    url = f"/api/v1/admission-applications/{application.pk}/"
    family = client_of(guardian)

    # Not theirs: another guardian of the town does not see it, an officer may not answer it,
    # another town's guardian does not see it.
    with nothing_changes(*watched(application, school)):
        assert client_of(guardian_in(TOWN).person.user).post(url + "accept/").status_code == 404
        assert client_of(officer_of(TOWN)).post(url + "accept/").status_code == 403
        assert client_of(guardian_in("jiujiang").person.user).post(url + "decline/").status_code == 404

    answer = family.post(url + "accept/")
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "accepted" and answer.json()["offer"]["state"] == "accepted"
    assert answer.json()["offer"]["responded_at"] is not None
    assert counters(school) == (1, 1)

    with nothing_changes(*watched(application, school)):
        again = family.post(url + "accept/")
        assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"
        assert family.post(url + "decline/").status_code == 409


def test_a_family_declines_and_the_place_is_free_again() -> None:
    _round, (school,), [(application, guardian)], _admin = allocated((1,), ["200"])
    with town_context(TOWN):
        offer = Offer.objects.get(application=application)
        services.offer_decline(by=guardian, offer=offer, now=AT + timedelta(days=41))
    assert counters(school) == (0, 0)
    assert fresh(AdmissionApplication, application.pk, TOWN).status == Status.DECLINED
    assert fresh(Offer, offer.pk, TOWN).state == Offer.State.DECLINED


def test_after_the_deadline_an_offer_cannot_be_answered() -> None:
    _round, (school,), [(application, guardian)], _admin = allocated((1,), ["200"])
    with town_context(TOWN):
        offer = Offer.objects.get(application=application)
        with nothing_changes(*watched(application, school)):
            with pytest.raises(WindowClosed) as late:
                services.offer_accept(by=guardian, offer=offer, now=DEADLINE)
            assert late.value.status == 409
            with pytest.raises(WindowClosed):
                services.offer_decline(by=guardian, offer=offer, now=DEADLINE + timedelta(days=1))
    with (
        time_machine.travel(DEADLINE + timedelta(minutes=1), tick=False),
        nothing_changes(*watched(application, school)),
    ):
        answer = client_of(guardian).post(f"/api/v1/admission-applications/{application.pk}/accept/")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "window_closed"


def test_the_second_round_gives_the_places_left_to_the_families_not_placed() -> None:
    # Two schools of one place; four families. After the first match: A at big, B at small,
    # C and D not placed. A accepts, B says nothing (lapses): small is free again.
    round_, (big, small), families, admin = allocated((1, 1), ["200", "190", "180", "170"])
    (a, a_user), (b, _b_user), (c, c_user), (d, d_user) = families
    now = AT + timedelta(days=41)
    with town_context(TOWN):
        services.offer_accept(by=a_user, offer=Offer.objects.get(application=a), now=now)

        # The second round opens after the acceptance deadline only.
        with nothing_changes(rows(Offer, application_id=b.pk), rows(AdmissionRound, pk=round_.pk)):
            with pytest.raises(WindowClosed):
                allocation_services.second_round_open(by=admin, round_=round_, now=now)
            with pytest.raises(PermissionDenied):  # an officer is not the town admin
                allocation_services.second_round_open(by=officer_of(TOWN), round_=round_, now=DEADLINE)
        allocation_services.second_round_open(by=admin, round_=round_, now=DEADLINE)
        assert Offer.objects.get(application=b).state == Offer.State.LAPSED
        assert AdmissionApplication.objects.get(pk=b.pk).status == Status.DECLINED
    assert counters(big) == (1, 1) and counters(small) == (0, 0)

    # New choices: a full school, a repeat, or a placed family are refused, nothing written.
    choose = f"/api/v1/admission-applications/{c.pk}/second-choices/"
    family_c = client_of(c_user)
    with time_machine.travel(DEADLINE + timedelta(days=1), tick=False):
        with nothing_changes(rows(Choice, application_id=c.pk)):
            full = family_c.post(choose, {"choices": [str(big.pk)]}, format="json")
            assert full.status_code == 400 and "big" not in full.json()["error"]["fields"]
            twice = family_c.post(choose, {"choices": [str(small.pk), str(small.pk)]}, format="json")
            assert twice.status_code == 400
            assert client_of(d_user).post(choose, {"choices": [str(small.pk)]}, format="json").status_code == 404
        placed = client_of(a_user).post(
            f"/api/v1/admission-applications/{a.pk}/second-choices/", {"choices": [str(small.pk)]}, format="json"
        )
        assert placed.status_code == 409
        assert family_c.post(choose, {"choices": [str(small.pk)]}, format="json").status_code == 200
        assert (
            client_of(d_user)
            .post(f"/api/v1/admission-applications/{d.pk}/second-choices/", {"choices": [str(small.pk)]}, format="json")
            .status_code
            == 200
        )
    with time_machine.travel(SECOND_CLOSE, tick=False), nothing_changes(rows(Choice, application_id=c.pk)):
        late = family_c.post(choose, {"choices": [str(small.pk)]}, format="json")
        assert late.status_code == 409 and late.json()["error"]["code"] == "window_closed"

    with town_context(TOWN):
        # The second allocation waits for the choices to close, then runs over the free place.
        with pytest.raises(InvalidTransition):
            allocation_services.allocation_start(by=admin, round_=round_, now=SECOND_CLOSE - timedelta(minutes=1))
        second = allocation_services.allocation_start(by=admin, round_=round_, now=SECOND_CLOSE)
        second = allocation_services.allocation_run(second.pk)
        assert second.stage == 2 and (second.applicants, second.placed) == (2, 1)
        assert Offer.objects.get(allocation=second).application_id == c.pk
        assert AdmissionApplication.objects.get(pk=d.pk).status == Status.NOT_PLACED
        assert allocation_services.allocation_replay(second)
        first = Allocation.objects.get(round=round_, stage=1)
        assert allocation_services.allocation_replay(first)
        assert AdmissionRound.objects.get(pk=round_.pk).phase == Phase.SECOND_ROUND

        # The second-round offer is answered while the round lasts; then the round closes.
        services.offer_accept(by=c_user, offer=Offer.objects.get(allocation=second), now=SECOND_CLOSE)
        allocation_services.round_close(by=admin, round_=round_, now=SECOND_CLOSE)
        assert AdmissionRound.objects.get(pk=round_.pk).phase == Phase.CLOSED
    assert counters(big) == (1, 1) and counters(small) == (1, 1)


def test_the_second_round_api_is_the_town_admins() -> None:
    round_, _schools, _families, admin = allocated((1,), ["200"])
    url = f"/api/v1/admission-rounds/{round_.pk}/second-round/"
    with time_machine.travel(DEADLINE, tick=False):
        with nothing_changes(rows(AdmissionRound, pk=round_.pk)):
            assert client_of(officer_of(TOWN)).post(url).status_code == 403
            assert client_of(officer_of("jiujiang", Role.TOWN_ADMIN)).post(url).status_code == 404
            closing = client_of(admin).post(f"/api/v1/admission-rounds/{round_.pk}/close/")
            assert closing.status_code == 409
        answer = client_of(admin).post(url)
    assert answer.status_code == 200 and answer.json()["phase"] == "second_round"
