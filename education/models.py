"""School places by points (积分入学): schools, admission rounds, points schemes, applications,
the facts that earn points, objections (异议), allocations and offers.

Each town runs its own round for the places its public schools open to new residents'
children. A round has a points scheme (``PointsScheme``, data a town edits without code,
versioned: a scheme is frozen once a round has published points with it). The points of an
application are a pure function of its verified facts and the scheme (``education.points``).
The guardian is a residence registration (``residents.Resident``) of the round's town; the
child is a ``residents.Person`` (a minor: sensitive personal information, shown masked).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from education import points
from nanhai_portal.tenancy.models import TenantModel


def localized(zh: str, en: str) -> str:
    """A name kept in both languages (schemes' items and groups), in the language being rendered."""
    return en if (get_language() or "").startswith("en") else zh


class Stage(models.TextChoices):
    PRIMARY = "primary", _("primary school")
    JUNIOR = "junior", _("junior middle school")


class Grade(models.TextChoices):
    """The grades a family applies for: the first year of each stage."""

    PRIMARY_1 = "P1", _("primary year 1")
    JUNIOR_1 = "J1", _("junior middle year 1")


# A school of a stage takes the first year of that stage.
GRADE_STAGE = {Grade.PRIMARY_1: Stage.PRIMARY, Grade.JUNIOR_1: Stage.JUNIOR}


class School(TenantModel):
    """A public school of a town (公办学校), with the communities of its catchment (学区), if any."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=100)
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    catchment = models.ManyToManyField(
        "areas.Community",
        through="SchoolCatchment",
        related_name="+",
        blank=True,
        verbose_name=_("catchment communities"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["town_id", "stage", "name"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        constraints = [
            models.UniqueConstraint(fields=["id", "town"], name="school_id_town_unique"),
            models.UniqueConstraint(fields=["town", "name"], name="school_name_unique_in_town"),
        ]

    def __str__(self) -> str:
        return self.name


class SchoolCatchment(TenantModel):
    """A community in a school's catchment (学区)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey("areas.Community", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("catchment community")
        constraints = [
            models.UniqueConstraint(fields=["town", "school", "community"], name="schoolcatchment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.community_id}"


class PointsScheme(TenantModel):
    """A town's points scheme (积分方案), one version: items and cap groups as rows.

    Frozen (``frozen_at``) when a round publishes points with it; a change after that is a new
    version (``services.scheme_new_version``), so published points can always be recomputed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveIntegerField(_("version"), default=1)
    frozen_at = models.DateTimeField(_("frozen"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["town_id", "name", "-version"]
        verbose_name = _("points scheme")
        verbose_name_plural = _("points schemes")
        constraints = [
            models.UniqueConstraint(fields=["id", "town"], name="pointsscheme_id_town_unique"),
            models.UniqueConstraint(fields=["town", "name", "version"], name="pointsscheme_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def label(self) -> str:
        """The version as results and allocations record it."""
        return f"{self.town_id}/{self.name}/v{self.version}"


class SchemeGroup(TenantModel):
    """Items whose points together are capped (Guangdong and Foshan social insurance: 150)."""

    scheme = models.ForeignKey(PointsScheme, on_delete=models.CASCADE, related_name="groups")
    code = models.SlugField(_("code"), max_length=40)
    name_zh = models.CharField(_("Chinese name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=96)
    cap = models.DecimalField(_("cap"), max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["scheme_id", "code"]
        verbose_name = _("cap group")
        verbose_name_plural = _("cap groups")
        constraints = [
            models.UniqueConstraint(fields=["town", "scheme", "code"], name="schemegroup_code_unique"),
            models.CheckConstraint(condition=Q(cap__gte=0), name="schemegroup_cap_not_negative"),
        ]

    def __str__(self) -> str:
        return self.code


class SchemeItem(TenantModel):
    """One item of a points scheme: points per unit of a fact, a cap, where the fact comes from."""

    # The kinds, units and sources are the rule's own (``education.points``): one list each.
    Kind = points.ItemKind
    Unit = points.Unit
    Source = points.FactSource

    scheme = models.ForeignKey(PointsScheme, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField(_("code"), max_length=40)
    name_zh = models.CharField(_("Chinese name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=96)
    kind = models.CharField(_("kind"), max_length=12, choices=points.ItemKind.choices)
    unit = models.CharField(_("unit"), max_length=12, choices=points.Unit.choices)
    points_per_unit = models.DecimalField(_("points per unit"), max_digits=7, decimal_places=2)
    cap = models.DecimalField(_("cap"), max_digits=7, decimal_places=2, null=True, blank=True)
    group = models.ForeignKey(
        SchemeGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="items", verbose_name=_("cap group")
    )
    exclusive_set = models.SlugField(
        _("exclusive set"),
        max_length=40,
        blank=True,
        help_text=_("Items sharing a set do not add up: only the highest counts."),
    )
    source = models.CharField(_("source of the fact"), max_length=24, choices=points.FactSource.choices)
    documents = models.JSONField(_("documents needed"), default=list, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["scheme_id", "sort_order", "code"]
        verbose_name = _("scheme item")
        verbose_name_plural = _("scheme items")
        constraints = [
            models.UniqueConstraint(fields=["town", "scheme", "code"], name="schemeitem_code_unique"),
            models.CheckConstraint(condition=Q(cap__isnull=True) | Q(cap__gte=0), name="schemeitem_cap_not_negative"),
        ]

    def __str__(self) -> str:
        return self.code


# What a family claims, with its documents: points, bonuses, the catchment; deductions and
# disqualifying facts are the officers' to record.
FAMILY_CLAIMS = frozenset({points.ItemKind.ADD, points.ItemKind.BONUS, points.ItemKind.CATCHMENT})


class AdmissionRound(TenantModel):
    """A town's admission round of a year (招生批次), with its phases and their dates.

    The phase moves forward by the town admin's actions (``services.round_advance``) and the
    allocation; the dates are the windows the families are told, and the services hold them
    (no application after ``applications_close``, no objection after ``objections_close``, no
    acceptance after ``acceptance_deadline``).
    """

    class Phase(models.TextChoices):
        DRAFT = "draft", _("in preparation")
        APPLICATIONS = "applications", _("applications open")
        VERIFICATION = "verification", _("verification")
        POINTS_PUBLISHED = "points_published", _("points published, objections open")
        ALLOCATION = "allocation", _("allocation")
        RESULTS_PUBLISHED = "results_published", _("results published, acceptance open")
        SECOND_ROUND = "second_round", _("second round")
        CLOSED = "closed", _("closed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=100)
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices, default=Phase.DRAFT)
    scheme = models.ForeignKey(PointsScheme, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("scheme"))
    max_choices = models.PositiveSmallIntegerField(_("school choices at most"), default=5)
    requires_permit = models.BooleanField(_("guardian must hold a residence permit"), default=True)
    applications_open = models.DateTimeField(_("applications open"))
    applications_close = models.DateTimeField(_("applications close"))
    points_published_on = models.DateField(_("points published on"))
    objections_close = models.DateTimeField(_("objections close"))
    results_published_on = models.DateField(_("results published on"))
    acceptance_deadline = models.DateTimeField(_("acceptance deadline"))
    second_round_close = models.DateTimeField(_("second round choices close"))
    # The lottery's seed: its digest is published when points are (a commitment), the seed
    # itself with the results; anyone can then recompute every lottery number.
    seed_digest = models.CharField(_("lottery seed digest"), max_length=64, blank=True)
    seed = models.CharField(_("lottery seed"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["town_id", "-year", "name"]
        verbose_name = _("admission round")
        verbose_name_plural = _("admission rounds")
        permissions = [
            ("verify_admissionapplication", _("Verify admission applications and answer objections")),
            ("manage_admissionround", _("Configure admission rounds and run the allocation")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id", "town"], name="admissionround_id_town_unique"),
            models.UniqueConstraint(fields=["town", "year", "name"], name="admissionround_name_unique"),
            models.CheckConstraint(
                condition=Q(applications_close__gt=F("applications_open"))
                & Q(objections_close__gt=F("applications_close"))
                & Q(acceptance_deadline__gt=F("objections_close"))
                & Q(second_round_close__gt=F("acceptance_deadline")),
                name="admissionround_dates_in_order",
            ),
            models.CheckConstraint(condition=Q(max_choices__gte=1), name="admissionround_one_choice_at_least"),
        ]

    def __str__(self) -> str:
        return self.name


class RoundSchool(TenantModel):
    """The places a school offers in a round, and how many are held.

    ``held`` counts live offers (offered or accepted). The database refuses ``held > places``:
    no allocation, acceptance or second round can give a school more places than it has.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(AdmissionRound, on_delete=models.CASCADE, related_name="schools")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="rounds")
    places = models.PositiveIntegerField(_("places"))
    held = models.PositiveIntegerField(_("places held"), default=0)
    accepted = models.PositiveIntegerField(_("places accepted"), default=0)

    class Meta:
        ordering = ["round_id", "school__name"]
        verbose_name = _("school in a round")
        verbose_name_plural = _("schools in a round")
        constraints = [
            models.UniqueConstraint(fields=["id", "town"], name="roundschool_id_town_unique"),
            models.UniqueConstraint(fields=["town", "round", "school"], name="roundschool_once_per_round"),
            models.CheckConstraint(condition=Q(held__lte=F("places")), name="roundschool_never_over_places"),
            models.CheckConstraint(condition=Q(accepted__lte=F("held")), name="roundschool_accepted_within_held"),
        ]

    def __str__(self) -> str:
        return f"{self.school_id} ({self.places})"


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted, awaiting verification")
    VERIFIED = "verified", pgettext_lazy("admission application", "verified")
    DISQUALIFIED = "disqualified", _("not eligible")
    OFFERED = "offered", _("offered a place")
    ACCEPTED = "accepted", _("place accepted")
    DECLINED = "declined", _("place declined")
    NOT_PLACED = "not_placed", _("not placed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class AdmissionApplication(TenantModel):
    """A guardian's application for a child's school place in a round (积分入学申请)."""

    class Relationship(models.TextChoices):
        FATHER = "father", _("father")
        MOTHER = "mother", _("mother")
        GUARDIAN = "guardian", _("legal guardian")

    Status = ApplicationStatus
    # The ID number revealed for an application is the child's (``pii_reveal`` of
    # ``education.admissionapplication``: this record decides who may see it).
    personal_data_from = "child"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(AdmissionRound, on_delete=models.PROTECT, related_name="applications")
    guardian = models.ForeignKey(
        "residents.Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("guardian")
    )
    child = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("child"))
    relationship = models.CharField(_("relationship"), max_length=10, choices=Relationship.choices)
    # The guardian's confirmation that they may give the child's data and consent to its use.
    consent_at = models.DateTimeField(_("consent given"))
    grade = models.CharField(_("grade"), max_length=4, choices=Grade.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2, null=True, blank=True)
    breakdown = models.JSONField(_("points breakdown"), default=dict, blank=True)
    scheme_label = models.CharField(_("scheme version"), max_length=120, blank=True)
    lottery = models.PositiveIntegerField(_("lottery number"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified on"), null=True, blank=True)

    class Meta:
        ordering = ["town_id", "submitted_at", "created_at"]
        verbose_name = _("admission application")
        verbose_name_plural = _("admission applications")
        indexes = [models.Index(fields=["town", "round", "status"], name="admission_round_status")]
        constraints = [
            models.UniqueConstraint(fields=["id", "town"], name="admissionapplication_id_town_unique"),
            # One application per child and round, held by the database (a double tap, two
            # guardians): a withdrawn one does not count.
            models.UniqueConstraint(
                fields=["town", "round", "child"],
                condition=~Q(status="withdrawn"),
                name="admission_one_per_child_and_round",
                violation_error_code="already_applied",
                violation_error_message=_("This child already has an application in this round."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.child_id}"


class Choice(TenantModel):
    """A school an application lists, in the family's order (1 = first choice)."""

    application = models.ForeignKey(AdmissionApplication, on_delete=models.CASCADE, related_name="choices")
    round_school = models.ForeignKey(RoundSchool, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(_("rank"))
    # 1 for the first round's choices, 2 for the new choices of the second round.
    stage = models.PositiveSmallIntegerField(_("allocation round"), default=1)

    class Meta:
        ordering = ["application_id", "stage", "rank"]
        verbose_name = _("school choice")
        verbose_name_plural = _("school choices")
        constraints = [
            models.UniqueConstraint(fields=["town", "application", "stage", "rank"], name="choice_rank_unique"),
            models.UniqueConstraint(fields=["town", "application", "stage", "round_school"], name="choice_school_once"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="choice_rank_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} #{self.rank}"


class Fact(TenantModel):
    """A fact that earns points (居住证年限, 房产面积, 社保年限 …) for one scheme item.

    Claimed by the family (or read from the portal's records), then decided by an officer:
    accepted, adjusted with a reason, or rejected with a reason. Points count the verified
    quantity only.
    """

    class State(models.TextChoices):
        CLAIMED = "claimed", _("awaiting verification")
        ACCEPTED = "accepted", pgettext_lazy("admission fact", "accepted")
        ADJUSTED = "adjusted", _("adjusted")
        REJECTED = "rejected", pgettext_lazy("admission fact", "rejected")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    application = models.ForeignKey(AdmissionApplication, on_delete=models.CASCADE, related_name="facts")
    item_code = models.SlugField(_("item"), max_length=40)
    claimed = models.DecimalField(_("claimed quantity"), max_digits=9, decimal_places=2)
    verified = models.DecimalField(_("verified quantity"), max_digits=9, decimal_places=2, null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.CLAIMED)
    reason = models.TextField(_("reason"), blank=True)
    from_records = models.BooleanField(_("from the portal's records"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["application_id", "item_code"]
        verbose_name = _("fact")
        verbose_name_plural = _("facts")
        constraints = [
            models.UniqueConstraint(fields=["town", "application", "item_code"], name="fact_once_per_item"),
            models.CheckConstraint(condition=Q(claimed__gte=0), name="fact_claimed_not_negative"),
            models.CheckConstraint(
                condition=Q(verified__isnull=True) | Q(verified__gte=0), name="fact_verified_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_code}: {self.claimed}"


def document_path(document: ApplicationDocument, filename: str) -> str:
    """Private storage: town / application / random name (the uploaded name is not kept)."""
    return f"private/admissions/{document.town_id}/{document.application_id}/{uuid.uuid4().hex}"


class ApplicationDocument(TenantModel):
    """A document for an application (a property certificate, a social insurance record …),
    stored privately, checked as the residents' documents are."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    application = models.ForeignKey(AdmissionApplication, on_delete=models.CASCADE, related_name="documents")
    item_code = models.SlugField(_("for item"), max_length=40, blank=True)
    objection = models.ForeignKey(
        "Objection", on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")

    def __str__(self) -> str:
        return f"{self.application_id} {self.item_code}"


class Objection(TenantModel):
    """A family's objection (异议) to its published points, and the officer's answer."""

    class State(models.TextChoices):
        OPEN = "open", _("awaiting an answer")
        UPHELD = "upheld", _("upheld: points recomputed")
        DISMISSED = "dismissed", _("dismissed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    application = models.ForeignKey(AdmissionApplication, on_delete=models.CASCADE, related_name="objections")
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    points_before = models.DecimalField(_("points before"), max_digits=7, decimal_places=2, null=True, blank=True)
    points_after = models.DecimalField(_("points after"), max_digits=7, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["town_id", "created_at"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        constraints = [
            # One open objection at a time per application.
            models.UniqueConstraint(
                fields=["town", "application"], condition=Q(state="open"), name="objection_one_open_per_application"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} ({self.state})"


class Allocation(TenantModel):
    """One run of the match for a round's first or second allocation, and what it was run on.

    Its inputs' hash, the seed, the scheme and the algorithm's versions make it reproducible:
    running the same inputs again gives the same offers. One per round and stage (the
    database refuses a second), so an allocation started twice runs once.
    """

    class State(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("allocation state", "queued")
        RUNNING = "running", pgettext_lazy("allocation state", "running")
        DONE = "done", pgettext_lazy("allocation state", "done")
        FAILED = "failed", pgettext_lazy("allocation state", "failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(AdmissionRound, on_delete=models.PROTECT, related_name="allocations")
    stage = models.PositiveSmallIntegerField(_("allocation round"), default=1)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    seed = models.CharField(_("lottery seed"), max_length=64)
    scheme_label = models.CharField(_("scheme version"), max_length=120)
    algorithm_version = models.CharField(_("algorithm version"), max_length=40, blank=True)
    lottery_version = models.CharField(_("lottery version"), max_length=40, blank=True)
    inputs_sha256 = models.CharField(_("inputs hash"), max_length=64, blank=True)
    applicants = models.PositiveIntegerField(_("applicants"), default=0)
    placed = models.PositiveIntegerField(_("placed"), default=0)
    error = models.TextField(_("error"), blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["town_id", "-created_at"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.UniqueConstraint(fields=["town", "round", "stage"], name="allocation_once_per_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id} #{self.stage}"


class Offer(TenantModel):
    """A place offered to an application by an allocation; the family accepts or declines it."""

    class State(models.TextChoices):
        OFFERED = "offered", pgettext_lazy("admission offer", "offered")
        ACCEPTED = "accepted", pgettext_lazy("admission offer", "accepted")
        DECLINED = "declined", pgettext_lazy("admission offer", "declined")
        LAPSED = "lapsed", _("lapsed (not accepted in time)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    application = models.ForeignKey(AdmissionApplication, on_delete=models.CASCADE, related_name="offers")
    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="offers")
    round_school = models.ForeignKey(RoundSchool, on_delete=models.PROTECT, related_name="offers")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OFFERED)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["town_id", "created_at"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.UniqueConstraint(fields=["town", "allocation", "application"], name="offer_one_per_allocation"),
            # A child holds at most one live place.
            models.UniqueConstraint(
                fields=["town", "application"], condition=Q(state__in=["offered", "accepted"]), name="offer_one_live"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} → {self.round_school_id}"
