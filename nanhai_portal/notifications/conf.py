"""The notifications app's settings, each with a default.

Every value is read from Django settings when it is needed (``getattr(settings, NAME,
default)``), so the lead can move any of them into ``settings.py`` (or the environment)
later, and tests can override them with pytest-django's ``settings`` fixture.

- ``NOTIFICATION_BACKENDS``: ``{channel: "dotted.path.BackendClass"}``, merged over the
  development backends that record messages in ``SentMessage``.
- ``NOTIFICATION_RATE_LIMITS``: ``{channel: messages per second}``, for the whole district
  (every worker together), merged over ``DEFAULT_RATE_LIMITS``.
- ``NOTIFICATION_DAILY_BUDGETS``: ``{channel: messages a day}`` that ``notify`` may write for
  the whole district (a Redis counter per channel per day, Beijing time), merged over
  ``DEFAULT_DAILY_BUDGETS``; 0 or absent means no budget. What a stranger can trigger (a
  sign-up code) must not run up the SMS bill without end. Fan-outs are planned by officials
  and not counted.
- ``NOTIFICATION_MAX_ATTEMPTS``: sends tried before a message is marked failed.
- ``NOTIFICATION_RETRY_BASE_SECONDS``, ``NOTIFICATION_RETRY_FACTOR``,
  ``NOTIFICATION_RETRY_CAP_SECONDS``: the exponential backoff (30 s, 2 min, 8 min, ... 1 h).
- ``NOTIFICATION_SEND_LEASE_SECONDS``: how long a claimed message may stay ``sending``
  before the sweep assumes its worker died.
- ``NOTIFICATION_SWEEP_GRACE_SECONDS``: how late a due message may be before the sweep
  enqueues it again (its own task is normally on the way), and ``NOTIFICATION_SWEEP_LIMIT``:
  how many rows one sweep takes.
- ``NOTIFICATION_FANOUT_CHUNK_SIZE``: recipients per fan-out chunk task.
- ``NOTIFICATION_UNREAD_CACHE_SECONDS``: how long the header's unread count is cached.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings

DEFAULT_BACKENDS = {
    "sms": "nanhai_portal.notifications.backends.RecordingBackend",
    "email": "nanhai_portal.notifications.backends.RecordingBackend",
    "wechat": "nanhai_portal.notifications.backends.RecordingBackend",
}
# Messages per second. SMS gateways sell a per-account rate; 50/s is a common contract.
DEFAULT_RATE_LIMITS = {"sms": 50.0, "email": 20.0, "wechat": 100.0}


# Messages a day written by notify(). About ten times a busy day's sign-ups, codes and notices.
DEFAULT_DAILY_BUDGETS = {"sms": 50_000}


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def backend_paths() -> dict[str, str]:
    return {**DEFAULT_BACKENDS, **_setting("NOTIFICATION_BACKENDS", {})}


def rate_limit(channel: str) -> float:
    """Messages per second allowed on ``channel``; 0 or less means unlimited."""
    return float({**DEFAULT_RATE_LIMITS, **_setting("NOTIFICATION_RATE_LIMITS", {})}.get(channel, 0))


def daily_budget(channel: str) -> int:
    """Messages ``notify`` may write on ``channel`` in a day; 0 or less means no budget."""
    return int({**DEFAULT_DAILY_BUDGETS, **_setting("NOTIFICATION_DAILY_BUDGETS", {})}.get(channel, 0))


def max_attempts() -> int:
    return int(_setting("NOTIFICATION_MAX_ATTEMPTS", 6))


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed send: base × factor^(attempts − 1), capped."""
    base = float(_setting("NOTIFICATION_RETRY_BASE_SECONDS", 30))
    factor = float(_setting("NOTIFICATION_RETRY_FACTOR", 4))
    cap = float(_setting("NOTIFICATION_RETRY_CAP_SECONDS", 3600))
    return timedelta(seconds=min(cap, base * factor ** max(0, attempts - 1)))


def send_lease() -> timedelta:
    return timedelta(seconds=float(_setting("NOTIFICATION_SEND_LEASE_SECONDS", 300)))


def sweep_grace() -> timedelta:
    return timedelta(seconds=float(_setting("NOTIFICATION_SWEEP_GRACE_SECONDS", 120)))


def sweep_limit() -> int:
    return int(_setting("NOTIFICATION_SWEEP_LIMIT", 5000))


def fanout_chunk_size() -> int:
    return int(_setting("NOTIFICATION_FANOUT_CHUNK_SIZE", 500))


def unread_cache_seconds() -> int:
    return int(_setting("NOTIFICATION_UNREAD_CACHE_SECONDS", 300))
