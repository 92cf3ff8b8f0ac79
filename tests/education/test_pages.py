"""The education pages, through the Django test client: a family applies on one page, adds its
documents and submits; an officer decides each fact, reveals the child's number once (audited);
the family reads its points line by line, objects, and reads the answer; the town admin moves
the round on from its page.

Every refusal is shown on the form and changes nothing; another town's id is a 404; a page that
is not the caller's is a 403. Times are fixed (``time_machine``), never today.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from education.models import AdmissionApplication, AdmissionRound, ApplicationDocument, Fact, Objection
from nanhai_portal.accounts.roles import Role
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.tenancy import town_context
from tests.education.factories import AT, guardian_in, next_child_id_number, officer_of, round_in, school_in
from tests.factories import UserFactory
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db
TOWN, OTHER = "guicheng", "dali"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "certificate.pdf") -> io.BytesIO:
    upload = io.BytesIO(PDF)
    upload.name = name
    return upload


def browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def apply_form(schools: list[Any], **changes: Any) -> dict[str, Any]:
    form = {
        "child_name": "张小明",
        "child_id_number": next_child_id_number(),
        "relationship": "father",
        "grade": "P1",
        "consent": "on",
        "item_owned_home": "88.50",
        "item_social_insurance_foshan": "6",
        **{f"choice_{rank}": str(school.pk) for rank, school in enumerate(schools, start=1)},
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def the_application(guardian: Any) -> AdmissionApplication:
    with town_context(guardian.town_id):
        return AdmissionApplication.objects.get(guardian=guardian)


def submitted_through_pages(family: Client, round_: AdmissionRound, schools: list[Any], guardian: Any) -> str:
    answer = family.post(f"/education/apply/{round_.pk}/", apply_form(schools))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    pk = str(the_application(guardian).pk)
    assert answer["Location"] == f"/education/applications/{pk}/"
    for item in ("owned_home", "social_insurance_foshan"):
        added = family.post(f"/education/applications/{pk}/documents/", {"item": item, "file": pdf()})
        assert added.status_code == 302, added.content.decode()[:2000]
    assert family.post(f"/education/applications/{pk}/submit/").status_code == 302
    return pk


@time_machine.travel(AT, tick=False)
def test_a_family_applies_on_the_pages_is_verified_reads_its_points_objects_and_reads_the_answer() -> None:
    round_ = round_in(TOWN)
    first, second = school_in(round_), school_in(round_)
    guardian = guardian_in(TOWN)
    family = browser(guardian.person.user)
    officer_user = officer_of(TOWN)
    officer = browser(officer_user)
    admin = officer_of(TOWN, Role.TOWN_ADMIN)

    # The home shows the open round with its dates, the calculator and no application yet.
    home = family.get("/education/")
    assert home.status_code == 200
    assert round_.name in home.content.decode() and f"/education/apply/{round_.pk}/" in home.content.decode()
    # The calculator: 88.5 m² owned, 6 years in Foshan = 88.5 + 60; nothing is stored.
    with nothing_changes(rows(AdmissionApplication, round_id=round_.pk)):
        estimate = family.get(
            "/education/",
            {"round": str(round_.pk), "calculate": "1", "item_owned_home": "88.5", "item_social_insurance_foshan": "6"},
        )
    assert estimate.status_code == 200
    page = estimate.content.decode()
    assert 'id="estimate-table"' in page and "148.50" in page

    # One page to apply, in the family's order; then the documents, then submit.
    pk = submitted_through_pages(family, round_, [second, first], guardian)
    application = the_application(guardian)
    assert application.status == "submitted"
    mine = family.get(f"/education/applications/{pk}/").content.decode()
    assert "张*明" in mine and application.child.id_number not in mine
    assert mine.index(second.school.name) < mine.index(first.school.name)

    # The officer finds it in the queue, with the counts by state, and opens it: the number masked.
    queue = officer.get("/education/queue/").content.decode()
    assert f"/education/queue/{pk}/" in queue and "张*明" in queue
    review = officer.get(f"/education/queue/{pk}/").content.decode()
    assert application.child.id_number not in review and "/reveal/" in review

    # Revealing it is a POST, audited, shown once.
    revealed = officer.post(f"/education/queue/{pk}/reveal/")
    assert revealed.status_code == 303 and revealed["Location"] == f"/education/queue/{pk}/"
    assert application.child.id_number in officer.get(f"/education/queue/{pk}/").content.decode()
    assert application.child.id_number not in officer.get(f"/education/queue/{pk}/").content.decode()
    with town_context(TOWN):
        assert AuditEvent.objects.filter(action="pii.revealed", object_id=pk).count() == 1

    # A decision the service refuses (an adjustment without its reason) changes nothing.
    with nothing_changes(rows(Fact, application_id=pk), rows(AdmissionApplication, pk=pk)):
        refused = officer.post(
            f"/education/queue/{pk}/", {"owned_home-decision": "adjust", "owned_home-quantity": "80.25"}
        )
        assert refused.status_code == 400
        assert "reason" in refused.content.decode().lower() or "理由" in refused.content.decode()
        assert officer.post(f"/education/queue/{pk}/", {}).status_code == 400
    decided = officer.post(
        f"/education/queue/{pk}/",
        {
            "owned_home-decision": "adjust",
            "owned_home-quantity": "80.25",
            "owned_home-reason": "产权证面积为80.25㎡",
            "social_insurance_foshan-decision": "accept",
        },
    )
    assert decided.status_code == 302
    with town_context(TOWN):
        application.refresh_from_db()
    # 40 (permit) + 12 (registration) + 80.25 (home) + 60 (Foshan insurance) = 192.25
    assert application.status == "verified" and str(application.points) == "192.25"

    # The family reads the breakdown, each note in words.
    points_page = family.get(f"/education/applications/{pk}/").content.decode()
    assert 'id="points-table"' in points_page and "192.25" in points_page
    assert "产权证面积为80.25㎡" in points_page
    assert "计 0 分" in points_page or "counts 0" in points_page  # "No verified fact: it counts 0."

    # The town admin moves the round on from its page: refused while applications are open.
    round_page = browser(admin)
    refused_move = round_page.post(f"/education/rounds/{round_.pk}/advance/")
    assert refused_move.status_code == 409 and 'id="page-error"' in refused_move.content.decode()
    with town_context(TOWN):
        round_.refresh_from_db()
    assert round_.phase == "applications"
    # (Sessions expire: each day of the story signs in again.)
    with time_machine.travel(AT + timedelta(days=11), tick=False):
        moved = browser(admin).post(f"/education/rounds/{round_.pk}/advance/")
        assert moved.status_code == 302 and moved["Location"] == f"/education/rounds/{round_.pk}/"
    with time_machine.travel(AT + timedelta(days=20), tick=False):
        family, officer = browser(guardian.person.user), browser(officer_user)
        assert browser(admin).post(f"/education/rounds/{round_.pk}/advance/").status_code == 302
        with town_context(TOWN):
            round_.refresh_from_db()
        assert round_.phase == "points_published"

        # The family objects, with a document; an empty reason is refused and changes nothing.
        with nothing_changes(rows(Objection, application_id=pk), rows(ApplicationDocument, application_id=pk)):
            empty = family.post(f"/education/applications/{pk}/objections/", {"reason": "  ", "file": pdf()})
            assert empty.status_code == 400
        objected = family.post(
            f"/education/applications/{pk}/objections/", {"reason": "房产证面积为88.5平方米", "file": pdf()}
        )
        assert objected.status_code == 302
        with town_context(TOWN):
            objection = Objection.objects.get(application_id=pk)
            assert ApplicationDocument.objects.filter(objection=objection).count() == 1

        # The officer answers it on the objections page: upheld, the fact adjusted.
        listed = officer.get("/education/objections/").content.decode()
        assert str(objection.pk) in listed and "房产证面积为88.5平方米" in listed
        prefix = str(objection.pk)
        with nothing_changes(rows(Objection, pk=objection.pk), rows(Fact, application_id=pk)):
            no_answer = officer.post(
                f"/education/objections/{objection.pk}/answer/", {f"{prefix}-outcome": "upheld", f"{prefix}-answer": ""}
            )
            assert no_answer.status_code == 400
            no_fact = officer.post(
                f"/education/objections/{objection.pk}/answer/",
                {f"{prefix}-outcome": "upheld", f"{prefix}-answer": "予以更正"},
            )
            assert no_fact.status_code == 400 and "alert" in no_fact.content.decode()
        answered = officer.post(
            f"/education/objections/{objection.pk}/answer/",
            {
                f"{prefix}-outcome": "upheld",
                f"{prefix}-answer": "经核对不动产权证，面积为88.5平方米，予以更正。",
                f"{prefix}-item": "owned_home",
                f"{prefix}-decision": "adjust",
                f"{prefix}-quantity": "88.5",
            },
        )
        assert answered.status_code == 302
        with town_context(TOWN):
            application.refresh_from_db()
        assert str(application.points) == "200.50"
        final = family.get(f"/education/applications/{pk}/").content.decode()
        assert "经核对不动产权证" in final and "200.50" in final


@time_machine.travel(AT, tick=False)
def test_a_bad_application_form_shows_the_error_and_changes_nothing() -> None:
    round_ = round_in(TOWN, max_choices=2)
    school = school_in(round_)
    junior = school_in(round_, stage="junior")
    guardian = guardian_in(TOWN)
    family = browser(guardian.person.user)
    watched = rows(AdmissionApplication, round_id=round_.pk)
    with nothing_changes(watched):
        for changes, message in (
            ({"consent": None}, "consent"),
            ({"choice_1": None}, "choice_1"),
            ({"choice_1": str(junior.pk)}, "choice_1"),
            ({"choice_2": str(school.pk)}, "choice_1"),  # the same school twice
            ({"item_social_insurance_foshan": "2.5"}, "item_social_insurance_foshan"),
            ({"child_id_number": "440604202003011235"}, "child_id_number"),
            ({"grade": "X9"}, "grade"),
        ):
            answer = family.post(f"/education/apply/{round_.pk}/", apply_form([school], **changes))
            assert answer.status_code == 400, (changes, answer.status_code)
            page = answer.content.decode()
            assert re.search(rf'id="apply-{message}_error"', page), (changes, page[:3000])
    # Without the permit the round requires: the refusal at the top of the form.
    stranger = browser(guardian_in(TOWN, permit=False).person.user)
    with nothing_changes(watched):
        refused = stranger.post(f"/education/apply/{round_.pk}/", apply_form([school]))
    assert refused.status_code == 400 and 'role="alert"' in refused.content.decode()
    # Submitting without the documents says which are missing, and changes nothing.
    family.post(f"/education/apply/{round_.pk}/", apply_form([school]))
    pk = the_application(guardian).pk
    with nothing_changes(rows(AdmissionApplication, pk=pk), rows(Fact, application_id=pk)):
        answer = family.post(f"/education/applications/{pk}/submit/")
    assert answer.status_code == 400 and 'id="page-error"' in answer.content.decode()
    # A document that is not a document is refused on the form.
    with nothing_changes(rows(ApplicationDocument, application_id=pk)):
        bad = io.BytesIO(b"not a pdf")
        bad.name = "x.pdf"
        answer = family.post(f"/education/applications/{pk}/documents/", {"item": "owned_home", "file": bad})
    assert answer.status_code == 400


@time_machine.travel(AT, tick=False)
def test_who_sees_which_page_another_towns_id_is_a_404_and_a_wrong_role_a_403() -> None:
    round_ = round_in(TOWN)
    school = school_in(round_)
    guardian = guardian_in(TOWN)
    family = browser(guardian.person.user)
    pk = submitted_through_pages(family, round_, [school], guardian)
    with town_context(TOWN):
        document = ApplicationDocument.objects.filter(application_id=pk).first()
    assert document is not None
    other_round = round_in(OTHER)
    other_guardian = guardian_in(OTHER)
    other_pk = submitted_through_pages(
        browser(other_guardian.person.user), other_round, [school_in(other_round)], other_guardian
    )

    officer = browser(officer_of(TOWN))
    resident = browser(UserFactory(role=Role.RESIDENT, town_id=TOWN))
    official = browser(UserFactory(role=Role.DISTRICT_OFFICIAL))

    # Another town's application, round and document are not there, for the family and the officer.
    for client in (family, officer):
        assert client.get(f"/education/applications/{other_pk}/").status_code == 404
        assert client.get(f"/education/queue/{other_pk}/").status_code == 404
        assert client.get(f"/education/rounds/{other_round.pk}/").status_code == 404
    # Another family's application is not there either.
    assert resident.get(f"/education/applications/{pk}/").status_code == 404
    assert resident.get(f"/education/documents/{document.pk}/").status_code == 404
    # The family's page is the family's: an officer who sees the application gets a 403.
    assert officer.get(f"/education/applications/{pk}/").status_code == 403
    # The officers' pages are not the family's.
    assert family.get("/education/queue/").status_code == 403
    assert family.get("/education/objections/").status_code == 403
    assert family.get(f"/education/queue/{pk}/").status_code == 403
    assert family.get(f"/education/rounds/{round_.pk}/").status_code == 403
    # The document: the guardian and the town's officers; not the district (a family's papers).
    assert family.get(f"/education/documents/{document.pk}/").status_code == 200
    assert officer.get(f"/education/documents/{document.pk}/").status_code == 200
    assert official.get(f"/education/documents/{document.pk}/").status_code == 404
    # The district reads the queue and the application, without the forms or the reveal.
    assert official.get("/education/queue/").status_code == 200
    read = official.get(f"/education/queue/{pk}/")
    assert (
        read.status_code == 200
        and "/reveal/" not in read.content.decode()
        and 'id="verify-form"' in read.content.decode()
    )
    assert 'name="owned_home-decision"' not in read.content.decode()
    with nothing_changes(rows(Fact, application_id=pk), rows(AuditEvent, object_id=pk)):
        assert official.post(f"/education/queue/{pk}/", {"owned_home-decision": "accept"}).status_code == 403
        assert official.post(f"/education/queue/{pk}/reveal/").status_code == 403
        assert family.post(f"/education/queue/{pk}/reveal/").status_code == 403
        assert officer.post(f"/education/rounds/{round_.pk}/advance/").status_code == 403


@time_machine.travel(AT, tick=False)
def test_an_officer_may_not_verify_or_reveal_their_own_family() -> None:
    round_ = round_in(TOWN)
    school = school_in(round_)
    guardian = guardian_in(TOWN)
    with town_context(TOWN):
        user = guardian.person.user
        user.role = Role.TOWN_OFFICER
        user.save(update_fields=["role"])
    family = browser(user)
    pk = submitted_through_pages(family, round_, [school], guardian)
    page = family.get(f"/education/queue/{pk}/").content.decode()
    assert "/reveal/" not in page
    with nothing_changes(rows(Fact, application_id=pk), rows(AuditEvent, object_id=pk)):
        assert family.post(f"/education/queue/{pk}/reveal/").status_code == 403
        assert family.post(f"/education/queue/{pk}/", {"owned_home-decision": "accept"}).status_code == 403


@time_machine.travel(AT, tick=False)
def test_the_round_page_shows_figures_as_text_and_the_tiles_link_the_pages() -> None:
    round_ = round_in(TOWN)
    school_in(round_, places=7)
    admin = browser(officer_of(TOWN, Role.TOWN_ADMIN))
    page = admin.get(f"/education/rounds/{round_.pk}/").content.decode()
    assert 'id="schools"' in page and ">7<" in page and 'id="advance-form"' in page
    assert 'id="advance-form"' not in browser(officer_of(TOWN)).get(f"/education/rounds/{round_.pk}/").content.decode()
    home = browser(guardian_in(TOWN).person.user).get("/").content.decode()
    assert "/education/" in home
    assert "/education/queue/" in admin.get("/").content.decode()
