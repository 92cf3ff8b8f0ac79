"""Personal data is stored encrypted, found by its blind index, and re-encrypted on key rotation."""

from __future__ import annotations

import logging
import re

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ValidationError
from django.db import connection
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.accounts.services import user_create, user_set_mobile
from nanhai_portal.demo import DEMO_PASSWORD
from nanhai_portal.pii import crypto, is_valid_id_number
from nanhai_portal.pii.reporting import PIIScrubbingExceptionReporterFilter, ScrubPIIFilter
from nanhai_portal.pii.rotation import rotate_all

pytestmark = pytest.mark.django_db
MOBILE = "13912345670"


def stored_mobile(user: User) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile FROM accounts_user WHERE id = %s", [user.pk])
        return cursor.fetchone()[0]


def test_a_mobile_number_is_stored_encrypted_and_read_back_in_clear() -> None:
    user = user_create(
        username="zhang.san", password=DEMO_PASSWORD, role=Role.RESIDENT, town_code="dali", mobile=MOBILE
    )
    assert MOBILE not in stored_mobile(user)
    assert User.objects.get(pk=user.pk).mobile == MOBILE
    assert user.mobile_masked == "139****5670"


def test_encrypted_columns_cannot_be_searched_by_value() -> None:
    with pytest.raises(FieldError, match=r"Unsupported lookup"):
        list(User.objects.filter(mobile=MOBILE))


def test_one_mobile_number_belongs_to_one_account() -> None:
    user_create(username="li.si", password=DEMO_PASSWORD, role=Role.RESIDENT, town_code="dali", mobile=MOBILE)
    other = user_create(username="wang.wu", password=DEMO_PASSWORD, role=Role.RESIDENT, town_code="dali")
    with pytest.raises(ValidationError, match="已被其他账号使用"):
        user_set_mobile(user=other, mobile="+86 139 1234 5670")


def test_sign_in_by_mobile_number_works_for_pages_and_tokens() -> None:
    browser = Client()
    response = browser.post("/login/", {"username": "138 0000 0001", "password": DEMO_PASSWORD}, follow=True)
    assert response.context["user"].username == "resident.1"
    token = APIClient().post("/api/auth/token/", {"username": "13800000002", "password": DEMO_PASSWORD}, format="json")
    assert token.status_code == 201


def test_failed_sign_ins_by_mobile_count_against_the_account() -> None:
    client = APIClient()
    for typed in ["13800000003", "resident.3", "13800000003", "resident.3"]:
        assert client.post("/api/auth/token/", {"username": typed, "password": "x"}, format="json").status_code == 401
    locked = client.post("/api/auth/token/", {"username": "13800000003", "password": "x"}, format="json")
    assert locked.status_code == 429
    assert (
        client.post(
            "/api/auth/token/", {"username": "resident.3", "password": DEMO_PASSWORD}, format="json"
        ).status_code
        == 429
    )


def test_rotation_keeps_rows_readable_and_old_keys_can_then_go(settings: object) -> None:
    user = user_create(username="zhao.liu", password=None, role=Role.RESIDENT, town_code="xiqiao", mobile=MOBILE)
    old_token = stored_mobile(user)
    new_key = Fernet.generate_key().decode()
    settings.PII_ENCRYPTION_KEYS = [new_key, *settings.PII_ENCRYPTION_KEYS]  # type: ignore[attr-defined]
    assert User.objects.get(pk=user.pk).mobile == MOBILE  # still readable with the old key behind
    assert not crypto.is_encrypted_with_primary_key(old_token)

    covered = rotate_all(batch_size=2)  # several batches
    assert covered >= User.objects.count()
    assert crypto.is_encrypted_with_primary_key(stored_mobile(user))

    settings.PII_ENCRYPTION_KEYS = [new_key]  # type: ignore[attr-defined]
    assert User.objects.get(pk=user.pk).mobile == MOBILE
    assert User.objects.get(username="resident.1").mobile == "13800000001"
    assert rotate_all() == 0  # finished: a second run resumes to nothing


def test_log_lines_and_error_reports_mask_personal_data() -> None:
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "lookup %s for %s", ("44060519900307123X", MOBILE), None
    )
    ScrubPIIFilter().filter(record)
    assert record.getMessage() == "lookup 44**************3X for 139****5670"

    request = RequestFactory().post("/login/", {"username": MOBILE, "id_number": "44060519900307123X"})
    cleaned = PIIScrubbingExceptionReporterFilter().get_post_parameters(request)
    assert cleaned["username"] == "139****5670"
    assert cleaned["id_number"] == "44**************3X"


ID_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def test_a_dump_of_the_database_holds_no_id_number_and_no_plaintext_mobile(live_db: None) -> None:
    """Every row of every table, as text, scanned for valid ID numbers and the mobiles we stored."""
    from nanhai_portal.tenancy import district_context

    mobiles = {f"1380000000{n}" for n in (1, 2, 3)}  # the demo residents' numbers, committed by seed_demo
    created = user_create(
        username="dump.probe", password=None, role=Role.RESIDENT, town_code="dali", mobile="13700000077"
    )
    mobiles.add("13700000077")
    try:
        with district_context(), connection.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            tables = [row[0] for row in cursor.fetchall()]
            for table in tables:
                cursor.execute(f'SELECT t::text FROM "{table}" t')
                for (row,) in cursor.fetchall():
                    assert not any(is_valid_id_number(found) for found in ID_LIKE.findall(row)), table
                    assert not any(mobile in row for mobile in mobiles), table
    finally:
        User.objects.filter(pk=created.pk).delete()
