"""Sign-up on a phone, as a person meets its friction (issue 10, point 6).

A mistake keeps the typed passwords and says per field what is wrong, with a summary that
leads to each field; the privacy notice must be agreed to; a code that did not come is sent
again after a visible countdown, and the old one stops working; the first screen after
sign-up says that residence registration comes first, with a button straight to it.

Each test signs up a person of its own (committed on the shared test database).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from nanhai_portal.accounts.models import PRIVACY_NOTICE_VERSION, PrivacyConsent, User
from nanhai_portal.pii.fields import lookup_index
from residents.models import SignupVerification
from tests.e2e.browser import check_accessibility, goto, press, type_into
from tests.e2e.conftest import outside_the_browser_loop
from tests.residents import helpers

pytestmark = pytest.mark.slow

TOWN = "lishui"


def a_new_person() -> dict[str, str]:
    return helpers.a_new_identity(name="陈小芳", mobile_prefix="136", password="Li-Shui-2026")


def last_code_sent_a_minute_ago(signup_id: str) -> None:
    """As if the person had waited the minute (the server's own clock decides)."""
    verification = SignupVerification.objects.get(pk=signup_id)
    verification.expires_at -= timedelta(seconds=61)
    verification.save(update_fields=["expires_at"])


def consent_of(mobile: str) -> str:
    user = User.objects.get(mobile_index=lookup_index("mobile", mobile))
    return PrivacyConsent.objects.get(user=user).notice_version


def fill_everything_but_the_passwords(page: Any, person: dict[str, str]) -> None:
    type_into(page, "#id_name", person["name"])
    type_into(page, "#id_id_number", person["id_number"])
    type_into(page, "#id_mobile", person["mobile"])
    page.select_option("#id_town", TOWN)
    community = page.locator("#id_community optgroup option").first.get_attribute("value")
    page.select_option("#id_community", community)


def focused_id(page: Any) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def test_a_mistake_keeps_the_passwords_and_each_field_says_what_it_needs(
    phone: Callable[..., Any], portal_url: str, screenshot: Callable[[Any, str], Path]
) -> None:
    base, person = portal_url, a_new_person()
    page = phone()
    goto(page, f"{base}/residents/signup/")
    assert page.locator("#id_consent").is_checked() is False, "the consent box starts unticked"
    screenshot(page, "01-signup")

    # Nothing filled in: each field says what it needs; the summary has the focus and leads on.
    press(page, page.locator("form.signup-form button[type=submit]"))
    summary = page.locator("#error-summary")
    assert focused_id(page) == "error-summary"
    links = summary.locator("a").evaluate_all("links => links.map(a => [a.getAttribute('href'), a.textContent])")
    assert ("#id_name", "请填写姓名。") in [tuple(link) for link in links]
    assert ("#id_consent", "请阅读并勾选同意《个人信息处理规则》。") in [tuple(link) for link in links]
    assert not [text for _href, text in links if "此字段" in text]
    screenshot(page, "02-every-field-empty")
    summary.locator("a[href='#id_mobile']").click()
    assert focused_id(page) == "id_mobile"
    check_accessibility(page)

    # Filled in, but the passwords differ and the box is not ticked: the passwords stay typed.
    fill_everything_but_the_passwords(page, person)
    type_into(page, "#id_password", person["password"])
    type_into(page, "#id_password_again", person["password"] + "x")
    press(page, page.locator("form.signup-form button[type=submit]"))
    assert page.locator("#id_password").input_value() == person["password"]
    assert page.locator("#id_password_again").input_value() == person["password"] + "x"
    assert page.locator("#id_consent_error").inner_text() == "请阅读并勾选同意《个人信息处理规则》。"
    assert page.locator("#id_password_again_error").is_visible()
    screenshot(page, "03-passwords-kept")

    # The privacy notice, from the box's link, in a window of its own (the form stays as typed).
    with page.context.expect_page() as opened:
        page.locator("label[for=id_consent] a").click()
    notice = opened.value
    from tests.e2e.browser import arrived, track

    track(notice)
    notice.wait_for_load_state("load")
    notice._nanhai_visits.loaded.append(notice.url)
    arrived(notice)
    assert notice.locator("h1").inner_text() == "个人信息处理规则"
    assert PRIVACY_NOTICE_VERSION in notice.locator("#notice-version").inner_text()
    screenshot(notice, "04-privacy-notice")
    notice.close()

    # Corrected: only the repeat is typed again and the box ticked.
    type_into(page, "#id_password_again", person["password"])
    page.check("#id_consent")
    press(page, page.locator("form.signup-form button[type=submit]"))
    assert re.search(r"/residents/signup/[0-9a-f-]{36}/verify/$", page.url), page.url
    assert page.locator("input[type=password]").count() == 0
    assert outside_the_browser_loop(consent_of, person["mobile"]) == PRIVACY_NOTICE_VERSION


def test_a_new_code_after_the_countdown_then_the_first_steps(
    phone: Callable[..., Any], portal_url: str, screenshot: Callable[[Any, str], Path]
) -> None:
    base, person = portal_url, a_new_person()
    page = phone()
    goto(page, f"{base}/residents/signup/")
    fill_everything_but_the_passwords(page, person)
    type_into(page, "#id_password", person["password"])
    type_into(page, "#id_password_again", person["password"])
    page.check("#id_consent")
    press(page, page.locator("form.signup-form button[type=submit]"))
    signup_id = re.search(r"/signup/([0-9a-f-]{36})/verify/", page.url).group(1)  # type: ignore[union-attr]
    verify_url = page.url

    # The button counts down the minute before a new code may be asked.
    button = page.locator("#resend-button")
    assert button.is_disabled()
    assert re.fullmatch(r"重新发送验证码（(60|59|58|57|56|55) 秒）", button.inner_text()), button.inner_text()
    page.wait_for_function("document.getElementById('resend-button').textContent.indexOf('（') >= 0")
    screenshot(page, "01-verify-countdown")
    first = outside_the_browser_loop(helpers.texted_code_to, person["mobile"])

    # A minute later it may be pressed: a new code, and the old one stops working.
    outside_the_browser_loop(last_code_sent_a_minute_ago, signup_id)
    goto(page, verify_url)
    assert button.is_enabled() and button.inner_text() == "重新发送验证码"
    press(page, button)
    assert page.url == verify_url
    assert "新的验证码已发送" in page.locator(".messages").inner_text()
    assert button.is_disabled()
    screenshot(page, "02-new-code-sent")
    second = outside_the_browser_loop(helpers.texted_code_to, person["mobile"])
    if first != second:
        type_into(page, "#id_code", first)
        press(page, page.locator("form.verify-form button[type=submit]"))
        assert "验证码不正确" in page.locator("#error-summary").inner_text()
    type_into(page, "#id_code", second)
    press(page, page.locator("form.verify-form button[type=submit]"))

    # The first screen: residence registration first, one button to it.
    assert page.url == f"{base}/residents/applications/"
    steps = page.locator("#first-steps")
    assert steps.locator("h2").inner_text() == "第一步：办理居住登记"
    assert "六个月" in steps.inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], "nothing wider than the phone"
    screenshot(page, "03-first-steps")
    press(page, page.locator("#first-steps-apply"))
    assert page.locator("input[name=kind][value=residence_registration]").is_checked()
    screenshot(page, "04-apply-registration")


def test_the_privacy_notice_in_english(
    phone: Callable[..., Any], portal_url: str, screenshot: Callable[[Any, str], Path]
) -> None:
    page = phone(locale="en-GB")
    goto(page, f"{portal_url}/privacy/")
    text = page.locator("main").inner_text()
    for words in ("Who processes it", "State Council Order No. 663", "public security organs", "Your rights"):
        assert words in text, words
    screenshot(page, "01-privacy-notice-en")
