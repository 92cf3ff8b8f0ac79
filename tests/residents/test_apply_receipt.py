"""Applying as issue 10 asks: no draft before the day a resident may apply for a permit, the
reason for residence asked and not guessed, uploads answered as JSON for the page's script
(bad ones clear and changing nothing), and a receipt (number and expected date) on submission.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from nanhai_portal.accounts.models import User
from nanhai_portal.notifications.models import Notification
from nanhai_portal.periods import months_after
from nanhai_portal.tenancy import district_context, town_context
from residents import permit_calendar, services
from residents.models import Application, Document, Resident
from residents.services import NotEligible
from tests.factories import ApplicationFactory, ResidentFactory
from tests.residents.helpers import fake_png, pdf, png
from tests.unchanged import about_application, nothing_changes, rows

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"^\d{3}-\d{6}-\d{5,}$")


def a_resident(*, registered_months_ago: int | None = 12, town: str = "guicheng") -> Resident:
    today = timezone.localdate()
    since = None if registered_months_ago is None else months_after(today, -registered_months_ago)
    resident: Any = ResidentFactory(town_id=town, account=True, registered_since=since)
    return resident


def opens_of(resident: Resident) -> date:
    assert resident.registered_since is not None
    return permit_calendar.eligible_from(resident.registered_since)


def owner(resident: Resident) -> User:
    user = resident.person.user
    assert user is not None
    return user


def browser_of(resident: Resident) -> Client:
    client = Client()
    client.force_login(owner(resident))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def applications_of(resident: Resident) -> int:
    with district_context():
        return Application.objects.for_all_towns().filter(resident=resident).count()


# --- Point 4: not eligible yet --------------------------------------------------------


def test_a_permit_before_six_months_of_residence_is_refused_with_the_day_and_no_draft() -> None:
    resident = a_resident(registered_months_ago=3)
    opens = opens_of(resident)
    with town_context(resident.town_id), pytest.raises(NotEligible) as refused:
        services.application_create(resident=resident, kind="permit_issue", by=owner(resident))
    assert refused.value.extra["eligible_from"] == opens.isoformat()
    assert opens.isoformat() in refused.value.message
    assert applications_of(resident) == 0
    # Other kinds stay open to them.
    with town_context(resident.town_id):
        services.application_create(resident=resident, kind="residence_registration", by=owner(resident))
    assert applications_of(resident) == 1


def test_a_resident_never_registered_is_told_to_register_first() -> None:
    resident = a_resident(registered_months_ago=None)
    with town_context(resident.town_id), pytest.raises(NotEligible) as refused:
        services.application_create(resident=resident, kind="permit_issue", by=owner(resident))
    assert refused.value.extra == {"reason": "not_registered", "eligible_from": None}
    assert applications_of(resident) == 0


def test_the_api_refuses_the_permit_with_the_day_in_the_error(api: Any) -> None:
    resident = a_resident(registered_months_ago=3)
    opens = opens_of(resident)
    with nothing_changes(rows(Application, resident_id=resident.pk)):
        answer = api(owner(resident).username).post(
            "/api/v1/applications/", {"kind": "permit_issue", "basis": "job"}, format="json"
        )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert (error["code"], error["eligible_from"]) == ("not_eligible", opens.isoformat())
    assert opens.isoformat() in error["fields"]["kind"][0]


def test_the_apply_page_says_the_day_first_and_does_not_offer_the_permit() -> None:
    resident = a_resident(registered_months_ago=3)
    opens = opens_of(resident).isoformat()
    browser = browser_of(resident)
    page = browser.get("/residents/apply/").content.decode()
    assert page.index('id="permit-waiting"') < page.index('class="card apply-form"')
    assert opens in page[page.index('id="permit-waiting"') :]
    assert re.search(r'<input type="radio" name="kind" value="permit_issue"[^>]* disabled', page)
    # A posted permit anyway (no page offers it) is refused next to the choice, and nothing is made.
    refused = browser.post("/residents/apply/", {"kind": "permit_issue", "basis": "job", "delivery": "pickup"})
    assert refused.status_code == 400 and opens in refused.content.decode()
    assert applications_of(resident) == 0


def test_an_old_draft_of_a_resident_not_eligible_yet_shows_the_day_alone() -> None:
    resident = a_resident(registered_months_ago=3)
    with town_context(resident.town_id):
        draft: Any = ApplicationFactory(town_id=resident.town_id, resident=resident, status="draft")
        missing = services.application_precheck(draft)
    assert [item.code for item in missing] == ["residence_too_short"]


# --- Point 3: the reason is asked; uploads for the page's script ---------------------------


def test_the_reason_for_residence_is_asked_for_a_permit_with_its_own_error() -> None:
    resident = a_resident()
    browser = browser_of(resident)
    page = browser.get("/residents/apply/").content.decode()
    assert not re.search(r'name="basis"[^>]*checked', page), "no reason is preselected"
    refused = browser.post("/residents/apply/", {"kind": "permit_issue", "delivery": "pickup"})
    assert refused.status_code == 400
    assert "Choose why you live in Nanhai: a job, a home or study." in refused.content.decode()
    assert applications_of(resident) == 0
    # A registration does not ask it.
    made = browser.post("/residents/apply/", {"kind": "residence_registration", "delivery": "pickup"})
    assert made.status_code == 302


def test_a_second_open_application_links_to_the_first_on_the_page() -> None:
    resident = a_resident()
    with town_context(resident.town_id):
        first = services.application_create(resident=resident, kind="residence_registration", by=owner(resident))
    refused = browser_of(resident).post("/residents/apply/", {"kind": "residence_registration", "delivery": "pickup"})
    assert refused.status_code == 400
    assert f'href="/residents/applications/{first.pk}/" id="open-application"' in refused.content.decode()


def a_draft(resident: Resident, kind: str = "permit_issue") -> Application:
    with town_context(resident.town_id):
        return services.application_create(resident=resident, kind=kind, by=owner(resident), basis="home")


JSON = {"Accept": "application/json"}


def test_an_upload_from_the_script_answers_the_precheck_as_json() -> None:
    resident = a_resident()
    draft = a_draft(resident)
    url = f"/residents/applications/{draft.pk}/documents/"
    browser = browser_of(resident)
    photo = browser.post(url, {"slot": "photo", "kind": "photo", "file": png()}, headers=JSON)
    assert photo.status_code == 201
    answer = photo.json()
    assert answer["document"]["kind"] == "photo" and answer["eligible"] is False
    assert [item["code"] for item in answer["missing"]] == ["address_proof", "home_proof"]
    assert answer["summary"].startswith("2 items are still missing")
    lease = browser.post(url, {"slot": "address_proof", "kind": "lease", "file": pdf()}, headers=JSON).json()
    assert (lease["eligible"], lease["missing"]) == (True, [])
    assert lease["summary"] == "Nothing is missing. You can submit the application."


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"kind": "photo", "file": fake_png()}, "file", "wrong_file_type"),
        ({"kind": "photo", "file": pdf()}, "file", "wrong_file_type"),
        ({"kind": "photo"}, "file", "invalid"),
        ({"kind": "", "file": pdf()}, "kind", "invalid"),
    ],
    ids=["not-an-image", "pdf-as-photo", "no-file", "no-kind"],
)
def test_a_bad_upload_from_the_script_is_a_clear_error_and_changes_nothing(
    data: dict[str, Any], field: str, code: str
) -> None:
    resident = a_resident()
    draft = a_draft(resident)
    with nothing_changes(*about_application(draft)):
        answer = browser_of(resident).post(f"/residents/applications/{draft.pk}/documents/", data, headers=JSON)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == code and error["fields"][field], error


def test_an_oversized_upload_is_refused_with_the_limit_and_changes_nothing(settings: Any) -> None:
    settings.RESIDENTS_MAX_DOCUMENT_BYTES = 1024
    resident = a_resident()
    draft = a_draft(resident)
    big = png(size=(400, 400))
    assert (big.size or 0) > 1024
    with nothing_changes(*about_application(draft)):
        answer = browser_of(resident).post(
            f"/residents/applications/{draft.pk}/documents/", {"kind": "photo", "file": big}, headers=JSON
        )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "file_too_large"
    assert answer.json()["error"]["fields"]["file"] == ["At most 1 MB."]


def test_another_persons_application_is_404_for_the_script_and_changes_nothing() -> None:
    owner, stranger = a_resident(), a_resident()
    draft = a_draft(owner)
    with nothing_changes(*about_application(draft)):
        answer = browser_of(stranger).post(
            f"/residents/applications/{draft.pk}/documents/", {"kind": "photo", "file": png()}, headers=JSON
        )
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_without_the_script_the_upload_still_reloads_the_page() -> None:
    resident = a_resident()
    draft = a_draft(resident)
    answer = browser_of(resident).post(
        f"/residents/applications/{draft.pk}/documents/", {"slot": "photo", "kind": "photo", "file": png()}
    )
    assert answer.status_code == 302 and answer["Location"].endswith(f"/residents/applications/{draft.pk}/#precheck")


# --- Point 5: the receipt ---------------------------------------------------------------


def submitted(resident: Resident) -> Application:
    draft = a_draft(resident, kind="residence_registration")
    with town_context(resident.town_id):
        services.application_add_document(application=draft, kind="lease", upload=pdf(), by=owner(resident))
        return services.application_submit(application=draft, by=owner(resident))


def test_the_first_submission_gives_a_number_and_an_expected_date_that_a_resubmission_keeps(
    user: Any,
) -> None:
    resident = a_resident()
    application = submitted(resident)
    today = timezone.localdate()
    assert NUMBER.match(application.number), application.number
    assert application.number.startswith("011-")  # 桂城街道 440605011
    assert services.expected_by(application) == today + timedelta(days=services.due_days(application.kind))
    with town_context(resident.town_id):
        services.application_return(application=application, by=user("officer.guicheng"), reasons=["请补充"])
        again = services.application_submit(application=application, by=owner(resident))
        accepted = services.application_accept(application=again, by=user("officer.guicheng"))
    assert again.number == application.number
    assert services.expected_by(accepted) == timezone.localdate(accepted.due_at)
    message = Notification.objects.filter(recipient=owner(resident), event="application.submitted").first()
    assert message is not None
    assert application.number in f"{message.title} {message.body}"


def test_numbers_are_unique_and_differ_by_town() -> None:
    numbers = {submitted(a_resident(town=town)).number for town in ("guicheng", "guicheng", "shishan")}
    assert len(numbers) == 3
    assert sorted(number[:3] for number in numbers) == ["011", "011", "124"]


def test_the_receipt_is_on_the_pages_and_in_the_api(api: Any) -> None:
    resident = a_resident()
    application = submitted(resident)
    expected = services.expected_by(application)
    assert expected is not None
    browser = browser_of(resident)
    page = browser.get(f"/residents/applications/{application.pk}/").content.decode()
    assert f'id="application-number">{application.number}<' in page
    assert f">{expected.isoformat()}</time>" in page
    listing = browser.get("/residents/applications/").content.decode()
    assert application.number in listing and expected.isoformat() in listing
    detail = api(owner(resident).username).get(f"/api/v1/applications/{application.pk}/").json()
    assert (detail["number"], detail["expected_by"]) == (application.number, expected.isoformat())
    listed = api(owner(resident).username).get("/api/v1/applications/").json()["results"][0]
    assert (listed["number"], listed["expected_by"]) == (application.number, expected.isoformat())


def test_a_draft_has_no_number_and_no_expected_date() -> None:
    draft = a_draft(a_resident())
    assert draft.number == "" and services.expected_by(draft) is None


def test_the_submit_message_says_the_number_and_the_date() -> None:
    resident = a_resident()
    draft = a_draft(resident, kind="residence_registration")
    with town_context(resident.town_id):
        services.application_add_document(application=draft, kind="lease", upload=pdf(), by=owner(resident))
    browser = browser_of(resident)
    answer = browser.post(f"/residents/applications/{draft.pk}/submit/", follow=True)
    page = answer.content.decode()
    with town_context(resident.town_id):
        number = Application.objects.get(pk=draft.pk).number
    assert f"Your application is submitted: number {number}." in page
    assert timezone.localdate().isoformat() in page  # submitted today


def test_document_counts_are_unchanged_by_a_refused_permit(api: Any) -> None:
    resident = a_resident(registered_months_ago=2)
    with nothing_changes(rows(Document), rows(Application, resident_id=resident.pk)):
        api(owner(resident).username).post("/api/v1/applications/", {"kind": "permit_issue"}, format="json")
