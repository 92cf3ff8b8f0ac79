"""An officer who is also the applicant may not decide the application (finding 15).

Whoever holds the review permission, no one acts on their own case: the API answers 403
``own_application``, the review page offers no action and refuses a posted one, and nothing
changes (state, timeline, audit trail).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from nanhai_portal.accounts.models import User
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.tenancy import district_context, town_context
from residents import services
from residents.models import Application, ApplicationStep

pytestmark = pytest.mark.django_db

TOWN = "guicheng"


def an_application_of(username: str, status: str = "submitted") -> Application:
    """Given: ``username`` (an officer) is the applicant on a submitted application of their town."""
    with town_context(TOWN):
        application = Application.objects.filter(status=status, resident__person__user__isnull=True).first()
        assert application is not None, f"the demo data has no {status} application in {TOWN}"
        person = application.resident.person
        person.user = User.objects.get(username=username)
        person.save(update_fields=["user"])
        return application


def footprint(application: Application) -> tuple[str, int, int]:
    with district_context():
        return (
            Application.objects.for_all_towns().get(pk=application.pk).status,
            ApplicationStep.objects.for_all_towns().filter(application_id=application.pk).count(),
            AuditEvent.objects.filter(object_id=str(application.pk)).count(),
        )


@pytest.mark.parametrize("username", ["officer.guicheng", "townadmin.guicheng"])
@pytest.mark.parametrize(
    ("action", "body"),
    [("accept", {}), ("return", {"reasons": ["x"]}), ("reject", {"reason": "x"})],
)
def test_the_api_refuses_an_officer_their_own_application(api: Any, username: str, action: str, body: dict) -> None:
    application = an_application_of(username)
    before = footprint(application)
    response = api(username).post(f"/api/v1/applications/{application.pk}/{action}/", body, format="json")
    assert response.status_code == 403, response.json()
    assert response.json()["error"]["code"] == "own_application"
    assert footprint(application) == before


def test_bulk_approve_leaves_out_the_officers_own_application(api: Any) -> None:
    application = an_application_of("officer.guicheng", status="accepted")
    before = footprint(application)
    response = api("officer.guicheng").post(
        "/api/v1/applications/bulk-approve/", {"ids": [str(application.pk)]}, format="json"
    )
    assert [item["id"] for item in response.json()["refused"]] == [str(application.pk)]
    assert footprint(application) == before


def test_another_officer_may_still_decide_it(api: Any) -> None:
    application = an_application_of("townadmin.guicheng")
    response = api("officer.guicheng").post(f"/api/v1/applications/{application.pk}/accept/")
    assert response.status_code == 200 and response.json()["status"] == "accepted"


def test_the_review_page_offers_no_action_and_refuses_a_posted_one() -> None:
    application = an_application_of("officer.guicheng")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(
        User.objects.get(username="officer.guicheng"), backend="django.contrib.auth.backends.ModelBackend"
    )
    review = f"/residents/queue/{application.pk}/"
    page = browser.get(review).content.decode()
    assert 'id="own-application"' in page
    assert f"{review}accept/" not in page and f"{review}reject/" not in page
    assert services.review_actions(application, User.objects.get(username="officer.guicheng")) == []
    before = footprint(application)
    refused = browser.post(review + "accept/")
    assert refused.status_code == 403
    assert "your own application" in refused.content.decode()
    assert footprint(application) == before
