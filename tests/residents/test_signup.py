"""Self sign-up with a code by SMS, and the mistakes people make on the way."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from nanhai_portal.accounts.models import PRIVACY_NOTICE_VERSION, User
from nanhai_portal.areas.models import Community
from nanhai_portal.notifications.models import Notification
from nanhai_portal.pii.fields import lookup_index
from nanhai_portal.tenancy import town_context
from residents.models import Person, Resident, SignupVerification
from residents.tasks import signups_purge
from tests.residents.helpers import texted_code
from tests.unchanged import nothing_changes, rows

NANHAI = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.django_db


def valid_id() -> str:
    from nanhai_portal.pii.validators import id_check_character

    return "44060519900307123" + id_check_character("44060519900307123")


def a_community(town: str = "dali") -> str:
    with town_context(town):
        return str(Community.objects.order_by("code").first().pk)


def start(client: APIClient, REMOTE_ADDR: str = "127.0.0.1", **overrides: Any) -> Any:
    body = {
        "name": "李小明", "id_number": valid_id(), "mobile": "139 2222 3333", "password": "Shui-Jing-2026",
        "town": "dali", "community": a_community(), "consent": True, "consent_version": PRIVACY_NOTICE_VERSION,
    }  # fmt: skip
    return client.post("/api/v1/signup/", {**body, **overrides}, format="json", REMOTE_ADDR=REMOTE_ADDR)


def nobody_signs_up() -> Any:
    """No account, sign-up, resident or text message is made."""
    return nothing_changes(rows(User), rows(SignupVerification), rows(Resident), rows(Person), rows(Notification))


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
        person = Resident.objects.get(person__user__name="李小明").person
        assert person.id_number == valid_id() and person.mobile == "13922223333"
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
    code = texted_code()
    wrong = "000000" if code != "000000" else "111111"
    answers = [
        client.post(f"/api/v1/signup/{signup_id}/verify/", {"code": wrong}, format="json") for _attempt in range(5)
    ]
    assert {response.status_code for response in answers} == {400}
    assert [response.json()["error"]["code"] for response in answers] == [*["wrong_code"] * 4, "too_many_attempts"]
    with nothing_changes(rows(User, is_active=True), rows(Resident)):
        last = client.post(f"/api/v1/signup/{signup_id}/verify/", {"code": code}, format="json")
    assert last.status_code == 400
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
    with nobody_signs_up():
        response = start(APIClient(), **overrides)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert set(response.json()["error"]["fields"]) == {field}


def test_a_community_of_another_town_is_refused() -> None:
    with nobody_signs_up():
        response = start(APIClient(), community=a_community("lishui"))
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"community"}


# --- Nobody learns from sign-up who is registered (finding 2) ------------------------


def registered_id_number(username: str = "resident.1") -> str:
    with town_context("guicheng"):
        return Resident.objects.get(person__user__username=username).person.id_number


def shape(response: Any) -> tuple[int, list[str], str]:
    body = response.json()
    return response.status_code, sorted(body), re.sub(r"\d", "9", body.get("mobile", ""))


def test_a_registered_mobile_number_gets_the_same_answer_and_its_holder_is_told() -> None:
    accounts_before = User.objects.count()
    new = start(APIClient(), mobile="13966667777", id_number=valid_id())
    taken = start(APIClient(), mobile="13800000001", id_number=valid_id())
    assert shape(new) == shape(taken) == (201, ["expires", "mobile", "signup_id"], "999****9999")
    assert taken.json()["mobile"] == "138****0001"
    # No account for the second; the number's holder gets a notice, nobody gets a code.
    assert User.objects.count() == accounts_before + 1
    holder = User.objects.get(username="resident.1")
    notice = Notification.objects.get(event="account.signup_attempted")
    assert notice.recipient == holder and not re.search(r"\d{6}", notice.body)
    assert notice.outbox.get().channel == "sms"
    assert not Notification.objects.filter(event="account.verify_mobile", recipient=holder).exists()
    # The verify step answers as for any wrong code.
    for response in (new, taken):
        wrong = APIClient().post(f"/api/v1/signup/{response.json()['signup_id']}/verify/", {"code": "000000"})
        assert (wrong.status_code, wrong.json()["error"]["code"]) == (400, "wrong_code")


def test_a_registered_id_number_is_told_only_to_whoever_confirms_the_new_number() -> None:
    residents_before = Resident.objects.for_all_towns().count()
    accounts_before = User.objects.count()
    new = start(APIClient(), mobile="13966667777", id_number=valid_id())
    clash = start(APIClient(), mobile="13955556666", id_number=registered_id_number())
    assert shape(new) == shape(clash)

    answer = APIClient().post(f"/api/v1/signup/{clash.json()['signup_id']}/verify/", {"code": texted_code()})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "id_number_registered" and "服务中心" in error["message"]
    holder = User.objects.get(username="resident.1")
    assert holder.name not in str(error) and "138" not in str(error)  # nothing of the other person
    assert Resident.objects.for_all_towns().count() == residents_before
    assert User.objects.count() == accounts_before + 1  # the clash's inactive account is gone
    again = APIClient().post(f"/api/v1/signup/{clash.json()['signup_id']}/verify/", {"code": texted_code()})
    assert again.json()["error"]["code"] == "signup_expired"


def test_the_pages_answer_the_same_for_a_new_and_a_registered_number() -> None:
    def post(mobile: str) -> Any:
        body = {
            "name": "李小明", "id_number": valid_id(), "mobile": mobile, "password": "Shui-Jing-2026",
            "password_again": "Shui-Jing-2026", "town": "dali", "community": a_community(), "consent": "on",
        }  # fmt: skip
        browser = Client()
        started = browser.post("/residents/signup/", body)
        return started, browser.get(started["Location"])

    (new, new_page), (taken, taken_page) = post("13966667777"), post("13800000001")
    assert new.status_code == taken.status_code == 302
    assert re.fullmatch(r"/residents/signup/[0-9a-f-]{36}/verify/", taken["Location"])
    assert new_page.status_code == taken_page.status_code == 200
    assert "138****0001" in taken_page.content.decode()
    assert Notification.objects.filter(event="account.signup_attempted").count() == 1


def limit(settings: Any, scope: str, rate: str) -> None:
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, scope: rate}


def test_sign_up_is_limited_per_client_address(settings: Any) -> None:
    limit(settings, "signup.address", "2/hour")
    for number in ("13911110001", "13911110002"):
        assert start(APIClient(), mobile=number, REMOTE_ADDR="10.1.1.1").status_code == 201
    refused = start(APIClient(), mobile="13911110003", REMOTE_ADDR="10.1.1.1")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled" and set(refused.json()["error"]) == {
        "code", "message", "fields",
    }  # fmt: skip
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert start(APIClient(), mobile="13911110003", REMOTE_ADDR="10.1.1.2").status_code == 201


def test_sign_up_is_limited_per_mobile_number_whatever_the_address(settings: Any) -> None:
    limit(settings, "signup.mobile", "2/hour")
    for address in ("10.1.1.1", "10.1.1.2"):
        assert start(APIClient(), mobile="139 1111 0001", REMOTE_ADDR=address).status_code == 201
    assert start(APIClient(), mobile="+86 139-1111-0001", REMOTE_ADDR="10.1.1.3").status_code == 429
    # The number is never a cache key in clear.
    from django.core.cache import cache

    keys = cache._cache.get_client().keys("*throttle:signup.mobile*")  # type: ignore[attr-defined]
    assert keys and not any(b"13911110001" in key for key in keys)


def test_sign_up_is_limited_for_everyone_together(settings: Any) -> None:
    limit(settings, "signup.global", "2/minute")
    for index, address in enumerate(("10.1.1.1", "10.1.1.2")):
        assert start(APIClient(), mobile=f"1391111000{index}", REMOTE_ADDR=address).status_code == 201
    assert start(APIClient(), mobile="13911110009", REMOTE_ADDR="10.1.1.3").status_code == 429


def test_the_sign_up_page_shares_the_limits(settings: Any) -> None:
    limit(settings, "signup.address", "1/hour")
    assert start(APIClient(), mobile="13911110001", REMOTE_ADDR="10.1.1.1").status_code == 201
    body = {
        "name": "李小明", "id_number": valid_id(), "mobile": "13911110002", "password": "Shui-Jing-2026",
        "password_again": "Shui-Jing-2026", "town": "dali", "community": a_community(), "consent": "on",
    }  # fmt: skip
    page = Client(REMOTE_ADDR="10.1.1.1").post("/residents/signup/", body)
    assert page.status_code == 429 and int(page["Retry-After"]) > 0
    assert "请求过于频繁" in page.content.decode()
    assert Notification.objects.filter(event="account.verify_mobile").count() == 1


def test_the_code_step_is_limited_per_client_address(settings: Any) -> None:
    limit(settings, "signup_verify.address", "2/minute")
    signup_id = start(APIClient()).json()["signup_id"]
    for _attempt in range(2):
        APIClient().post(f"/api/v1/signup/{signup_id}/verify/", {"code": "000000"}, REMOTE_ADDR="10.1.1.1")
    refused = APIClient().post(f"/api/v1/signup/{signup_id}/verify/", {"code": texted_code()}, REMOTE_ADDR="10.1.1.1")
    assert refused.status_code == 429 and "Retry-After" in refused


def test_when_the_days_sms_are_spent_a_code_is_refused_not_dropped(settings: Any) -> None:
    settings.NOTIFICATION_DAILY_BUDGETS = {"sms": 1}
    accounts_before = User.objects.count()
    assert start(APIClient(), mobile="13911110001").status_code == 201
    refused = start(APIClient(), mobile="13911110002")
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "channel_budget_spent" and "明天" in refused.json()["error"]["message"]
    assert User.objects.count() == accounts_before + 1  # the refused sign-up left nothing behind
    assert Notification.objects.filter(event="account.verify_mobile").count() == 1


def test_unconfirmed_sign_ups_and_their_accounts_go_after_a_day() -> None:
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=NANHAI), tick=False):
        old = start(APIClient(), mobile="13911110001").json()["signup_id"]
        stand_in = start(APIClient(), mobile="13800000002").json()["signup_id"]
        assert SignupVerification.objects.get(pk=stand_in).user_id is None
        confirmed = start(APIClient(), mobile="13911110003").json()["signup_id"]
        assert (
            APIClient()
            .post(
                f"/api/v1/signup/{confirmed}/verify/",
                {"code": texted_code(recipient__mobile_index=lookup_index("mobile", "13911110003"))},
            )
            .status_code
            == 201
        )
    with time_machine.travel(datetime(2026, 3, 3, 8, 0, tzinfo=NANHAI), tick=False):
        recent = start(APIClient(), mobile="13911110004").json()["signup_id"]
    old_user = SignupVerification.objects.get(pk=old).user_id

    with time_machine.travel(datetime(2026, 3, 3, 9, 30, tzinfo=NANHAI), tick=False):
        assert signups_purge() == 2
        assert signups_purge() == 0  # a second run does nothing

    assert set(SignupVerification.objects.values_list("pk", flat=True)) == {UUID(recent)}
    assert not User.objects.filter(pk=old_user).exists()
    assert User.objects.filter(username="resident.2", is_active=True).exists()
    assert User.objects.filter(mobile_index=lookup_index("mobile", "13911110003"), is_active=True).exists()
