"""Input and output shapes of the education API (one input serializer per operation).

Outputs show the child masked (name 张*明, ID number 44**************34) to everyone: the
verifying officer reveals the number in full through the audited reveal, never here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from education.models import (
    AdmissionApplication,
    AdmissionRound,
    Allocation,
    ApplicationDocument,
    Fact,
    Grade,
    Objection,
    Offer,
    RoundSchool,
    SchemeItem,
    School,
    Stage,
    localized,
)
from education.selectors import offer_shown
from nanhai_portal.pii.masking import mask_id_number, mask_name


def quantity_field(**options: Any) -> serializers.DecimalField:
    """A fact's quantity: years, m², hours, a count; at least 0, to the hundredth."""
    return serializers.DecimalField(max_digits=9, decimal_places=2, min_value=Decimal(0), **options)


class SchoolSerializer(serializers.ModelSerializer[School]):
    town = serializers.CharField(source="town_id", read_only=True)
    catchment = serializers.SerializerMethodField()

    class Meta:
        model = School
        fields = ["id", "town", "name", "stage", "address", "catchment"]

    def get_catchment(self, school: School) -> list[str]:
        return [str(community.pk) for community in school.catchment.all()]


class SchoolCreateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)
    stage = serializers.ChoiceField(choices=Stage.choices)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    catchment = serializers.ListField(child=serializers.UUIDField(), required=False, default=list, max_length=50)


class RoundSchoolSerializer(serializers.ModelSerializer[RoundSchool]):
    school = serializers.UUIDField(source="school_id", read_only=True)
    name = serializers.CharField(source="school.name", read_only=True)
    stage = serializers.CharField(source="school.stage", read_only=True)

    class Meta:
        model = RoundSchool
        fields = ["id", "school", "name", "stage", "places", "held", "accepted"]


class RoundPlacesSerializer(serializers.Serializer[Any]):
    school = serializers.UUIDField()
    places = serializers.IntegerField(min_value=0, max_value=10000)


class SchemeItemSerializer(serializers.ModelSerializer[SchemeItem]):
    name = serializers.SerializerMethodField()
    group: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = SchemeItem
        fields = [
            "code",
            "name",
            "name_zh",
            "name_en",
            "kind",
            "unit",
            "points_per_unit",
            "cap",
            "group",
            "exclusive_set",
            "source",
            "documents",
        ]

    def get_name(self, item: SchemeItem) -> str:
        return localized(item.name_zh, item.name_en)


class AdmissionRoundSerializer(serializers.ModelSerializer[AdmissionRound]):
    """A round with its phase and dates. The lottery seed's digest shows from the day
    applications open (drawn before anyone applied), the seed itself from the allocation on:
    anyone can then check it against the digest and recompute every lottery number."""

    town = serializers.CharField(source="town_id", read_only=True)
    scheme = serializers.SerializerMethodField()
    seed = serializers.SerializerMethodField()
    seed_digest = serializers.SerializerMethodField()
    schools = serializers.SerializerMethodField()

    class Meta:
        model = AdmissionRound
        fields = [
            "id",
            "town",
            "name",
            "year",
            "phase",
            "max_choices",
            "requires_permit",
            "applications_open",
            "applications_close",
            "points_published_on",
            "objections_close",
            "results_published_on",
            "acceptance_deadline",
            "second_round_close",
            "scheme",
            "seed_digest",
            "seed",
            "schools",
        ]

    def get_scheme(self, round_: AdmissionRound) -> str:
        return round_.scheme.label

    def get_seed_digest(self, round_: AdmissionRound) -> str | None:
        return round_.seed_digest or None

    def get_seed(self, round_: AdmissionRound) -> str | None:
        published = round_.phase in (
            AdmissionRound.Phase.ALLOCATION,
            AdmissionRound.Phase.RESULTS_PUBLISHED,
            AdmissionRound.Phase.SECOND_ROUND,
            AdmissionRound.Phase.CLOSED,
        )
        return round_.seed if published and round_.seed else None

    def get_schools(self, round_: AdmissionRound) -> list[dict[str, Any]]:
        schools = getattr(round_, "offered_schools", None)
        if schools is None:
            return []
        return list(RoundSchoolSerializer(schools, many=True).data)


class RoundCreateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    scheme = serializers.UUIDField()
    applications_open = serializers.DateTimeField()
    applications_close = serializers.DateTimeField()
    points_published_on = serializers.DateField()
    objections_close = serializers.DateTimeField()
    results_published_on = serializers.DateField()
    acceptance_deadline = serializers.DateTimeField()
    second_round_close = serializers.DateTimeField()
    max_choices = serializers.IntegerField(min_value=1, max_value=20, default=5)
    requires_permit = serializers.BooleanField(default=True)


class PointsCalculateSerializer(serializers.Serializer[Any]):
    """Facts in (item code → quantity), the breakdown out; nothing is stored."""

    round = serializers.UUIDField()
    facts = serializers.DictField(child=quantity_field(), allow_empty=True)

    def validate_facts(self, facts: dict[str, Decimal]) -> dict[str, Decimal]:
        if len(facts) > 100:
            raise serializers.ValidationError(_("At most 100 facts."))
        return facts


class AdmissionApplicationCreateSerializer(serializers.Serializer[Any]):
    round = serializers.UUIDField()
    child_name = serializers.CharField(max_length=64)
    child_id_number = serializers.CharField(max_length=32)
    relationship = serializers.ChoiceField(choices=AdmissionApplication.Relationship.choices)
    consent = serializers.BooleanField()
    grade = serializers.ChoiceField(choices=Grade.choices)
    choices = serializers.ListField(child=serializers.CharField(max_length=40), max_length=20, allow_empty=False)
    claims = serializers.DictField(child=quantity_field(), required=False, default=dict, allow_empty=True)


class AdmissionApplicationUpdateSerializer(serializers.Serializer[Any]):
    choices = serializers.ListField(child=serializers.CharField(max_length=40), max_length=20, required=False)
    claims = serializers.DictField(child=quantity_field(), required=False)


class AdmissionDocumentUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField()
    item = serializers.SlugField(max_length=40, required=False, allow_blank=True, default="")
    objection = serializers.UUIDField(required=False, allow_null=True, default=None)


class AdmissionFactDecisionSerializer(serializers.Serializer[Any]):
    item = serializers.SlugField(max_length=40)
    decision = serializers.ChoiceField(choices=["accept", "adjust", "reject"])
    quantity = quantity_field(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AdmissionVerifySerializer(serializers.Serializer[Any]):
    decisions = serializers.ListField(child=AdmissionFactDecisionSerializer(), allow_empty=False, max_length=100)


class AdmissionObjectionCreateSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)


class AdmissionObjectionAnswerSerializer(serializers.Serializer[Any]):
    upheld = serializers.BooleanField()
    answer = serializers.CharField(max_length=2000)
    decisions = serializers.ListField(
        child=AdmissionFactDecisionSerializer(), required=False, default=list, max_length=100
    )


class AdmissionFactSerializer(serializers.ModelSerializer[Fact]):
    item = serializers.CharField(source="item_code")

    class Meta:
        model = Fact
        fields = ["item", "claimed", "verified", "state", "reason", "from_records", "decided_at"]


class AdmissionDocumentSerializer(serializers.ModelSerializer[ApplicationDocument]):
    item = serializers.CharField(source="item_code")

    class Meta:
        model = ApplicationDocument
        fields = ["id", "item", "objection", "content_type", "size", "uploaded_at"]


class AdmissionObjectionSerializer(serializers.ModelSerializer[Objection]):
    class Meta:
        model = Objection
        fields = ["id", "reason", "state", "answer", "answered_at", "points_before", "points_after", "created_at"]


class AdmissionApplicationListSerializer(serializers.ModelSerializer[AdmissionApplication]):
    town = serializers.CharField(source="town_id", read_only=True)
    child_name = serializers.SerializerMethodField()
    child_id_number = serializers.SerializerMethodField()

    class Meta:
        model = AdmissionApplication
        fields = ["id", "town", "round", "status", "grade", "child_name", "child_id_number", "points", "submitted_at"]

    def get_child_name(self, application: AdmissionApplication) -> str:
        return mask_name(application.child.name)

    def get_child_id_number(self, application: AdmissionApplication) -> str:
        return mask_id_number(application.child.id_number)


class AdmissionOfferSerializer(serializers.Serializer[Any]):
    """The place an application is offered (the latest stage's), and by when to answer."""

    id = serializers.UUIDField()
    school = serializers.CharField()
    round_school = serializers.UUIDField()
    stage = serializers.IntegerField()
    state = serializers.ChoiceField(choices=Offer.State.choices)
    responded_at = serializers.DateTimeField(allow_null=True)
    deadline = serializers.DateTimeField(allow_null=True)


class AdmissionApplicationSerializer(AdmissionApplicationListSerializer):
    """An application in full: choices, facts, documents, points with their breakdown (item
    names in the reader's language), objections."""

    choices = serializers.SerializerMethodField()
    facts = AdmissionFactSerializer(many=True, read_only=True)
    documents = AdmissionDocumentSerializer(many=True, read_only=True)
    objections = AdmissionObjectionSerializer(many=True, read_only=True)
    breakdown = serializers.SerializerMethodField()
    offer = serializers.SerializerMethodField()

    class Meta(AdmissionApplicationListSerializer.Meta):
        fields = [
            *AdmissionApplicationListSerializer.Meta.fields,
            "relationship",
            "consent_at",
            "choices",
            "facts",
            "documents",
            "breakdown",
            "scheme_label",
            "lottery",
            "objections",
            "offer",
            "verified_at",
            "created_at",
        ]

    def get_choices(self, application: AdmissionApplication) -> list[dict[str, Any]]:
        return [
            {"rank": choice.rank, "stage": choice.stage, "school": str(choice.round_school.school_id),
             "round_school": str(choice.round_school_id), "name": choice.round_school.school.name}
            for choice in application.choices.all()
        ]  # fmt: skip

    def get_breakdown(self, application: AdmissionApplication) -> dict[str, Any] | None:
        if not application.breakdown:
            return None
        names = {
            item.code: localized(item.name_zh, item.name_en)
            for item in SchemeItem.objects.filter(scheme_id=application.round.scheme_id)
        }
        lines = [{**line, "name": names.get(line["item"], line["item"])} for line in application.breakdown["lines"]]
        return {**application.breakdown, "lines": lines}

    @extend_schema_field(AdmissionOfferSerializer(allow_null=True))
    def get_offer(self, application: AdmissionApplication) -> dict[str, Any] | None:
        return offer_shown(application)


class AllocationSerializer(serializers.ModelSerializer[Allocation]):
    """A run of the match: poll it until ``done`` (or ``failed``, with the error)."""

    town = serializers.CharField(source="town_id", read_only=True)
    round = serializers.UUIDField(source="round_id", read_only=True)
    scheme = serializers.CharField(source="scheme_label", read_only=True)

    class Meta:
        model = Allocation
        fields = [
            "id",
            "town",
            "round",
            "stage",
            "state",
            "seed",
            "scheme",
            "algorithm_version",
            "lottery_version",
            "inputs_sha256",
            "applicants",
            "placed",
            "error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class AdmissionResultChoiceSerializer(serializers.Serializer[Any]):
    stage = serializers.IntegerField()
    rank = serializers.IntegerField()
    school = serializers.CharField()


class AdmissionResultSerializer(serializers.Serializer[Any]):
    """One line of a round's published results (``selectors.results_row``)."""

    application = serializers.UUIDField()
    child_name = serializers.CharField(help_text="Masked: 张*明.")
    points = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    lottery = serializers.IntegerField(allow_null=True)
    choices = AdmissionResultChoiceSerializer(many=True)
    school = serializers.CharField(allow_null=True, help_text="The school allocated, or null: not placed.")
    round_school = serializers.UUIDField(allow_null=True)
    stage = serializers.IntegerField(allow_null=True)
    offer_state = serializers.ChoiceField(choices=Offer.State.choices, allow_null=True)


class SecondChoicesSerializer(serializers.Serializer[Any]):
    choices = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=20)
