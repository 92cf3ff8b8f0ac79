"""The sign-up page after a mistake: the passwords stay typed (on a page no cache keeps), each
field says in its own words what is missing, and the summary at the top links to each field.
Then the first screen after sign-up says what to do first."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from nanhai_portal.accounts.models import User
from tests.residents.helpers import texted_code
from tests.residents.test_consent import page_body

pytestmark = pytest.mark.django_db

REQUIRED = {
    "name": "请填写姓名。",
    "id_number": "请填写身份证号码。",
    "mobile": "请填写手机号码。",
    "password": "请设置密码。",
    "password_again": "请再次输入密码。",
    "town": "请选择您所在的镇街。",
    "community": "请选择您所在的村（社区）。",
    "consent": "请阅读并勾选同意《个人信息处理规则》。",
}


def test_every_empty_field_says_what_it_needs_and_the_summary_links_to_it() -> None:
    response = Client().post("/residents/signup/", {})
    page = response.content.decode()
    assert response.status_code == 400
    assert "此字段" not in page and "This field" not in page
    for field, message in REQUIRED.items():
        error = re.search(rf'id="id_{field}_error">(.*?)</div>', page, re.S)
        assert error and message in error.group(1), field
        assert f'<a href="#id_{field}">{message}</a>' in page, field
    assert page.index('id="error-summary"') < page.index('id="id_name"')
    assert "<title>错误：" in page


def test_the_invalid_messages_are_specific_too() -> None:
    page = Client().post("/residents/signup/", page_body(town="nowhere", name="王" * 40)).content.decode()
    assert "请从列表中选择镇街。" in page and "姓名最多 32 个字。" in page


def test_the_passwords_stay_after_an_error_on_a_page_no_cache_keeps() -> None:
    response = Client().post("/residents/signup/", page_body(mobile="12345"))
    page = response.content.decode()
    assert response.status_code == 400
    assert page.count('value="Shui-Jing-2026"') == 2  # the password and its repeat
    assert "no-store" in response["Cache-Control"]
    assert "no-store" in Client().get("/residents/signup/")["Cache-Control"]


def test_the_password_is_not_given_back_after_the_step_succeeded() -> None:
    browser = Client()
    started = browser.post("/residents/signup/", page_body())
    verify = browser.get(started["Location"])
    assert "Shui-Jing-2026" not in verify.content.decode() and "no-store" in verify["Cache-Control"]
    assert "Shui-Jing-2026" not in browser.get("/residents/signup/").content.decode()


def test_the_first_screen_after_sign_up_says_to_register_the_residence_first() -> None:
    browser = Client()
    started = browser.post("/residents/signup/", page_body())
    landed = browser.post(started["Location"], {"code": texted_code()}, follow=True)
    page = landed.content.decode()
    assert landed.redirect_chain[-1][0] == "/residents/applications/"
    assert 'id="first-steps"' in page and "第一步：办理居住登记" in page
    assert 'href="/residents/apply/?kind=residence_registration"' in page
    apply = browser.get("/residents/apply/?kind=residence_registration").content.decode()
    assert re.search(r'value="residence_registration"[^>]*checked', apply)
    # Once an application is made, the first steps make way for the list.
    assert (
        browser.post(
            "/residents/apply/", {"kind": "residence_registration", "basis": "home", "delivery": "pickup"}
        ).status_code
        == 302
    )
    assert 'id="first-steps"' not in browser.get("/residents/applications/").content.decode()


def test_a_registered_resident_is_not_told_to_register() -> None:
    browser = Client()
    browser.force_login(User.objects.get(username="resident.2"))
    assert 'id="first-steps"' not in browser.get("/residents/applications/").content.decode()
