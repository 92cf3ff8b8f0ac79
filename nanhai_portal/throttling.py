"""Request limits on the Redis cache, shared by the API (DRF throttle classes) and the pages.

A limit has a scope (``"signup.address"``) and a rate from ``settings.THROTTLE_RATES``
(``"10/hour"``: a number, then ``second``, ``minute``, ``hour`` or ``day``). Each request
adds one to a counter per scope, caller and window, with ``cache.add`` then ``cache.incr``:
both are single Redis commands, so every web process counts into the same number and two
requests at once never both read the old count (DRF's ``SimpleRateThrottle`` keeps a list
that it reads and writes back, which lets concurrent requests through).

The caller is the client address (``REMOTE_ADDR``: gunicorn's ``forwarded_allow_ips`` puts
the trusted proxy's client there), a value from the request hashed with the blind-index key
(a mobile number is never a cache key in clear), or nobody (the global limit).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.throttling import BaseThrottle

from nanhai_portal.pii import validate_mobile
from nanhai_portal.pii.fields import lookup_index

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def client_address(request: HttpRequest) -> str | None:
    """The address a request came from, as this project trusts it (also django-axes' callable);
    None for a request made in code (a test's ``force_login``)."""
    return request.META.get("REMOTE_ADDR") or None


def client_key(request: HttpRequest) -> str:
    """The caller key of a request's client address."""
    return client_address(request) or "unknown"


@dataclass(frozen=True)
class Rate:
    requests: int
    seconds: int


def rate_of(scope: str) -> Rate | None:
    """The scope's rate from ``settings.THROTTLE_RATES``; None (unlimited) when it has none."""
    text = getattr(settings, "THROTTLE_RATES", {}).get(scope)
    if not text:
        return None
    number, _slash, unit = str(text).partition("/")
    return Rate(int(number), _UNITS[unit.strip()[:1]])


def hit(scope: str, caller: str) -> float:
    """Count one request of ``caller`` in ``scope``. Returns 0 when allowed, else the seconds to wait."""
    rate = rate_of(scope)
    if rate is None:
        return 0.0
    now = time.time()
    window = int(now // rate.seconds)
    key = f"throttle:{scope}:{caller}:{window}"
    cache.add(key, 0, timeout=rate.seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this request opens a new window
        cache.add(key, 1, timeout=rate.seconds + 1)
        count = 1
    if count <= rate.requests:
        return 0.0
    return max(1.0, math.ceil((window + 1) * rate.seconds - now))


def wait_message(seconds: float) -> str:
    minutes = math.ceil(seconds / 60)
    if seconds < 60:
        return _("Too many requests. Try again in a minute.")
    return ngettext(
        "Too many requests. Try again in %(count)d minute.",
        "Too many requests. Try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


def first_wait(checks: list[tuple[str, str]]) -> float:
    """Count the request in every ``(scope, caller)``; the longest wait, 0 when all allow it.

    Every limit counts the request even when an earlier one refuses it, as DRF does, so that
    a caller refused per address still spends from the global budget.
    """
    return max((hit(scope, caller) for scope, caller in checks), default=0.0)


class ScopedThrottle(BaseThrottle):
    """A DRF throttle for one scope of ``THROTTLE_RATES``; subclasses say who the caller is."""

    scope = ""
    methods: tuple[str, ...] = ("POST",)

    def __init__(self) -> None:
        self._wait = 0.0

    def caller(self, request: Any, view: Any) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Any, view: Any) -> bool:
        if request.method not in self.methods:
            return True
        caller = self.caller(request, view)
        if caller is None:
            return True
        self._wait = hit(self.scope, caller)
        return self._wait == 0

    def wait(self) -> float | None:
        return self._wait or None


def address_throttle(scope_name: str) -> type[ScopedThrottle]:
    """A throttle of ``scope_name`` per client address."""

    class AddressThrottle(ScopedThrottle):
        scope = scope_name

        def caller(self, request: Any, view: Any) -> str | None:
            return client_key(request)

    AddressThrottle.__name__ = AddressThrottle.__qualname__ = f"AddressThrottle[{scope_name}]"
    return AddressThrottle


def global_throttle(scope_name: str) -> type[ScopedThrottle]:
    """A throttle of ``scope_name`` for every caller together."""

    class GlobalThrottle(ScopedThrottle):
        scope = scope_name

        def caller(self, request: Any, view: Any) -> str | None:
            return "all"

    GlobalThrottle.__name__ = GlobalThrottle.__qualname__ = f"GlobalThrottle[{scope_name}]"
    return GlobalThrottle


def mobile_throttle(scope_name: str, field: str = "mobile") -> type[ScopedThrottle]:
    """A throttle of ``scope_name`` per mobile number in the body's ``field`` (hashed in the key)."""

    class MobileThrottle(ScopedThrottle):
        scope = scope_name

        def caller(self, request: Any, view: Any) -> str | None:
            return mobile_key(request.data.get(field) if hasattr(request.data, "get") else None)

    MobileThrottle.__name__ = MobileThrottle.__qualname__ = f"MobileThrottle[{scope_name}]"
    return MobileThrottle


def mobile_key(typed: Any) -> str | None:
    """The caller key of a typed mobile number: normalised when it is one, then hashed."""
    if not isinstance(typed, str) or not typed.strip():
        return None
    try:
        typed = validate_mobile(typed)
    except ValidationError:
        pass
    return lookup_index("mobile", typed.strip())
