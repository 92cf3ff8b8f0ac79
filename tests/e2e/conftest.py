"""Browser tests: the real portal in a subprocess, driven by Debian's Chromium through Playwright.

The server is gunicorn on a free port of 127.0.0.1, on this run's test database (seeded by
``django_db_setup``) and the same Redis and queue as the tests. What the browser does is
committed for real, so the tests create their own people and leave the demo's alone.

Without Chromium or Playwright these tests fail, saying what to install (``make browser``);
with ``E2E_OPTIONAL=1`` they are skipped instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db import connections

from tests import clock
from tests.conftest import BASE_DIR, test_database_url
from tests.e2e import browser

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))  # Debian's, installed by `make browser`
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
ARTIFACTS = BASE_DIR / "tests" / "artifacts"
SERVER_START_SECONDS = 60
GUNICORN_OPTIONS = ["--workers", "2", "--timeout", "60", "--access-logfile", "-"]


def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (requirements-dev.txt)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (run `make browser` as root: apt-get install chromium fonts-wqy-microhei)"
    return None


@pytest.fixture
def chromium(live_db: None) -> Iterator[Any]:
    """A headless Chromium, or a failure (a skip with E2E_OPTIONAL=1) saying what is missing.

    It closes before ``live_db`` closes the database connections: while Playwright's sync API
    runs, its event loop is current in this thread and Django refuses synchronous database
    calls here (see ``outside_the_browser_loop``).
    """
    missing = _missing_browser()
    if missing:
        if os.environ.get("E2E_OPTIONAL") == "1":
            pytest.skip(f"browser test skipped (E2E_OPTIONAL=1): {missing}")
        pytest.fail(f"browser test cannot run: {missing}. Set E2E_OPTIONAL=1 to skip it.", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


T = TypeVar("T")


def outside_the_browser_loop(function: Callable[..., T], *args: Any) -> T:
    """Call ``function`` (database work) in a thread of its own, away from Playwright's event loop."""

    def call() -> T:
        try:
            return function(*args)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the portal exited with {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(url + "/login/", timeout=2) as response:  # noqa: S310 - our own loopback server
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"the portal did not answer within {SERVER_START_SECONDS} s; see {log_path}")


# Imports the portal queues go to a queue of their own, taken only by the worker that a test
# starts on the portal's media folder (tests/e2e/test_jobs_and_header.py): the session's
# worker (tests/conftest.py) keeps its files elsewhere and would find no file to import.
E2E_JOB_QUEUE = f"e2e-jobs-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def e2e_media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the portal under test keeps uploads (and an import worker must look for them)."""
    return tmp_path_factory.mktemp("e2e-media")


@pytest.fixture(scope="session")
def portal_url(django_db_setup: None, e2e_media_root: Path) -> Iterator[str]:
    """The base URL of the real portal (gunicorn) on this run's test database."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "PORTAL_ENV": "test",
        "MEDIA_ROOT": str(e2e_media_root),
        "JOB_QUEUE": E2E_JOB_QUEUE,
        # Counters of its own (sign-up limits per address): earlier runs on this Redis do not count.
        "CACHE_KEY_PREFIX": f"test-e2e-{uuid.uuid4().hex}",
    }
    (BASE_DIR / ".var").mkdir(exist_ok=True)
    log_path = BASE_DIR / ".var" / f"test-e2e-server-{os.getpid()}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            clock.command("gunicorn", "nanhai_portal.wsgi", "--bind", f"127.0.0.1:{port}", *GUNICORN_OPTIONS),
            env={**env, **clock.environment()},
            cwd=BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_serving(url, process, log_path)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


DESKTOP = {
    "viewport": {"width": 1440, "height": 900},
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
NARROW_PHONE = {**PHONE, "viewport": {"width": 320, "height": 640}}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    """Keep the test's own outcome on the item, for the fixtures' teardown to read."""
    report = yield
    if report.when == "call":
        item.report_call = report  # type: ignore[attr-defined]
    return report


@pytest.fixture
def open_page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """``open_page(PHONE)``: a new browser context (its own cookies) of that kind, and a page in it.

    Every page it makes is tracked (``tests/e2e/browser.py``): the test fails if it loaded a
    page that axe-core did not check, and axe's minor findings go to its artifacts.
    """
    contexts: list[Any] = []
    pages: list[Any] = []

    def make(kind: dict[str, Any], **overrides: Any) -> Any:
        context = chromium.new_context(**{**kind, **overrides})
        context.set_default_timeout(15_000)
        if clock.travelled():
            # The phone keeps the test's clock too (an offline inspection carries the phone's time).
            context.clock.install(time=datetime.now(UTC))
        contexts.append(context)
        page = browser.track(context.new_page())
        pages.append(page)
        return page

    yield make
    try:
        call = getattr(request.node, "report_call", None)
        passed = call is not None and call.passed
        missed = [url for page in pages for url in browser.unchecked(page)] if passed else []
        missed = [url for page in pages for url in browser.unchecked(page)]
        assert not missed, f"pages loaded without the accessibility check (use browser.goto/press): {missed}"
        folder = ARTIFACTS / request.node.name
        if folder.is_dir():
            browser.write_minor(pages, folder)
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def phone(open_page: Callable[..., Any]) -> Callable[..., Any]:
    """``phone()``: a phone-sized page (390 × 844, Simplified Chinese); ``phone(locale="en-GB")`` too."""
    return lambda **overrides: open_page(PHONE, **overrides)


@pytest.fixture
def desktop(open_page: Callable[..., Any]) -> Callable[..., Any]:
    """``desktop()``: a desktop-sized page (1440 × 900)."""
    return lambda **overrides: open_page(DESKTOP, **overrides)


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """``screenshot(page, "01-signup")``: a full-page PNG under tests/artifacts/<test name>/."""
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)

    def take(page: Any, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
