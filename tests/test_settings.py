"""Configuration mistakes stop start-up with one line that names the mistake."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "PORTAL_ENV": "production",
    "SECRET_KEY": "k" * 20 + "-production-secret-of-sufficient-length-and-variety-1234567890",
    "ALLOWED_HOSTS": "portal.nanhai.gov.cn",
    "DATABASE_URL": "postgres://nanhai_app:x@db.internal:5432/nanhai",
    "DATABASE_OWNER_URL": "postgres://nanhai_owner:y@db.internal:5432/nanhai",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "PII_ENCRYPTION_KEYS": "q1lW3Z0m8w5mC1ZcB0b6Pj2m0rJcQ1iU4Zk0Xr3aN8E=",
    "PII_INDEX_KEY": "production-blind-index-key-from-the-secret-store",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in PRODUCTION}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={**clean, **env},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "DATABASE_OWNER_URL",
        "REDIS_URL",
        "PII_ENCRYPTION_KEYS",
        "PII_INDEX_KEY",
    ],
)
def test_production_refuses_to_start_without_a_variable_and_names_it(missing: str) -> None:
    env = {key: value for key, value in PRODUCTION.items() if key != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"PORTAL_ENV=production needs the environment variable {missing}; it is not set."
    ]


def test_production_with_everything_set_passes_the_deployment_checks() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://root@localhost/nanhai", "must be a PostgreSQL URL"),
        ("not a url at all", "DATABASE_URL"),
        ("postgres://user@localhost:5432", "names no database"),
    ],
)
def test_a_wrong_database_url_is_one_line(url: str, says: str) -> None:
    result = manage("check", DATABASE_URL=url)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert says in lines[0]


def test_an_unreachable_database_is_one_line_not_a_traceback() -> None:
    unreachable = "postgres://nanhai_app:x@127.0.0.1:1/nanhai"
    result = manage("migrate", DATABASE_URL=unreachable, DATABASE_OWNER_URL=unreachable)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Cannot use the database")


def test_an_unknown_portal_env_is_one_line() -> None:
    result = manage("check", PORTAL_ENV="staging")
    assert result.stderr.strip().splitlines() == ["PORTAL_ENV must be development, test or production, not 'staging'."]


def test_a_malformed_pii_key_is_one_line() -> None:
    result = manage("check", PII_ENCRYPTION_KEYS="not-a-key")
    assert result.stderr.strip().splitlines() == [
        "PII_ENCRYPTION_KEYS: key 1 is not a Fernet key (32 bytes, URL-safe base64)."
    ]
