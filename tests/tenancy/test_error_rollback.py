"""An error answer takes back what the request wrote (the town middleware's transaction).

Given a signed-in officer, when a view writes and then refuses (a DomainError, a validation
error, a ServiceError, a bug answered as 500, a page answering 400), then nothing it wrote
is left. Sign-in and sign-up refusals are the exception: they count failed attempts.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.demo import DEMO_PASSWORD
from nanhai_portal.tenancy import town_context
from tests.conftest import bearer_client
from tests.tenancy.error_urls import ACTION

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.tenancy.error_urls")]

OFFICER, TOWN = "officer.dali", "dali"


def written(how: str) -> int:
    with town_context(TOWN):
        return AuditEvent.objects.filter(action=ACTION, changes__how=how).count()


@pytest.mark.parametrize(
    ("how", "status"),
    [("domain-error", 400), ("validation-error", 400), ("service-error", 409), ("crash", 500)],
)
def test_an_api_error_answer_leaves_nothing_the_view_wrote(how: str, status: int) -> None:
    client = bearer_client(OFFICER)
    client.raise_request_exception = False
    response = client.post(f"/test/api/write-then/{how}/", {}, format="json")
    assert response.status_code == status
    assert written(how) == 0


def test_an_api_success_keeps_what_the_view_wrote() -> None:
    response = bearer_client(OFFICER).post("/test/api/write-then/ok/", {}, format="json")
    assert response.status_code == 201
    assert written("ok") == 1


@pytest.mark.parametrize(("how", "status"), [("bad-request", 400), ("crash", 500), ("ok", 200)])
def test_a_page_keeps_what_it_wrote_only_when_it_answers_without_error(how: str, status: int, user: Any) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(user(OFFICER))
    response = client.post(f"/test/page/write-then/{how}/")
    assert response.status_code == status
    assert written(how) == (1 if status < 400 else 0)


def test_failed_sign_ins_count_even_when_the_caller_sends_a_token_of_their_own() -> None:
    # Someone signed in as one account guesses another's password through the token endpoint.
    client = bearer_client(OFFICER)
    for _attempt in range(4):
        assert client.post("/api/auth/token/", {"username": "officer.guicheng", "password": "guess"}).status_code == 401
    assert client.post("/api/auth/token/", {"username": "officer.guicheng", "password": "guess"}).status_code == 429
    right = client.post("/api/auth/token/", {"username": "officer.guicheng", "password": DEMO_PASSWORD})
    assert right.status_code == 429


def test_wrong_sign_up_codes_count_even_when_the_caller_sends_a_token_of_their_own() -> None:
    from rest_framework.test import APIClient

    from residents.models import SignupVerification
    from tests.residents.test_signup import start

    started = start(APIClient())
    assert started.status_code == 201, started.json()
    signup_id = started.json()["signup_id"]
    client = bearer_client(OFFICER)
    wrong = client.post(f"/api/v1/signup/{signup_id}/verify/", {"code": "000000"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "wrong_code"
    assert SignupVerification.objects.get(pk=signup_id).attempts == 1
