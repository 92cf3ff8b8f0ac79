"""``/healthz`` reports the database, Redis and the workers: words for anyone, reasons for a
district admin, and never a wait on Celery in the request (finding 8)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db.utils import OperationalError
from django.test import Client

from nanhai_portal import health
from nanhai_portal.accounts.models import User
from nanhai_portal.celery import app as celery_app

pytestmark = pytest.mark.django_db

SECRET_TEXT = "password authentication failed for user nanhai_app at db.internal:5432"


def as_district_admin() -> Client:
    browser = Client()
    browser.force_login(User.objects.get(username="admin"), backend="django.contrib.auth.backends.ModelBackend")
    return browser


@pytest.fixture
def no_broadcast(monkeypatch: pytest.MonkeyPatch) -> None:
    """A request that pings the workers fails the test (and would have waited its timeout)."""

    def ping(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("/healthz must not ping Celery workers in the request")

    monkeypatch.setattr(celery_app.control, "ping", ping)
    monkeypatch.setattr(celery_app.control, "broadcast", ping)


@pytest.fixture
def own_heartbeats(monkeypatch: pytest.MonkeyPatch) -> str:
    """A heartbeat set of this test's own, so that other workers on this Redis do not count."""
    key = f"nanhai:health:workers:test-{time.monotonic_ns()}"
    monkeypatch.setattr(health, "heartbeat_key", lambda: key)
    yield key
    health._redis().delete(key)


@pytest.mark.worker
def test_all_three_services_are_ok_with_a_worker_running(celery_worker_process: str, no_broadcast: None) -> None:
    deadline = time.monotonic() + 15
    while (response := Client().get("/healthz")).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert response.status_code == 200, response.json()
    assert response.json() == {"status": "ok", "db": "ok", "redis": "ok", "workers": "ok"}
    detail = as_district_admin().get("/healthz").json()
    assert celery_worker_process in detail["workers_seen"]


def test_a_fresh_heartbeat_is_a_live_worker_and_a_stale_one_is_not(no_broadcast: None, own_heartbeats: str) -> None:
    assert Client().get("/healthz").json()["workers"] == "down"
    health.worker_heartbeat("w1@host", now=time.time() - health.HEARTBEAT_STALE_SECONDS - 1)
    assert Client().get("/healthz").json()["workers"] == "down"
    health.worker_heartbeat("w2@host")
    started = time.monotonic()
    response = Client().get("/healthz")
    assert time.monotonic() - started < 0.5, "no wait on Celery"
    assert response.status_code == 200 and response.json()["workers"] == "ok"
    assert as_district_admin().get("/healthz").json()["workers_seen"] == ["w2@host"]
    health.worker_gone("w2@host")
    assert Client().get("/healthz").status_code == 503


def test_a_redis_that_does_not_answer_says_down_to_anyone_and_why_to_the_admin(
    settings: Any, no_broadcast: None
) -> None:
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "db": "ok", "redis": "down", "workers": "down"}
    detail = as_district_admin().get("/healthz").json()["detail"]
    assert detail["redis"].startswith("ConnectionError")
    assert detail["workers"] == "not checked: Redis is down"
    # Town staff are not told why either.
    town_admin = Client()
    town_admin.force_login(
        User.objects.get(username="townadmin.dali"), backend="django.contrib.auth.backends.ModelBackend"
    )
    assert "detail" not in town_admin.get("/healthz").json()


def test_a_failing_database_tells_an_anonymous_caller_nothing_but_down(
    monkeypatch: pytest.MonkeyPatch, no_broadcast: None
) -> None:
    def broken() -> None:
        raise OperationalError(f"{SECRET_TEXT}\nDETAIL: 13800138000 440605199003071234")

    monkeypatch.setattr(health, "_ping_database", broken)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["db"] == "down" and set(response.json()) == {"status", "db", "redis", "workers"}
    text = response.content.decode()
    assert "OperationalError" not in text and "nanhai_app" not in text and "db.internal" not in text


def test_a_failing_database_reason_for_the_admin_is_one_scrubbed_line() -> None:
    error = OperationalError(f"{SECRET_TEXT} 440605199003071234\nDETAIL: more")
    assert health._reason(error) == f"OperationalError: {SECRET_TEXT} 44**************34"
