"""Lines written by the processes that set up logging themselves come out masked: a real
gunicorn started with ``make run``'s command line (its error and access logs), and a real
Celery worker (which replaces the root logger's handlers with its own)."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from nanhai_portal import devservices
from tests.conftest import BASE_DIR, test_database_url
from tests.workers import kill_worker, start_worker, wait_until

pytestmark = pytest.mark.slow

TYPED_MOBILE = "+86 138-1234-5678"
TYPED_ID = "110105 19491231 002x"
IN_CLEAR = ("1234-5678", "12345678", "19491231")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_run_gunicorn_command(monkeypatch: pytest.MonkeyPatch, port: int) -> list[str]:
    """The gunicorn command line that ``make run`` starts (devservices.command_run), on ``port``."""
    started: dict[str, list[str]] = {}
    monkeypatch.setattr(devservices, "manage", lambda env, *args: None)
    monkeypatch.setattr(devservices, "supervise", lambda services, env, commands: started.update(commands) or 0)
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("PORT", str(port))
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    devservices.command_run(devservices.Services())
    return started["gunicorn"]


def text_once_it_holds(path: Path, marker: str) -> str | None:
    text = path.read_text()
    return text if marker in text else None


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own server
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def gunicorn_in_development(django_db_setup: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """``make run``'s gunicorn with DEBUG on, on a free port: its base URL and its log file."""
    port = free_port()
    command = make_run_gunicorn_command(monkeypatch, port)
    log_path = BASE_DIR / ".var" / f"test-gunicorn-{os.getpid()}.log"
    log_path.parent.mkdir(exist_ok=True)
    env = {**os.environ, "DATABASE_URL": test_database_url(), "PORTAL_ENV": "development", "DEBUG": "true"}
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command, env=env, cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: devservices.port_open("127.0.0.1", port), timeout=30, what=f"gunicorn (log: {log_path})")
        yield base, log_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_gunicorn_access_and_error_lines_mask_personal_data_and_a_404_is_fast(
    gunicorn_in_development: tuple[str, Path],
) -> None:
    base, log_path = gunicorn_in_development
    query = urllib.parse.urlencode({"tel": TYPED_MOBILE, "id": TYPED_ID})

    assert get(f"{base}/livez?{query}") == 200
    assert get(f"{base}/residents/13812345678/") == 404
    timings, floor = [], []
    for _ in range(5):
        started = time.perf_counter()
        assert get(f"{base}/favicon.png") == 404
        timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert get(f"{base}/livez") == 200
        floor.append(time.perf_counter() - started)
    assert get(f"{base}/favicon.ico") == 200

    log = wait_until(
        lambda: text_once_it_holds(log_path, "GET /favicon.ico"),
        timeout=10,
        what="the access line of the favicon",
    )
    assert "INFO gunicorn.error Listening at" in log  # the master process writes through the filter too
    assert "GET /livez?tel=%2B86+138****5678&id=11**************2X HTTP/1.1" in log
    assert "WARNING django.request Not Found: /residents/138****5678/" in log
    assert not any(clear in log for clear in IN_CLEAR), log
    assert log.count("Not Found: /favicon.png") == 5 and "Traceback" not in log
    # No absolute time on a shared machine: against /livez through the same server, same run.
    not_found, livez = statistics.median(timings), statistics.median(floor)
    assert not_found < 25 * livez, f"a 404 took {not_found * 1000:.1f} ms, /livez {livez * 1000:.1f} ms"


@pytest.mark.worker
def test_a_celery_worker_log_line_masks_personal_data(django_db_setup: None) -> None:
    from nanhai_portal.celery import app

    queue = f"logs-pii-{os.getpid()}"
    process, _hostname = start_worker("logs-pii", database_url=test_database_url(), queue=queue)
    log_path = BASE_DIR / ".var" / f"test-logs-pii-{os.getpid()}.log"
    try:
        # A worker writes the whole message of a task it does not know, arguments included.
        app.send_task("nanhai.no_such_task", args=[TYPED_MOBILE, TYPED_ID], queue=queue)
        log = wait_until(
            lambda: text_once_it_holds(log_path, "unregistered task"),
            timeout=30,
            what=f"the worker to refuse the task (log: {log_path})",
        )
    finally:
        kill_worker(process, signal.SIGTERM)

    assert "+86 138****5678" in log and "11**************2X" in log
    assert not any(clear in log for clear in IN_CLEAR), log
