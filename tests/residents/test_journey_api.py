"""The whole journey through the API: apply with the pre-check, be returned, correct, resubmit,
be accepted, approved and issued, and receive the permit by post with a tracking number."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from nanhai_portal.accounts.models import User
from nanhai_portal.notifications.models import Notification
from nanhai_portal.periods import months_after, years_after
from residents.models import Application
from tests.factories import ApplicationFactory, ResidentFactory
from tests.residents.helpers import fake_png, pdf, png, truncated_png
from tests.unchanged import about_application, nothing_changes, rows

Status = Application.Status

pytestmark = pytest.mark.django_db


def inbox_events(username: str) -> list[str]:
    events = Notification.objects.filter(recipient__username=username, event__startswith="application.")
    return list(events.order_by("created_at").values_list("event", flat=True))


def test_a_resident_gets_a_permit_by_post_without_visiting_a_window(api: Any) -> None:
    resident, officer = api("resident.1"), api("officer.guicheng")

    # Given a draft, the pre-check says what is missing before anything is sent.
    created = resident.post(
        "/api/v1/applications/",
        {"kind": "permit_issue", "delivery": "post", "postal_address": "桂城街道南海大道1号"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    application = created.json()
    assert (application["status"], application["town"], application["visits_required"]) == ("draft", "guicheng", 0)
    url = f"/api/v1/applications/{application['id']}/"
    precheck = resident.get(url + "precheck/").json()
    assert precheck["eligible"] is False
    assert {item["document_kind"] for item in precheck["missing"]} == {"photo", "lease", "labour_contract"}

    # Submitting now is refused with the same list.
    refused = resident.post(url + "submit/")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "not_eligible"
    assert len(refused.json()["error"]["missing"]) == 3

    # When the photo and lease are uploaded (but not the labour contract) it can still not go.
    assert resident.post(url + "documents/", {"kind": "photo", "file": png()}, format="multipart").status_code == 201
    assert resident.post(url + "documents/", {"kind": "lease", "file": pdf()}, format="multipart").status_code == 201
    assert [item["code"] for item in resident.get(url + "precheck/").json()["missing"]] == ["job_proof"]

    # Suppose the resident chooses "home" as the basis: the lease settles it, and it submits.
    assert resident.patch(url, {"basis": "home"}, format="json").json()["basis"] == "home"
    assert resident.get(url + "precheck/").json() == {"eligible": True, "missing": []}
    assert resident.post(url + "submit/").json()["status"] == "submitted"

    # The officer returns it: the town needs the labour contract after all.
    returned = officer.post(url + "return/", {"reasons": ["请补充劳动合同"]}, format="json").json()
    assert (returned["status"], returned["return_reasons"]) == ("returned", ["请补充劳动合同"])

    # The resident corrects and resubmits.
    assert resident.patch(url, {"basis": "job"}, format="json").status_code == 200
    assert (
        resident.post(
            url + "documents/", {"kind": "labour_contract", "file": pdf("contract.pdf")}, format="multipart"
        ).status_code
        == 201
    )
    assert resident.post(url + "submit/").json()["status"] == "submitted"

    # The officer accepts (the 15-day clock starts), approves and issues.
    accepted = officer.post(url + "accept/").json()
    assert (accepted["status"], accepted["overdue"]) == ("accepted", False)
    accepted_at, due_at = datetime.fromisoformat(accepted["accepted_at"]), datetime.fromisoformat(accepted["due_at"])
    assert due_at - accepted_at == timedelta(days=15)
    assert officer.post(url + "approve/").json()["status"] == "approved"
    issued = officer.post(url + "issue/").json()
    assert issued["status"] == "issued" and issued["permit_number"].startswith("440605")

    # Postal delivery needs the tracking number.
    assert officer.post(url + "deliver/", {}, format="json").status_code == 400
    delivered = officer.post(url + "deliver/", {"tracking_number": "EMS1234567890"}, format="json").json()
    assert (delivered["status"], delivered["tracking_number"], delivered["visits_required"]) == (
        "delivered",
        "EMS1234567890",
        0,
    )

    # The resident sees every step, and was told of each.
    steps = [step["status"] for step in resident.get(url).json()["timeline"]]
    assert steps == ["draft", "submitted", "returned", "submitted", "accepted", "approved", "issued", "delivered"]
    assert inbox_events("resident.1") == [
        "application.submitted", "application.returned", "application.submitted", "application.accepted",
        "application.approved", "application.issued", "application.delivered",
    ]  # fmt: skip
    permits = resident.get("/api/v1/permits/").json()["results"]
    assert [p["permit_number"] for p in permits] == [issued["permit_number"]]
    # The first endorsement window opens a month before the first anniversary of issue.
    valid_from = date.fromisoformat(permits[0]["valid_from"])
    assert permits[0]["status"] == "valid"
    # A month before the first anniversary, by the one rule for periods (29 Feb → 28 Feb, then 28 Jan).
    first_anniversary = years_after(valid_from, 1)
    assert permits[0]["next_endorsement_due"] == months_after(first_anniversary, -1).isoformat()


def test_an_officer_cannot_act_on_a_draft_it_is_404_and_changes_nothing(api: Any) -> None:
    # A draft is the resident's own business: to the officer it is not there (not a 409).
    draft = ApplicationFactory(town_id="guicheng", status=Status.DRAFT)

    with nothing_changes(*about_application(draft)):
        response = api("officer.guicheng").post(f"/api/v1/applications/{draft.pk}/approve/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_submitted_application_cannot_be_approved_before_acceptance(api: Any) -> None:
    submitted = ApplicationFactory(town_id="dali", status=Status.SUBMITTED)
    officer, url = api("officer.dali"), f"/api/v1/applications/{submitted.pk}/"

    with nothing_changes(*about_application(submitted)):
        response = officer.post(url + "approve/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    assert officer.get(url).json()["status"] == "submitted"


def test_a_repeated_submit_with_the_same_idempotency_key_does_the_work_once(api: Any) -> None:
    submitted = ApplicationFactory(town_id="lishui", status=Status.SUBMITTED)
    officer, url = api("officer.lishui"), f"/api/v1/applications/{submitted.pk}/accept/"
    first = officer.post(url, HTTP_IDEMPOTENCY_KEY="tap-1")
    second = officer.post(url, HTTP_IDEMPOTENCY_KEY="tap-1")
    assert first.status_code == second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert first.json()["accepted_at"] == second.json()["accepted_at"]
    steps = [step["status"] for step in officer.get(url.replace("accept/", "")).json()["timeline"]]
    assert steps == ["submitted", "accepted"]
    # Without the key, a second accept is a wrong-state 409, and changes nothing.
    with nothing_changes(*about_application(submitted)):
        assert officer.post(url).status_code == 409


def a_queue_of_work(town: str) -> dict[str, Application]:
    """Given: a town's applications in every state an officer meets, at known times."""
    now = timezone.now()
    return {
        # Accepted in 2025 with a 15-day deadline: overdue on any day this test runs.
        "overdue": ApplicationFactory(town_id=town, status=Status.ACCEPTED),
        "due soon": ApplicationFactory(town_id=town, status=Status.ACCEPTED, at=now - timedelta(days=10)),
        "due later": ApplicationFactory(town_id=town, status=Status.APPROVED, at=now - timedelta(days=2)),
        # Issued (in 2025): its deadline is met; it waits to be handed over, by arrival.
        "issued": ApplicationFactory(town_id=town, status=Status.ISSUED),
        "submitted earlier": ApplicationFactory(town_id=town, status=Status.SUBMITTED, at=now - timedelta(days=3)),
        "submitted just now": ApplicationFactory(
            town_id=town, status=Status.SUBMITTED, kind="permit_endorsement", at=now - timedelta(hours=1)
        ),
        "returned": ApplicationFactory(town_id=town, status=Status.RETURNED),
        "delivered": ApplicationFactory(town_id=town, status=Status.DELIVERED, at=now - timedelta(days=40)),
        "rejected": ApplicationFactory(town_id=town, status=Status.REJECTED, at=now - timedelta(days=20)),
        "draft": ApplicationFactory(town_id=town, status=Status.DRAFT),
    }


WORK_ORDER = ["overdue", "due soon", "due later", "issued", "submitted earlier", "submitted just now"]


def in_order_of(ids: list[str], made: dict[str, Application]) -> list[str]:
    """The names of ``made`` among ``ids``, in the order of ``ids`` (the demo's rows are left out)."""
    names = {str(application.pk): name for name, application in made.items()}
    return [names[pk] for pk in ids if pk in names]


def test_the_queue_is_the_work_to_do_overdue_first_then_by_deadline_then_by_arrival(api: Any) -> None:
    made = a_queue_of_work("xiqiao")
    elsewhere = ApplicationFactory(town_id="dali", status=Status.ACCEPTED)
    officer = api("officer.xiqiao")

    def listed(**params: str) -> list[dict[str, Any]]:
        return officer.get("/api/v1/applications/", {"page_size": 100, **params}).json()["results"]

    queue = listed()
    assert in_order_of([row["id"] for row in queue], made) == WORK_ORDER
    assert str(elsewhere.pk) not in {row["id"] for row in queue}
    assert {row["town"] for row in queue} == {"xiqiao"}
    assert {row["status"] for row in queue} <= {"submitted", "accepted", "approved", "issued"}

    # Finished ones only when asked for, the most recently decided first; the returned one waits
    # for its resident; every state but draft under "all".
    assert in_order_of([row["id"] for row in listed(status="finished")], made) == ["rejected", "delivered"]
    assert in_order_of([row["id"] for row in listed(status="returned")], made) == ["returned"]
    everything = in_order_of([row["id"] for row in listed(status="all")], made)
    assert sorted(everything) == sorted(set(made) - {"draft"})


def test_the_queue_filters_by_kind_state_and_overdue(api: Any) -> None:
    made = a_queue_of_work("xiqiao")
    officer = api("officer.xiqiao")

    late = officer.get("/api/v1/applications/", {"overdue": "true", "page_size": 100}).json()["results"]
    assert in_order_of([row["id"] for row in late], made) == ["overdue"]
    assert {row["overdue"] for row in late} == {True}
    in_time = officer.get("/api/v1/applications/", {"overdue": "false", "page_size": 100}).json()["results"]
    assert in_order_of([row["id"] for row in in_time], made) == WORK_ORDER[1:]
    assert {row["overdue"] for row in in_time} == {False}

    endorsements = officer.get("/api/v1/applications/", {"kind": "permit_endorsement"}).json()["results"]
    assert [row["id"] for row in endorsements] == [str(made["submitted just now"].pk)]
    accepted = officer.get("/api/v1/applications/", {"status": "accepted", "page_size": 100}).json()["results"]
    assert in_order_of([row["id"] for row in accepted], made) == ["overdue", "due soon"]
    assert {row["status"] for row in accepted} == {"accepted"}


def test_bulk_approve_approves_the_accepted_and_reports_the_rest(api: Any) -> None:
    accepted = [ApplicationFactory(town_id="danzao", status=Status.ACCEPTED) for _ in range(2)]
    refused = [ApplicationFactory(town_id="danzao", status=status) for status in (Status.SUBMITTED, Status.ISSUED)]
    elsewhere = ApplicationFactory(town_id="dali", status=Status.ACCEPTED)
    untouched = [*refused, elsewhere]
    ids = [str(item.pk) for item in [*accepted, *untouched]]

    with nothing_changes(*(watched for item in untouched for watched in about_application(item)[:4])):
        response = api("officer.danzao").post("/api/v1/applications/bulk-approve/", {"ids": ids}, format="json")

    assert response.status_code == 200
    assert set(response.json()["approved"]) == {str(item.pk) for item in accepted}
    assert {row["id"] for row in response.json()["refused"]} == {str(item.pk) for item in untouched}
    with_status = {row["id"]: row["status"] for row in rows(Application, pk__in=ids).read()}
    assert with_status == {
        **{item.pk: "approved" for item in accepted},
        refused[0].pk: "submitted",
        refused[1].pk: "issued",
        elsewhere.pk: "accepted",
    }


def test_one_resident_cannot_see_anothers_application_and_another_town_gets_404(api: Any) -> None:
    mine = api("resident.1").post("/api/v1/applications/", {"kind": "residence_registration"}, format="json").json()
    url = f"/api/v1/applications/{mine['id']}/"
    assert (
        api("resident.1").post(url + "documents/", {"kind": "lease", "file": pdf()}, format="multipart").status_code
        == 201
    )
    document_url = api("resident.1").get(url).json()["documents"][0]["url"]
    with nothing_changes(*about_application(mine["id"])):
        assert api("resident.2").get(url).status_code == 404
        assert api("resident.2").get(document_url).status_code == 404
        assert api("resident.2").patch(url, {"basis": "home"}, format="json").status_code == 404
        assert (
            api("resident.2").post(url + "documents/", {"kind": "photo", "file": png()}, format="multipart").status_code
            == 404
        )
        assert api("officer.dali").get(url).status_code == 404
        assert api("officer.dali").get(document_url).status_code == 404
    assert api("resident.1").get(document_url).status_code == 200


def test_an_officer_cannot_apply(api: Any) -> None:
    officer = User.objects.get(username="officer.guicheng")
    with nothing_changes(rows(Application, town_id="guicheng"), rows(Application, resident__person__user=officer)):
        response = api("officer.guicheng").post("/api/v1/applications/", {"kind": "permit_issue"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_resident_record"


def test_a_resident_cannot_review_anothers_application_it_is_404_and_changes_nothing(api: Any) -> None:
    theirs = ApplicationFactory(town_id="guicheng", status=Status.SUBMITTED)

    with nothing_changes(*about_application(theirs)):
        response = api("resident.2").post(f"/api/v1/applications/{theirs.pk}/accept/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("action", ["accept", "approve", "issue"])
def test_a_resident_cannot_review_their_own_application_it_is_403_and_changes_nothing(api: Any, action: str) -> None:
    # Their own, so they may see it: the refusal is of the role, and confirms nothing new.
    resident = ResidentFactory(town_id="guicheng", account=True)
    state = {"accept": Status.SUBMITTED, "approve": Status.ACCEPTED, "issue": Status.APPROVED}[action]
    own = ApplicationFactory(town_id="guicheng", resident=resident, status=state)

    with nothing_changes(*about_application(own)):
        response = api(resident.person.user.username).post(f"/api/v1/applications/{own.pk}/{action}/")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_uploads_are_checked_and_bad_ones_change_nothing(api: Any, settings: Any) -> None:
    resident = api("resident.1")
    application_id = resident.post("/api/v1/applications/", {"kind": "permit_issue"}, format="json").json()["id"]
    url = f"/api/v1/applications/{application_id}/documents/"
    with nothing_changes(*about_application(application_id)):
        for kind, upload, code in [
            ("photo", fake_png(), "wrong_file_type"),
            ("photo", truncated_png(), "wrong_file_type"),
            ("photo", pdf(), "wrong_file_type"),
            ("unknown", png(), "validation_error"),
        ]:
            response = resident.post(url, {"kind": kind, "file": upload}, format="multipart")
            assert response.status_code == 400, (kind, response.json())
            assert response.json()["error"]["code"] == code
        settings.RESIDENTS_MAX_DOCUMENT_BYTES = 20
        too_big = resident.post(url, {"kind": "lease", "file": pdf()}, format="multipart")
        assert too_big.status_code == 400 and too_big.json()["error"]["code"] == "file_too_large"
    assert resident.get(url.replace("documents/", "")).json()["documents"] == []


def test_a_misused_idempotency_key_is_a_clear_error_and_does_nothing(api: Any) -> None:
    submitted = ApplicationFactory(town_id="shishan", status=Status.SUBMITTED)
    officer, url = api("officer.shishan"), f"/api/v1/applications/{submitted.pk}/"

    with nothing_changes(*about_application(submitted)):
        too_long = officer.post(url + "accept/", HTTP_IDEMPOTENCY_KEY="k" * 101)
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "invalid_idempotency_key"

    assert (
        officer.post(
            url + "return/", {"reasons": ["请补充租赁合同"]}, format="json", HTTP_IDEMPOTENCY_KEY="tap-9"
        ).status_code
        == 200
    )
    with nothing_changes(*about_application(submitted)):
        reused = officer.post(url + "reject/", {"reason": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="tap-9")
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"
    assert officer.get(url).json()["status"] == "returned"


def test_a_second_open_application_of_a_kind_is_refused(api: Any) -> None:
    resident = api("resident.1")
    first = resident.post("/api/v1/applications/", {"kind": "permit_issue"}, format="json")
    assert first.status_code == 201
    with nothing_changes(rows(Application, resident__person__user__username="resident.1")):
        second = resident.post("/api/v1/applications/", {"kind": "permit_issue"}, format="json")
    assert second.status_code == 400 and second.json()["error"]["code"] == "already_open"
    assert second.json()["error"]["application_id"] == first.json()["id"]


def test_postal_delivery_without_an_address_names_the_field(api: Any) -> None:
    with nothing_changes(rows(Application, resident__person__user__username="resident.1")):
        response = api("resident.1").post(
            "/api/v1/applications/", {"kind": "permit_issue", "delivery": "post"}, format="json"
        )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert set(response.json()["error"]["fields"]) == {"postal_address"}
