"""Self sign-up with a code by SMS, and the mistakes people make on the way."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from nanhai_portal.areas.models import Community
from nanhai_portal.notifications.models import Notification
from nanhai_portal.tenancy import town_context
from residents.models import Resident
from tests.residents.helpers import texted_code

pytestmark = pytest.mark.django_db


def valid_id() -> str:
    from nanhai_portal.pii.validators import id_check_character

    return "44060519900307123" + id_check_character("44060519900307123")


def a_community(town: str = "dali") -> str:
    with town_context(town):
        return str(Community.objects.order_by("code").first().pk)


def start(client: APIClient, **overrides: Any) -> Any:
    body = {
        "name": "李小明", "id_number": valid_id(), "mobile": "139 2222 3333", "password": "Shui-Jing-2026",
        "town": "dali", "community": a_community(),
    }  # fmt: skip
    return client.post("/api/v1/signup/", {**body, **overrides}, format="json")


def test_sign_up_confirm_the_code_and_apply() -> None:
    client = APIClient()
    started = start(client)
    assert started.status_code == 201, started.json()
    assert started.json()["mobile"] == "139****3333"
    wrong = client.post(f"/api/v1/signup/{started.json()['signup_id']}/verify/", {"code": "000000"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "wrong_code"
    token = client.post(f"/api/v1/signup/{started.json()['signup_id']}/verify/", {"code": texted_code()}, format="json")
    assert token.status_code == 201
    signed_in = APIClient()
    signed_in.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['token']}")
    assert signed_in.get("/api/v1/me/").json()["town"] == "dali"
    with town_context("dali"):
        resident = Resident.objects.get(user__name="李小明")
        assert resident.id_number == valid_id() and resident.mobile == "13922223333"
    draft = signed_in.post("/api/v1/applications/", {"kind": "residence_registration"}, format="json")
    assert draft.status_code == 201 and draft.json()["town"] == "dali"
    # And signs in by mobile number from now on.
    assert (
        APIClient()
        .post("/api/auth/token/", {"username": "13922223333", "password": "Shui-Jing-2026"}, format="json")
        .status_code
        == 201
    )


def test_five_wrong_codes_end_the_sign_up() -> None:
    client = APIClient()
    signup_id = start(client).json()["signup_id"]
    for _attempt in range(5):
        client.post(f"/api/v1/signup/{signup_id}/verify/", {"code": "000000"}, format="json")
    last = client.post(f"/api/v1/signup/{signup_id}/verify/", {"code": texted_code()}, format="json")
    assert last.json()["error"]["code"] == "too_many_attempts"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": "440605199003071230"}, "id_number"),
        ({"id_number": "44060519900230123X"}, "id_number"),
        ({"mobile": "12345"}, "mobile"),
        ({"password": "123"}, "password"),
        ({"town": "nowhere"}, "town"),
        ({"community": "not-a-uuid"}, "community"),
        ({"name": "<script>"}, "name"),
    ],
)
def test_a_wrong_field_is_named_and_nothing_is_created(overrides: dict[str, str], field: str) -> None:
    response = start(APIClient(), **overrides)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Notification.objects.filter(event="account.verify_mobile").exists()


def test_a_community_of_another_town_is_refused() -> None:
    response = start(APIClient(), community=a_community("lishui"))
    assert response.status_code == 400 and "community" in response.json()["error"]["fields"]


def test_a_person_already_registered_cannot_sign_up_again() -> None:
    with town_context("guicheng"):
        taken = Resident.objects.get(user__username="resident.1").id_number
    response = start(APIClient(), id_number=taken, mobile="13933334444")
    assert response.status_code == 400 and response.json()["error"]["code"] == "already_registered"


def test_a_mobile_number_of_an_account_is_refused() -> None:
    response = start(APIClient(), mobile="13800000001")
    assert response.json()["error"]["code"] == "mobile_taken"
