"""The audit trail as people read it: actions and roles by name, changes as "field: old → new",
the action filter by name, dates from a date picker, and a CSV with both codes and names."""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone, translation

from governance.services.elections import ELECTION_NEXT
from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.areas.models import Town
from nanhai_portal.audit.actions import register_actions, registered_actions
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.audit.readable import Reader
from nanhai_portal.demo import DEMO_PASSWORD
from nanhai_portal.pii.services import pii_reveal
from nanhai_portal.tenancy import district_context, town_context
from residents.models import Application
from tests.conftest import BASE_DIR
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SOURCES = ["nanhai_portal", "residents", "rentals", "education", "governance"]
# Codes built with an f-string: the values their placeholder takes. A new f-string code fails
# the test below until it is listed here (and its codes are named).
DYNAMIC: dict[str, Callable[[], list[str]]] = {
    # residents.services.applications._move: every state an application moves to (never back to a draft)
    "application.{}": lambda: [status for status in Application.Status.values if status != Application.Status.DRAFT],
    # governance.services.elections._move: every step an election moves to
    "governance.election_{}": lambda: list(ELECTION_NEXT.values()),
}


def _called_name(call: ast.Call) -> str:
    function = call.func
    return function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")


def recorded_action_codes() -> Iterator[tuple[str, str]]:
    """(where, code) for every ``audit_record(action=...)`` in the project's source."""
    for package in SOURCES:
        for path in sorted((BASE_DIR / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and _called_name(node) == "audit_record"):
                    continue
                where = f"{Path(path).relative_to(BASE_DIR)}:{node.lineno}"
                for keyword in node.keywords:
                    if keyword.arg != "action":
                        continue
                    value = keyword.value
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        yield where, value.value
                    elif isinstance(value, ast.JoinedStr):
                        pattern = "".join(
                            part.value if isinstance(part, ast.Constant) else "{}" for part in value.values
                        )
                        assert pattern in DYNAMIC, f"{where}: list the values of the code {pattern!r} in DYNAMIC"
                        for filled in DYNAMIC[pattern]():
                            yield where, pattern.format(filled)
                    else:
                        pytest.fail(f"{where}: an audit action is a literal or an f-string listed in DYNAMIC")


def test_every_action_code_the_source_records_has_a_name() -> None:
    found = list(recorded_action_codes())
    assert len(found) > 25  # the scan finds the calls (a broken scan would pass on nothing)
    named = registered_actions()
    missing = sorted({f"{code} ({where})" for where, code in found if code not in named})
    assert not missing, "audit actions without a name (register_actions in the app's ready()):\n" + "\n".join(missing)


def test_every_action_in_the_seeded_trail_has_a_name() -> None:
    with district_context():
        recorded = set(AuditEvent.objects.for_all_towns().values_list("action", flat=True))
    assert recorded  # the demo data signs up, registers and applies through the services
    assert recorded <= set(registered_actions())


def test_names_are_in_the_readers_language_and_an_unknown_code_is_itself() -> None:
    event = AuditEvent(action="auth.login", actor_role="town_admin")
    with translation.override("zh-hans"):
        shown = Reader().read(event)
        assert (shown.action_label, shown.role_label) == ("登录", str(Role.TOWN_ADMIN.label))
        assert shown.role_label == "镇街管理员"
    with translation.override("en"):
        shown = Reader().read(event)
        assert (shown.action_label, shown.role_label) == ("Signed in", "town admin")
    unknown = Reader().read(AuditEvent(action="test.something", actor_role="robot"))
    assert (unknown.action_label, unknown.role_label) == ("test.something", "robot")


def test_a_status_change_reads_as_field_old_to_new() -> None:
    event = AuditEvent(
        action="application.returned",
        object_type="residents.application",
        changes={"status": ["submitted", "returned"], "note": "缺少房产证"},
    )
    with translation.override("zh-hans"):
        shown = Reader().read(event)
    assert shown.action_label == "退回补正" and shown.object_type_label == "申请"
    assert [str(line) for line in shown.changes] == ["状态: 已提交 → 已退回补正", "备注: 缺少房产证"]
    assert shown.changes_text == "状态: 已提交 → 已退回补正; 备注: 缺少房产证"
    with translation.override("en"):
        lines = [str(line) for line in Reader().read(event).changes]
    assert lines == ["status: submitted → returned for correction (退回补正)", "note: 缺少房产证"]


def test_booleans_towns_lists_and_codes_read_as_words() -> None:
    lishui = Town.objects.get(code="lishui").name
    with translation.override("zh-hans"):  # the field's name as the reader reads it
        groups = str(User._meta.get_field("groups").verbose_name)
    events = {
        "permit.endorsed": (
            AuditEvent(
                action="permit.endorsed",
                object_type="residents.permit",
                changes={
                    "late": True,
                    "continuous_since": ["2024-03-01", "2024-03-01"],
                    "status": ["endorsement_due", "valid"],
                },
            ),
            ["逾期签注: 是", "连续居住起算日期: 2024-03-01 → 2024-03-01", "状态: 待签注 → 有效"],
        ),
        "residents.moved_out": (
            AuditEvent(action="residents.moved_out", object_type="residents.resident", changes={"to": "lishui"}),
            [f"迁往: {lishui}"],
        ),
        "accounts.permissions_changed": (
            AuditEvent(
                action="accounts.permissions_changed",
                object_type="accounts.user",
                changes={"groups": [["grid_worker"], ["grid_worker", "town_officer"]]},
            ),
            [f"{groups}: 网格员 → 网格员、镇街受理员"],
        ),
        "application.document_added": (
            AuditEvent(
                action="application.document_added", object_type="residents.application", changes={"kind": "lease"}
            ),
            ["材料: 租赁合同"],
        ),
        "accounts.role_changed": (
            AuditEvent(
                action="accounts.role_changed",
                object_type="accounts.user",
                changes={"role": ["resident", "grid_worker"], "town": [None, "lishui"]},
            ),
            ["角色: 新市民 → 网格员", f"镇街: — → {lishui}"],
        ),
    }
    with translation.override("zh-hans"):
        reader = Reader()
        for action, (event, expected) in events.items():
            assert [str(line) for line in reader.read(event).changes] == expected, action


def test_personal_data_stays_as_masked_as_it_was_stored() -> None:
    resident = User.objects.get(username="resident.1")  # lives in guicheng, mobile 13800000001
    officer = User.objects.get(username="officer.guicheng")
    with town_context("guicheng"):
        assert pii_reveal(actor=officer, object_type="accounts.user", object_id=str(resident.pk), field="mobile")
    browser = Client()
    browser.post("/login/", {"username": "townadmin.guicheng", "password": DEMO_PASSWORD})
    page = browser.get("/audit/", {"action": "pii.revealed"}).content.decode()
    assert "查看完整个人信息" in page and "138****0001" in page
    assert "13800000001" not in page
    export = browser.get("/audit/export.csv", {"action": "pii.revealed"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "138****0001" in text and "13800000001" not in text


def signed_in(username: str) -> Client:
    browser = Client()
    browser.post("/login/", {"username": username, "password": DEMO_PASSWORD})
    return browser


def test_the_action_filter_is_a_select_of_named_actions_grouped_by_app() -> None:
    page = signed_in("townadmin.shishan").get("/audit/").content.decode()
    select = re.search(r'<select name="action".*?</select>', page, re.S)
    assert select, "the action filter is a select"
    assert '<optgroup label="新市民">' in select.group()
    assert '<option value="application.accepted">受理申请</option>' in select.group()
    assert '<option value="auth.login">登录</option>' in select.group()
    assert re.search(r'<option value="" selected>全部操作</option>', select.group())

    chosen = signed_in("townadmin.shishan").get("/audit/", {"action": "auth.login"}).content.decode()
    assert set(re.findall(r'data-action="([^"]+)"', chosen)) == {"auth.login"}


def test_the_town_filter_is_only_for_district_admins_and_names_the_towns() -> None:
    assert 'name="town"' not in signed_in("townadmin.shishan").get("/audit/").content.decode()
    district = signed_in("admin").get("/audit/").content.decode()
    assert f'<option value="lishui">{Town.objects.get(code="lishui").name}</option>' in district


def test_the_dates_are_date_inputs_and_the_end_may_not_come_before_the_start() -> None:
    browser = signed_in("townadmin.shishan")
    page = browser.get("/audit/").content.decode()
    assert re.search(r'<input type="date" name="since"', page) and re.search(r'<input type="date" name="until"', page)

    today = timezone.localdate()
    backwards = {"since": today.isoformat(), "until": (today - timedelta(days=1)).isoformat()}
    response = browser.get("/audit/", backwards)
    assert response.status_code == 200
    assert "截止日期不能早于起始日期。" in response.content.decode()
    assert f'value="{today.isoformat()}"' in response.content.decode()  # what was chosen stays
    browser.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "The end date is before the start date." in browser.get("/audit/", backwards).content.decode()
    same_day = browser.get("/audit/", {"since": today.isoformat(), "until": today.isoformat()}).content.decode()
    assert "The end date is before the start date." not in same_day


def test_the_csv_has_the_codes_and_the_names() -> None:
    promoted = UserFactory(role=Role.GRID_WORKER, town_id="shishan")
    export = signed_in("townadmin.shishan").get("/audit/export.csv", {"action": "accounts.role_changed"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    header, row = rows[0], next(row for row in rows[1:] if row[6] == str(promoted.pk))
    assert header[4] == "操作" and header[-4:] == ["角色名称", "操作名称", "对象类型名称", "变更内容（文字）"]
    assert row[4] == "accounts.role_changed" and row[12] == "角色变更"
    assert json.loads(row[8]) == {"role": [None, "grid_worker"], "town": [None, "shishan"]}
    assert row[-1] == f"角色: — → 网格员; 镇街: — → {Town.objects.get(code='shishan').name}"


def test_an_app_may_not_rename_another_apps_action_nor_register_a_code_of_another_shape() -> None:
    jobs = apps.get_app_config("jobs")
    before = registered_actions()
    with pytest.raises(ValueError, match=r"already named by nanhai_portal\.audit"):
        register_actions(jobs, {"auth.login": "Logged in"})
    with pytest.raises(ValueError, match=r"'<area>\.<verb>'"):
        register_actions(jobs, {"Login": "Logged in"})
    assert registered_actions() == before
