"""A family applies, an officer verifies, the family sees its points and objects: through the API.

Every refusal changes nothing and says why: schools of another round or town, a school listed
twice or more than the round allows, a child outside the grade's age range, a guardian without
the permit the round requires, a second application for a child, an objection after its window.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ObjectDoesNotExist

from education.lottery import seed_matches
from education.models import AdmissionApplication, AdmissionRound, Choice, Fact, Objection
from education.services import rounds as round_services
from nanhai_portal.accounts.roles import Role
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.notifications.models import Notification
from nanhai_portal.pii.services import pii_reveal
from nanhai_portal.tenancy import town_context
from tests.education.factories import (
    AT,
    guardian_in,
    next_child_id_number,
    officer_of,
    round_in,
    school_in,
)
from tests.factories import UserFactory
from tests.rentals.test_api_inspections import client_of
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db
TOWN = "guicheng"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "certificate.pdf") -> io.BytesIO:
    upload = io.BytesIO(PDF)
    upload.name = name
    return upload


def apply(client: Any, round_: AdmissionRound, schools: list[Any], **changes: Any) -> Any:
    body = {
        "round": str(round_.pk),
        "child_name": "张小明",
        "child_id_number": next_child_id_number(),
        "relationship": "father",
        "consent": True,
        "grade": "P1",
        "choices": [str(school.pk) for school in schools],
        "claims": {"owned_home": "88.50", "social_insurance_foshan": "6"},
        **changes,
    }
    return client.post("/api/v1/admission-applications/", body, format="json")


def error(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.content
    body = answer.json()["error"]
    assert body["code"] == code, body
    return body


def submitted(client: Any, round_: AdmissionRound, schools: list[Any]) -> str:
    created = apply(client, round_, schools)
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    for item in ("owned_home", "social_insurance_foshan"):
        added = client.post(f"/api/v1/admission-applications/{pk}/documents/", {"file": pdf(), "item": item})
        assert added.status_code == 201, added.json()
    answer = client.post(f"/api/v1/admission-applications/{pk}/submit/")
    assert answer.status_code == 200, answer.json()
    return str(pk)


@time_machine.travel(AT, tick=False)
def test_a_family_applies_is_verified_sees_its_points_objects_and_is_answered() -> None:
    round_ = round_in(TOWN)
    first, second = school_in(round_), school_in(round_)
    guardian = guardian_in(TOWN)
    family = client_of(guardian.person.user)
    officer = officer_of(TOWN)
    admin = officer_of(TOWN, Role.TOWN_ADMIN)

    # The guardian applies: a draft with the choices in order and the claims awaiting documents.
    created = apply(family, round_, [second, first])
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft" and body["child_name"] == "张*明"
    assert body["child_id_number"].startswith("44") and "*" * 14 in body["child_id_number"]
    assert [choice["round_school"] for choice in body["choices"]] == [str(second.pk), str(first.pk)]
    pk = body["id"]

    # Submitting without the documents the claims need says which are missing.
    missing = error(family.post(f"/api/v1/admission-applications/{pk}/submit/"), 400, "not_eligible")
    assert "Area of an owned home" in missing["message"] or "自有住房" in missing["message"]
    for item in ("owned_home", "social_insurance_foshan"):
        family.post(f"/api/v1/admission-applications/{pk}/documents/", {"file": pdf(), "item": item})
    answer = family.post(f"/api/v1/admission-applications/{pk}/submit/")
    assert answer.status_code == 200 and answer.json()["status"] == "submitted"
    facts = {fact["item"]: fact for fact in answer.json()["facts"]}
    # The portal's own records count as verified: 4 whole years of the permit on the day
    # applications close (continuous since 2021-07-15), 6 of registration (since 2020-01-15).
    assert facts["residence_permit"]["verified"] == "4.00" and facts["residence_permit"]["from_records"]
    assert facts["residence_registration"]["verified"] == "6.00"
    assert facts["owned_home"]["state"] == "claimed"

    # The officer sees it in the town's list and decides each claimed fact.
    listed = client_of(officer).get(f"/api/v1/admission-applications/?round={round_.pk}").json()["results"]
    assert [row["id"] for row in listed] == [pk]
    decided = client_of(officer).post(
        f"/api/v1/admission-applications/{pk}/verify/",
        {
            "decisions": [
                {"item": "owned_home", "decision": "adjust", "quantity": "80.25", "reason": "产权证面积为80.25㎡"},
                {"item": "social_insurance_foshan", "decision": "accept"},
            ]
        },
        format="json",
    )
    assert decided.status_code == 200, decided.json()
    verified = decided.json()
    # 40 (permit) + 12 (registration) + 80.25 (home) + 60 (Foshan insurance) = 192.25
    assert verified["status"] == "verified" and verified["points"] == "192.25"
    lines = {line["item"]: line for line in verified["breakdown"]["lines"]}
    assert lines["owned_home"]["points"] == "80.25" and lines["registered_rental"]["notes"] == ["no_fact"]
    assert verified["scheme_label"] == round_.scheme.label

    # The family sees the same breakdown; points are published and the family objects.
    assert family.get(f"/api/v1/admission-applications/{pk}/").json()["points"] == "192.25"
    with town_context(TOWN):
        round_services.round_advance(by=admin, round_=round_, now=AT + timedelta(days=11))  # verification
        round_services.round_advance(by=admin, round_=round_, now=AT + timedelta(days=20))  # points published
    assert Notification.objects.filter(recipient=guardian.person.user, event="education.points_published").count() == 1
    with town_context(TOWN):
        round_.refresh_from_db()
        assert round_.seed_digest and round_.scheme.frozen_at is not None
    objection = family.post(
        f"/api/v1/admission-applications/{pk}/objections/", {"reason": "房产证面积为88.5平方米"}, format="json"
    )
    assert objection.status_code == 201, objection.json()
    added = family.post(
        f"/api/v1/admission-applications/{pk}/documents/", {"file": pdf(), "objection": objection.json()["id"]}
    )
    assert added.status_code == 201, added.json()

    # The officer upholds it: the fact is adjusted and the points recomputed; the family is told.
    answered = client_of(officer).post(
        f"/api/v1/admission-objections/{objection.json()['id']}/answer/",
        {
            "upheld": True,
            "answer": "经核对不动产权证，面积为88.5平方米，予以更正。",
            "decisions": [{"item": "owned_home", "decision": "adjust", "quantity": "88.5", "reason": "以产权证为准"}],
        },
        format="json",
    )
    assert answered.status_code == 200, answered.json()
    assert answered.json()["state"] == "upheld" and answered.json()["points_after"] == "200.50"
    detail = family.get(f"/api/v1/admission-applications/{pk}/").json()
    assert detail["points"] == "200.50" and detail["objections"][0]["answer"].startswith("经核对")
    assert (
        Notification.objects.filter(recipient=guardian.person.user, event="education.objection_answered").count() == 1
    )
    with town_context(TOWN):
        actions = set(AuditEvent.objects.filter(object_id=pk).values_list("action", flat=True))
    assert {
        "education.application_created",
        "education.application_submitted",
        "education.facts_decided",
        "education.objection_filed",
        "education.objection_answered",
    } <= actions


@time_machine.travel(AT, tick=False)
def test_bad_applications_are_refused_with_a_clear_error_and_change_nothing() -> None:
    round_ = round_in(TOWN, max_choices=2)
    schools = [school_in(round_) for _ in range(3)]
    other_round_school = school_in(round_in(TOWN))
    foreign_school = school_in(round_in("dali"))
    junior = school_in(round_, stage="junior")
    family = client_of(guardian_in(TOWN).person.user)
    watched = (rows(AdmissionApplication, round_id=round_.pk), rows(Choice, application__round_id=round_.pk))

    with nothing_changes(*watched):
        for choices, message in (
            ([schools[0], other_round_school], "不是本批次的学校"),
            ([schools[0], foreign_school], "不是本批次的学校"),
            ([schools[0], schools[0]], "只能填报一次"),
            (schools, "最多选择 2 所"),
            ([junior], "不招收该年级"),
            ([], ""),
        ):
            refused = error(apply(family, round_, choices), 400, "validation_error")
            assert "choices" in refused["fields"], refused
            assert message in " ".join(refused["fields"]["choices"]), refused
        too_young = apply(family, round_, schools[:1], child_id_number=next_child_id_number(born=date(2021, 3, 1)))
        assert "child_id_number" in error(too_young, 400, "validation_error")["fields"]
        no_consent = apply(family, round_, schools[:1], consent=False)
        assert "consent" in error(no_consent, 400, "validation_error")["fields"]
        bad_claims = apply(family, round_, schools[:1], claims={"social_insurance_foshan": "2.5", "nothing": "1"})
        assert set(error(bad_claims, 400, "validation_error")["fields"]) == {"nothing"}
        fraction = apply(family, round_, schools[:1], claims={"social_insurance_foshan": "2.5"})
        assert "social_insurance_foshan" in error(fraction, 400, "validation_error")["fields"]
        officers_item = apply(family, round_, schools[:1], claims={"credit_blacklist": "1"})
        assert "credit_blacklist" in error(officers_item, 400, "validation_error")["fields"]
        from_records = apply(family, round_, schools[:1], claims={"residence_permit": "9"})
        assert "residence_permit" in error(from_records, 400, "validation_error")["fields"]
        bad_id = apply(family, round_, schools[:1], child_id_number="440604202003011235")
        assert "child_id_number" in error(bad_id, 400, "validation_error")["fields"]
        without_permit = client_of(guardian_in(TOWN, permit=False).person.user)
        error(apply(without_permit, round_, schools[:1]), 400, "not_eligible")
        stranger = client_of(UserFactory(role=Role.RESIDENT, town_id=TOWN))
        error(apply(stranger, round_, schools[:1]), 400, "not_eligible")

    # A second application for the same child in the round: 409, whoever applies.
    child = next_child_id_number()
    assert apply(family, round_, schools[:1], child_id_number=child).status_code == 201
    with nothing_changes(*watched):
        other_parent = client_of(guardian_in(TOWN).person.user)
        body = error(apply(other_parent, round_, schools[:1], child_id_number=child), 409, "already_applied")
        assert "child_id_number" in body["fields"]


def test_applications_are_refused_outside_the_window() -> None:
    round_ = round_in(TOWN)
    school = school_in(round_)
    family = client_of(guardian_in(TOWN).person.user)
    with time_machine.travel(AT + timedelta(days=10, seconds=1), tick=False):
        error(apply(family, round_, [school]), 409, "window_closed")
    drafting = round_in(TOWN, phase=AdmissionRound.Phase.DRAFT)
    with time_machine.travel(AT, tick=False):
        # A round in preparation is not the families' to see yet: 404, like one that does not exist.
        assert apply(family, drafting, [school_in(drafting)]).status_code == 404


@time_machine.travel(AT, tick=False)
def test_an_objection_after_its_window_is_refused() -> None:
    round_ = round_in(TOWN)
    guardian = guardian_in(TOWN)
    family = client_of(guardian.person.user)
    pk = submitted(family, round_, [school_in(round_)])
    officer = client_of(officer_of(TOWN))
    decisions = [{"item": code, "decision": "accept"} for code in ("owned_home", "social_insurance_foshan")]
    assert (
        officer.post(
            f"/api/v1/admission-applications/{pk}/verify/", {"decisions": decisions}, format="json"
        ).status_code
        == 200
    )
    # Before points are published there is nothing to object to yet.
    error(
        family.post(f"/api/v1/admission-applications/{pk}/objections/", {"reason": "面积不对"}, format="json"),
        409,
        "window_closed",
    )
    with town_context(TOWN):
        AdmissionRound.objects.filter(pk=round_.pk).update(phase=AdmissionRound.Phase.POINTS_PUBLISHED)
    with time_machine.travel(AT + timedelta(days=30), tick=False), nothing_changes(rows(Objection, application_id=pk)):
        family = client_of(guardian.person.user)  # a token of that day
        error(
            family.post(f"/api/v1/admission-applications/{pk}/objections/", {"reason": "面积不对"}, format="json"),
            409,
            "window_closed",
        )


@time_machine.travel(AT, tick=False)
def test_each_caller_sees_only_what_is_theirs_and_another_towns_ids_are_404() -> None:
    round_ = round_in(TOWN)
    school = school_in(round_)
    guardian = guardian_in(TOWN)
    family = client_of(guardian.person.user)
    pk = submitted(family, round_, [school])
    draft = apply(family, round_, [school]).json()["id"]
    officer = client_of(officer_of(TOWN))
    foreign_officer = client_of(officer_of("dali"))
    neighbour = client_of(guardian_in(TOWN).person.user)
    district = client_of(UserFactory(role=Role.DISTRICT_OFFICIAL))

    assert officer.get(f"/api/v1/admission-applications/{pk}/").status_code == 200
    assert officer.get(f"/api/v1/admission-applications/{draft}/").status_code == 404  # a draft is the family's
    assert district.get(f"/api/v1/admission-applications/{pk}/").status_code == 200
    for client in (foreign_officer, neighbour):
        assert client.get(f"/api/v1/admission-applications/{pk}/").status_code == 404
        assert client.post(f"/api/v1/admission-applications/{pk}/submit/").status_code == 404
    assert foreign_officer.get(f"/api/v1/admission-rounds/{round_.pk}/").status_code == 404
    with nothing_changes(rows(Fact, application_id=pk), rows(AdmissionApplication, pk=pk)):
        decision = {"decisions": [{"item": "owned_home", "decision": "accept"}]}
        assert (
            foreign_officer.post(f"/api/v1/admission-applications/{pk}/verify/", decision, format="json").status_code
            == 404
        )
        assert family.post(f"/api/v1/admission-applications/{pk}/verify/", decision, format="json").status_code == 403
        assert district.post(f"/api/v1/admission-applications/{pk}/verify/", decision, format="json").status_code == 403
    document = family.get(f"/api/v1/admission-applications/{pk}/").json()["documents"][0]["id"]
    assert family.get(f"/api/v1/admission-documents/{document}/").status_code == 200
    assert officer.get(f"/api/v1/admission-documents/{document}/").status_code == 200
    for client in (foreign_officer, neighbour, district):
        assert client.get(f"/api/v1/admission-documents/{document}/").status_code == 404


@time_machine.travel(AT, tick=False)
def test_the_childs_id_number_is_masked_and_revealed_only_to_a_verifying_officer_audited() -> None:
    round_ = round_in(TOWN)
    guardian = guardian_in(TOWN)
    family = client_of(guardian.person.user)
    pk = submitted(family, round_, [school_in(round_)])
    with town_context(TOWN):
        application = AdmissionApplication.objects.select_related("child").get(pk=pk)
    officer = officer_of(TOWN)
    with town_context(TOWN):
        revealed = pii_reveal(
            actor=officer, object_type="education.admissionapplication", object_id=pk, field="id_number"
        )
    assert revealed == application.child.id_number
    with town_context(TOWN):
        assert AuditEvent.objects.filter(action="pii.revealed", object_id=pk).count() == 1
    with town_context("dali"), pytest.raises(ObjectDoesNotExist):
        pii_reveal(
            actor=officer_of("dali"), object_type="education.admissionapplication", object_id=pk, field="id_number"
        )
    answer = client_of(officer).get(f"/api/v1/admission-applications/{pk}/").json()
    assert application.child.id_number not in str(answer) and "张小明" not in str(answer)


@time_machine.travel(AT, tick=False)
def test_the_calculator_explains_the_points_and_stores_nothing() -> None:
    round_ = round_in(TOWN)
    family = client_of(guardian_in(TOWN).person.user)
    facts = {"residence_permit": "6", "owned_home": "88.5", "registered_rental": "4", "bachelor_degree": "1"}
    with nothing_changes(rows(AdmissionApplication), rows(Fact)):
        answer = family.post("/api/v1/points/calculate/", {"round": str(round_.pk), "facts": facts}, format="json")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    # 60 (permit) + 88.50 (home; the rental's 20 is not added to it) + 20 (degree) = 168.50
    assert body["total"] == "168.50"
    lines = {line["item"]: line for line in body["lines"]}
    assert lines["registered_rental"]["notes"] == ["excluded_by:owned_home"]
    assert lines["owned_home"]["documents"] and lines["residence_permit"]["source"] == "residence_permit"
    unknown = family.post(
        "/api/v1/points/calculate/", {"round": str(round_.pk), "facts": {"lottery": "1"}}, format="json"
    )
    assert "lottery" in error(unknown, 400, "validation_error")["fields"]
    negative = family.post(
        "/api/v1/points/calculate/", {"round": str(round_.pk), "facts": {"owned_home": "-1"}}, format="json"
    )
    error(negative, 400, "validation_error")
    foreign = client_of(guardian_in("dali").person.user)
    assert (
        foreign.post("/api/v1/points/calculate/", {"round": str(round_.pk), "facts": {}}, format="json").status_code
        == 404
    )


@time_machine.travel(AT, tick=False)
def test_a_round_moves_on_only_when_what_must_hold_holds() -> None:
    round_ = round_in(TOWN, phase=AdmissionRound.Phase.DRAFT)
    admin = officer_of(TOWN, Role.TOWN_ADMIN)
    api = client_of(admin)
    error(api.post(f"/api/v1/admission-rounds/{round_.pk}/advance/"), 409, "round_not_ready")  # no school yet
    school = school_in(round_)
    opened = api.post(f"/api/v1/admission-rounds/{round_.pk}/advance/").json()
    assert opened["phase"] == "applications" and opened["seed"] is None
    digest = opened["seed_digest"]
    assert len(digest) == 64
    family = client_of(guardian_in(TOWN).person.user)
    pk = submitted(family, round_, [school])
    error(api.post(f"/api/v1/admission-rounds/{round_.pk}/advance/"), 409, "round_not_ready")  # applications open
    with time_machine.travel(AT + timedelta(days=11), tick=False):
        api = client_of(admin)  # a token of that day
        assert api.post(f"/api/v1/admission-rounds/{round_.pk}/advance/").json()["phase"] == "verification"
        body = error(api.post(f"/api/v1/admission-rounds/{round_.pk}/advance/"), 409, "round_not_ready")
        assert "1" in body["message"]  # one application awaits verification
        assert client_of(officer_of(TOWN)).post(f"/api/v1/admission-rounds/{round_.pk}/advance/").status_code == 403
        decisions = [{"item": code, "decision": "accept"} for code in ("owned_home", "social_insurance_foshan")]
        client_of(officer_of(TOWN)).post(
            f"/api/v1/admission-applications/{pk}/verify/", {"decisions": decisions}, format="json"
        )
        published = api.post(f"/api/v1/admission-rounds/{round_.pk}/advance/").json()
        assert published["phase"] == "points_published" and published["seed"] is None
    with time_machine.travel(AT + timedelta(days=30), tick=False):
        api = client_of(admin)
        allocating = api.post(f"/api/v1/admission-rounds/{round_.pk}/advance/").json()
        # The seed is revealed before the match runs, and matches the digest published earlier.
        assert allocating["phase"] == "allocation" and seed_matches(allocating["seed"], digest)
