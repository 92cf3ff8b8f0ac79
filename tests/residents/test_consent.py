"""Consent to the processing of personal information (PIPL arts. 13, 14, 17, 29): asked on
sign-up, refused without it, recorded with the notice's version, never changed."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client
from rest_framework.test import APIClient

from nanhai_portal.accounts.models import PRIVACY_NOTICE_DATE, PRIVACY_NOTICE_VERSION, PrivacyConsent, User
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.pii.fields import lookup_index
from nanhai_portal.tenancy import district_context
from tests.residents.test_signup import a_community, nobody_signs_up, start, valid_id
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db


def page_body(**overrides: str) -> dict[str, str]:
    body = {
        "name": "李小明", "id_number": valid_id(), "mobile": "13966667777", "password": "Shui-Jing-2026",
        "password_again": "Shui-Jing-2026", "town": "dali", "community": a_community(), "consent": "on",
    }  # fmt: skip
    return {**body, **overrides}


def test_sign_up_without_consent_is_refused_on_the_page_and_nothing_is_made() -> None:
    body = page_body()
    del body["consent"]
    with nobody_signs_up(), nothing_changes_in_consents():
        response = Client().post("/residents/signup/", body)
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_consent_error"' in page and "请阅读并勾选同意《个人信息处理规则》" in page
    assert 'href="#id_consent"' in page


def test_sign_up_without_consent_is_refused_by_the_api() -> None:
    with nobody_signs_up():
        missing = start(APIClient(), consent=False)
        old = start(APIClient(), consent_version="0.9")
        absent = APIClient().post(
            "/api/v1/signup/",
            {"name": "李小明", "id_number": valid_id(), "mobile": "13966667777", "password": "Shui-Jing-2026",
             "town": "dali", "community": a_community()},
            format="json",
        )  # fmt: skip
    assert missing.status_code == 400 and set(missing.json()["error"]["fields"]) == {"consent"}
    assert old.status_code == 400 and set(old.json()["error"]["fields"]) == {"consent_version"}
    assert set(absent.json()["error"]["fields"]) == {"consent", "consent_version"}


def test_the_consent_is_recorded_with_the_notices_version_and_audited() -> None:
    response = Client(REMOTE_ADDR="10.9.8.7").post("/residents/signup/", page_body())
    assert response.status_code == 302
    user = User.objects.get(mobile_index=lookup_index("mobile", "13966667777"))
    consent = PrivacyConsent.objects.get(user=user)
    assert (consent.notice_version, consent.ip_address) == (PRIVACY_NOTICE_VERSION, "10.9.8.7")
    with district_context():
        event = AuditEvent.objects.for_all_towns().get(action="accounts.privacy_consented", object_id=str(user.pk))
    assert event.town_id == "dali" and event.changes == {"notice_version": PRIVACY_NOTICE_VERSION}


def test_a_stand_in_records_no_consent() -> None:
    with nothing_changes_in_consents():
        assert start(APIClient(), mobile="13800000001").status_code == 201


def test_a_consent_is_never_changed() -> None:
    assert start(APIClient()).status_code == 201
    consent = PrivacyConsent.objects.get()
    consent.notice_version = "9.9"
    with pytest.raises(DatabaseError, match="never changed"), transaction.atomic():
        consent.save()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_privacyconsent SET ip_address = NULL")
    assert PrivacyConsent.objects.get().notice_version == PRIVACY_NOTICE_VERSION


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-hans", ["个人信息处理规则", "南海区新市民服务管理部门", "国务院令第663号", "公安机关", "12345"]),
        ("en", ["Rules for processing personal information", "State Council Order No. 663", "public security"]),
    ],
)
def test_the_privacy_notice_says_who_what_why_how_long_to_whom_and_its_version(language: str, words: list[str]) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/privacy/")
    page = response.content.decode()
    assert response.status_code == 200
    assert all(word in page for word in words), [word for word in words if word not in page]
    assert PRIVACY_NOTICE_VERSION in page and PRIVACY_NOTICE_DATE.isoformat() in page


def test_the_api_names_the_notices_version() -> None:
    body = APIClient().get("/api/v1/signup/privacy-notice/").json()
    assert body["version"] == PRIVACY_NOTICE_VERSION and body["url"].endswith("/privacy/")


def nothing_changes_in_consents() -> Any:
    return nothing_changes(rows(PrivacyConsent), rows(AuditEvent, action="accounts.privacy_consented"))
