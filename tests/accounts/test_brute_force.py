"""Guessing passwords and locking people out: the lock is per account *and* address, sign-in
is limited per address, staff unlock from the back office, the API signs in like the page,
and a new password ends the old tokens."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from nanhai_portal.accounts.models import AccessToken, User
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.demo import DEMO_PASSWORD
from nanhai_portal.tenancy import district_context

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/auth/token/"


def ask_token(username: str, password: str, address: str = "127.0.0.1") -> Any:
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, REMOTE_ADDR=address)


def events(action: str) -> list[AuditEvent]:
    with district_context():
        return list(AuditEvent.objects.for_all_towns().filter(action=action).order_by("occurred_at"))


def lock_out(username: str, address: str) -> None:
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        ask_token(username, "guess", address)
    assert ask_token(username, DEMO_PASSWORD, address).status_code == 429


# --- The lock holds for one account from one address ---------------------------------


def test_a_stranger_cannot_lock_an_officer_out_of_their_own_machine() -> None:
    lock_out("officer.dali", "203.0.113.9")
    assert ask_token("officer.dali", DEMO_PASSWORD, "10.20.0.5").status_code == 201


def test_the_lock_still_stops_the_guesser_on_every_way_of_signing_in() -> None:
    lock_out("resident.1", "203.0.113.9")
    by_mobile = ask_token("13800000001", DEMO_PASSWORD, "203.0.113.9")
    assert by_mobile.status_code == 429 and by_mobile.json()["error"]["code"] == "account_locked"
    page = Client(REMOTE_ADDR="203.0.113.9").post("/login/", {"username": "resident.1", "password": DEMO_PASSWORD})
    assert page.status_code == 429 and "已锁定" in page.content.decode()


# --- Limits per address ---------------------------------------------------------------


def test_one_address_cannot_try_passwords_on_every_account(settings: Any) -> None:
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "signin.address": "3/minute"}
    for username in ("officer.dali", "officer.lishui", "officer.jiujiang"):
        assert ask_token(username, "guess", "203.0.113.9").status_code == 401
    refused = ask_token("officer.xiqiao", DEMO_PASSWORD, "203.0.113.9")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled" and set(refused.json()["error"]) == {
        "code",
        "message",
        "fields",
    }
    assert 0 < int(refused["Retry-After"]) <= 60
    assert ask_token("officer.xiqiao", DEMO_PASSWORD, "10.20.0.5").status_code == 201
    # The sign-in page counts on the same limit, and refuses before any password is tried.
    page = Client(REMOTE_ADDR="203.0.113.9").post("/login/", {"username": "officer.danzao", "password": "guess"})
    assert page.status_code == 429 and "Retry-After" in page and "请求过于频繁" in page.content.decode()
    assert not AccessAttempt.objects.filter(username="officer.danzao").exists()


def test_revoking_a_token_is_not_limited(settings: Any) -> None:
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "signin.address": "1/minute"}
    token = ask_token("officer.dali", DEMO_PASSWORD).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.delete(TOKEN_URL).status_code == 204


# --- Staff unlock from the back office ------------------------------------------------


def unlock_as(admin: str, target: User) -> Any:
    browser = Client()
    browser.force_login(User.objects.get(username=admin))
    return browser.post("/admin/accounts/user/", {"action": "unlock_sign_in", "_selected_action": [target.pk]})


def test_a_town_admin_unlocks_an_account_of_their_town_and_it_is_audited() -> None:
    lock_out("officer.dali", "203.0.113.9")
    officer = User.objects.get(username="officer.dali")
    assert unlock_as("townadmin.dali", officer).status_code == 302
    assert not AccessAttempt.objects.filter(username="officer.dali").exists()
    assert ask_token("officer.dali", DEMO_PASSWORD, "203.0.113.9").status_code == 201
    (event,) = events("accounts.sign_in_unlocked")
    assert (event.actor_username, event.object_id, event.town_id) == ("townadmin.dali", str(officer.pk), "dali")


def test_a_town_admin_of_another_town_neither_sees_nor_unlocks_the_account() -> None:
    lock_out("officer.dali", "203.0.113.9")
    officer = User.objects.get(username="officer.dali")
    browser = Client()
    browser.force_login(User.objects.get(username="townadmin.lishui"))
    assert "officer.dali" not in browser.get("/admin/accounts/user/?q=officer").content.decode()
    assert browser.get(f"/admin/accounts/user/{officer.pk}/change/").status_code in (302, 404)
    unlock_as("townadmin.lishui", officer)
    assert AccessAttempt.objects.filter(username="officer.dali").exists()
    assert events("accounts.sign_in_unlocked") == []


def test_the_district_admin_unlocks_any_town() -> None:
    lock_out("resident.2", "203.0.113.9")
    unlock_as("admin", User.objects.get(username="resident.2"))
    assert not AccessAttempt.objects.filter(username="resident.2").exists()


# --- The API signs in like the page ---------------------------------------------------


def test_signing_in_through_the_api_is_audited_and_sets_last_login() -> None:
    User.objects.filter(username="officer.dali").update(last_login=None)
    assert ask_token("officer.dali", DEMO_PASSWORD, "10.20.0.5").status_code == 201
    assert User.objects.get(username="officer.dali").last_login is not None
    (login,) = events("auth.login")
    assert (login.actor_username, login.town_id, login.ip_address) == ("officer.dali", "dali", "10.20.0.5")


def test_a_failed_api_sign_in_is_audited_like_a_page_one() -> None:
    ask_token("officer.dali", "guess", "203.0.113.9")
    (failure,) = events("auth.login_failed")
    assert failure.changes == {"username": "officer.dali"} and failure.ip_address == "203.0.113.9"


def test_a_good_api_sign_in_clears_the_earlier_failures() -> None:
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        ask_token("officer.dali", "guess")
    assert ask_token("officer.dali", DEMO_PASSWORD).status_code == 201
    assert ask_token("officer.dali", "guess").status_code == 401  # counting starts again


# --- A new password ends the old tokens -----------------------------------------------


def test_a_password_changed_anywhere_revokes_the_accounts_tokens() -> None:
    first = ask_token("officer.dali", DEMO_PASSWORD).json()["token"]
    ask_token("officer.lishui", DEMO_PASSWORD)
    officer = User.objects.get(username="officer.dali")
    officer.set_password("Another-Pass-2026")
    officer.save()
    assert not AccessToken.objects.filter(user=officer).exists()
    assert AccessToken.objects.filter(user__username="officer.lishui").exists()  # others keep theirs
    me = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {first}")
    assert me.json()["error"]["code"] == "token_invalid"


def test_a_password_set_in_the_back_office_revokes_the_tokens() -> None:
    ask_token("officer.dali", DEMO_PASSWORD)
    officer = User.objects.get(username="officer.dali")
    browser = Client()
    browser.force_login(User.objects.get(username="townadmin.dali"))
    changed = browser.post(
        f"/admin/accounts/user/{officer.pk}/password/",
        {"password1": "Another-Pass-2026", "password2": "Another-Pass-2026", "usable_password": "true"},
    )
    assert changed.status_code == 302
    assert not AccessToken.objects.filter(user=officer).exists()


def test_other_changes_to_the_account_keep_its_tokens() -> None:
    ask_token("officer.dali", DEMO_PASSWORD)
    officer = User.objects.get(username="officer.dali")
    officer.name = "新名字"
    officer.save()
    assert AccessToken.objects.filter(user=officer).exists()


# --- What axes keeps of a failed attempt ---------------------------------------------


@pytest.mark.parametrize("typed", ["+86 139-5555-0001", "13955550001", "11010519491231002X"])
def test_a_typed_number_that_is_no_account_is_not_kept_in_clear(typed: str) -> None:
    for _attempt in range(2):
        assert ask_token(typed, "guess").status_code == 401
        assert Client().post("/login/", {"username": typed, "password": "guess"}).status_code == 200

    attempts = list(AccessAttempt.objects.values("username", "post_data", "get_data"))
    kept = str(attempts)
    assert attempts
    assert "5555" not in kept and "0001" not in kept and "19491231" not in kept, kept
    # Repeated tries of one number still count together, as one "username".
    assert len({attempt["username"] for attempt in attempts}) == 1
    assert AccessAttempt.objects.get().failures_since_start == 4
