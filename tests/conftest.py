"""Test set-up: a real PostgreSQL database, made and migrated as the owner role, used as the
app role; real Redis; a real Celery worker process for the tests that ask for one.

The database is seeded once per session with ``seed_demo`` (committed), so every test
starts from the demo district: 7 towns, 301 communities, 1,204 grids, the demo accounts.
Each test then runs in a transaction that is rolled back.
"""

from __future__ import annotations

import io
import os
import signal
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from rest_framework.test import APIClient

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.tokens import token_issue

BASE_DIR = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    """``PORTAL_TEST_TODAY``: the whole run on another day (tests/clock.py), seeding included."""
    from tests import clock

    clock.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    from tests import clock

    clock.stop()


def pytest_report_header(config: pytest.Config) -> str:
    from datetime import datetime

    from tests import clock

    now = datetime.now(clock.NANHAI)
    travelled = f" (travelled: {clock.TODAY}={os.environ[clock.TODAY]})" if os.environ.get(clock.TODAY) else ""
    return f"clock: {now:%Y-%m-%d %H:%M} in Nanhai{travelled}"


# One database per test run, so that runs side by side (two checkouts, helpers) never meet.
TEST_DATABASE_PREFIX = "test_" + settings.DATABASES["default"]["NAME"] + "_"
TEST_DATABASE = f"{TEST_DATABASE_PREFIX}{os.getpid()}"


def _owner_connection(dbname: str = "postgres") -> psycopg2.extensions.connection:
    default = settings.DATABASES["default"]
    connection = psycopg2.connect(
        host=default["HOST"] or None,
        port=default["PORT"] or None,
        user=settings.DATABASE_OWNER_CREDENTIALS["USER"],
        password=settings.DATABASE_OWNER_CREDENTIALS["PASSWORD"],
        dbname=dbname,
    )
    connection.autocommit = True
    return connection


def _drop_test_databases(*, stale_only: bool = False) -> None:
    """Drop this run's database, or with ``stale_only`` those of runs whose process is gone."""
    with closing(_owner_connection()) as connection, connection.cursor() as cursor:
        if not stale_only:
            cursor.execute(f'DROP DATABASE IF EXISTS "{TEST_DATABASE}" WITH (FORCE)')
            return
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [TEST_DATABASE_PREFIX + "%"])
        for (name,) in cursor.fetchall():
            pid = name.removeprefix(TEST_DATABASE_PREFIX)
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    _drop_test_databases(stale_only=True)
    with closing(_owner_connection()) as connection, connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE \"{TEST_DATABASE}\" TEMPLATE template0 ENCODING 'UTF8'")
    settings.DATABASES["default"]["NAME"] = TEST_DATABASE
    connections["default"].settings_dict["NAME"] = TEST_DATABASE
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        connections.close_all()
        call_command("migrate", verbosity=0)  # as the owner role (see tenancy's migrate)
        call_command("seed_demo", quiet_accounts=True, stdout=io.StringIO())  # as the app role
    yield
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        connections.close_all()
    _drop_test_databases()


def test_database_url() -> str:
    """DATABASE_URL with the test database's name, for processes the tests start."""
    return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{TEST_DATABASE}").geturl()


test_database_url.__test__ = False  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup: None) -> Iterator[str]:
    """A real ``celery worker`` process on the test database and this run's queue; its hostname."""
    from tests.workers import kill_worker, start_worker

    process, hostname = start_worker("worker", database_url=test_database_url())
    yield hostname
    kill_worker(process, signal.SIGTERM)


@pytest.fixture(autouse=True)
def _own_cache_keys(settings: Any) -> None:
    """Each test its own cache namespace: counters (sign-up codes, unread counts) start at zero,
    and runs side by side on one Redis never meet. (cache.clear() would flush the broker too.)"""
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}


@pytest.fixture
def live_db(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Database access that really commits (autocommit, no wrapping transaction).

    For tests whose data a Celery worker process must see. Nothing is rolled back: the test
    removes what it made, or makes it in a way that later tests do not notice.
    """
    with django_db_blocker.unblock():
        yield
        connections.close_all()


# --- People of the demo district ----------------------------------------------------


@pytest.fixture
def user(db: None) -> object:
    """``user("officer.guicheng")``: a demo account."""
    return lambda username: User.objects.get(username=username)


def bearer_client(username: str) -> APIClient:
    """An API client that sends a real bearer token of ``username``, as a mobile app would."""
    token, _expires = token_issue(user=User.objects.get(username=username))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def api(db: None) -> object:
    """``api("officer.guicheng")``: an API client signed in with a bearer token."""
    return bearer_client
