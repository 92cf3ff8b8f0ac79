"""The API's shapes of import jobs (no rules here: progress and messages come from selectors)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from nanhai_portal.jobs import selectors
from nanhai_portal.jobs.importers import importer_choices
from nanhai_portal.jobs.models import ImportJob


@extend_schema_field({"type": "string", "description": "A registered importer: communities, grids, ..."})
class ImportKindField(serializers.ChoiceField):
    """The kind of file; its choices are the importers registered when the serializer is made."""


class ImportJobCreateSerializer(serializers.Serializer):
    kind = ImportKindField(choices=[])
    file = serializers.FileField(allow_empty_file=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind: Any = self.fields["kind"]
        kind.choices = importer_choices()


class ImportJobSerializer(serializers.ModelSerializer[ImportJob]):
    town = serializers.CharField(source="town_id", read_only=True)
    percent = serializers.SerializerMethodField()
    rows_per_second = serializers.SerializerMethodField()
    seconds_left = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField()
    outcome_label = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "town",
            "kind",
            "status",
            "file_name",
            "total",
            "processed",
            "imported",
            "failed",
            "percent",
            "rows_per_second",
            "seconds_left",
            "created_at",
            "started_at",
            "finished_at",
            "error",
            "outcome",
            "outcome_label",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_percent(self, job: ImportJob) -> int:
        return selectors.job_progress(job).percent

    @extend_schema_field({"type": "number", "format": "double", "nullable": True})
    def get_rows_per_second(self, job: ImportJob) -> float | None:
        return selectors.job_progress(job).rows_per_second

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_seconds_left(self, job: ImportJob) -> int | None:
        return selectors.job_progress(job).seconds_left

    @extend_schema_field({"type": "string", "nullable": True})
    def get_error(self, job: ImportJob) -> str | None:
        return selectors.job_error_message(job)

    @extend_schema_field(
        {
            "type": "string",
            "enum": list(selectors.OUTCOME_CODES),
            "description": "The status, except that a job that ended with rows it could not import is "
            "succeeded_with_errors.",
        }
    )
    def get_outcome(self, job: ImportJob) -> str:
        return selectors.job_outcome(job).code

    @extend_schema_field(
        {"type": "string", "description": 'The outcome in the language asked for, e.g. "完成，3 行有错误".'}
    )
    def get_outcome_label(self, job: ImportJob) -> str:
        return selectors.job_outcome(job).label
