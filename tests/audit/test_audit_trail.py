"""The audit trail: what it records, who reads it, and that nobody can change it."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.test import Client
from rest_framework.test import APIClient

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.audit.services import audit_record
from nanhai_portal.demo import DEMO_PASSWORD
from nanhai_portal.tenancy import district_context, town_context
from tests.factories import UserFactory
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db


def events(action: str, town: str | None = None) -> list[AuditEvent]:
    with district_context():
        found = AuditEvent.objects.for_all_towns().filter(action=action)
        return list(found.filter(town_id=town) if town else found)


def test_sign_ins_and_failures_are_recorded_with_who_where_and_from_which_address() -> None:
    Client().post("/login/", {"username": "officer.dali", "password": DEMO_PASSWORD}, REMOTE_ADDR="10.1.2.3")
    Client().post("/login/", {"username": "officer.dali", "password": "wrong"}, REMOTE_ADDR="10.1.2.4")
    login = events("auth.login", "dali")[0]
    assert (login.actor_username, login.actor_role, login.ip_address) == ("officer.dali", "town_officer", "10.1.2.3")
    assert login.request_id
    failure = events("auth.login_failed", "dali")[0]
    assert failure.changes == {"username": "officer.dali"} and failure.ip_address == "10.1.2.4"


def test_a_failed_sign_in_by_mobile_keeps_the_number_masked() -> None:
    Client().post("/login/", {"username": "13800000001", "password": "wrong"})
    assert events("auth.login_failed")[0].changes == {"username": "138****0001"}


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("+86 138-0000-0001", "138****0001"),
        ("138 0000 0001", "138****0001"),
        ("0086-13800000001", "138****0001"),
        ("(+86) 139 1234 5670", "139****5670"),
        ("110105 19491231 002x", "11**************2X"),
        ("电话 +86 138-0000-0009", "电话 +86 138****0009"),
    ],
)
def test_a_failed_sign_in_keeps_a_typed_number_masked_in_any_form(typed: str, kept: str) -> None:
    Client().post("/login/", {"username": typed, "password": "wrong"})

    event = events("auth.login_failed")[0]
    assert event.changes == {"username": kept}
    with district_context(), connection.cursor() as cursor:
        cursor.execute("SELECT changes::text FROM audit_auditevent WHERE id = %s", [event.pk])
        stored = cursor.fetchone()[0]
    assert typed not in stored and typed.replace(" ", "").replace("-", "") not in stored


def test_a_role_change_is_a_permission_change_with_before_and_after() -> None:
    from nanhai_portal.accounts.roles import Role
    from nanhai_portal.accounts.services import user_set_role

    admin = User.objects.get(username="admin")
    user_set_role(user=User.objects.get(username="grid.lishui"), role=Role.TOWN_OFFICER, town_code="lishui", by=admin)
    event = events("accounts.role_changed", "lishui")[0]
    assert event.changes == {"role": ["grid_worker", "town_officer"]}
    assert event.actor_username == "admin"


def test_updating_or_deleting_an_audit_row_through_the_apps_connection_fails() -> None:
    with town_context("dali"):
        event = audit_record(action="test.something", town="dali")
        for statement in (
            "UPDATE audit_auditevent SET action = 'x' WHERE id = %s",
            "DELETE FROM audit_auditevent WHERE id = %s",
        ):
            with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
                connection.cursor().execute(statement, [event.pk])
        with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            connection.cursor().execute("TRUNCATE audit_auditevent")
        assert AuditEvent.objects.filter(pk=event.pk, action="test.something").exists()


def test_even_the_owner_role_cannot_rewrite_history() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_auditevent'::regclass")
        assert {"audit_event_append_only", "audit_event_no_truncate"} <= {row[0] for row in cursor.fetchall()}


def test_a_town_admin_reads_their_towns_events_and_a_district_admin_all() -> None:
    made = {}
    for town in ("dali", "lishui", "dali"):
        with town_context(town):
            event = audit_record(action="test.read_by_admins", town=town)
        made[str(event.pk)] = town
    query = {"action": "test.read_by_admins", "page_size": 100}

    town_admin = APIClient()
    town_admin.force_login(User.objects.get(username="townadmin.dali"))
    towns = {row["town"] for row in town_admin.get("/api/v1/audit-events/", {"page_size": 100}).json()["results"]}
    assert towns == {"dali"}
    seen = town_admin.get("/api/v1/audit-events/", query).json()["results"]
    assert {row["id"] for row in seen} == {pk for pk, town in made.items() if town == "dali"}
    district = APIClient()
    district.force_login(User.objects.get(username="admin"))
    seen = district.get("/api/v1/audit-events/", query).json()["results"]
    assert {row["id"]: row["town"] for row in seen} == made


def test_an_officer_and_a_district_official_may_not_read_the_trail() -> None:
    for username in ("officer.dali", "official"):
        client = APIClient()
        client.force_login(User.objects.get(username=username))
        response = client.get("/api/v1/audit-events/")
        assert response.status_code == 403, username
        assert response.json()["error"]["code"] == "permission_denied"


def test_the_trail_page_filters_and_exports_csv() -> None:
    promoted = UserFactory(role=Role.GRID_WORKER, town_id="shishan")  # a role change in shishan
    elsewhere = UserFactory(role=Role.GRID_WORKER, town_id="dali")
    browser = Client()
    browser.post("/login/", {"username": "townadmin.shishan", "password": DEMO_PASSWORD})
    page = browser.get(
        "/audit/", {"action": "auth."}
    ).content.decode()  # the start of codes: links made before the select
    shown = set(re.findall(r'<tr class="audit-event" data-action="([^"]+)"', page))
    assert "auth.login" in shown and shown <= {"auth.login", "auth.logout", "auth.login_failed"}
    export = browser.get("/audit/export.csv", {"action": "accounts."})
    assert export["Content-Type"].startswith("text/csv")
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    exported = list(csv.reader(io.StringIO(text)))[1:]
    expected = rows(AuditEvent, town_id="shishan", action__startswith="accounts.").read()
    assert sorted(row[6] for row in exported) == sorted(event["object_id"] for event in expected)
    assert {row[1] for row in exported} == {"shishan"}
    assert [row[4] for row in exported if row[6] == str(promoted.pk)] == ["accounts.role_changed"]
    assert str(elsewhere.pk) not in {row[6] for row in exported}  # the object column: "28" may be in a date


def test_bad_filters_are_a_clear_error_not_a_crash() -> None:
    browser = Client()
    browser.post("/login/", {"username": "townadmin.shishan", "password": DEMO_PASSWORD})
    browser.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = browser.get("/audit/", {"since": "not-a-date"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()


def test_revealing_a_mobile_number_is_permitted_audited_and_404_across_towns() -> None:
    resident = User.objects.get(username="resident.1")  # lives in guicheng
    body = {"object_type": "accounts.user", "object_id": str(resident.pk), "field": "mobile"}

    officer = APIClient()
    officer.force_login(User.objects.get(username="officer.guicheng"))
    response = officer.post("/api/v1/pii/reveal/", body, format="json")
    assert response.status_code == 200 and response.json() == {"value": "13800000001"}
    assert response["Cache-Control"] == "no-store"
    event = events("pii.revealed", "guicheng")[0]
    assert event.actor_username == "officer.guicheng" and event.changes == {"field": "mobile", "value": "138****0001"}

    other_town = APIClient()
    other_town.force_login(User.objects.get(username="officer.dali"))
    official = APIClient()
    official.force_login(User.objects.get(username="official"))
    not_encrypted = {**body, "field": "username"}
    with nothing_changes(rows(AuditEvent), rows(User, pk=resident.pk)):
        assert other_town.post("/api/v1/pii/reveal/", body, format="json").status_code == 404
        assert official.post("/api/v1/pii/reveal/", body, format="json").status_code == 403
        assert officer.post("/api/v1/pii/reveal/", not_encrypted, format="json").status_code == 404
    assert len(events("pii.revealed")) == 1


@pytest.mark.parametrize("username", ["resident.1", "officer.guicheng", "official"])
def test_revealing_an_unknown_model_or_field_is_a_client_error_for_any_role_not_a_crash(username: str) -> None:
    """Schemathesis found an unknown field answered 500 (``FieldDoesNotExist``) to anyone signed in."""
    resident = User.objects.get(username="resident.1")
    caller = APIClient()
    caller.force_login(User.objects.get(username=username))
    for object_type, field in [
        ("accounts.user", "no_such_field"),
        ("accounts.nosuch", "mobile"),
        ("nosuch.user", "mobile"),
    ]:
        body = {"object_type": object_type, "object_id": str(resident.pk), "field": field}
        response = caller.post("/api/v1/pii/reveal/", body, format="json")
        assert response.status_code == 404, (body, response.status_code)
    for object_type, field in [("accounts", "mobile"), ("accounts.user.extra", "mobile"), ("accounts.user", "a b")]:
        body = {"object_type": object_type, "object_id": str(resident.pk), "field": field}
        response = caller.post("/api/v1/pii/reveal/", body, format="json")
        assert response.status_code == 400, (body, response.status_code)
        assert response.json()["error"]["code"] == "validation_error"
    assert events("pii.revealed") == []
