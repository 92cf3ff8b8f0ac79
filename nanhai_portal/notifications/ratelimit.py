"""A token bucket in Redis: one rate per channel for every worker of the district together.

Why not Celery's ``rate_limit`` task option: it limits each worker process on its own, so
adding workers multiplies the rate, while an SMS gateway limits the *account* (say 50
messages a second, however many senders). The bucket lives in Redis, is refilled and taken
from in one Lua script (atomic, on Redis's clock), and so holds across workers and machines.
"""

from __future__ import annotations

import time
from functools import cache

import redis
from django.conf import settings

from nanhai_portal.notifications import conf

# KEYS[1] the bucket; ARGV[1] tokens per second, ARGV[2] capacity. Returns the seconds to
# wait before a token is there ("0" when one was taken), as a string (Lua numbers would be
# truncated to integers on the way back).
_TAKE = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 60)
return tostring(wait)
"""


@cache
def _client() -> redis.Redis:
    # The cache's location is the redis-py form of REDIS_URL (unix:// rather than redis+socket://).
    return redis.Redis.from_url(str(settings.CACHES["default"]["LOCATION"]))


class TokenBucket:
    """``rate`` tokens a second, at most ``capacity`` saved up (one second's worth by default)."""

    def __init__(self, name: str, *, rate: float, capacity: float | None = None) -> None:
        self.key = f"nanhai:notifications:rate:{name}"
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(1.0, rate)

    def take(self) -> float:
        """Take a token if there is one (returns 0), or say how many seconds until there is."""
        result = _client().eval(_TAKE, 1, self.key, str(self.rate), str(self.capacity))
        return float(result)

    def wait_and_take(self) -> float:
        """Block until a token is taken; returns the seconds spent waiting."""
        waited = 0.0
        while (wait := self.take()) > 0:
            time.sleep(wait)
            waited += wait
        return waited


def throttle(channel: str) -> float:
    """Wait for ``channel``'s rate limit (``NOTIFICATION_RATE_LIMITS``); returns the seconds waited."""
    rate = conf.rate_limit(channel)
    if rate <= 0:
        return 0.0
    return TokenBucket(channel, rate=rate).wait_and_take()
