"""A daily budget per channel: how many messages ``notify`` may write in a day, district-wide.

The counter is a Redis key per channel per day (Beijing time) on the cache, taken with one
``INCR``, so every web process and worker spends from the same number. A message counts
when it is written to the outbox, before it is sent: a transaction that rolls back has still
spent it, which errs on the side of the bill.
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from nanhai_portal.errors import DomainError
from nanhai_portal.notifications import conf

_KEEP_SECONDS = 2 * 86400  # past the day's end, whatever the clock skew


class ChannelBudgetSpent(DomainError):
    """Today's messages on a channel are spent, and this message cannot do without it."""

    status = 503
    code = "channel_budget_spent"

    def __init__(self, channel: str) -> None:
        super().__init__(
            _(
                "We cannot send text messages today: the daily limit is reached. "
                "Try again tomorrow, or visit your town's service centre."
            ),
            channel=channel,
        )


def _key(channel: str) -> str:
    return f"notifications:budget:{channel}:{timezone.localdate().isoformat()}"


def budget_take(channel: str) -> bool:
    """Spend one message of today's budget on ``channel``; False when it was already spent."""
    budget = conf.daily_budget(channel)
    if budget <= 0:
        return True
    key = _key(channel)
    cache.add(key, 0, timeout=_KEEP_SECONDS)
    try:
        spent = cache.incr(key)
    except ValueError:  # gone between add and incr
        cache.add(key, 1, timeout=_KEEP_SECONDS)
        spent = 1
    return spent <= budget


def budget_spent_today(channel: str) -> int:
    return int(cache.get(_key(channel)) or 0)
