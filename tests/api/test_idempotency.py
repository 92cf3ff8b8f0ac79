"""Idempotency-Key on every POST of the API: a retry replays the answer and does nothing twice.

The walk over the OpenAPI document finds every POST, so a new one that forgets the key fails
here. The replays below are those of the finding: a fan-out (an SMS to a whole town) and an
import job, each retried, and the same key sent with another body.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from nanhai_portal.accounts.models import User
from nanhai_portal.api.idempotency import NOT_REPLAYED, REPLAYED_HEADER, idempotency_keys_expire
from nanhai_portal.api.models import IdempotencyKey
from nanhai_portal.jobs.models import ImportJob
from nanhai_portal.notifications.models import FanOut
from nanhai_portal.tenancy import town_context
from residents.models import Application
from tests.conftest import bearer_client
from tests.jobs.conftest import media  # noqa: F401
from tests.jobs.files import csv_upload

pytestmark = pytest.mark.django_db

BROADCAST: dict[str, Any] = {"segment": "town_residents", "event": "broadcast.message", "context": {"text": "台风。"}}


def post_operations() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [path for path, operations in schema["paths"].items() if "post" in operations]


def post_handler(path: str) -> Any:
    match = resolve(path.replace("{", "").replace("}", "") if "{" not in path else _filled(path))
    view = match.func
    actions = getattr(view, "actions", None) or {}
    cls = getattr(view, "cls", None) or view.view_class
    return getattr(cls, actions.get("post", "post"))


def _filled(path: str) -> str:
    import re

    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


def test_every_post_of_the_api_honours_the_idempotency_key_or_says_why_not() -> None:
    posts = post_operations()
    assert len(posts) >= 10, posts
    forgetting = [path for path in posts if path not in NOT_REPLAYED and not _honours(path)]
    assert forgetting == []
    assert set(NOT_REPLAYED) <= set(posts), "NOT_REPLAYED names a POST that no longer exists"


def _honours(path: str) -> bool:
    return getattr(post_handler(path), "honours_idempotency_key", False)


def _grant(username: str, app_label: str, codename: str) -> User:
    person = User.objects.get(username=username)
    person.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return person


def test_a_retried_fanout_sends_once_and_replays_the_answer() -> None:
    _grant("officer.guicheng", "notifications", "add_fanout")
    client = bearer_client("officer.guicheng")
    key = {"HTTP_IDEMPOTENCY_KEY": "fanout-typhoon-1"}

    first = client.post("/api/v1/fanouts/", BROADCAST, format="json", **key)
    again = client.post("/api/v1/fanouts/", BROADCAST, format="json", **key)

    assert first.status_code == again.status_code == 201, first.json()
    assert again.json() == first.json() and again[REPLAYED_HEADER] == "true"
    assert REPLAYED_HEADER not in first
    with town_context("guicheng"):
        assert FanOut.objects.filter(context__text="台风。").count() == 1


def test_the_same_key_with_another_body_is_refused_and_does_nothing() -> None:
    _grant("officer.guicheng", "notifications", "add_fanout")
    client = bearer_client("officer.guicheng")
    key = {"HTTP_IDEMPOTENCY_KEY": "fanout-typhoon-2"}
    assert client.post("/api/v1/fanouts/", BROADCAST, format="json", **key).status_code == 201

    other = {**BROADCAST, "context": {"text": "另一条消息。"}}
    refused = client.post("/api/v1/fanouts/", other, format="json", **key)

    assert refused.status_code == 422 and refused.json()["error"]["code"] == "idempotency_key_reused"
    with town_context("guicheng"):
        assert not FanOut.objects.filter(context__text="另一条消息。").exists()


def test_a_retried_upload_makes_one_import_job(media: Any) -> None:  # noqa: F811
    client = bearer_client("officer.guicheng")
    key = {"HTTP_IDEMPOTENCY_KEY": "upload-1"}
    rows = [("guicheng", "T1", "试验村", "村")]

    def upload(name: str = "data.csv") -> Any:
        body = {"kind": "communities", "file": csv_upload(rows, name=name)}
        return client.post("/api/v1/jobs/", body, format="multipart", **key)

    first, again = upload(), upload()
    assert first.status_code == again.status_code == 201, first.json()
    assert again.json()["id"] == first.json()["id"] and again[REPLAYED_HEADER] == "true"
    with town_context("guicheng"):
        assert ImportJob.objects.filter(pk=first.json()["id"]).count() == 1
        jobs = ImportJob.objects.count()
    other_file = client.post(
        "/api/v1/jobs/",
        {"kind": "communities", "file": csv_upload([("guicheng", "T2", "别的村", "村")])},
        format="multipart",
        **key,
    )
    assert other_file.status_code == 422
    with town_context("guicheng"):
        assert ImportJob.objects.count() == jobs


def test_an_application_retried_with_another_kind_under_the_same_key_is_refused() -> None:
    client = bearer_client("resident.1")
    key = {"HTTP_IDEMPOTENCY_KEY": "apply-1"}
    first = client.post("/api/v1/applications/", {"kind": "permit_issue"}, format="json", **key)
    assert first.status_code == 201, first.json()
    assert client.post("/api/v1/applications/", {"kind": "permit_issue"}, format="json", **key)[REPLAYED_HEADER]
    refused = client.post("/api/v1/applications/", {"kind": "permit_reissue"}, format="json", **key)
    assert refused.status_code == 422
    with town_context("guicheng"):
        assert Application.objects.filter(resident__person__user__username="resident.1").count() == 1


def test_keys_expire_after_24_hours() -> None:
    now = datetime(2027, 3, 1, 12, 0, tzinfo=datetime.now().astimezone().tzinfo)
    person = User.objects.get(username="resident.1")
    for key, age in (("old", timedelta(hours=24, seconds=1)), ("young", timedelta(hours=23, minutes=59))):
        record = IdempotencyKey.objects.create(user=person, key=key, method="POST", path="/api/v1/x/")
        IdempotencyKey.objects.filter(pk=record.pk).update(created_at=now - age)

    assert idempotency_keys_expire(now=now) == 1
    assert list(IdempotencyKey.objects.filter(user=person).values_list("key", flat=True)) == ["young"]
    assert not IdempotencyKey.objects.get(key="young").is_expired(now=now)
    assert IdempotencyKey.objects.get(key="young").is_expired(now=now + timedelta(minutes=1))


def test_beat_forgets_expired_keys_every_hour() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["api.expire_idempotency_keys"]
    assert entry["task"] == "api.expire_idempotency_keys"
    from nanhai_portal.celery import app

    app.loader.import_default_modules()
    assert "api.expire_idempotency_keys" in app.tasks
