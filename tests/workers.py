"""Real Celery worker processes for the tests: the session's shared one (conftest), and those
a test starts and kills itself (the import tests kill theirs; never the shared one)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

BASE_DIR = Path(__file__).resolve().parent.parent

T = TypeVar("T")


def start_worker(
    name: str, *, database_url: str, queue: str | None = None, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """A ``celery worker`` on the test database (on ``queue`` only, if given), in a process group
    of its own. Returns the process and its hostname once it answers a ping; stop it with
    ``kill_worker``.
    """
    from nanhai_portal.celery import app
    from tests import clock

    hostname = f"{name}-{os.getpid()}@localhost"
    log_path = BASE_DIR / ".var" / f"test-{name}-{os.getpid()}.log"
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            clock.command(
                "celery",
                "-A",
                "nanhai_portal",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                hostname,
                *(["--queues", queue] if queue else []),
            ),
            env={
                **os.environ,
                **clock.environment(),
                "DATABASE_URL": database_url,
                "PORTAL_ENV": "test",
                **(env or {}),
            },
            cwd=BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its pool children share its process group: one kill stops all
        )
    try:
        wait_until(
            lambda: process.poll() is None and bool(app.control.ping(destination=[hostname], timeout=0.5)),
            timeout=60,
            what=f"worker {hostname} to answer (log: {log_path})",
            give_up=lambda: process.poll() is not None,
        )
    except BaseException:
        kill_worker(process)
        raise
    return process, hostname


def kill_worker(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to the worker and every process of its group, and wait until the leader is gone."""
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def wait_until(
    condition: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    every: float = 0.05,
    give_up: Callable[[], bool] = lambda: False,
) -> T:
    """Poll ``condition`` until it returns something true; fail with ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        if give_up():
            break
        time.sleep(every)
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.")


def default_media_root() -> Path:
    """Where the session's worker (started with the test run's environment) keeps uploads."""
    return Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / ".var" / "media")
