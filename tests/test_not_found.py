"""An unknown URL is the portal's 404 page, in development as in production: in the reader's
language, fast, one log line and no traceback. The browser's favicon request is answered."""

from __future__ import annotations

import logging
import statistics
import time
import uuid

import pytest
from django.conf import settings as django_settings
from django.test import Client

from nanhai_portal.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug_mode(settings: object, request: pytest.FixtureRequest) -> bool:
    settings.DEBUG = request.param  # type: ignore[attr-defined]
    return request.param


def english() -> Client:
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.parametrize("debug_mode", [True, False], ids=["development", "production"], indirect=True)
def test_an_unknown_url_is_the_portals_page_in_chinese_with_one_log_line(
    debug_mode: bool, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = Client().get("/favicon.png")

    assert response.status_code == 404
    assert [template.name for template in response.templates][:2] == ["404.html", "base.html"]
    page = response.content.decode()
    assert "页面不存在" in page and '<html lang="zh-hans">' in page
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("django.request", "WARNING", "Not Found: /favicon.png")
    ]
    assert caplog.records[0].exc_info is None and "Traceback" not in caplog.text


@pytest.mark.parametrize("debug_mode", [True, False], ids=["development", "production"], indirect=True)
def test_an_unknown_url_is_in_english_for_a_reader_who_chose_english(debug_mode: bool) -> None:
    response = english().get("/no-such-page/")

    assert response.status_code == 404 and "404.html" in [template.name for template in response.templates]
    page = response.content.decode()
    assert "Page not found" in page and '<html lang="en">' in page


@pytest.mark.parametrize("debug_mode", [True], ids=["development"], indirect=True)
def test_an_unknown_url_answers_about_as_fast_as_a_trivial_view_in_development(debug_mode: bool) -> None:
    """No absolute time (shared machines): against /livez through the same stack, in the same
    run. The debug 404 page that scrubbed every setting took a thousand times as long."""
    client = Client()
    client.get("/no-such-page/")  # templates and translations loaded once, as a running server has them
    client.get("/livez")

    def median_seconds(path: str, status: int) -> float:
        timings = []
        for _ in range(7):
            started = time.perf_counter()
            assert client.get(path).status_code == status
            timings.append(time.perf_counter() - started)
        return statistics.median(timings)

    floor, not_found = median_seconds("/livez", 200), median_seconds("/no-such-page/", 404)
    assert not_found < 25 * floor, f"a 404 took {not_found * 1000:.1f} ms, /livez {floor * 1000:.1f} ms"


@pytest.mark.parametrize("debug_mode", [True, False], ids=["development", "production"], indirect=True)
def test_a_view_that_finds_nothing_answers_with_the_portals_page_for_a_signed_in_officer(debug_mode: bool) -> None:
    browser = Client()
    browser.post("/login/", {"username": "officer.dali", "password": DEMO_PASSWORD})

    response = browser.get(f"/jobs/{uuid.uuid4()}/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and 'action="/logout/"' in page  # the layout, signed in


@pytest.mark.parametrize("debug_mode", [True, False], ids=["development", "production"], indirect=True)
def test_an_unknown_api_path_keeps_the_json_error_shape(debug_mode: bool) -> None:
    response = Client().get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"code": "not_found", "message": "未找到相关内容。", "fields": {}}}


@pytest.mark.parametrize("debug_mode", [True, False], ids=["development", "production"], indirect=True)
def test_a_url_without_its_slash_still_redirects_to_the_page(debug_mode: bool) -> None:
    response = Client().get("/login")

    assert response.status_code == 301 and response["Location"] == "/login/"


def test_the_favicon_is_served_at_the_root_and_named_by_every_page() -> None:
    response = Client().get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/")
    assert b"".join(response.streaming_content).startswith(b"\x00\x00\x01\x00")  # an ICO file
    assert '<link rel="icon" href="/favicon.ico"' in Client().get("/login/").content.decode()
