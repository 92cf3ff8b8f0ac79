"""Names and free text are validated for what they are, in imports, forms and the API alike."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from nanhai_portal.accounts.models import User
from nanhai_portal.jobs import services
from nanhai_portal.tenancy import town_context
from nanhai_portal.validators import validate_free_text, validate_person_name, validate_place_name
from residents import synthetic
from residents.forms import RejectForm, ReturnForm, SignupForm
from residents.models import Resident
from tests.jobs.conftest import media, run_job  # noqa: F401 - fixtures of the import tests
from tests.jobs.files import csv_upload

FORMULAS = ["=HYPERLINK(1)", "+1", "-1", "@SUM(1)", "＝1", "＋1", "－1", "＠A1", " =1"]


@pytest.mark.parametrize(
    "name", ["张三", "欧阳娜娜", "阿卜杜·热合曼", "阿依古丽・买买提", "𠮷野家", "Zhang San", "Jean-Luc O'Brien", "Zoë"]
)
def test_real_person_names_pass(name: str) -> None:
    validate_person_name(name)


@pytest.mark.parametrize(
    "name", [*FORMULAS, "张三1", "张三<script>", "·张三", "张三·", "Ann--Lee", "张\u202e三", "张\t三"]
)
def test_what_is_not_a_person_name_is_refused(name: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_person_name(name)
    assert refused.value.code == "invalid_person_name"


@pytest.mark.parametrize("name", ["灯湖社区", "灯湖社区（东）第3网格", "A区3号网格", "夏西村·一组", "平洲 二网格"])
def test_real_place_names_pass(name: str) -> None:
    validate_place_name(name)


@pytest.mark.parametrize("name", [*FORMULAS, "社区\x00", "<b>村</b>"])
def test_what_is_not_a_place_name_is_refused(name: str) -> None:
    with pytest.raises(ValidationError):
        validate_place_name(name)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        *((f, "formula_start") for f in FORMULAS),
        ("平洲\x07一路", "control_characters"),
        ("路\u202e号", "control_characters"),
    ],
)
def test_free_text_may_not_start_a_formula_or_hold_control_characters(text: str, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_free_text(text)
    assert refused.value.code == code


def test_ordinary_free_text_passes() -> None:
    validate_free_text("桂城街道南海大道北 1-3 号 (东门) a=b")


@pytest.mark.django_db
def test_the_imports_report_a_formula_in_a_name_as_a_bad_row(run_job: Any) -> None:  # noqa: F811
    officer = User.objects.get(username="officer.guicheng")
    rng = random.Random(7)
    with town_context("guicheng"):
        communities = services.job_create(
            kind="communities",
            upload=csv_upload([["guicheng", "V001", "=HYPERLINK(1)", "村"], ["guicheng", "V002", "新村", "村"]]),
            by=officer,
        )
        residents = services.job_create(
            kind="residents",
            upload=csv_upload(
                [
                    ["=cmd|' /C calc'!A0", synthetic.id_number(rng), "", "guicheng", "440605011001", "", ""],
                    ["张三", synthetic.id_number(rng), "", "guicheng", "440605011001", "@SUM(1)", ""],
                ],
                header=["name", "id_number", "mobile", "town", "community", "address", "registered_since"],
            ),
            by=officer,
        )

    communities, residents = run_job(communities), run_job(residents)

    with town_context("guicheng"):
        assert list(communities.row_errors.values_list("row_number", "column", "code")) == [
            (2, "name", "invalid_place_name")
        ]
        assert communities.imported == 1
        assert sorted(residents.row_errors.values_list("row_number", "column", "code")) == [
            (2, "name", "invalid_person_name"),
            (3, "address", "formula_start"),
        ]
        assert residents.imported == 0 and not Resident.objects.filter(person__name__startswith="=").exists()


def test_the_forms_refuse_a_formula_in_a_name_or_a_reason() -> None:
    signup = SignupForm({"name": "=1+1"}, towns=[])
    assert "name" in signup.errors
    assert "reasons" in ReturnForm({"reasons": "照片不清晰\n=HYPERLINK(1)"}).errors
    assert "reason" in RejectForm({"reason": "@SUM(1)"}).errors
    assert ReturnForm({"reasons": "照片不清晰\n请补充租赁合同"}).is_valid()


@pytest.mark.django_db
def test_the_api_refuses_a_formula_in_a_return_reason(api: Any) -> None:
    officer = api("officer.shishan")
    submitted = officer.get("/api/v1/applications/", {"status": "submitted"}).json()["results"][0]
    url = f"/api/v1/applications/{submitted['id']}/"

    response = officer.post(url + "return/", {"reasons": ["=HYPERLINK(1)"]}, format="json")

    assert response.status_code == 400 and "reasons" in str(response.json()["error"]["fields"])
    assert officer.get(url).json()["status"] == "submitted"
