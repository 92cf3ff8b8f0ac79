"""``GET /healthz``: is the database, Redis and at least one Celery worker answering?"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from redis import Redis

from nanhai_portal.celery import app as celery_app


def _reason(error: Exception) -> str:
    return f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}".rstrip(": ")


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as error:  # noqa: BLE001 - every failure is reported, not raised
        return _reason(error)


def check_redis() -> str:
    try:
        client = Redis.from_url(str(settings.CACHES["default"]["LOCATION"]), socket_timeout=2, socket_connect_timeout=2)
        client.ping()
        return "ok"
    except Exception as error:  # noqa: BLE001
        return _reason(error)


def check_workers(timeout: float = 1.0) -> str:
    try:
        replies = celery_app.control.ping(timeout=timeout)
    except Exception as error:  # noqa: BLE001
        return _reason(error)
    return "ok" if replies else f"no Celery worker answered within {timeout:.0f} s"


@never_cache
def livez(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No database, no Redis: for restarts, and the floor of benchmarks."""
    return JsonResponse({"status": "ok"})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = {"db": check_database(), "redis": check_redis()}
    report["workers"] = check_workers() if report["redis"] == "ok" else "not checked: Redis is down"
    healthy = all(value == "ok" for value in report.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", **report}, status=200 if healthy else 503)
