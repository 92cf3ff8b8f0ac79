"""Idempotency keys: a retried POST (double tap, timeout) does its work once."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class IdempotencyKey(models.Model):
    """The first response to ``(user, key)``; a repeat gets it again instead of a second run."""

    LIFETIME = timedelta(hours=24)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    # SHA-256 of the query string and body: the same key with another body is refused.
    request_digest = models.CharField(max_length=64, default="")
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"

    def is_expired(self, *, now: datetime) -> bool:
        """Older than 24 hours: the key may be used again for a new request."""
        return self.created_at <= now - self.LIFETIME
