"""Sign-up: a new code when the first did not come, without typing the seven fields again.

A new code replaces the old one and its 10 minutes start again; at most one a minute and
five per sign-up, on the sign-up limits; the five wrong tries are per sign-up, not per code.
A stand-in (the number already has an account) is answered the same, and texts nobody.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from nanhai_portal.accounts.models import User
from nanhai_portal.notifications.models import Notification
from nanhai_portal.pii.fields import lookup_index
from residents.models import SignupVerification
from residents.signup import MAX_RESENDS
from tests.residents.helpers import texted_code
from tests.residents.test_signup import a_community, limit, start, valid_id
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db

NANHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=NANHAI)
NEW, TAKEN = "13966667777", "13800000001"  # TAKEN is resident.1's number (the demo data)


def code_of(mobile: str) -> str:
    return texted_code(recipient__mobile_index=lookup_index("mobile", mobile))


def resend(signup_id: str, address: str = "127.0.0.1") -> Any:
    return APIClient().post(f"/api/v1/signup/{signup_id}/resend/", REMOTE_ADDR=address)


def verify(signup_id: str, code: str) -> Any:
    return APIClient().post(f"/api/v1/signup/{signup_id}/verify/", {"code": code}, format="json")


def at(seconds: int) -> Any:
    return time_machine.travel(T0 + timedelta(seconds=seconds), tick=False)


def test_a_new_code_replaces_the_old_one_and_the_ten_minutes_start_again() -> None:
    with at(0):
        signup_id = start(APIClient(), mobile=NEW).json()["signup_id"]
        first = code_of(NEW)
    with at(61):
        answer = resend(signup_id)
        assert answer.status_code == 200, answer.json()
        body = answer.json()
        assert set(body) == {"signup_id", "expires", "resend_after", "resends_left"}
        assert (body["resend_after"], body["resends_left"]) == (60, MAX_RESENDS - 1)
        assert SignupVerification.objects.get(pk=signup_id).expires_at == T0 + timedelta(seconds=61 + 600)
        second = code_of(NEW)
    assert Notification.objects.filter(event="account.verify_mobile").count() == 2
    with at(120):
        if first != second:
            assert verify(signup_id, first).json()["error"]["code"] == "wrong_code"  # the old code stops working
    # Eleven minutes after the first code, the second one still works: its own ten minutes.
    with at(61 + 590):
        assert verify(signup_id, second).status_code == 201


def test_a_new_code_waits_a_minute_and_nothing_is_sent_before() -> None:
    with at(0):
        signup_id = start(APIClient(), mobile=NEW).json()["signup_id"]
    with at(20), nothing_changes(rows(Notification), rows(SignupVerification)):
        early = resend(signup_id)
    assert early.status_code == 429
    assert early.json()["error"]["code"] == "throttled"
    assert 0 < int(early["Retry-After"]) <= 40
    assert "40" in early.json()["error"]["message"]


def test_five_new_codes_per_sign_up_and_no_more(settings: Any) -> None:
    limit(settings, "signup.mobile", "100/hour")
    with at(0):
        signup_id = start(APIClient(), mobile=NEW).json()["signup_id"]
    for index in range(1, MAX_RESENDS + 1):
        with at(61 * index):
            assert resend(signup_id).status_code == 200
    with at(61 * (MAX_RESENDS + 1)), nothing_changes(rows(Notification)):
        refused = resend(signup_id)
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "too_many_resends")


def test_a_new_code_gives_no_more_wrong_tries() -> None:
    with at(0):
        signup_id = start(APIClient(), mobile=NEW).json()["signup_id"]
        for _attempt in range(4):
            assert verify(signup_id, "000000" if code_of(NEW) != "000000" else "111111").status_code == 400
    with at(61):
        assert resend(signup_id).status_code == 200
        new = code_of(NEW)
        wrong = verify(signup_id, "000000" if new != "000000" else "111111")
        assert wrong.json()["error"]["code"] == "too_many_attempts"
        assert verify(signup_id, new).json()["error"]["code"] == "too_many_attempts"
    with at(122):
        assert resend(signup_id).json()["error"]["code"] == "too_many_attempts"


def test_a_resend_counts_against_the_numbers_hourly_limit(settings: Any) -> None:
    limit(settings, "signup.mobile", "2/hour")
    for mobile in (NEW, TAKEN):
        with at(0):
            signup_id = start(APIClient(), mobile=mobile, REMOTE_ADDR="10.2.2.2").json()["signup_id"]
        with at(61):
            assert resend(signup_id, "10.2.2.3").status_code == 200
        with at(122):
            refused = resend(signup_id, "10.2.2.4")
            assert refused.status_code == 429 and int(refused["Retry-After"]) > 60


def test_a_resend_counts_against_the_address_limit(settings: Any) -> None:
    limit(settings, "signup.address", "1/hour")
    with at(0):
        signup_id = start(APIClient(), mobile=NEW, REMOTE_ADDR="10.3.3.3").json()["signup_id"]
    with at(61):
        assert resend(signup_id, "10.3.3.3").status_code == 429
        assert resend(signup_id, "10.3.3.4").status_code == 200


def test_a_stand_in_answers_the_same_and_its_holder_is_told_once(settings: Any) -> None:
    limit(settings, "signup.mobile", "100/hour")
    limit(settings, "signup.address", "100/hour")
    answers: dict[str, list[tuple[int, str]]] = {}
    for mobile in (NEW, TAKEN):
        with at(0):
            signup_id = start(APIClient(), mobile=mobile, id_number=valid_id()).json()["signup_id"]
        seen = []
        for second in (10, 61, 70, 122, 183, 244, 305, 366):
            with at(second):
                response = resend(signup_id)
                body = response.json()
                seen.append((response.status_code, body.get("error", {}).get("code", "") or str(sorted(body))))
        answers[mobile] = seen
    assert answers[NEW] == answers[TAKEN]
    assert [status for status, _code in answers[NEW]] == [429, 200, 429, 200, 200, 200, 200, 400]
    holder = User.objects.get(username="resident.1")
    assert Notification.objects.filter(recipient=holder, event="account.signup_attempted").count() == 1
    assert not Notification.objects.filter(recipient=holder, event="account.verify_mobile").exists()


def test_an_unknown_sign_up_gets_no_code() -> None:
    answer = resend("7d0a3f3e-6a57-4d0e-9d56-3a3a2f8b9c11")
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "signup_expired")
    assert resend("not-a-uuid").json()["error"]["code"] == "signup_expired"


# --- The page -----------------------------------------------------------------------


def page_signup(browser: Client, mobile: str = NEW) -> str:
    body = {
        "name": "李小明", "id_number": valid_id(), "mobile": mobile, "password": "Shui-Jing-2026",
        "password_again": "Shui-Jing-2026", "town": "dali", "community": a_community(), "consent": "on",
    }  # fmt: skip
    started = browser.post("/residents/signup/", body)
    assert started.status_code == 302, started.content.decode()[:2000]
    return str(started["Location"])


def test_the_verify_page_counts_down_then_sends_a_new_code() -> None:
    browser = Client()
    with at(0):
        verify_url = page_signup(browser)
        page = browser.get(verify_url).content.decode()
        assert 'id="resend-button"' in page and 'data-wait="60"' in page
        assert "60 秒后可重新发送验证码" in page
        resend_url = verify_url.replace("/verify/", "/resend/")
        early = browser.post(resend_url)
        assert early.status_code == 429 and "请等待 60 秒" in early.content.decode()
        first = code_of(NEW)
    with at(61):
        sent = browser.post(resend_url)
        assert sent.status_code == 302 and sent["Location"] == verify_url
        page = browser.get(verify_url).content.decode()
        assert "新的验证码已发送" in page and 'data-wait="60"' in page
        second = code_of(NEW)
        if first != second:
            assert browser.post(verify_url, {"code": first}).status_code == 400
        assert browser.post(verify_url, {"code": second})["Location"] == "/residents/applications/"


def test_an_expired_code_can_be_replaced_from_the_page() -> None:
    browser = Client()
    with at(0):
        verify_url = page_signup(browser)
    with at(11 * 60):
        expired = browser.post(verify_url, {"code": code_of(NEW)})
        assert expired.status_code == 400
        page = expired.content.decode()
        assert "本次注册已过期" in page and 'id="resend-button"' in page
        assert browser.post(verify_url.replace("/verify/", "/resend/")).status_code == 302
        assert browser.post(verify_url, {"code": code_of(NEW)}).status_code == 302
