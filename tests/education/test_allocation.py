"""The allocation: the town admin starts it, a task runs the match, every family is told, the
results are published with masked names, and the run reproduces itself from the stored round.

Refusals change nothing: another role, another town, the wrong phase, a second start.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from education import lottery, matching, tasks
from education.models import AdmissionApplication, AdmissionRound, Allocation, Offer, RoundSchool
from education.services import allocation as services
from nanhai_portal.accounts.roles import Role
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.errors import InvalidTransition
from nanhai_portal.notifications.models import Notification
from nanhai_portal.tenancy import town_context
from tests.education.allocation_world import catchment_of, fresh, verified
from tests.education.factories import AT, guardian_in, officer_of, round_in, school_in
from tests.rentals.test_api_inspections import client_of
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db
TOWN = "guicheng"
Phase = AdmissionRound.Phase
Status = AdmissionApplication.Status


def allocate(round_: AdmissionRound, admin: Any) -> Allocation:
    """Start the round's allocation as ``admin`` and run it as the task would."""
    with town_context(round_.town_id):
        allocation = services.allocation_start(by=admin, round_=round_, now=AT)
        return services.allocation_run(allocation.pk)


def test_the_match_places_by_points_and_catchment_publishes_and_tells_each_family() -> None:
    round_ = round_in(TOWN, phase=Phase.ALLOCATION)
    north, south = school_in(round_, places=1), school_in(round_, places=1)
    admin = officer_of(TOWN, Role.TOWN_ADMIN)
    top, near, last = guardian_in(TOWN), guardian_in(TOWN), guardian_in(TOWN)
    catchment_of(north, near)
    # Both want north first. ``near`` has fewer points but lives in north's catchment (+30).
    first = verified(round_, [north, south], "200", guardian=top)
    second = verified(round_, [north, south], "180", guardian=near, catchment_points="30")
    third = verified(round_, [north, south], "100", guardian=last)

    with town_context(TOWN):
        started = services.allocation_start(by=admin, round_=round_, now=AT)
    assert started.state == Allocation.State.QUEUED and started.seed == round_.seed
    assert started.scheme_label == round_.scheme.label and started.stage == 1

    with town_context(TOWN):
        done = services.allocation_run(started.pk)
        offers = {offer.application_id: offer.round_school_id for offer in Offer.objects.filter(allocation=done)}
        statuses = dict(AdmissionApplication.objects.filter(round=round_).values_list("pk", "status"))
        held = dict(RoundSchool.objects.filter(round=round_).values_list("pk", "held"))
        assert services.allocation_replay(done)
        phase = AdmissionRound.objects.get(pk=round_.pk).phase
        lotteries = set(AdmissionApplication.objects.filter(round=round_).values_list("lottery", flat=True))

    assert done.state == Allocation.State.DONE and (done.applicants, done.placed) == (3, 2)
    assert len(done.inputs_sha256) == 64 and done.algorithm_version == matching.ALGORITHM_VERSION
    assert offers == {second.pk: north.pk, first.pk: south.pk}
    assert statuses == {first.pk: Status.OFFERED, second.pk: Status.OFFERED, third.pk: Status.NOT_PLACED}
    assert held == {north.pk: 1, south.pk: 1}
    assert phase == Phase.RESULTS_PUBLISHED and lotteries == {1, 2, 3}
    told = {
        (note.recipient_id, note.event)
        for note in Notification.objects.filter(recipient__in=[top.person.user, near.person.user, last.person.user])
    }
    assert told == {
        (top.person.user.pk, "education.place_offered"),
        (near.person.user.pk, "education.place_offered"),
        (last.person.user.pk, "education.not_placed"),
    }
    with town_context(TOWN):
        actions = set(AuditEvent.objects.filter(object_id=str(round_.pk)).values_list("action", flat=True))
    assert {"education.allocation_started", "education.allocation_done"} <= actions


def test_equal_points_are_ordered_by_the_published_lottery_at_every_school() -> None:
    round_ = round_in(TOWN, phase=Phase.ALLOCATION)
    only = school_in(round_, places=1)
    guardian = guardian_in(TOWN)
    tied = [verified(round_, [only], "150", guardian=guardian) for _ in range(4)]
    allocation = allocate(round_, officer_of(TOWN, Role.TOWN_ADMIN))
    numbers = lottery.lottery_numbers(round_.seed, [str(application.pk) for application in tied])
    winner = min(numbers, key=numbers.__getitem__)
    with town_context(TOWN):
        assert [str(offer.application_id) for offer in Offer.objects.filter(allocation=allocation)] == [winner]
        stored = {
            str(pk): number
            for pk, number in AdmissionApplication.objects.filter(round=round_).values_list("pk", "lottery")
        }
    assert stored == numbers


def test_a_disqualified_application_takes_no_part() -> None:
    round_ = round_in(TOWN, phase=Phase.ALLOCATION)
    school = school_in(round_, places=3)
    guardian = guardian_in(TOWN)
    kept = verified(round_, [school], "120", guardian=guardian)
    out = verified(round_, [school], "0", guardian=guardian, disqualified=True)
    allocation = allocate(round_, officer_of(TOWN, Role.TOWN_ADMIN))
    assert allocation.applicants == 1
    assert fresh(AdmissionApplication, kept.pk, TOWN).status == Status.OFFERED
    assert fresh(AdmissionApplication, out.pk, TOWN).status == Status.DISQUALIFIED


def test_an_allocation_started_twice_runs_once() -> None:
    round_ = round_in(TOWN, phase=Phase.ALLOCATION)
    school = school_in(round_, places=1)
    verified(round_, [school], "100", guardian=guardian_in(TOWN))
    admin = officer_of(TOWN, Role.TOWN_ADMIN)
    with town_context(TOWN):
        started = services.allocation_start(by=admin, round_=round_, now=AT)
        with nothing_changes(rows(Allocation, round_id=round_.pk)), pytest.raises(services.AllocationStarted) as again:
            services.allocation_start(by=admin, round_=round_, now=AT)
        assert again.value.status == 409 and again.value.extra["allocation"] == str(started.pk)
        # The task delivered twice: the second call finds it claimed and does nothing.
        services.allocation_run(started.pk)
        with nothing_changes(rows(Offer, allocation_id=started.pk), rows(RoundSchool, round_id=round_.pk)):
            assert services.allocation_run(started.pk).state == Allocation.State.DONE
        assert Offer.objects.filter(allocation=started).count() == 1


def test_only_the_town_admin_starts_it_and_only_in_its_phase() -> None:
    admin = officer_of(TOWN, Role.TOWN_ADMIN)
    early = round_in(TOWN, phase=Phase.POINTS_PUBLISHED)
    ready = round_in(TOWN, phase=Phase.ALLOCATION)
    with town_context(TOWN), nothing_changes(rows(Allocation, town_id=TOWN)):
        with pytest.raises(PermissionDenied):
            services.allocation_start(by=officer_of(TOWN), round_=ready, now=AT)
        with pytest.raises(InvalidTransition):
            services.allocation_start(by=admin, round_=early, now=AT)
    # The second stage waits for the second round's choices to close.
    second = round_in(TOWN, phase=Phase.SECOND_ROUND)
    with town_context(TOWN), nothing_changes(rows(Allocation, round_id=second.pk)), pytest.raises(InvalidTransition):
        services.allocation_start(by=admin, round_=second, now=second.second_round_close - timedelta(minutes=1))


def test_a_failed_run_writes_nothing_but_its_error_and_may_start_again(monkeypatch: pytest.MonkeyPatch) -> None:
    round_ = round_in(TOWN, phase=Phase.ALLOCATION)
    school = school_in(round_, places=1)
    guardian = guardian_in(TOWN)
    applications = [verified(round_, [school], "100", guardian=guardian) for _ in range(2)]
    admin = officer_of(TOWN, Role.TOWN_ADMIN)
    # A match that gives the school more places than it has: the database refuses ``held > places``.
    monkeypatch.setattr(
        services.AllocationInputs, "matched", lambda self: {str(a.pk): str(school.pk) for a in applications}
    )
    with town_context(TOWN):
        started = services.allocation_start(by=admin, round_=round_, now=AT)
        watched = [
            rows(Offer, round_school_id=school.pk),
            rows(RoundSchool, pk=school.pk),
            rows(AdmissionApplication, round_id=round_.pk),
            rows(AdmissionRound, pk=round_.pk),
        ]
        with nothing_changes(*watched):
            failed = services.allocation_run(started.pk)
    assert failed.state == Allocation.State.FAILED and "roundschool_never_over_places" in failed.error

    # Once the fault is mended the town admin starts it again: the same row, queued, then done.
    monkeypatch.undo()
    with town_context(TOWN):
        again = services.allocation_start(by=admin, round_=round_, now=AT)
        assert again.pk == failed.pk and again.state == Allocation.State.QUEUED and again.error == ""
        assert services.allocation_run(again.pk).state == Allocation.State.DONE
        assert Offer.objects.filter(allocation=again).count() == 1


def test_a_few_hundred_applicants_get_what_the_match_gives_by_hand_and_it_replays() -> None:
    round_ = round_in(TOWN, phase=Phase.ALLOCATION, max_choices=4)
    schools = [school_in(round_, places=places) for places in (30, 25, 20, 20, 15, 10, 5, 0)]
    guardians = [guardian_in(TOWN, permit=False) for _ in range(6)]
    catchment_of(schools[0], guardians[0])
    catchment_of(schools[3], guardians[1])
    draw = random.Random(20260531)
    applications = []
    for n in range(300):
        guardian = guardians[n % len(guardians)]
        choices = draw.sample(schools, draw.randint(1, 4))
        points = Decimal(draw.randint(40, 90) * 2) + Decimal("0.50") * draw.randint(0, 1)  # many ties
        applications.append(
            (
                verified(round_, choices, str(points), guardian=guardian, catchment_points="20"),
                choices,
                points,
                guardian,
            )
        )

    allocation = allocate(round_, officer_of(TOWN, Role.TOWN_ADMIN))

    # By hand: each school's list by its points (catchment +20 where the guardian lives) then lottery.
    ids = [str(application.pk) for application, *_rest in applications]
    numbers = lottery.lottery_numbers(round_.seed, ids)
    in_catchment = {(schools[0].pk, guardians[0].pk), (schools[3].pk, guardians[1].pk)}
    scored: dict[str, list[tuple[Decimal, int, str]]] = {str(school.pk): [] for school in schools}
    for application, choices, points, guardian in applications:
        for school in choices:
            bonus = Decimal(20) if (school.pk, guardian.pk) in in_catchment else Decimal(0)
            scored[str(school.pk)].append((-(points + bonus), numbers[str(application.pk)], str(application.pk)))
    priorities = {school: [applicant for *_key, applicant in sorted(listed)] for school, listed in scored.items()}
    expected = matching.deferred_acceptance(
        {str(school.pk): school.places for school in schools},
        {str(application.pk): [str(school.pk) for school in choices] for application, choices, *_ in applications},
        priorities,
    )
    with town_context(TOWN):
        stored = dict.fromkeys(ids)
        for application_id, school_id in Offer.objects.filter(allocation=allocation).values_list(
            "application_id", "round_school_id"
        ):
            stored[str(application_id)] = str(school_id)
        assert services.allocation_replay(allocation)
        held = dict(RoundSchool.objects.filter(round=round_).values_list("pk", "held"))
    assert stored == expected
    assert allocation.placed == sum(1 for school in expected.values() if school) > 100
    assert all(held[school.pk] <= school.places for school in schools)
    # The same inputs hash the same; a changed fact would not.
    with town_context(TOWN):
        inputs = services.allocation_inputs(fresh(AdmissionRound, round_.pk, TOWN), 1)
    assert inputs.sha256() == allocation.inputs_sha256


# --- The API ---------------------------------------------------------------------------------


def test_the_api_starts_the_allocation_for_the_town_admin_only() -> None:
    round_ = round_in(TOWN, phase=Phase.ALLOCATION)
    school_in(round_, places=1)
    other = round_in("jiujiang", phase=Phase.ALLOCATION)
    admin = client_of(officer_of(TOWN, Role.TOWN_ADMIN))
    url = f"/api/v1/admission-rounds/{round_.pk}/allocate/"
    with nothing_changes(rows(Allocation, round_id=round_.pk), rows(Allocation, round_id=other.pk)):
        assert client_of(officer_of(TOWN)).post(url).status_code == 403
        assert client_of(guardian_in(TOWN).person.user).post(url).status_code == 403
        assert admin.post(f"/api/v1/admission-rounds/{other.pk}/allocate/").status_code == 404
    answer = admin.post(url)
    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert body["state"] == "queued" and body["stage"] == 1 and body["seed"] == round_.seed
    assert body["scheme"] == round_.scheme.label and body["algorithm_version"] == matching.ALGORITHM_VERSION
    again = admin.post(url)
    assert again.status_code == 409 and again.json()["error"]["code"] == "allocation_started"
    listed = client_of(officer_of(TOWN)).get(f"/api/v1/admission-rounds/{round_.pk}/allocations/")
    assert [row["id"] for row in listed.json()["results"]] == [body["id"]]
    assert (
        client_of(guardian_in(TOWN).person.user).get(f"/api/v1/admission-rounds/{round_.pk}/allocations/").status_code
        == 403
    )
    early = round_in(TOWN, phase=Phase.VERIFICATION)
    wrong = admin.post(f"/api/v1/admission-rounds/{early.pk}/allocate/")
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "invalid_transition"


HOSTILE = "=HYPERLINK(1)"


def test_results_are_published_masked_by_points_and_lottery_and_exported_inert() -> None:
    round_ = round_in(TOWN, phase=Phase.ALLOCATION)
    school = school_in(round_, places=1, name="桂城测试小学")
    guardian = guardian_in(TOWN)
    placed = verified(round_, [school], "200", guardian=guardian, child_name="张小明")
    verified(round_, [school], "150", guardian=guardian, child_name=HOSTILE)
    resident = client_of(guardian_in(TOWN).person.user)
    url = f"/api/v1/admission-rounds/{round_.pk}/results/"

    early = resident.get(url)
    assert early.status_code == 409 and early.json()["error"]["code"] == "results_not_published"
    allocate(round_, officer_of(TOWN, Role.TOWN_ADMIN))

    body = resident.get(url).json()
    assert body["count"] == 2
    first, second = body["results"]
    assert first["application"] == str(placed.pk) and first["child_name"] == "张*明" and first["points"] == "200.00"
    assert first["school"] == "桂城测试小学" and first["choices"] == [{"stage": 1, "rank": 1, "school": "桂城测试小学"}]
    assert second["school"] is None and second["lottery"] in (1, 2)
    assert client_of(guardian_in("jiujiang").person.user).get(url).status_code == 404

    exported = resident.get(f"/api/v1/admission-rounds/{round_.pk}/results.csv/")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["application", "child_name", "points"] and len(table) == 3
    assert all(not cell.startswith("=") for row in table for cell in row)
    workbook = resident.get(f"/api/v1/admission-rounds/{round_.pk}/results.xlsx/")
    assert workbook.status_code == 200
    cells = [
        cell for row in load_workbook(io.BytesIO(workbook.content)).active.iter_rows(values_only=True) for cell in row
    ]
    assert not any(isinstance(cell, str) and cell.startswith("=") for cell in cells)


@time_machine.travel(AT, tick=False)
def test_the_application_shows_its_offer_and_its_deadline() -> None:
    round_ = round_in(TOWN, phase=Phase.ALLOCATION)
    school = school_in(round_, places=1, name="桂城要约小学")
    guardian = guardian_in(TOWN)
    application = verified(round_, [school], "200", guardian=guardian)
    allocate(round_, officer_of(TOWN, Role.TOWN_ADMIN))
    offer = client_of(guardian.person.user).get(f"/api/v1/admission-applications/{application.pk}/").json()["offer"]
    assert offer["school"] == "桂城要约小学" and offer["state"] == "offered" and offer["responded_at"] is None
    assert offer["deadline"].startswith(round_.acceptance_deadline.astimezone(AT.tzinfo).isoformat()[:10])


def test_the_task_runs_the_allocation_in_its_town_and_a_second_delivery_does_nothing() -> None:
    round_ = round_in(TOWN, phase=Phase.ALLOCATION)
    school = school_in(round_, places=1)
    verified(round_, [school], "100", guardian=guardian_in(TOWN))
    with town_context(TOWN):
        started = services.allocation_start(by=officer_of(TOWN, Role.TOWN_ADMIN), round_=round_, now=AT)
    first = tasks.allocation_run_task.apply(kwargs={"town": TOWN, "allocation_id": str(started.pk)}).get()
    again = tasks.allocation_run_task.apply(kwargs={"town": TOWN, "allocation_id": str(started.pk)}).get()
    assert first == again == {"town": TOWN, "allocation": str(started.pk), "state": "done", "placed": 1}
    with town_context(TOWN):
        assert Offer.objects.filter(allocation_id=started.pk).count() == 1
