"""Configuration mistakes stop start-up with one line that names the mistake."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

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
    "RESIDENTS_REAL_NAME_VERIFIER": "tests.test_settings.PublicSecurityClient",
}


class PublicSecurityClient:
    """Stands in for the public-security service's real-name client in a production setup."""

    def verify(self, name: str, id_number: str) -> None:
        return None


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
        "RESIDENTS_REAL_NAME_VERIFIER",
    ],
)
def test_production_refuses_to_start_without_a_variable_and_names_it(missing: str) -> None:
    env = {key: value for key, value in PRODUCTION.items() if key != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"PORTAL_ENV=production needs the environment variable {missing}; it is not set."
    ]


@pytest.fixture
def roles(django_db_setup: None) -> dict[str, str]:
    """The test database as the app role and as the owner role: a correct production setup."""
    from django.conf import settings

    from tests.conftest import test_database_url

    app = test_database_url()
    parts = urlsplit(app)
    owner = settings.DATABASE_OWNER_CREDENTIALS
    netloc = f"{quote(owner['USER'])}:{quote(owner['PASSWORD'] or '')}@{parts.hostname}:{parts.port or 5432}"
    return {"app": app, "owner": parts._replace(netloc=netloc).geturl()}


def check_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The lines of the portal's own checks in ``manage.py check``'s output."""
    return [line for line in (result.stdout + result.stderr).splitlines() if "(nanhai." in line]


def test_production_with_everything_set_passes_the_deployment_checks(roles: dict[str, str]) -> None:
    env = {**PRODUCTION, "DATABASE_URL": roles["app"], "DATABASE_OWNER_URL": roles["owner"]}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        ("SECRET_KEY", "dev-only-insecure-key-nanhai-portal-0123456789-abcdefghijklmnop",
         "SECRET_KEY is the development key from the source code; set a secret one."),
        ("SECRET_KEY", "short-secret",
         "SECRET_KEY is too weak: use at least 50 characters, with at least 5 different ones."),
        ("SECRET_KEY", "ab" * 40, "SECRET_KEY is too weak: use at least 50 characters, with at least 5 different ones."),
        ("PII_ENCRYPTION_KEYS", "q1lW3Z0m8w5mC1ZcB0b6Pj2m0rJcQ1iU4Zk0Xr3aN8E=,-8sMO_G_VRyeojvubBK6gRM3XP3G4XeSBZLi5SKs9EY=",
         "PII_ENCRYPTION_KEYS holds the development key from the source code; remove it."),
        ("PII_INDEX_KEY", "dev-only-blind-index-key-nanhai-portal",
         "PII_INDEX_KEY is the development key from the source code; set a secret one."),
        ("PII_INDEX_KEY", "too-short", "PII_INDEX_KEY is too short: use at least 32 characters."),
        ("RESIDENTS_REAL_NAME_VERIFIER", "residents.realname.StructuralVerifier",
         "RESIDENTS_REAL_NAME_VERIFIER is the structural development check; "
         "name the public-security verification client."),
    ],
)  # fmt: skip
def test_production_refuses_development_secrets_in_one_line(variable: str, value: str, line: str) -> None:
    result = manage("check", **{**PRODUCTION, variable: value})
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [line]


def test_the_app_role_sharing_the_owners_role_is_refused_one_line_each(roles: dict[str, str]) -> None:
    env = {**PRODUCTION, "DATABASE_URL": roles["owner"], "DATABASE_OWNER_URL": roles["owner"]}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    lines = check_lines(result)
    assert len(lines) == 2, result.stdout + result.stderr
    assert "DATABASE_URL and DATABASE_OWNER_URL both connect as" in lines[0]
    assert "which owns" in lines[1] and "tables" in lines[1]


def test_an_app_role_that_owns_the_tables_is_refused_at_check_and_at_start(roles: dict[str, str]) -> None:
    # The two URLs swapped: the roles differ, but the app would connect as the owner.
    env = {**PRODUCTION, "DATABASE_URL": roles["owner"], "DATABASE_OWNER_URL": roles["app"]}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    [line] = check_lines(result)
    assert "which owns" in line and "switch row-level security off" in line
    # A web process (the WSGI application) and a worker stop at start with that one line.
    clean = {key: value for key, value in os.environ.items() if key not in PRODUCTION}
    for command in (
        [sys.executable, "-c", "import nanhai_portal.wsgi"],
        [sys.executable, "-m", "celery", "-A", "nanhai_portal", "worker", "--pool", "solo", "-Q", "never-used"],
    ):
        started = subprocess.run(
            command, env={**clean, **env}, cwd=BASE_DIR, capture_output=True, text=True, timeout=120
        )
        assert started.returncode != 0, command
        assert started.stderr.strip().splitlines()[-1] == line.split("(nanhai.E002) ", 1)[1], started.stderr


def test_an_unreachable_database_fails_the_role_check_in_one_line() -> None:
    unreachable = "postgres://nanhai_app:x@127.0.0.1:1/nanhai"
    env = {**PRODUCTION, "DATABASE_URL": unreachable, "DATABASE_OWNER_URL": unreachable.replace("app", "owner")}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    [line] = check_lines(result)
    assert "Cannot check the database roles" in line


def test_a_superuser_or_bypassrls_app_role_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from nanhai_portal import checks

    monkeypatch.setattr(checks, "role_facts", lambda using="default": (True, True, 0))
    problems = checks.database_role_problems()
    assert len(problems) == 2
    assert "a superuser" in problems[0] and "BYPASSRLS" in problems[1]


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
