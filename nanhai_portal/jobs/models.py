"""Bulk import jobs (批量导入) and the rows they could not import."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nanhai_portal.jobs.importers import importer_class
from nanhai_portal.tenancy.models import TenantModel


class ImportJob(TenantModel):
    """One uploaded file being imported into one town, chunk by chunk, by a Celery worker.

    ``processed`` counts the data rows done, in file order, and is also where a worker
    resumes: each chunk's merge, its error rows and the counters commit in one transaction.
    A worker holds the job while ``lease_expires_at`` lies ahead; ``claim_token`` names the
    worker's run, so a worker whose lease was taken over can no longer commit a chunk.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("import job status", "queued")
        RUNNING = "running", pgettext_lazy("import job status", "running")
        SUCCEEDED = "succeeded", pgettext_lazy("import job status", "succeeded")
        FAILED = "failed", pgettext_lazy("import job status", "failed")
        CANCELLED = "cancelled", pgettext_lazy("import job status", "cancelled")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (.xlsx)"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=32)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    file_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("file format"), max_length=8, choices=Format.choices)
    file_encoding = models.CharField(_("file encoding"), max_length=16, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now, db_index=True)
    # By the database's clock, like the leases it is compared with (jobs/services.py).
    enqueued_at = models.DateTimeField(_("last sent to a worker"), db_default=Now())
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    total = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    processed = models.PositiveIntegerField(_("rows done"), default=0)
    imported = models.PositiveIntegerField(_("rows imported"), default=0)
    failed = models.PositiveIntegerField(_("rows with errors"), default=0)
    error_code = models.CharField(_("error"), max_length=32, blank=True)
    error_params = models.JSONField(_("error details"), default=dict, blank=True)

    # The worker's hold on the job (see services.job_claim).
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    run_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    processed_at_run_start = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        default_permissions = ("add", "view")
        permissions = [("cancel_importjob", _("Can cancel an import job"))]
        indexes = [
            models.Index(fields=["town", "-created_at"], name="importjob_town_created"),
            models.Index(
                fields=["lease_expires_at"],
                name="importjob_active_lease",
                condition=Q(status__in=["queued", "running"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="importjob_status_known",
                condition=Q(status__in=["queued", "running", "succeeded", "failed", "cancelled"]),
            ),
            models.CheckConstraint(name="importjob_format_known", condition=Q(file_format__in=["csv", "xlsx"])),
            models.CheckConstraint(name="importjob_counts_add_up", condition=Q(processed=F("imported") + F("failed"))),
            models.CheckConstraint(
                name="importjob_processed_within_total", condition=Q(total__isnull=True) | Q(processed__lte=F("total"))
            ),
            models.CheckConstraint(
                name="importjob_finished_has_time",
                condition=Q(status__in=["queued", "running"]) | Q(finished_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.file_name}"

    @property
    def kind_label(self) -> str:
        """What the file holds, in the active language (the kind's code if no importer has it)."""
        importer = importer_class(self.kind)
        return str(importer.label) if importer is not None else self.kind

    @property
    def is_active(self) -> bool:
        """Queued or running: it may still change, and it may be cancelled."""
        return self.status in self.ACTIVE


class ImportRowError(TenantModel):
    """One problem with one cell (or a whole row) of an import's file: a line of the error report.

    ``value`` is stored with personal data masked; ``code`` and ``params`` are rendered into a
    message in the reader's language (see ``problems``).
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors", verbose_name=_("job"))
    row_number = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=64, blank=True)
    value = models.CharField(_("value"), max_length=200, blank=True)
    code = models.CharField(_("problem"), max_length=32)
    params = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["job", "row_number", "id"]
        verbose_name = _("import error")
        verbose_name_plural = _("import errors")
        default_permissions = ()
        constraints = [
            # One problem per cell: a chunk imported twice would break this, not pass unnoticed.
            models.UniqueConstraint(fields=["town", "job", "row_number", "column"], name="importrowerror_one_per_cell"),
            models.CheckConstraint(name="importrowerror_row_after_header", condition=Q(row_number__gte=2)),
        ]

    def __str__(self) -> str:
        return f"{self.row_number}/{self.column}: {self.code}"
