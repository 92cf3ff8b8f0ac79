"""A machine with no PostgreSQL or Redis of its own gets embedded ones that really work."""

from __future__ import annotations

from pathlib import Path

import psycopg2
import pytest
import redis

from nanhai_portal import devservices

pytestmark = pytest.mark.slow


def test_embedded_postgres_and_redis_start_bootstrap_and_stop(tmp_path: Path) -> None:
    services = devservices.Services()
    try:
        app_url, owner_url = devservices.start_embedded_postgres(services, data=tmp_path / "pg")
        redis_url = devservices.start_embedded_redis(services, "probe", directory=tmp_path / "redis")

        with psycopg2.connect(app_url.replace("postgres://", "postgresql://")) as connection:
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
                assert cursor.fetchone() == ("nanhai_app", False, False)
        with psycopg2.connect(owner_url.replace("postgres://", "postgresql://")) as connection:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")
                assert cursor.fetchone() == ("nanhai_owner",)
        client = redis.Redis.from_url(redis_url)
        assert client.ping()
    finally:
        services.stop()
    assert not (tmp_path / "redis" / "probe.sock").exists() or not _answers(redis_url)


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.ConnectionError:
        return False
