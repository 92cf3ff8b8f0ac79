"""The residents journey through the server-rendered pages: sign up, apply with the pre-check,
upload, submit, be returned, correct, and follow the officer's work to a permit by post.

Pages are read in English (the source language), so that the lead's translations do not
change what these tests look for; the state is checked in the database.
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from django.test import Client

from nanhai_portal.accounts.models import User
from nanhai_portal.areas.models import Community
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.demo import DEMO_PASSWORD
from nanhai_portal.notifications.models import Notification
from nanhai_portal.notifications.selectors import notification_text
from nanhai_portal.pii.validators import id_check_character
from nanhai_portal.tenancy import district_context, town_context
from residents import services
from residents.models import Application, Document, Person, Resident, SignupVerification
from tests.conftest import bearer_client
from tests.factories import ApplicationFactory, DocumentFactory
from tests.residents.helpers import fake_png, pdf, png, texted_code
from tests.residents.test_journey_api import WORK_ORDER, a_queue_of_work, in_order_of
from tests.unchanged import about_application, nothing_changes, rows

Status = Application.Status

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    browser = Client()
    assert browser.post("/login/", {"username": username, "password": DEMO_PASSWORD}).status_code == 302
    browser.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return browser


def html(response: Any) -> str:
    return response.content.decode()


def application_of(pk: str) -> Application:
    with district_context():
        return Application.objects.for_all_towns().select_related("resident", "permit").get(pk=pk)


def documents_of(pk: str) -> int:
    with district_context():
        return Document.objects.for_all_towns().filter(application_id=pk).count()


def application_id(response: Any) -> str:
    match = re.fullmatch(r"/residents/applications/([0-9a-f-]{36})/(#.*)?", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def missing_kinds(page: str) -> list[str]:
    return re.findall(r'data-document-kind="([a-z_]+)"', page)


def timeline(page: str) -> list[str]:
    return re.findall(r'<li class="timeline-step [^"]*" data-status="([a-z_]+)"', page)


def submitted_application(username: str = "resident.1") -> tuple[Application, Document]:
    """A submitted registration of the resident's and its lease (made through the services)."""
    person = User.objects.get(username=username)
    with town_context(person.town_id):
        resident = Resident.objects.get(person__user=person)
        application = services.application_create(resident=resident, kind="residence_registration", by=person)
        lease = services.application_add_document(application=application, kind="lease", upload=pdf(), by=person)
        return services.application_submit(application=application, by=person), lease


# --- The whole journey --------------------------------------------------------------


def test_a_resident_applies_is_returned_corrects_and_receives_the_permit_by_post() -> None:
    resident, officer = signed_in("resident.1"), signed_in("officer.guicheng")

    # Step 1: choose what, on what basis, and how. Postal delivery needs an address.
    form = html(resident.get("/residents/apply/"))
    assert 'aria-current="step"' in form and 'name="kind"' in form and "<legend>" in form
    no_address = {"kind": "permit_issue", "basis": "home", "delivery": "post", "postal_address": ""}
    refused = resident.post("/residents/apply/", no_address)
    assert refused.status_code == 400 and 'id="id_postal_address_error"' in html(refused)
    assert not Application.objects.filter(resident__person__user__username="resident.1").exists()
    created = resident.post("/residents/apply/", {**no_address, "postal_address": "桂城街道南海大道1号"})
    assert created.status_code == 302
    pk = application_id(created)
    url = f"/residents/applications/{pk}/"

    # Step 2: the pre-check comes first and offers an upload for each missing document.
    page = html(resident.get(url))
    assert page.index('id="precheck"') < page.index('id="submit"')
    assert sorted(missing_kinds(page)) == ["lease", "photo", "property_certificate"]
    assert re.search(r'<button type="submit" class="button primary wide" id="submit-button" disabled', page)
    assert 'capture="user"' in page and 'accept="image/jpeg,image/png,application/pdf"' in page
    assert resident.post(url + "submit/").status_code == 400
    assert application_of(pk).status == "draft"

    # A file that is not really an image is refused next to its control, and nothing is kept.
    bad = resident.post(url + "documents/", {"slot": "photo", "kind": "photo", "file": fake_png()})
    assert bad.status_code == 400 and 'id="upload-photo-file_error"' in html(bad)
    assert documents_of(pk) == 0

    assert resident.post(url + "documents/", {"slot": "photo", "kind": "photo", "file": png()}).status_code == 302
    lease = {"slot": "address_proof", "kind": "lease", "file": pdf()}
    assert resident.post(url + "documents/", lease).status_code == 302
    page = html(resident.get(url))
    assert missing_kinds(page) == [] and "Nothing is missing" in page
    assert 'id="submit-button">' in page  # no longer disabled

    # Step 3: submit.
    assert resident.post(url + "submit/").status_code == 302
    assert application_of(pk).status == "submitted"

    # The officer sees it in the queue, with the documents inline, and returns it.
    assert f'data-id="{pk}"' in html(officer.get("/residents/queue/"))
    review = f"/residents/queue/{pk}/"
    page = html(officer.get(review))
    documents = re.findall(r'<img class="document-thumb" src="(/residents/applications/[^"]+/documents/[^"]+/)"', page)
    assert len(documents) == 1, "the photo is a thumbnail, the PDF a link"
    masked = application_of(pk).resident.person.id_number_masked
    assert "*" in masked and masked in page
    assert officer.post(review + "return/", {"reasons": "  \n "}).status_code == 400
    assert application_of(pk).status == "submitted"
    returned = officer.post(review + "return/", {"reasons": "请补充劳动合同\n"})
    assert returned.status_code == 302
    assert (application_of(pk).status, application_of(pk).return_reasons) == ("returned", ["请补充劳动合同"])

    # The resident sees the reasons, changes the basis to the job, uploads the contract, resubmits.
    page = html(resident.get(url))
    assert 'id="return-reasons"' in page and "请补充劳动合同" in page
    change = {"basis": "job", "delivery": "post", "postal_address": "桂城街道南海大道1号"}
    assert resident.post(url + "change/", change).status_code == 302
    assert missing_kinds(html(resident.get(url))) == ["labour_contract"]
    contract = {"slot": "job_proof", "kind": "labour_contract", "file": pdf("contract.pdf")}
    assert resident.post(url + "documents/", contract).status_code == 302
    assert resident.post(url + "submit/").status_code == 302
    assert application_of(pk).status == "submitted"

    # The officer accepts, approves, issues, and posts it: the tracking number is required.
    for action, status in [("accept", "accepted"), ("approve", "approved"), ("issue", "issued")]:
        assert officer.post(review + f"{action}/").status_code == 302, action
        assert application_of(pk).status == status
    page = html(officer.post(review + "deliver/", {"tracking_number": ""}))
    assert 'id="deliver-tracking_number_error"' in page and application_of(pk).status == "issued"
    assert officer.post(review + "deliver/", {"tracking_number": "EMS1234567890"}).status_code == 302
    delivered = application_of(pk)
    assert (delivered.status, delivered.tracking_number) == ("delivered", "EMS1234567890")

    # The resident sees every step, the tracking number, no visit, and the permit.
    page = html(resident.get(url))
    assert timeline(page) == [
        "draft", "submitted", "returned", "submitted", "accepted", "approved", "issued", "delivered",
    ]  # fmt: skip
    assert "EMS1234567890" in page and 'data-visits="0"' in page
    assert delivered.permit is not None and delivered.permit.permit_number in html(resident.get("/residents/permit/"))

    # And was told of each step in the inbox.
    told = Notification.objects.filter(recipient__username="resident.1", event__startswith="application.")
    assert list(told.order_by("created_at").values_list("event", flat=True)) == [
        "application.submitted", "application.returned", "application.submitted", "application.accepted",
        "application.approved", "application.issued", "application.delivered",
    ]  # fmt: skip
    inbox = html(resident.get("/inbox/"))
    for notification in told:  # in the reader's language (English here), whatever it was sent in
        assert notification_text(notification, language="en").subject in inbox

    # The documents are the applicant's and the officer's to download, never to cache.
    photo = resident.get(documents[0])
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert photo["Cache-Control"] == "private, no-store" and photo["X-Content-Type-Options"] == "nosniff"
    assert officer.get(documents[0]).status_code == 200


# --- Sign-up ------------------------------------------------------------------------


def a_new_person() -> dict[str, str]:
    rng = random.Random()
    first17 = f"440605{rng.randrange(1970, 2000)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}"
    with town_context("dali"):
        community = Community.objects.order_by("code").first()
    assert community is not None
    return {
        "name": "李小明",
        "id_number": first17 + id_check_character(first17),
        "mobile": f"139{rng.randrange(10**8):08d}",
        "password": "Shui-Jing-2026",
        "password_again": "Shui-Jing-2026",
        "town": "dali",
        "community": str(community.pk),
        "consent": "on",
    }


def test_signing_up_through_the_pages_confirms_the_code_and_signs_in() -> None:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    person = a_new_person()

    page = html(browser.get("/residents/signup/"))
    assert page.count("<optgroup") == 7 and 'data-town="dali"' in page
    assert 'autocomplete="new-password"' in page

    # Mistakes are shown next to their fields, and nothing is sent.
    with nothing_changes(rows(User), rows(SignupVerification), rows(Resident), rows(Person), rows(Notification)):
        for mistake, field in [
            ({"password_again": "something-else"}, "password_again"),
            ({"id_number": "440605199003071230"}, "id_number"),
            ({"mobile": "12345"}, "mobile"),
            ({"community": ""}, "community"),
        ]:
            response = browser.post("/residents/signup/", {**person, **mistake})
            assert response.status_code == 400, mistake
            assert f'id="id_{field}_error"' in html(response), mistake

    started = browser.post("/residents/signup/", person)
    assert started.status_code == 302
    verify = started["Location"]
    assert re.fullmatch(r"/residents/signup/[0-9a-f-]{36}/verify/", verify)
    page = html(browser.get(verify))
    assert 'inputmode="numeric"' in page and 'autocomplete="one-time-code"' in page
    assert f"{person['mobile'][:3]}****{person['mobile'][7:]}" in page

    wrong = browser.post(verify, {"code": "000000" if texted_code() != "000000" else "111111"})
    assert wrong.status_code == 400 and 'id="id_code_error"' in html(wrong)
    confirmed = browser.post(verify, {"code": texted_code()})
    assert confirmed.status_code == 302 and confirmed["Location"] == "/residents/applications/"

    # Signed in, in the chosen town, and able to apply.
    assert browser.get("/residents/applications/").status_code == 200
    account = User.objects.get(pk=browser.session["_auth_user_id"])
    assert account.is_active and account.town_id == "dali"
    with town_context("dali"):
        assert Resident.objects.get(person__user=account).person.name == "李小明"
    assert browser.post("/residents/apply/", {"kind": "residence_registration", "basis": "home"}).status_code == 400
    draft = browser.post("/residents/apply/", {"kind": "residence_registration", "basis": "home", "delivery": "pickup"})
    assert draft.status_code == 302


def test_a_community_of_another_town_is_refused_on_the_page() -> None:
    person = a_new_person()
    with town_context("lishui"):
        elsewhere = Community.objects.order_by("code").first()
    assert elsewhere is not None
    with nothing_changes(rows(User), rows(SignupVerification), rows(Resident), rows(Person), rows(Notification)):
        response = Client().post("/residents/signup/", {**person, "community": str(elsewhere.pk)})
    assert response.status_code == 400 and 'id="id_community_error"' in html(response)


# --- Who may see what ---------------------------------------------------------------


def test_another_towns_officer_gets_404_on_the_review_page_and_the_document() -> None:
    application, document = submitted_application()
    review = f"/residents/queue/{application.pk}/"
    download = f"/residents/applications/{application.pk}/documents/{document.pk}/"

    stranger = signed_in("officer.dali")
    with nothing_changes(*about_application(application)):
        assert stranger.get(review).status_code == 404
        assert stranger.get(download).status_code == 404
        assert stranger.post(review + "accept/").status_code == 404
        assert stranger.post(review + "return/", {"reasons": "x"}).status_code == 404
        assert stranger.post(review + "reveal/id_number/").status_code == 404
        assert f'data-id="{application.pk}"' not in html(stranger.get("/residents/queue/"))
        # A district official reads every town's numbers, but not residents' documents.
        assert signed_in("official").get(download).status_code == 404
    assert application_of(str(application.pk)).status == "submitted"

    assert signed_in("officer.guicheng").get(review).status_code == 200
    assert signed_in("officer.guicheng").get(download).status_code == 200


def test_one_resident_cannot_see_or_touch_anothers_application() -> None:
    application, document = submitted_application("resident.1")
    url = f"/residents/applications/{application.pk}/"
    other = signed_in("resident.2")
    with nothing_changes(*about_application(application)):
        assert other.get(url).status_code == 404
        assert other.get(f"{url}documents/{document.pk}/").status_code == 404
        assert other.post(url + "documents/", {"slot": "other", "kind": "lease", "file": pdf()}).status_code == 404
        assert other.post(url + "submit/").status_code == 404
        assert f'href="{url}"' not in html(other.get("/residents/applications/"))
        # Nor review anything: the queue is the officers' (refused for the role); another
        # person's application is not there for them at all (404), as in the API.
        assert other.get("/residents/queue/").status_code == 403
        assert other.post(f"/residents/queue/{application.pk}/accept/").status_code == 404
        # The applicant sees their application, but reviewing it is not theirs to do.
        assert signed_in("resident.1").post(f"/residents/queue/{application.pk}/accept/").status_code == 403
    assert documents_of(str(application.pk)) == 1


def test_a_draft_is_the_residents_own_business() -> None:
    draft = ApplicationFactory(town_id="guicheng", status=Status.DRAFT)
    lease = DocumentFactory(town_id="guicheng", application=draft)
    officer, review = signed_in("officer.guicheng"), f"/residents/queue/{draft.pk}/"
    download = f"/residents/applications/{draft.pk}/documents/{lease.pk}/"

    with nothing_changes(*about_application(draft)):
        assert officer.get(review).status_code == 404
        assert officer.post(review + "accept/").status_code == 404
        assert officer.post(review + "return/", {"reasons": "请补充"}).status_code == 404
        # Its documents too, on the page as in the API (issue 8, finding 12).
        assert officer.get(download).status_code == 404
        assert bearer_client("officer.guicheng").get(f"/api/v1{download.removeprefix('/residents')}").status_code == 404


# --- Officers' actions --------------------------------------------------------------


def test_an_action_in_the_wrong_state_shows_a_message_and_changes_nothing() -> None:
    officer = signed_in("officer.dali")
    application = ApplicationFactory(town_id="dali", status=Status.SUBMITTED)
    review = f"/residents/queue/{application.pk}/"

    with nothing_changes(*about_application(application)):
        response = officer.post(review + "approve/")
        assert officer.post(review + "fly/").status_code == 404

    assert response.status_code == 409
    page = html(response)
    assert 'role="alert" id="action-error"' in page and "Cannot approve" in page
    assert 'value="accept"' in page, "the page still offers what may be done"


def test_bulk_approve_approves_the_accepted_and_reports_the_rest() -> None:
    officer = signed_in("officer.danzao")
    accepted = [ApplicationFactory(town_id="danzao", status=Status.ACCEPTED) for _ in range(2)]
    others = [ApplicationFactory(town_id="danzao", status=status) for status in (Status.SUBMITTED, Status.ISSUED)]
    ids = [str(item.pk) for item in [*accepted, *others]]

    with nothing_changes(*(watched for item in others for watched in about_application(item)[:4])):
        response = officer.post("/residents/queue/approve/", {"ids": ids, "query": "status=&page=1"})
    assert response.status_code == 302 and response["Location"] == "/residents/queue/?page=1"
    page = html(officer.get(response["Location"]))
    assert "2 applications approved." in page and "2 not approved:" in page
    # One line per refusal: who, what, and why.
    lines = re.findall(r'<li><strong class="refusal-name">([^<]+)</strong>.*?class="refusal-reason">([^<]+)<', page)
    assert sorted(name for name, _ in lines) == sorted(item.resident.person.name for item in others)
    assert all(reason.strip() for _, reason in lines)
    assert "2 not approved:" not in html(officer.get(response["Location"])), "shown once"
    with_status = {row["id"]: row["status"] for row in rows(Application, pk__in=ids).read()}
    assert with_status == {
        accepted[0].pk: "approved",
        accepted[1].pk: "approved",
        others[0].pk: "submitted",
        others[1].pk: "issued",
    }

    with nothing_changes(rows(Application, town_id="danzao")):
        nothing = officer.post("/residents/queue/approve/", {})
    assert nothing.status_code == 302 and "Choose at least one" in html(officer.get(nothing["Location"]))


def test_the_queue_shows_the_work_to_do_first_and_finished_ones_only_when_asked() -> None:
    made = a_queue_of_work("xiqiao")
    officer = signed_in("officer.xiqiao")

    page = html(officer.get("/residents/queue/"))
    assert in_order_of(re.findall(r'data-id="([^"]+)"', page), made) == WORK_ORDER
    # The date columns say what their dates are.
    assert '<th scope="col">submitted on</th>' in page and '<th scope="col">deadline</th>' in page
    assert "starts on acceptance" in page and "issued on" in page

    page = html(officer.get("/residents/queue/", {"status": "finished"}))
    assert in_order_of(re.findall(r'data-id="([^"]+)"', page), made) == ["rejected", "delivered"]
    assert '<option value="finished" selected>' in page


def test_the_queue_filters_and_flags_overdue_rows_in_words() -> None:
    # Accepted in 2025 with a 15-day deadline: overdue on any day this test runs.
    overdue = ApplicationFactory(town_id="xiqiao", status=Status.ACCEPTED)
    issued = ApplicationFactory(town_id="xiqiao", status=Status.ISSUED)
    endorsement = ApplicationFactory(town_id="xiqiao", status=Status.SUBMITTED, kind="permit_endorsement")
    officer = signed_in("officer.xiqiao")

    page = html(officer.get("/residents/queue/", {"overdue": "yes"}))
    shown = {pk: css for css, pk in re.findall(r'<tr class="([^"]*)" data-id="([^"]+)"', page)}
    assert shown[str(overdue.pk)] == "is-overdue" and str(issued.pk) not in shown
    assert set(shown.values()) == {"is-overdue"}
    assert page.count('class="overdue-flag"') == len(shown)
    page = html(officer.get("/residents/queue/", {"kind": "permit_endorsement"}))
    assert re.findall(r'data-id="([^"]+)"', page) == [str(endorsement.pk)]
    page = html(officer.get("/residents/queue/", {"status": "submitted"}))
    assert str(endorsement.pk) in page and str(overdue.pk) not in page
    assert set(re.findall(r'<tr class="[^"]*" data-id="[^"]+" data-status="([a-z_]+)"', page)) == {"submitted"}


# --- The permit ---------------------------------------------------------------------


def test_a_permit_due_for_endorsement_offers_the_endorsement() -> None:
    resident = signed_in("resident.3")
    page = html(resident.get("/residents/permit/"))
    assert 'id="permit-number"' in page and 'data-status="endorsement_due"' in page
    assert 'action="/residents/permit/endorse/"' in page
    started = resident.post("/residents/permit/endorse/", {"delivery": "pickup"})
    assert started.status_code == 302
    application = application_of(application_id(started))
    assert (application.kind, application.status) == ("permit_endorsement", "draft")
    page = html(resident.get("/residents/permit/"))
    assert f'href="/residents/applications/{application.pk}/"' in page
    assert 'action="/residents/permit/endorse/"' not in page, "one open endorsement at a time"


def test_a_resident_without_a_permit_is_told_how_to_get_one() -> None:
    page = html(signed_in("resident.1").get("/residents/permit/"))
    assert 'id="permit-number"' not in page and 'href="/residents/apply/"' in page


def test_pages_need_a_signed_in_person() -> None:
    for url in ["/residents/applications/", "/residents/apply/", "/residents/permit/", "/residents/queue/"]:
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_an_officer_reveals_the_full_id_number_once_and_it_is_audited() -> None:
    from django.contrib.sessions.models import Session
    from django.test import Client

    from nanhai_portal.tenancy import district_context, town_context
    from residents.models import Application

    browser = Client()
    browser.post("/login/", {"username": "officer.guicheng", "password": "Nanhai-2026"})
    with town_context("guicheng"):
        application = Application.objects.exclude(status="draft").first()
        full = application.resident.person.id_number
    page = browser.get(f"/residents/queue/{application.pk}/").content.decode()
    assert full not in page and full[:2] + "*" * 14 + full[16:] in page
    revealed = browser.post(f"/residents/queue/{application.pk}/reveal/id_number/")
    # Post, redirect, get: the page shows it once, and a refresh neither shows nor audits it again.
    assert revealed.status_code == 303 and revealed["Location"] == f"/residents/queue/{application.pk}/"
    shown = browser.get(revealed["Location"])
    assert full in shown.content.decode() and shown["Cache-Control"] == "no-store"
    refreshed = browser.get(revealed["Location"]).content.decode()
    assert full not in refreshed and full[:2] + "*" * 14 + full[16:] in refreshed
    with district_context():
        assert (
            AuditEvent.objects.for_all_towns().filter(action="pii.revealed", actor_username="officer.guicheng").count()
            == 1
        )
        sessions = str([session.get_decoded() for session in Session.objects.all()])
    assert full not in sessions, "a revealed number waits in the session encrypted, if at all"
    other_town = Client()
    other_town.post("/login/", {"username": "officer.dali", "password": "Nanhai-2026"})
    assert other_town.post(f"/residents/queue/{application.pk}/reveal/id_number/").status_code == 404
