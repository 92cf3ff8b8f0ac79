"""``@idempotent`` for DRF view methods: honour the ``Idempotency-Key`` header."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response

from nanhai_portal.api.errors import ServiceError
from nanhai_portal.api.models import IdempotencyKey

HEADER = "Idempotency-Key"


def idempotent(method: Callable[..., Response]) -> Callable[..., Response]:
    """Run the view once per (user, key); replay its response to repeats of the same request.

    The key row is written in the request's transaction, so it commits with the work or not
    at all; a concurrent repeat waits on the key's unique index and then gets the replay.
    """

    @functools.wraps(method)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER, "").strip()
        if not key or not request.user.is_authenticated:
            return method(self, request, *args, **kwargs)
        if len(key) > 100:
            raise ServiceError("invalid_idempotency_key", _("The Idempotency-Key header is at most 100 characters."))
        with transaction.atomic():
            record, created = IdempotencyKey.objects.select_for_update().get_or_create(
                user=request.user, key=key, defaults={"method": request.method or "", "path": request.path}
            )
            if not created:
                if (record.method, record.path) != (request.method, request.path):
                    raise ServiceError(
                        "idempotency_key_reused",
                        _("This Idempotency-Key was used for another request."),
                        status_code=422,
                    )
                if record.status_code is not None:
                    return Response(record.body, status=record.status_code, headers={"Idempotent-Replayed": "true"})
            response = method(self, request, *args, **kwargs)
            record.status_code, record.body = response.status_code, response.data
            record.save(update_fields=["status_code", "body"])
            return response

    return wrapper
