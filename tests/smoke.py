"""``make smoke``: the first command, as a new user meets it.

In a fresh clone of this repository's HEAD (in a temporary folder), with nothing but the
machine's Python, it runs ``make run`` twice on a free port: the first start builds a
runtime-only venv (requirements.txt alone, no test tools), migrates and loads the demo; the
second start is the everyday one. Each time it waits for ``/healthz`` to report the database,
Redis and the workers ``ok``, signs in through the API, loads the home page and one page of
every role, asks for an unknown URL and the favicon, then stops the portal with Ctrl-C (SIGINT)
and reads the whole log: a traceback or an ERROR line fails the smoke.

``PORTAL_SERVICES=embedded make smoke`` does the same on embedded PostgreSQL and Redis. With
the machine's PostgreSQL the smoke uses a database of its own (dropped afterwards), and with
its Redis a Celery queue and a cache namespace of its own, so a developer's running portal is
not touched.

Standard library only: it runs before any venv exists.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "Nanhai-2026"  # the demo accounts' development password
TOWN = "dali"
FIRST_START_SECONDS = 1200  # a cold pip install, migrations and the demo district
# One page of each role, signed in through the sign-in page.
ROLE_PAGES = [
    ("admin", "/admin/"),
    ("official", "/communities/"),
    (f"officer.{TOWN}", "/residents/queue/"),
    (f"townadmin.{TOWN}", "/audit/"),
    (f"grid.{TOWN}", "/my-grids/"),
    ("resident.1", "/residents/applications/"),
    ("resident.3", "/residents/permit/"),
]
BAD_LOG_LINE = re.compile(r"Traceback \(most recent call last\)|\bERROR\b|\bCRITICAL\b")


def say(message: str) -> None:
    print(f"[smoke] {message}", flush=True)


class SmokeFailure(Exception):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Browser:
    """A cookie-keeping HTTP client that follows redirects, as a person's browser would."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.url = base

    def request(
        self,
        path: str,
        *,
        data: dict[str, str] | None = None,
        json_body: object = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str, str]:
        """(status, content type, body) of one request; 4xx/5xx answers are returned, not raised.
        ``self.url`` is where the redirects led."""
        body: bytes | None = None
        headers = {"Accept-Language": "zh-hans", **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Referer"] = self.base + path
        request = urllib.request.Request(self.base + path, data=body, headers=headers)  # noqa: S310 - http on loopback
        try:
            with self.opener.open(request, timeout=30) as response:
                self.url = response.geturl()
                return (
                    response.status,
                    response.headers.get("Content-Type", ""),
                    response.read().decode("utf-8", "replace"),
                )
        except urllib.error.HTTPError as error:
            self.url = error.geturl()
            return error.code, error.headers.get("Content-Type", ""), error.read().decode("utf-8", "replace")

    def cookie(self, name: str) -> str:
        return next((cookie.value for cookie in self.cookies if cookie.name == name), "")

    def sign_in(self, username: str) -> None:
        status, _type, page = self.request("/login/")
        expect(status == 200 and "csrfmiddlewaretoken" in page, f"the sign-in page answered {status}")
        status, _type, page = self.request(
            "/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.cookie("csrftoken")},
        )
        expect(status == 200 and self.cookie("sessionid"), f"{username} could not sign in ({status})")


def expect(condition: object, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def wait_for_health(base: str, portal: subprocess.Popen[bytes], timeout: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if portal.poll() is not None:
            raise SmokeFailure(f"make run exited with {portal.returncode} before the portal was healthy")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:  # noqa: S310 - our loopback server
                report = json.loads(response.read())
            if all(report.get(key) == "ok" for key in ("db", "redis", "workers")):
                return report
            last = json.dumps(report)
        except urllib.error.HTTPError as error:
            last = f"{error.code} {error.read()[:300]!r}"
        except (urllib.error.URLError, OSError, ValueError) as error:
            last = str(error)
        time.sleep(1)
    raise SmokeFailure(f"/healthz was not ok within {timeout:.0f} s; last answer: {last}")


def exercise(base: str) -> None:
    """What a new user and each role would do first."""
    anonymous = Browser(base)
    status, _type, page = anonymous.request("/")
    expect(status == 200 and "<html" in page, f"the home page answered {status}")
    status, content_type, _body = anonymous.request("/favicon.ico")
    expect(status == 200 and content_type.startswith("image/"), f"/favicon.ico answered {status} {content_type}")
    timings = []
    for _attempt in range(6):  # the first warms the worker (templates, translations)
        started = time.monotonic()
        status, _type, page = anonymous.request("/no-such-page/")
        timings.append(time.monotonic() - started)
        expect(status == 404 and "<html" in page, f"an unknown URL answered {status}, not the 404 page")
    say(f"an unknown URL: 404 in {1000 * sorted(timings[1:])[2]:.0f} ms (median of 5 after one to warm up)")

    status, _type, body = anonymous.request(
        "/api/auth/token/", json_body={"username": f"officer.{TOWN}", "password": PASSWORD}
    )
    expect(status in (200, 201), f"POST /api/auth/token/ answered {status}: {body[:300]}")
    token = json.loads(body)["token"]
    status, _type, body = anonymous.request("/api/v1/me/", headers={"Authorization": f"Bearer {token}"})
    expect(status == 200 and f'"{TOWN}"' in body, f"GET /api/v1/me/ with the token answered {status}: {body[:300]}")
    status, _type, body = anonymous.request("/api/v1/applications/", headers={"Authorization": f"Bearer {token}"})
    expect(status == 200, f"the officer's queue API answered {status}: {body[:300]}")

    for username, path in ROLE_PAGES:
        browser = Browser(base)
        browser.sign_in(username)
        for page_path in ("/", path):
            status, _type, page = browser.request(page_path)
            expect(status == 200 and "<html" in page, f"{page_path} answered {status} for {username}")
            expect("/login/" not in browser.url, f"{page_path} sent {username} back to the sign-in page")
    say(f"signed in through the API and as {len(ROLE_PAGES)} accounts; every page answered 200")


def stop(portal: subprocess.Popen[bytes], port: int) -> None:
    """Ctrl-C, as a person stops ``make run`` (make and the supervisor both get it); then
    nothing it started may still hold the port."""
    if portal.poll() is None:
        os.killpg(portal.pid, signal.SIGINT)
        try:
            portal.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(portal.pid, signal.SIGKILL)
            portal.wait()
            raise SmokeFailure("make run did not stop within 60 s of Ctrl-C") from None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.5)
    raise SmokeFailure(f"port {port} still answers 20 s after make run stopped: gunicorn was left running")


def start(clone: Path, env: dict[str, str], log_path: Path, label: str) -> tuple[subprocess.Popen[bytes], float]:
    base = f"http://127.0.0.1:{env['PORT']}"
    say(f"{label}: make run in {clone} (log: {log_path})")
    started = time.monotonic()
    with open(log_path, "ab") as log:
        portal = subprocess.Popen(
            ["make", "run"], cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    report = wait_for_health(base, portal, FIRST_START_SECONDS)
    seconds = time.monotonic() - started
    say(f"{label}: healthy after {seconds:.0f} s: {report}")
    return portal, seconds


def bad_lines(log_path: Path) -> list[str]:
    return [line for line in log_path.read_text(errors="replace").splitlines() if BAD_LOG_LINE.search(line)]


def drop_database(clone: Path, name: str) -> None:
    """The smoke's own database on the machine's PostgreSQL, as its superuser (peer or trust)."""
    code = (
        "import psycopg2; c = psycopg2.connect('host=127.0.0.1 port=5432 user=postgres dbname=postgres'); "
        f"c.autocommit = True; c.cursor().execute('DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)')"
    )
    subprocess.run([str(clone / ".venv" / "bin" / "python"), "-c", code], check=False)


def main() -> int:
    embedded = os.environ.get("PORTAL_SERVICES") == "embedded"
    workspace = Path(tempfile.mkdtemp(prefix="nanhai-smoke-"))
    clone = workspace / "portal"
    log_path = workspace / "make-run.log"
    database = f"nanhai_smoke_{os.getpid()}"
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True)
    say(f"cloning {BASE_DIR} at {head.stdout.strip()} ({'embedded services' if embedded else 'machine services'})")
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(BASE_DIR), str(clone)], check=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VIRTUAL_ENV", "DATABASE_", "REDIS_", "PYTHONPATH", "DJANGO_", "PORTAL_ENV"))
    }
    env.update(PORT=str(free_port()), HOST="127.0.0.1", CELERY_QUEUE=f"nanhai-smoke-{os.getpid()}")
    env.update(PORTAL_DATABASE_NAME=database, CACHE_KEY_PREFIX=f"smoke-{os.getpid()}")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    base = f"http://127.0.0.1:{env['PORT']}"
    failure = None
    timings = []
    portal = None
    try:
        for label in ("first make run", "second make run"):
            portal, seconds = start(clone, env, log_path, label)
            timings.append(seconds)
            exercise(base)
            stop(portal, int(env["PORT"]))
        installed = subprocess.run(
            [str(clone / ".venv" / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        test_tools = [name for name in ("pytest", "ruff", "mypy", "playwright") if f"\n{name}==" in f"\n{installed}"]
        expect(not test_tools, f"the runtime venv holds test tools: {test_tools}")
        problems = bad_lines(log_path)
        expect(not problems, "the log has tracebacks or ERROR lines:\n  " + "\n  ".join(problems[:40]))
    except SmokeFailure as error:
        failure = str(error)
    finally:
        if portal is not None:
            try:
                stop(portal, int(env["PORT"]))
            except SmokeFailure as error:
                failure = failure or str(error)
        if not embedded and (clone / ".venv" / "bin" / "python").exists():
            drop_database(clone, database)
    if failure:
        say(f"FAILED: {failure}")
        say(f"the last lines of {log_path}:")
        print("\n".join(log_path.read_text(errors="replace").splitlines()[-60:]) if log_path.exists() else "")
        return 1
    say(f"passed: first make run healthy in {timings[0]:.0f} s, second in {timings[1]:.0f} s")
    shutil.rmtree(workspace, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
