"""``GET /healthz``: is the database, Redis and at least one Celery worker answering?

The request never waits on Celery. Each worker writes a heartbeat (its hostname and the time)
into one Redis sorted set every ``HEARTBEAT_SECONDS``, from its own event loop (the
``WorkerHeartbeat`` boot step in ``celery.py``); ``/healthz`` reads the set once. A
broadcast ping instead waits its whole timeout for replies, holding a sync web worker for
a second per probe, so a few probes at once stalled every other page.

Anonymous callers (load balancers, monitors) get words only: ``ok``, or ``down``. A signed-in
district admin gets the reasons too (the error's type and first line, personal data
scrubbed) and the workers seen: error text tells an outsider which software and hosts run
the service.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from redis import Redis

from nanhai_portal.accounts.roles import Role
from nanhai_portal.pii import scrub

HEARTBEAT_SECONDS = 5.0
# A worker missing three heartbeats in a row is gone.
HEARTBEAT_STALE_SECONDS = 3 * HEARTBEAT_SECONDS
OK, DOWN = "ok", "down"


def _reason(error: Exception) -> str:
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return scrub(f"{type(error).__name__}: {first_line}".rstrip(": "))


_clients: dict[str, Redis] = {}


def _redis() -> Redis:
    """A client per Redis URL, kept for the process (its pool reuses the connection).

    Short timeouts: a Redis that does not answer must not hold a web worker for long.
    """
    url = str(settings.CACHES["default"]["LOCATION"])
    if url not in _clients:
        _clients[url] = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return _clients[url]


def heartbeat_key() -> str:
    """One set per Celery queue name: a smoke run's or a test run's workers are not the portal's."""
    return f"nanhai:health:workers:{settings.CELERY_TASK_DEFAULT_QUEUE}"


def worker_heartbeat(hostname: str, *, now: float | None = None, client: Redis | None = None) -> None:
    """Record that the worker ``hostname`` is alive now (called by the worker, every few seconds)."""
    now = time.time() if now is None else now
    client = client or _redis()
    pipe = client.pipeline()
    pipe.zadd(heartbeat_key(), {hostname: now})
    pipe.zremrangebyscore(heartbeat_key(), "-inf", now - 10 * HEARTBEAT_STALE_SECONDS)
    pipe.expire(heartbeat_key(), int(10 * HEARTBEAT_STALE_SECONDS))
    pipe.execute()


def worker_gone(hostname: str) -> None:
    """The worker ``hostname`` stops: forget its heartbeat at once."""
    _redis().zrem(heartbeat_key(), hostname)


def _ping_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_database() -> tuple[str, str]:
    """(word, detail) of the database."""
    try:
        _ping_database()
        return OK, OK
    except Exception as error:  # noqa: BLE001 - every failure is reported, not raised
        return DOWN, _reason(error)


def check_redis_and_workers(*, now: float | None = None) -> tuple[tuple[str, str], tuple[str, str], list[str]]:
    """(word, detail) of Redis and of the workers, and the hostnames seen, in one round trip."""
    now = time.time() if now is None else now
    try:
        seen = _redis().zrangebyscore(heartbeat_key(), now - HEARTBEAT_STALE_SECONDS, "+inf")
    except Exception as error:  # noqa: BLE001
        return (DOWN, _reason(error)), (DOWN, "not checked: Redis is down"), []
    hostnames = sorted(name.decode() if isinstance(name, bytes) else str(name) for name in seen)
    if hostnames:
        return (OK, OK), (OK, OK), hostnames
    return (OK, OK), (DOWN, f"no Celery worker has reported in {HEARTBEAT_STALE_SECONDS:.0f} s"), []


def may_see_detail(request: HttpRequest) -> bool:
    user: Any = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and getattr(user, "role", "") == Role.DISTRICT_ADMIN)


@never_cache
def livez(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No database, no Redis: for restarts, and the floor of benchmarks."""
    return JsonResponse({"status": "ok"})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status", "db", "redis", "workers"}``, each ``ok`` or ``down``; 503 unless all are ok.

    A district admin also gets ``detail`` (why, in a line each) and ``workers_seen``.
    """
    database = check_database()
    redis, workers, hostnames = check_redis_and_workers()
    words = {"db": database[0], "redis": redis[0], "workers": workers[0]}
    healthy = all(word == OK for word in words.values())
    body: dict[str, Any] = {"status": "ok" if healthy else "degraded", **words}
    if may_see_detail(request):
        body["detail"] = {"db": database[1], "redis": redis[1], "workers": workers[1]}
        body["workers_seen"] = hostnames
    return JsonResponse(body, status=200 if healthy else 503)
