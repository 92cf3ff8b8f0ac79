"""Benchmark: requests per second of the officer queue API beside a trivial JSON view.

    make bench-queue        (or: .venv/bin/python -m tests.bench.bench_queue)

Runs against the development database (as ``make run`` sets it up; the more residents it
holds, the more telling: ``manage.py seed_demo --scale district``). Starts gunicorn with the
same workers for both, warms up, then drives each URL with the same client: keep-alive
connections from several threads, for a fixed time. Prints requests per second for
``GET /livez`` (the floor: Django, no database) and for
``GET /api/v1/applications/?page_size=20`` as ``officer.guicheng`` (token auth, the town
transaction, RLS, a page of 20 with documents and timeline), and their ratio.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def officer_token() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanhai_portal.settings")
    import django

    django.setup()
    from nanhai_portal.accounts.models import User
    from nanhai_portal.accounts.tokens import token_issue

    token, _expires = token_issue(user=User.objects.get(username="officer.guicheng"))
    return token


MARK = "bench-queue"


def fill_queue(count: int) -> int:
    """Give guicheng's queue ``count`` submitted applications (of residents without one)."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from nanhai_portal.tenancy import town_context
    from nanhai_portal.tenancy.owner import owner_connection
    from residents.models import Application, Resident

    with town_context("guicheng"):
        free = Resident.objects.filter(applications=None).values_list("pk", flat=True)[:count]
        now = timezone.now()
        made = Application.objects.bulk_create(
            [
                Application(
                    town_id="guicheng", resident_id=pk, kind="permit_issue", status="submitted",
                    submitted_at=now - timedelta(minutes=n), address=MARK,
                )
                for n, pk in enumerate(free)
            ]
        )  # fmt: skip
    # Fresh statistics, as autovacuum would gather them (it is off on these machines' servers).
    with owner_connection(), connection.cursor() as cursor:
        cursor.execute("ANALYZE residents_application, residents_resident")
    return len(made)


def empty_queue() -> None:
    from nanhai_portal.tenancy import town_context
    from residents.models import Application

    with town_context("guicheng"):
        Application.objects.filter(address=MARK).delete()


def drive(port: int, path: str, headers: dict[str, str], seconds: float) -> tuple[int, int]:
    """(requests done, errors) from CLIENTS keep-alive connections during ``seconds``."""
    done, errors = [0] * CLIENTS, [0] * CLIENTS
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                done[number] += 1
            else:
                errors[number] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(number,)) for number in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done), sum(errors)


def main() -> None:
    token = officer_token()
    queued = fill_queue(int(os.environ.get("BENCH_APPLICATIONS", "2000")))
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "nanhai_portal.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(WORKERS), "--log-level", "warning"],
        cwd=BASE_DIR, env={**os.environ, "DEBUG": "false", "LOG_LEVEL": "WARNING"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        results = {}
        for name, path, headers in (
            ("trivial view  GET /livez", "/livez", {}),
            ("officer queue GET /api/v1/applications/?page_size=20", "/api/v1/applications/?page_size=20",
             {"Authorization": f"Bearer {token}"}),
        ):  # fmt: skip
            drive(port, path, headers, 2)  # warm up
            count, errors = drive(port, path, headers, SECONDS)
            results[name] = count / SECONDS
            print(f"{name:<58} {count / SECONDS:>9,.0f} requests/s  ({errors} errors)")
        floor, queue = results.values()
        print(f"{'ratio queue / trivial':<58} {queue / floor:>9.2f}")
        print(
            f"(gunicorn sync workers: {WORKERS}, clients: {CLIENTS}, {SECONDS:.0f} s each, this machine: {os.cpu_count()} cores)"
        )
        print(f"(the queue held {queued:,} more submitted applications, removed again)")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        empty_queue()


if __name__ == "__main__":
    main()
