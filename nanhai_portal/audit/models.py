"""The audit trail (审计日志): append-only, in the database as well as in the code."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nanhai_portal.ids import time_ordered_uuid
from nanhai_portal.tenancy.models import TenantManager


class AuditEvent(models.Model):
    """One thing that happened: who (with their role and town), what, to which object, when.

    Rows are never changed or deleted: the app's database role may only SELECT and INSERT
    (see tenancy.rls), and a trigger refuses UPDATE, DELETE and TRUNCATE for every role.
    ``town`` is null for district-level events (a district admin's change, a failed sign-in
    of an unknown name); those are visible in a district scope only.
    """

    append_only_in_database = True

    # A key made here, not by the database: an INSERT ... RETURNING would also have to pass the
    # read policy, which a district-level event written from a town scope does not. Time-ordered,
    # so that the events of a batch land at the index's right edge, not on random pages.
    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    occurred_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    town = models.ForeignKey(  # indexed by audit_town_time, which starts with it
        "areas.Town",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("town"),
        db_index=False,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,  # the trail outlives the accounts it names
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    actor_role = models.CharField(_("role"), max_length=24, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)  # audit_object (no pattern twin)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    # The current town's events only; district-level (town-less) ones via for_all_towns().
    objects = TenantManager()

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["town", "-occurred_at"], name="audit_town_time"),
            # An object's history; looked up whole, never by its start (no ``varchar_pattern_ops``).
            models.Index(fields=["object_id"], name="audit_object"),
        ]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_username or '-'} {self.action}"
