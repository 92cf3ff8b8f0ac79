"""``/healthz`` reports the database, Redis and the workers, each ``ok`` or why not."""

from __future__ import annotations

import pytest
from django.test import Client

from nanhai_portal import health

pytestmark = pytest.mark.django_db


@pytest.mark.worker
def test_all_three_services_are_ok_with_a_worker_running(celery_worker_process: str) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "db": "ok", "redis": "ok", "workers": "ok"}


def test_a_redis_that_does_not_answer_is_reported_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, settings: object
) -> None:
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}  # type: ignore[attr-defined]
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["db"] == "ok"
    assert body["redis"].startswith("ConnectionError")
    assert body["workers"] == "not checked: Redis is down"


def test_no_worker_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health.celery_app.control, "ping", lambda timeout: [])
    body = Client().get("/healthz").json()
    assert body["workers"].startswith("no Celery worker answered")
