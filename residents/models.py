"""New residents (新市民), their applications, documents and residence permits (居住证)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from nanhai_portal.pii import mask_id_number, mask_mobile, validate_id_number, validate_mobile
from nanhai_portal.pii.fields import BlindIndexField, EncryptedField
from nanhai_portal.tenancy.models import TenantModel


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class Person(models.Model):
    """A person (自然人), district-wide: one row per ID number in the whole district.

    Not a "new resident": a landlord with hukou, a child applying for a school place, a
    committee member are people too, and each town-scoped record about them (a residence
    registration, a landlord record, an application) points here. It has no town, so no
    ``town_id`` column and no row-level security: it is read only through a town-scoped record
    the caller may see (``residents.access.people_visible_to``), never listed on its own, and
    written only by ``residents.services.people`` (``person_find_or_create``).

    Sex, birth date and place of origin are the ID number's facts (``pii.id_facts``), stored
    so that they can be counted and shown without decrypting the number.
    ``registered_town`` is the town of the current residence registration, if any: it holds
    "one current registration per person" across towns, changed only under a lock on this
    row (see ``resident_register``).
    """

    Sex = Sex

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # A person signs in, not a registration: the account stays theirs when they move town.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("account"),
    )
    name = models.CharField(_("name"), max_length=64)
    id_number = EncryptedField(_("ID number"), kind="id_number", normalizer=validate_id_number)
    id_number_index = BlindIndexField(source="id_number", unique=True)
    mobile = EncryptedField(_("mobile number"), kind="mobile", normalizer=validate_mobile, null=True, blank=True)
    mobile_index = BlindIndexField(source="mobile", db_index=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    origin = models.CharField(_("place of origin"), max_length=64, blank=True)
    # Not indexed: it is read with the person (by blind index or through a registration), never
    # searched by, and the bulk imports write it for every row.
    registered_town = models.ForeignKey(
        "areas.Town",
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered in"),
        help_text=_("The town of the current residence registration (居住登记), if any."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def mobile_masked(self) -> str:
        return mask_mobile(self.mobile)


class Resident(TenantModel):
    """A person's residence registration (居住登记) in a town: a new resident of that town.

    The identity (name, ID and mobile numbers, sex, birth date) is the ``person``'s. A person
    has at most one current registration in the whole district (``Person.registered_town``);
    moving to another town closes this one (``moved_out_on``) and opens one there, so each
    town keeps its own history.
    """

    # The ID and mobile numbers shown and revealed for a registration are its person's
    # (``pii_reveal`` of ``residents.resident``: this record decides who may see them).
    personal_data_from = "person"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("person"))
    community = models.ForeignKey(
        "areas.Community", on_delete=models.PROTECT, related_name="residents", verbose_name=_("village or community")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    registered_since = models.DateField(
        _("registered since"), null=True, blank=True, help_text=_("Date of residence registration (居住登记).")
    )
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)
    # The day the person was told they may apply for a permit (``permits_remind_eligible``): once.
    permit_eligible_reminded_on = models.DateField(_("told they may apply for a permit on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["town_id", "created_at"]
        verbose_name = _("new resident")
        verbose_name_plural = _("new residents")
        indexes = [models.Index(fields=["town", "community"], name="resident_town_community")]
        constraints = [
            models.UniqueConstraint(fields=["id", "town"], name="resident_id_town_unique"),
            # One current registration per person and town; across towns, Person.registered_town.
            models.UniqueConstraint(
                fields=["town", "person"],
                condition=models.Q(moved_out_on__isnull=True),
                name="resident_one_current_per_town",
            ),
        ]

    def __str__(self) -> str:
        return self.person.name

    @property
    def is_current(self) -> bool:
        return self.moved_out_on is None


class Permit(TenantModel):
    """A residence permit (居住证), endorsed (签注) once a year."""

    class Status(models.TextChoices):
        VALID = "valid", _("valid")
        ENDORSEMENT_DUE = "endorsement_due", _("endorsement due")
        SUSPENDED = "suspended", _("suspended")
        EXPIRED = "expired", _("expired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="permits", verbose_name=_("resident"))
    # Numbered from one district-wide sequence (``next_permit_number``); unique in its town.
    permit_number = models.CharField(_("permit number"), max_length=20)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.VALID)
    # Years of continuous residence count from here; a late endorsement moves it (the law).
    continuous_since = models.DateField(_("continuous residence since"))
    last_endorsed_on = models.DateField(_("last endorsed on"), null=True, blank=True)
    reminded_for = models.DateField(_("reminded for anniversary"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)

    class Meta:
        ordering = ["town_id", "-valid_from"]
        verbose_name = _("residence permit")
        verbose_name_plural = _("residence permits")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("valid_from")), name="permit_valid_span"
            ),
            models.UniqueConstraint(fields=["town", "permit_number"], name="permit_number_unique_in_town"),
        ]

    def __str__(self) -> str:
        return self.permit_number


# A permit in these states is held: it can be endorsed or reissued, and no second is issued.
LIVE_PERMIT_STATUSES = frozenset({Permit.Status.VALID, Permit.Status.ENDORSEMENT_DUE, Permit.Status.SUSPENDED})


class ApplicationStatus(models.TextChoices):
    """Where an application is in its workflow (``Application.Status``)."""

    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    ACCEPTED = "accepted", _("accepted (受理)")
    APPROVED = "approved", _("approved")
    ISSUED = "issued", _("issued")
    DELIVERED = "delivered", _("delivered")
    RETURNED = "returned", _("returned for correction (退回补正)")
    REJECTED = "rejected", _("rejected")


# A resident may change an application in these states; in these it is over. Every other
# state is open, and a resident has at most one open application of a kind.
EDITABLE_STATUSES = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.RETURNED})
FINAL_STATUSES = frozenset({ApplicationStatus.DELIVERED, ApplicationStatus.REJECTED})
# The deadline runs from acceptance to issue; an officer's work (the queue's default view) is
# these and the issued ones waiting to be handed over (``selectors.review_queue``).
AWAITING_ISSUE_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED, ApplicationStatus.APPROVED)
OFFICER_WORK_STATUSES = (*AWAITING_ISSUE_STATUSES, ApplicationStatus.ISSUED)


def work_deadline() -> models.Case:
    """The deadline that orders the officer's work: ``due_at`` while the town owes the decision
    and the card, none after (or before acceptance). The queue orders by it and its index holds
    it: the two must stay the same expression."""
    return models.Case(
        models.When(status__in=[str(status) for status in AWAITING_ISSUE_STATUSES], then=models.F("due_at")),
        default=None,
        output_field=models.DateTimeField(),
    )


class Application(TenantModel):
    """One application of a resident: registration, a permit, an endorsement or a reissue."""

    class Kind(models.TextChoices):
        RESIDENCE_REGISTRATION = "residence_registration", _("residence registration (居住登记)")
        PERMIT_ISSUE = "permit_issue", _("residence permit (居住证申领)")
        PERMIT_ENDORSEMENT = "permit_endorsement", _("endorsement (签注)")
        PERMIT_REISSUE = "permit_reissue", _("reissue or renewal (补领/换领)")

    Status = ApplicationStatus

    class Delivery(models.TextChoices):
        PICKUP = "pickup", _("pick up at the town service centre")
        POST = "post", _("postal delivery (邮政速递)")

    class Basis(models.TextChoices):
        JOB = "job", _("a stable legal job")
        HOME = "home", _("a stable legal home")
        STUDY = "study", _("continuous study")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="applications", verbose_name=_("resident")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    # The application number (办件编号), given at the first submission and kept from then on:
    # the town's division code, the day, a district-wide sequence (``application_number``).
    number = models.CharField(_("application number"), max_length=24, blank=True, default="")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    basis = models.CharField(_("basis"), max_length=8, choices=Basis.choices, default=Basis.JOB)
    address = models.CharField(_("address"), max_length=200, blank=True)
    delivery = models.CharField(_("delivery"), max_length=8, choices=Delivery.choices, default=Delivery.PICKUP)
    postal_address = models.CharField(_("postal address"), max_length=200, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    return_reasons = models.JSONField(_("reasons for return"), default=list, blank=True)
    reject_reason = models.TextField(_("reason for rejection"), blank=True)
    permit = models.ForeignKey(
        Permit, on_delete=models.PROTECT, null=True, blank=True, related_name="applications", verbose_name=_("permit")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["town_id", "due_at", "created_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        permissions = [("review_application", _("Review applications (accept, return, approve, issue)"))]
        indexes = [
            models.Index(fields=["town", "status", "due_at"], name="application_queue"),
            # The officer's queue in its own orders (``selectors.review_queue``): a page is an index range.
            models.Index(
                models.F("town"),
                work_deadline(),
                models.F("submitted_at"),
                models.F("id"),
                condition=models.Q(status__in=[str(status) for status in OFFICER_WORK_STATUSES]),
                name="application_work_order",
            ),
            models.Index(
                fields=["town", "decided_at", "submitted_at", "id"],
                condition=models.Q(status__in=sorted(FINAL_STATUSES)),
                name="application_finished_order",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id", "town"], name="application_id_town_unique"),
            models.UniqueConstraint(
                fields=["town", "number"], condition=~models.Q(number=""), name="application_number_unique_in_town"
            ),
            models.CheckConstraint(
                condition=~models.Q(delivery="post") | ~models.Q(postal_address=""),
                name="application_post_needs_address",
            ),
            # Held by the database, not by a check before the insert: concurrent creations
            # (a double tap, a retried request) all pass the check, and one insert wins.
            models.UniqueConstraint(
                fields=["town", "resident", "kind"],
                condition=~models.Q(status__in=sorted(FINAL_STATUSES)),
                name="application_one_open_per_kind",
                violation_error_code="already_open",
                violation_error_message=_("You already have an open application of this kind."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.resident.person}"

    def get_absolute_url(self) -> str:
        return reverse("residents:application", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.delivery == self.Delivery.POST and not self.postal_address.strip():
            raise ValidationError({"postal_address": _("Postal delivery needs the address to post the card to.")})

    @property
    def visits_required(self) -> int:
        """Visits to a window: one to pick the card up, none by post (最多跑一次)."""
        return 0 if self.delivery == self.Delivery.POST else 1


class ApplicationStep(TenantModel):
    """One step of an application's timeline, as the resident sees it."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(_("status"), max_length=16, choices=Application.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("application step")

    def __str__(self) -> str:
        return f"{self.application_id} {self.status}"


def document_path(document: Document, filename: str) -> str:
    """Private storage path: town / application / random name (the uploaded name is not kept)."""
    return f"private/applications/{document.town_id}/{document.application_id}/{uuid.uuid4().hex}"


class Document(TenantModel):
    """A supporting document uploaded for an application, stored privately."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("photo")
        LEASE = "lease", _("lease")
        PROPERTY_CERTIFICATE = "property_certificate", _("property certificate")
        HOUSING_CERTIFICATE = "housing_certificate", _("housing certificate")
        LABOUR_CONTRACT = "labour_contract", _("labour contract")
        BUSINESS_LICENCE = "business_licence", _("business licence")
        STUDENT_CARD = "student_card", _("student card")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="documents", verbose_name=_("application")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.get_kind_display()


class SignupVerification(models.Model):
    """A sign-up waiting for its SMS code (10 minutes, 5 tries). District-wide, like accounts:
    the person has no town until the code is confirmed, so the column is ``town_code``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # None for a stand-in: the mobile number had an account, so none was made (see signup.py).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="signup"
    )
    town_code = models.CharField(max_length=16)
    community_id = models.UUIDField()
    name = models.CharField(max_length=64)
    id_number = EncryptedField(kind="id_number", normalizer=validate_id_number)
    code_digest = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return str(self.id)
