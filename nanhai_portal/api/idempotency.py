"""``@idempotent`` for DRF view methods: honour the ``Idempotency-Key`` header.

Every POST of the API that does something honours it (tests/api/test_idempotency.py walks
the OpenAPI document to hold that), except the few listed in ``NOT_REPLAYED``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response

from nanhai_portal.api.errors import ServiceError
from nanhai_portal.api.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

# POSTs that do not replay, and why: their answer is a secret that must not be kept in the
# clear (a bearer token, a revealed ID number), or the caller is nobody yet (sign-up).
NOT_REPLAYED = {
    "/api/auth/token/": "answers a bearer token, stored only as a digest",
    "/api/v1/pii/reveal/": "answers personal data in full, which is kept only encrypted",
    "/api/v1/signup/": "anonymous; one sign-up per mobile number holds it",
    "/api/v1/signup/{signup_id}/verify/": "answers a bearer token; the code works once",
    "/api/v1/signup/{signup_id}/resend/": "anonymous; a retry within the minute is refused, so no second code goes",
}


def request_digest(request: Request) -> str:
    """SHA-256 of what the request asks: its query string and body (files by their content).

    Computed from the parsed body, so that a file upload is hashed in chunks rather than
    held in memory twice, and a JSON body that differs only in spacing or key order is
    the same request.
    """
    digest = hashlib.sha256()
    digest.update(request.META.get("QUERY_STRING", "").encode())
    data = request.data
    items = data.lists() if hasattr(data, "lists") else data.items() if isinstance(data, dict) else [("", data)]
    for name, value in sorted(items, key=lambda item: str(item[0])):
        digest.update(json.dumps(str(name)).encode())
        for part in value if isinstance(value, list) and hasattr(data, "lists") else [value]:
            if isinstance(part, UploadedFile):
                for chunk in part.chunks():
                    digest.update(chunk)
                part.seek(0)
                digest.update(json.dumps([part.name, part.size]).encode())
            else:
                digest.update(json.dumps(part, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def idempotent(method: Callable[..., Response]) -> Callable[..., Response]:
    """Run the view once per (user, key) for 24 hours; replay its answer to repeats.

    A repeat with the same key but another method, path or body is refused (422). The key
    row is written in the request's transaction, so it commits with the work or not at all
    (an error answer rolls both back: the retry then runs afresh); a concurrent repeat waits
    on the key's unique index and then gets the replay.
    """

    @functools.wraps(method)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER, "").strip()
        if not key or not request.user.is_authenticated:
            return method(self, request, *args, **kwargs)
        if len(key) > 100:
            raise ServiceError("invalid_idempotency_key", _("The Idempotency-Key header is at most 100 characters."))
        digest = request_digest(request)
        with transaction.atomic():
            record, created = IdempotencyKey.objects.select_for_update().get_or_create(
                user=request.user,
                key=key,
                defaults={"method": request.method or "", "path": request.path, "request_digest": digest},
            )
            if not created and record.is_expired(now=timezone.now()):
                record.delete()
                record = IdempotencyKey.objects.create(
                    user=request.user, key=key, method=request.method or "", path=request.path, request_digest=digest
                )
            elif not created:
                if (record.method, record.path, record.request_digest) != (request.method, request.path, digest):
                    raise ServiceError(
                        "idempotency_key_reused",
                        _("This Idempotency-Key was used for another request."),
                        status_code=422,
                    )
                if record.status_code is not None:
                    return Response(record.body, status=record.status_code, headers={REPLAYED_HEADER: "true"})
            response = method(self, request, *args, **kwargs)
            record.status_code, record.body = response.status_code, response.data
            record.save(update_fields=["status_code", "body"])
            return response

    wrapper.honours_idempotency_key = True  # type: ignore[attr-defined]
    return wrapper


def idempotency_keys_expire(*, now: datetime) -> int:
    """Forget keys older than 24 hours; how many went. Run by beat (``api.expire_idempotency_keys``)."""
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lte=now - IdempotencyKey.LIFETIME).delete()
    return deleted
