"""The whole journey through the API: apply with the pre-check, be returned, correct, resubmit,
be accepted, approved and issued, and receive the permit by post with a tracking number."""

from __future__ import annotations

from typing import Any

import pytest

from nanhai_portal.notifications.models import Notification
from residents.models import Application, Permit
from tests.residents.helpers import pdf, png

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
    assert accepted["status"] == "accepted" and accepted["due_at"] and accepted["overdue"] is False
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
    assert permits[0]["status"] == "valid" and permits[0]["next_endorsement_due"]


def test_an_action_in_the_wrong_state_is_a_409_and_changes_nothing(api: Any) -> None:
    application = Application.objects.for_all_towns().none()  # noqa: F841 - for readability below
    resident, officer = api("resident.1"), api("officer.guicheng")
    url = (
        "/api/v1/applications/"
        + resident.post("/api/v1/applications/", {"kind": "residence_registration"}, format="json").json()["id"]
        + "/"
    )
    response = officer.post(url + "approve/")
    assert response.status_code in (404, 409)  # a draft is the resident's own business
    assert resident.get(url).json()["status"] == "draft"


def test_a_submitted_application_cannot_be_approved_before_acceptance(api: Any) -> None:
    officer = api("officer.dali")
    queue = officer.get("/api/v1/applications/", {"status": "submitted"}).json()["results"]
    url = f"/api/v1/applications/{queue[0]['id']}/"
    response = officer.post(url + "approve/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    assert officer.get(url).json()["status"] == "submitted"


def test_a_repeated_submit_with_the_same_idempotency_key_does_the_work_once(api: Any) -> None:
    officer = api("officer.lishui")
    queue = officer.get("/api/v1/applications/", {"status": "submitted"}).json()["results"]
    url = f"/api/v1/applications/{queue[0]['id']}/accept/"
    first = officer.post(url, HTTP_IDEMPOTENCY_KEY="tap-1")
    second = officer.post(url, HTTP_IDEMPOTENCY_KEY="tap-1")
    assert first.status_code == second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert first.json()["accepted_at"] == second.json()["accepted_at"]
    steps = [step["status"] for step in officer.get(url.replace("accept/", "")).json()["timeline"]]
    assert steps.count("accepted") == 1
    # Without the key, a second accept is a wrong-state 409.
    assert officer.post(url).status_code == 409


def test_the_queue_is_sorted_by_deadline_and_filters_by_kind_state_and_overdue(api: Any) -> None:
    officer = api("officer.xiqiao")
    queue = officer.get("/api/v1/applications/").json()["results"]
    due = [row["due_at"] for row in queue if row["due_at"]]
    assert due == sorted(due)
    assert {row["town"] for row in queue} == {"xiqiao"}
    overdue = officer.get("/api/v1/applications/", {"overdue": "true"}).json()["results"]
    assert all(row["overdue"] for row in overdue)
    assert officer.get("/api/v1/applications/", {"kind": "permit_endorsement"}).json()["count"] == 0


def test_bulk_approve_approves_the_accepted_and_reports_the_rest(api: Any) -> None:
    officer = api("officer.danzao")
    rows = officer.get("/api/v1/applications/").json()["results"]
    ids = [row["id"] for row in rows if row["status"] in ("accepted", "submitted")]
    result = officer.post("/api/v1/applications/bulk-approve/", {"ids": ids}, format="json").json()
    accepted = {row["id"] for row in rows if row["status"] == "accepted"}
    assert set(result["approved"]) == accepted
    assert {row["id"] for row in result["refused"]} == set(ids) - accepted


def test_one_resident_cannot_see_anothers_application_and_another_town_gets_404(api: Any) -> None:
    mine = api("resident.1").post("/api/v1/applications/", {"kind": "residence_registration"}, format="json").json()
    url = f"/api/v1/applications/{mine['id']}/"
    api("resident.1").post(url + "documents/", {"kind": "lease", "file": pdf()}, format="multipart")
    document_url = api("resident.1").get(url).json()["documents"][0]["url"]
    assert api("resident.2").get(url).status_code == 404
    assert api("resident.2").get(document_url).status_code == 404
    assert api("officer.dali").get(url).status_code == 404
    assert api("officer.dali").get(document_url).status_code == 404
    assert api("resident.1").get(document_url).status_code == 200


def test_residents_cannot_review_and_officers_cannot_apply(api: Any) -> None:
    officer = api("officer.guicheng")
    assert (
        officer.post("/api/v1/applications/", {"kind": "permit_issue"}, format="json").json()["error"]["code"]
        == "no_resident_record"
    )
    queue = officer.get("/api/v1/applications/", {"status": "submitted"}).json()["results"]
    target = queue[0]["id"]
    assert api("resident.2").post(f"/api/v1/applications/{target}/accept/").status_code == 404
    assert Permit.objects.for_all_towns().count() >= 0


def test_uploads_are_checked_and_bad_ones_change_nothing(api: Any, settings: Any) -> None:
    from tests.residents.helpers import fake_png, truncated_png

    resident = api("resident.1")
    url = (
        "/api/v1/applications/"
        + resident.post("/api/v1/applications/", {"kind": "permit_issue"}, format="json").json()["id"]
        + "/documents/"
    )
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
    officer = api("officer.shishan")
    submitted = officer.get("/api/v1/applications/", {"status": "submitted"}).json()["results"][0]
    url = f"/api/v1/applications/{submitted['id']}/"

    too_long = officer.post(url + "accept/", HTTP_IDEMPOTENCY_KEY="k" * 101)
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "invalid_idempotency_key"
    assert officer.get(url).json()["status"] == "submitted"

    assert (
        officer.post(
            url + "return/", {"reasons": ["请补充租赁合同"]}, format="json", HTTP_IDEMPOTENCY_KEY="tap-9"
        ).status_code
        == 200
    )
    reused = officer.post(url + "reject/", {"reason": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="tap-9")
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"
    assert officer.get(url).json()["status"] == "returned"


def test_a_second_open_application_of_a_kind_is_refused(api: Any) -> None:
    resident = api("resident.1")
    first = resident.post("/api/v1/applications/", {"kind": "permit_issue"}, format="json")
    second = resident.post("/api/v1/applications/", {"kind": "permit_issue"}, format="json")
    assert first.status_code == 201
    assert second.status_code == 400 and second.json()["error"]["code"] == "already_open"
    assert second.json()["error"]["application_id"] == first.json()["id"]


def test_postal_delivery_without_an_address_names_the_field(api: Any) -> None:
    response = api("resident.1").post(
        "/api/v1/applications/", {"kind": "permit_issue", "delivery": "post"}, format="json"
    )
    assert response.status_code == 400
    assert "postal_address" in response.json()["error"]["fields"]
