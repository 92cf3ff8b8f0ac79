"""Benchmark: the district's rentals at full scale: loading, statistics against SQL, the grid
worker's today list against the officer queue page, and an offline sync batch against a
trivial request, each ratio against a floor measured in the same run.

    (the environment of bench_import: DATABASE_URL as the app role, DATABASE_OWNER_URL, REDIS_URL)
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo --scale district
    .venv/bin/python -m tests.bench.bench_rentals            # --scale 0.1, --skip-http, --seconds N

1. Loading: ``seed_district_rentals`` at ``--scale`` (1.0: 300,000 houses, 1.2 million
   inspections, 395,000 hazards), timed; a second call finds it loaded and adds nothing
   (``seed_demo --scale district`` loads the same). Then ``ANALYZE`` as the owner role.
2. Statistics: every selector of ``rentals.statistics`` for the whole district, timed, and
   compared with hand-written SQL (``tests/rentals/test_statistics.py``): they must agree.
3. Pages (``wrk``, ``apt-get install wrk``): gunicorn with sync workers, then for a fixed
   time each ``GET /rentals/today/`` as ``grid.guicheng`` and ``GET /residents/queue/`` as
   ``officer.guicheng`` (session cookies); the today list's median latency must be within
   ``TODAY_LIMIT`` (2×) of the queue page's.
4. Sync: ``POST /api/v1/inspections/sync/`` with 50 inspections of 16 items (800 items, a few
   hazards) to ``grid.guicheng``'s houses, new client ids each time, against the median of
   ``GET /livez`` one request at a time; the batch must take at most ``SYNC_LIMIT`` (50×).
   The batches' inspections stay (their hazards, audit events and notifications with them:
   the audit trail cannot be deleted); they are marked with the note ``bench_rentals``.

Prints each figure and ratio, and exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics as stats
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanhai_portal.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from nanhai_portal.accounts.models import User  # noqa: E402
from nanhai_portal.accounts.tokens import token_issue  # noqa: E402
from nanhai_portal.tenancy import district_context, town_context  # noqa: E402
from nanhai_portal.tenancy.owner import owner_connection  # noqa: E402
from rentals import access, selectors, statistics  # noqa: E402
from rentals.district_loader import seed_district_rentals  # noqa: E402
from rentals.models import HazardCategory  # noqa: E402
from tests.bench.bench_queue import free_port  # noqa: E402
from tests.rentals.test_statistics import disagreements  # noqa: E402

BASE_DIR = Path(__file__).resolve().parents[2]
TOWN = "guicheng"
TODAY_LIMIT = 2.0
SYNC_LIMIT = 50.0
SYNC_INSPECTIONS = 50
TABLES = ("rentals_rentalhouse", "rentals_inspection", "rentals_hazard", "rentals_tenancy", "residents_person")
failures: list[str] = []


def check(ok: bool, message: str) -> None:
    print(("ok    " if ok else "FAIL  ") + message)
    if not ok:
        failures.append(message)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def load(scale: float, processes: int) -> None:
    loaded, seconds = timed(lambda: seed_district_rentals(scale=scale, processes=processes, report=print))
    rows = loaded.houses + loaded.inspections + loaded.hazards + loaded.landlords + loaded.tenancies
    print(
        f"loaded: {loaded.houses:,} houses, {loaded.inspections:,} inspections ({loaded.answers:,} answers), "
        f"{loaded.hazards:,} hazards, {loaded.landlords:,} landlords, {loaded.tenancies:,} tenancies "
        f"in {seconds:,.1f} s ({rows / seconds if seconds else 0:,.0f} rows/s, {processes} processes)"
    )
    with owner_connection(), connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ANALYZE {table}")


def statistics_check() -> None:
    now = timezone.now()
    with district_context():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM rentals_rentalhouse")
            houses = cursor.fetchone()[0]
            cursor.execute("SELECT count(*), count(*) FILTER (WHERE state = 'verified') FROM rentals_hazard")
            found, fixed = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM rentals_inspection")
            inspections = cursor.fetchone()[0]
        print(f"district: {houses:,} houses, {inspections:,} inspections, {found:,} hazards, {fixed:,} fixed")
        for name, fn in (
            ("hazards_by_category", statistics.hazards_by_category),
            ("hazards_by_town", statistics.hazards_by_town),
            ("hazards_by_month", statistics.hazards_by_month),
            ("overdue_hazards_by_town", lambda: statistics.overdue_hazards_by_town(now=now)),
            ("inspection_coverage", lambda: statistics.inspection_coverage(now=now)),
            ("houses_and_tenants_by_risk_class", lambda: statistics.houses_and_tenants_by_risk_class(on=now.date())),
        ):
            fn()  # warm
            rows, seconds = timed(fn)
            print(f"  {name:<34} {len(rows):>4} rows  {seconds * 1000:8.1f} ms")
        rate = sum(row.fixed for row in statistics.hazards_by_town()) / max(1, found)
        print(f"  district fix rate {rate:.1%}")
        differ, seconds = timed(lambda: disagreements(now=now, on=now.date()))
        check(differ == {}, f"statistics agree with plain SQL for the district ({seconds:.1f} s for both sides)")
        for name, (ours, theirs) in differ.items():
            print(f"    {name}: only the selector {sorted(ours)[:5]}, only SQL {sorted(theirs)[:5]}")
    with town_context(TOWN):
        check(disagreements(now=now, on=now.date()) == {}, f"statistics agree with plain SQL in {TOWN}'s scope")


def session_cookie(username: str) -> str:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return f"sessionid={client.cookies['sessionid'].value}"


@contextmanager
def gunicorn(workers: int) -> Iterator[int]:
    # Collected as gunicorn serves them (DEBUG off: the manifest storage), or every page is a 500.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=BASE_DIR, check=True,
                   env={**os.environ, "DEBUG": "false"})  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "nanhai_portal.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "120", "--log-level", "warning"],
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
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def wrk(port: int, path: str, cookie: str, seconds: float, connections: int) -> tuple[float, float, int]:
    """(median latency in ms, requests/s, non-2xx) of ``path`` driven by wrk."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:.0f}s", "--latency", "-H", f"Cookie: {cookie}",
               f"http://127.0.0.1:{port}{path}"]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    median = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if median is None or rate is None:
        raise RuntimeError(output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[median.group(2)]
    return float(median.group(1)) * scale, float(rate.group(1)), int(errors.group(1)) if errors else 0


def pages(port: int, seconds: float) -> None:
    worker = User.objects.get(username=f"grid.{TOWN}")
    with town_context(TOWN):
        houses = access.houses_visible_to(worker).count()
        day = selectors.grid_worker_day(worker, now=timezone.now())
    print(f"grid.{TOWN} sees {houses:,} houses in their grids")
    # What the today list holds this time: the sync batches of an earlier run inspected some of
    # the worker's houses, so that fewer are due (a lighter page) until their interval passes.
    print(
        f"  today list: {day.houses_due} houses due ({len(day.houses)} on the page), "
        f"{len(day.overdue)} overdue hazards, {len(day.return_visits)} return visits"
    )
    results = {}
    for name, path, username in (
        ("officer queue  GET /residents/queue/", "/residents/queue/", f"officer.{TOWN}"),
        ("today list     GET /rentals/today/", "/rentals/today/", f"grid.{TOWN}"),
    ):
        cookie = session_cookie(username)
        wrk(port, path, cookie, 2, 2)  # warm up
        median, rate, errors = wrk(port, path, cookie, seconds, 2)
        results[path] = median
        print(f"  {name:<40} median {median:8.2f} ms  {rate:8.1f} requests/s  ({errors} errors)")
        check(errors == 0, f"{path} answered 200 every time")
    ratio = results["/rentals/today/"] / results["/residents/queue/"]
    check(ratio <= TODAY_LIMIT, f"today list / officer queue = {ratio:.2f} (at most {TODAY_LIMIT})")


def sync_batch(houses: list[str], categories: list[str], number: int) -> bytes:
    now = timezone.now() - timedelta(minutes=5)
    inspections = []
    for n in range(SYNC_INSPECTIONS):
        items = [
            {"category": code, "result": "hazard" if (n % 10 == 0 and i == n % 16) else "ok", "note": ""}
            for i, code in enumerate(categories)
        ]
        inspections.append(
            {"client_id": str(uuid.uuid4()), "house": houses[(number * SYNC_INSPECTIONS + n) % len(houses)],
             "items": items, "inspected_at": (now + timedelta(seconds=n)).isoformat(), "note": "bench_rentals"}
        )  # fmt: skip
    return json.dumps({"inspections": inspections}).encode()


def sync(port: int, repeats: int) -> None:
    import http.client

    worker = User.objects.get(username=f"grid.{TOWN}")
    token, _expires = token_issue(user=worker)
    with town_context(TOWN):
        houses = [str(pk) for pk in access.houses_visible_to(worker).order_by("pk").values_list("pk", flat=True)]
    categories = list(HazardCategory.objects.filter(retired_at=None).values_list("code", flat=True))[:16]
    items = SYNC_INSPECTIONS * len(categories)
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(path: str) -> float:
        started = time.perf_counter()
        client.request("GET", path)
        response = client.getresponse()
        response.read()
        assert response.status == 200, response.status
        return time.perf_counter() - started

    for _ in range(50):
        get("/livez")
    trivial = stats.median(get("/livez") for _ in range(500))
    durations = []
    for number in range(repeats):
        body = sync_batch(houses, categories, number)
        started = time.perf_counter()
        client.request(
            "POST", "/api/v1/inspections/sync/", body=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )  # fmt: skip
        response = client.getresponse()
        answer = json.loads(response.read())
        durations.append(time.perf_counter() - started)
        created = [result["result"] for result in answer.get("results", [])].count("created")
        check(response.status == 200 and created == SYNC_INSPECTIONS, f"sync batch {number + 1}: {created} created")
    batch = stats.median(durations)
    print(f"  GET /livez (one at a time)             median {trivial * 1000:8.2f} ms")
    print(f"  POST sync, {SYNC_INSPECTIONS} inspections / {items} items  median {batch * 1000:8.2f} ms "
          f"(of {repeats}: {', '.join(f'{d * 1000:.0f}' for d in durations)} ms)")  # fmt: skip
    ratio = batch / trivial
    check(ratio <= SYNC_LIMIT, f"sync batch / trivial request = {ratio:.1f} (at most {SYNC_LIMIT:.0f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", "10")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "2")))
    parser.add_argument("--sync-repeats", type=int, default=5)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--skip-load", action="store_true", help="the database is loaded: skip steps 1 and 2 (loading, statistics)"
    )
    options = parser.parse_args()
    print(f"bench_rentals {datetime.now(tz=timezone.get_current_timezone()):%Y-%m-%d %H:%M} scale {options.scale}")
    if not options.skip_load:
        load(options.scale, options.processes)
        statistics_check()
    if not options.skip_http:
        if shutil.which("wrk") is None:
            sys.exit("wrk is not installed: apt-get install wrk (or --skip-http)")
        with gunicorn(options.workers) as port:
            pages(port, options.seconds)
            sync(port, options.sync_repeats)
        print(f"(gunicorn sync workers: {options.workers}, this machine: {os.cpu_count()} cores)")
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("every check passed")


if __name__ == "__main__":
    main()
