"""Progress of re-encrypting personal data with a new key."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class KeyRotationProgress(models.Model):
    """How far the re-encryption of one table (in one town) has come, under one primary key.

    A batch and its progress commit together, so an interrupted rotation resumes after the
    last batch that committed. Not tenant-owned: the column is ``town_code``, so that the
    district-wide rotation can read every town's progress.
    """

    key_fingerprint = models.CharField(max_length=16)
    table = models.CharField(max_length=100)
    town_code = models.CharField(max_length=16, blank=True)
    last_pk = models.CharField(max_length=64, blank=True)
    rows_done = models.BigIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("key rotation progress")
        constraints = [
            models.UniqueConstraint(fields=["key_fingerprint", "table", "town_code"], name="key_rotation_one_row"),
        ]

    def __str__(self) -> str:
        return f"{self.table} {self.town_code or '-'}: {self.rows_done}"
