"""What a locked-out sign-in sees (django-axes calls ``lockout_response``).

The lock holds for the account *from one client address* (``AXES_LOCKOUT_PARAMETERS``), so
the message says "on this network": the owner can still sign in from elsewhere.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from nanhai_portal.api.errors import error_response


def lockout_minutes() -> int:
    return math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)


def lockout_message() -> str:
    minutes = lockout_minutes()
    return ngettext(
        "This account is locked on this network after %(count)d failed sign-ins. Try again in "
        "%(minutes)d minute, or ask your town's service centre to unlock it.",
        "This account is locked on this network after %(count)d failed sign-ins. Try again in "
        "%(minutes)d minutes, or ask your town's service centre to unlock it.",
        minutes,
    ) % {"count": settings.AXES_FAILURE_LIMIT, "minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        response: HttpResponse = error_response(429, "account_locked", lockout_message())
    else:
        response = render(request, "accounts/locked.html", {"message": lockout_message()}, status=429)
    response["Retry-After"] = retry_after
    return response
