"""Signing in: tokens for the API, sessions for pages, and the lockout after repeated failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from nanhai_portal.accounts.models import AccessToken
from nanhai_portal.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/auth/token/"


def ask_token(username: str, password: str) -> object:
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json")


def test_a_correct_password_gets_a_token_that_expires_in_twelve_hours() -> None:
    response = ask_token("officer.guicheng", DEMO_PASSWORD)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "expires"}
    lifetime = timezone.datetime.fromisoformat(body["expires"]) - timezone.now()
    assert timedelta(hours=11, minutes=59) < lifetime <= timedelta(hours=12)

    me = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.status_code == 200
    assert me.json()["username"] == "officer.guicheng"


def test_only_a_digest_of_the_token_is_stored() -> None:
    token = ask_token("officer.guicheng", DEMO_PASSWORD).json()["token"]
    assert not AccessToken.objects.filter(digest=token).exists()
    assert AccessToken.objects.filter(user__username="officer.guicheng").count() == 1


def test_a_wrong_password_is_a_clear_401_in_the_one_error_shape() -> None:
    response = ask_token("officer.guicheng", "wrong-password")
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "invalid_credentials", "message": "用户名或密码不正确。", "fields": {}}
    }


def test_missing_fields_name_the_fields() -> None:
    response = APIClient().post(TOKEN_URL, {"username": ""}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"username", "password"}


def test_a_body_that_is_not_json_is_a_malformed_request() -> None:
    response = APIClient().post(TOKEN_URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_repeated_failures_lock_the_account_even_for_the_right_password() -> None:
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert ask_token("officer.dali", "guess").status_code == 401
    assert ask_token("officer.dali", "guess").status_code == 429  # the failure that reaches the limit
    response = ask_token("officer.dali", DEMO_PASSWORD)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "account_locked"
    assert "15" in response.json()["error"]["message"]
    assert response["Retry-After"] == str(15 * 60)
    # Another account is not affected.
    assert ask_token("officer.lishui", DEMO_PASSWORD).status_code == 201


def test_a_locked_account_sees_a_page_saying_so_on_the_sign_in_page() -> None:
    browser = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        browser.post("/login/", {"username": "resident.2", "password": "guess"})
    page = browser.post("/login/", {"username": "resident.2", "password": DEMO_PASSWORD})
    assert page.status_code == 429
    assert "已锁定" in page.content.decode()


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Bearer", "token_malformed"),
        ("Bearer not a token", "token_malformed"),
        ("Token abcdefghijabcdefghijabcdefghijabcdefghij123", "token_malformed"),
        ("Bearer " + "A" * 43, "token_invalid"),
    ],
)
def test_a_bad_token_is_a_401_that_says_what_is_wrong(header: str, code: str) -> None:
    response = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_is_refused_and_forgotten() -> None:
    token = ask_token("officer.guicheng", DEMO_PASSWORD).json()["token"]
    AccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"
    assert not AccessToken.objects.exists()


def test_a_revoked_token_no_longer_works() -> None:
    token = ask_token("officer.guicheng", DEMO_PASSWORD).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.delete(TOKEN_URL).status_code == 204
    assert client.get("/api/v1/me/").json()["error"]["code"] == "token_invalid"


def test_without_credentials_the_api_says_sign_in_first() -> None:
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
