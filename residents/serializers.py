from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from nanhai_portal.validators import validate_free_text, validate_multiline_text, validate_person_name
from residents import selectors, services
from residents.models import Application, Document


class DocumentSerializer(serializers.ModelSerializer[Document]):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "kind", "content_type", "size", "uploaded_at", "url"]

    def get_url(self, document: Document) -> str:
        return reverse("application-document", kwargs={"pk": document.application_id, "document_id": document.pk})


class StepSerializer(serializers.Serializer):
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    at = serializers.DateTimeField()
    note = serializers.CharField()
    by_role = serializers.SerializerMethodField()

    def get_by_role(self, step: Any) -> str | None:
        return getattr(step.actor, "role", None)


class ApplicationSerializer(serializers.ModelSerializer[Application]):
    town = serializers.CharField(source="town_id", read_only=True)
    resident_name = serializers.CharField(source="resident.person.name", read_only=True)
    visits_required = serializers.IntegerField(read_only=True)
    overdue = serializers.SerializerMethodField()
    permit_number = serializers.CharField(source="permit.permit_number", read_only=True, default=None, allow_null=True)
    expected_by = serializers.SerializerMethodField(
        help_text="The day a decision is expected: once accepted, the deadline; once submitted, the deadline "
        "counted as if accepted on the day of submission; null for a draft."
    )
    documents = DocumentSerializer(many=True, read_only=True)
    timeline = StepSerializer(source="steps", many=True, read_only=True)

    class Meta:
        model = Application
        fields = [
            "id", "number", "town", "kind", "status", "expected_by", "resident", "resident_name", "basis", "address", "delivery",
            "postal_address", "tracking_number", "return_reasons", "reject_reason", "permit_number",
            "visits_required", "overdue", "created_at", "submitted_at", "accepted_at", "due_at", "decided_at",
            "issued_at", "delivered_at", "documents", "timeline",
        ]  # fmt: skip
        read_only_fields = fields

    def get_overdue(self, application: Application) -> bool:
        return selectors.is_overdue(application)

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_expected_by(self, application: Application) -> date | None:
        return services.expected_by(application)


class ApplicationListSerializer(serializers.ModelSerializer[Application]):
    """A queue row: what an officer sorts and picks by. Documents and timeline are on the detail."""

    town = serializers.CharField(source="town_id", read_only=True)
    resident_name = serializers.CharField(source="resident.person.name", read_only=True)
    visits_required = serializers.IntegerField(read_only=True)
    overdue = serializers.SerializerMethodField()
    expected_by = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id", "number", "town", "kind", "status", "expected_by", "resident", "resident_name", "delivery",
            "visits_required", "overdue", "created_at", "submitted_at", "accepted_at", "due_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_overdue(self, application: Application) -> bool:
        return selectors.is_overdue(application)

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_expected_by(self, application: Application) -> date | None:
        return services.expected_by(application)


class ApplicationCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Application.Kind.choices)
    delivery = serializers.ChoiceField(choices=Application.Delivery.choices, default=Application.Delivery.PICKUP)
    postal_address = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", validators=[validate_free_text]
    )
    basis = serializers.ChoiceField(choices=Application.Basis.choices, default=Application.Basis.JOB)


class ApplicationUpdateSerializer(serializers.Serializer):
    basis = serializers.ChoiceField(choices=Application.Basis.choices, required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, validators=[validate_free_text])
    delivery = serializers.ChoiceField(choices=Application.Delivery.choices, required=False)
    postal_address = serializers.CharField(
        max_length=200, required=False, allow_blank=True, validators=[validate_free_text]
    )


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Document.Kind.choices)
    file = serializers.FileField(allow_empty_file=True)


class ReturnSerializer(serializers.Serializer):
    reasons = serializers.ListField(
        child=serializers.CharField(max_length=200, validators=[validate_free_text]), min_length=1, max_length=20
    )


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, validators=[validate_multiline_text])


class DeliverSerializer(serializers.Serializer):
    tracking_number = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", validators=[validate_free_text]
    )


class BulkApproveSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=200)


class MissingSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    document_kind = serializers.CharField(allow_null=True)


class PrecheckSerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    missing = MissingSerializer(many=True)


class PermitSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="permit.id")
    town = serializers.CharField(source="permit.town_id")
    permit_number = serializers.CharField(source="permit.permit_number")
    resident_name = serializers.CharField(source="permit.resident.person.name")
    valid_from = serializers.DateField(source="permit.valid_from")
    valid_until = serializers.DateField(source="permit.valid_until")
    status = serializers.CharField()
    next_endorsement_due = serializers.DateField()
    endorse_by = serializers.DateField()
    continuous_years = serializers.IntegerField()


class SignupSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=32, validators=[validate_person_name])
    id_number = serializers.CharField(max_length=24)
    mobile = serializers.CharField(max_length=20)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    town = serializers.CharField(max_length=16)
    community = serializers.CharField(max_length=36)
    consent = serializers.BooleanField(
        help_text="true: the person read and agreed to the privacy notice (个人信息处理规则) of consent_version.",
        error_messages={"required": _("Read and agree to the rules for processing your personal information.")},
    )
    consent_version = serializers.CharField(
        max_length=16,
        help_text="The version of the privacy notice shown to the person: GET /api/v1/signup/privacy-notice/.",
        error_messages={
            "required": _("Say which version of the rules for processing personal information was agreed to."),
            "blank": _("Say which version of the rules for processing personal information was agreed to."),
        },
    )


class PrivacyNoticeSerializer(serializers.Serializer):
    version = serializers.CharField()
    date = serializers.DateField()
    url = serializers.CharField(help_text="The notice's page, in Chinese and English.")


class SignupResentSerializer(serializers.Serializer):
    signup_id = serializers.UUIDField()
    expires = serializers.DateTimeField(help_text="The new code's end: the 10 minutes start again.")
    resend_after = serializers.IntegerField(help_text="Seconds until another code may be asked for.")
    resends_left = serializers.IntegerField()


class SignupStartedSerializer(serializers.Serializer):
    signup_id = serializers.UUIDField()
    expires = serializers.DateTimeField()
    mobile = serializers.CharField(help_text="masked")


class SignupVerifySerializer(serializers.Serializer):
    code = serializers.RegexField(r"^\d{6}$", max_length=6)
