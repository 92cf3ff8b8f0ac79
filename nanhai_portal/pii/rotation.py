"""Re-encrypting every stored personal value with the newest key, in batches, resumably.

Each batch re-encrypts up to ``batch_size`` rows of one table (in one town, for tenant
tables, under that town's row-level security) and records how far it got, in one short
transaction, so the portal keeps serving and an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from nanhai_portal.pii import crypto
from nanhai_portal.pii.fields import encrypted_fields
from nanhai_portal.pii.models import KeyRotationProgress
from nanhai_portal.tenancy import town_context


@dataclass(frozen=True)
class RotationTarget:
    model: type[models.Model]
    columns: tuple[str, ...]
    town: str  # "" for a district-wide table


def primary_key_fingerprint() -> str:
    return hashlib.sha256(settings.PII_ENCRYPTION_KEYS[0].encode()).hexdigest()[:16]


def rotation_targets() -> list[RotationTarget]:
    """Every table with encrypted columns; tenant tables once per town."""
    town_codes = list(apps.get_model("areas", "Town").objects.values_list("code", flat=True))
    targets = []
    for model in apps.get_models():
        columns = tuple(str(field.column) for field in encrypted_fields(model))
        if not columns:
            continue
        is_tenant_table = any(field.column == "town_id" for field in model._meta.concrete_fields)
        for town in town_codes if is_tenant_table else [""]:
            targets.append(RotationTarget(model, columns, town))
    return targets


def _rotate_batch(target: RotationTarget, fingerprint: str, batch_size: int) -> int:
    """Re-encrypt the next batch of ``target``; return how many rows it covered (0: done)."""
    quote = connection.ops.quote_name
    table, pk = target.model._meta.db_table, str(target.model._meta.pk.column)
    with transaction.atomic():
        progress, _created = KeyRotationProgress.objects.select_for_update().get_or_create(
            key_fingerprint=fingerprint, table=table, town_code=target.town
        )
        if progress.finished_at is not None:
            return 0
        columns = ", ".join(quote(column) for column in target.columns)
        after = f"WHERE {quote(pk)} > %s" if progress.last_pk else ""
        with connection.cursor() as cursor:
            cursor.execute(
                # The key is read as text under its own name: ORDER BY "id" would sort that text.
                f"SELECT {quote(pk)}::text AS rotation_key, {columns} FROM {quote(table)} {after} "  # noqa: S608
                f"ORDER BY {quote(table)}.{quote(pk)} LIMIT %s FOR UPDATE",
                [progress.last_pk, batch_size] if progress.last_pk else [batch_size],
            )
            rows = cursor.fetchall()
            updates = [[*(crypto.rotate(token) if token else token for token in values), key] for key, *values in rows]
            if updates:
                assignments = ", ".join(f"{quote(column)} = %s" for column in target.columns)
                cursor.executemany(
                    f"UPDATE {quote(table)} SET {assignments} WHERE {quote(pk)}::text = %s",  # noqa: S608
                    updates,
                )
        if rows:
            progress.last_pk = rows[-1][0]
            progress.rows_done += len(rows)
        if len(rows) < batch_size:
            progress.finished_at = timezone.now()
        progress.save()
        return len(rows)


def rotate_all(*, batch_size: int = 1000, report: Callable[[str], Any] | None = None) -> int:
    """Re-encrypt every table under the current primary key; resumable; return rows covered."""
    fingerprint = primary_key_fingerprint()
    total = 0
    for target in rotation_targets():
        covered = -1
        while covered != 0:
            if target.town:
                with town_context(target.town):
                    covered = _rotate_batch(target, fingerprint, batch_size)
            else:
                covered = _rotate_batch(target, fingerprint, batch_size)
            total += max(covered, 0)
        if report:
            report(f"{target.model._meta.label} {target.town or ''}".strip() + ": done")
    return total


def rotation_status() -> list[KeyRotationProgress]:
    return list(KeyRotationProgress.objects.filter(key_fingerprint=primary_key_fingerprint()).order_by("table"))
