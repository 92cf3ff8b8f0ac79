"""A body larger than its URL accepts is refused from its Content-Length, before it is read."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client, RequestFactory

from nanhai_portal.bodylimit import MULTIPART_OVERHEAD, default_limit, limit_for
from nanhai_portal.jobs import conf

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
APPLICATION = uuid.UUID("00000000-0000-4000-8000-000000000001")


def post_declaring(path: str, length: int, **extra: Any) -> Any:
    """POST a few bytes while declaring ``length``: reading the body would fail loudly."""
    return Client().generic(
        "POST",
        path,
        b"--x--\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(length),
        **extra,
    )


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/api/v1/jobs/", lambda: conf.MAX_UPLOAD_BYTES),
        ("/jobs/", lambda: conf.MAX_UPLOAD_BYTES),
        (f"/api/v1/applications/{APPLICATION}/documents/", lambda: 10 * MB),
        (f"/residents/applications/{APPLICATION}/documents/", lambda: 10 * MB),
    ],
)
def test_each_upload_address_accepts_its_own_largest_file(path: str, limit: Any) -> None:
    assert limit_for(RequestFactory().post(path)) == limit() + MULTIPART_OVERHEAD


@pytest.mark.parametrize(
    "path", ["/api/v1/applications/", "/api/auth/token/", "/login/", f"/api/v1/applications/{APPLICATION}/submit/"]
)
def test_every_other_address_accepts_only_a_form(path: str) -> None:
    assert limit_for(RequestFactory().post(path)) == default_limit()


def test_an_api_upload_over_the_limit_is_413_in_the_error_shape() -> None:
    response = post_declaring(
        "/api/v1/jobs/", conf.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD + 1, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "request_too_large" and error["fields"] == {}
    assert "accepts at most 50.1\xa0MB" in error["message"]


def test_a_document_over_its_limit_is_413_although_imports_take_more() -> None:
    response = post_declaring(f"/api/v1/applications/{APPLICATION}/documents/", 20 * MB)

    assert response.status_code == 413


def test_a_large_body_to_an_address_without_uploads_is_413() -> None:
    response = post_declaring("/api/auth/token/", 5 * MB)

    assert response.status_code == 413 and response.json()["error"]["code"] == "request_too_large"


def test_a_page_upload_over_the_limit_is_a_413_page() -> None:
    response = post_declaring("/jobs/", 2 * 1024 * MB, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "File too large" in response.content.decode()
