"""Writes for applications: the workflow from draft to delivered.

Every transition is one function: it locks the application, checks who may do it in which
state, changes it, adds a step to the timeline, writes the audit event and notifies the
resident (inbox and SMS, after commit through the outbox), all in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nanhai_portal.accounts.models import Caller, User
from nanhai_portal.areas.models import Town
from nanhai_portal.audit.services import audit_record
from nanhai_portal.errors import DomainError, InvalidTransition
from nanhai_portal.notifications.services import notify
from residents import access, eligibility
from residents.eligibility import Missing, permit_waiting, precheck
from residents.models import (
    EDITABLE_STATUSES,
    FINAL_STATUSES,
    LIVE_PERMIT_STATUSES,
    Application,
    ApplicationStep,
    Document,
    Resident,
)
from residents.selectors import open_applications
from residents.services.permits import permit_create, permit_endorse
from residents.uploads import check_application_room, check_upload

Status = Application.Status
REVIEW_PERMISSION = access.REVIEW_PERMISSION
EDITABLE = EDITABLE_STATUSES
FINAL = FINAL_STATUSES
# The states each officer action starts from: the services check it, the pages offer it.
REVIEW_ACTIONS_FROM: dict[str, set[str]] = {
    "accept": {Status.SUBMITTED},
    "return": {Status.SUBMITTED, Status.ACCEPTED},
    "approve": {Status.ACCEPTED},
    "reject": {Status.SUBMITTED, Status.ACCEPTED},
    "issue": {Status.APPROVED},
    "deliver": {Status.ISSUED},
}


def review_actions(application: Application, by: Caller) -> list[str]:
    """The officer actions ``by`` may take on ``application`` now, in workflow order."""
    if not access.may_decide(by, application):
        return []
    return [action for action, states in REVIEW_ACTIONS_FROM.items() if application.status in states]


EDITABLE_FIELDS = {"basis", "address", "delivery", "postal_address"}
DEFAULT_DUE_DAYS = {kind: 15 for kind in Application.Kind.values}
OPEN_PER_KIND = "application_one_open_per_kind"  # the partial unique index in residents.models


class NotEligible(DomainError):
    """The application cannot go (yet): what is missing, or the day the resident may apply."""

    code = "not_eligible"


class OwnApplication(DomainError):
    """An officer may not decide their own application (a conflict of interest)."""

    status = 403
    code = "own_application"


def due_days(kind: str) -> int:
    """Working days allowed after acceptance, per kind (RESIDENTS_DUE_DAYS overrides)."""
    return {**DEFAULT_DUE_DAYS, **getattr(settings, "RESIDENTS_DUE_DAYS", {})}[kind]


def expected_by(application: Application) -> date | None:
    """The day a decision is expected (预计办结日期), as the resident is told it.

    Once accepted, the real deadline (``due_at``). Before that, the deadline as if the town
    accepted it on the day it was submitted: the submission day plus ``due_days`` of its kind.
    None for a draft never submitted.
    """
    if application.due_at is not None:
        return timezone.localdate(application.due_at)
    if application.submitted_at is not None:
        return timezone.localdate(application.submitted_at) + timedelta(days=due_days(application.kind))
    return None


def application_number(application: Application, *, on: date) -> str:
    """A new application number (办件编号): ``124-261130-00042``.

    The town's three digits of its division code, the day, then a district-wide sequence,
    so the number is unique without a lock and short enough to read out on the phone.
    """
    division = Town.objects.values_list("division_code", flat=True).get(pk=application.town_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('residents_application_number_seq')")
        sequence = cursor.fetchone()[0]
    return f"{division[-3:]}-{on:%y%m%d}-{sequence:05d}"


# --- People -------------------------------------------------------------------------


def _require_owner(application: Application, by: User) -> None:
    if not access.is_applicant(by, application):
        raise PermissionDenied(_("Only the applicant may do this."))


def _require_reviewer(by: User, application: Application | None = None) -> None:
    """Who may review (``access``): an officer of the town, never on their own application.

    Called before the lock (the role) and again with the locked ``application`` (the person).
    """
    if not access.is_reviewer(by):
        raise PermissionDenied(_("Only the town's officers may do this."))
    if application is not None and access.is_applicant(by, application):
        raise OwnApplication(_("You may not decide your own application: another officer must."))


def _lock(application: Application) -> Application:
    return Application.objects.select_related("resident__person").select_for_update(of=("self",)).get(pk=application.pk)


def _require_state(application: Application, allowed: Iterable[str], action: str) -> None:
    if application.status not in allowed:
        raise InvalidTransition(
            _("Cannot %(action)s an application that is %(status)s.")
            % {"action": action, "status": application.get_status_display()},
            status=application.status,
        )


def _notify_resident(application: Application, event: str, **context: Any) -> None:
    user = application.resident.person.user
    if user is None:
        return
    notify(
        user=user,
        event=event,
        context={"application_id": str(application.pk), "kind": application.kind, **context},
        target=application,
    )


def _move(application: Application, *, to: str, by: User, note: str = "", **notify_context: Any) -> Application:
    """Save the new state, add the timeline step, audit it and tell the resident."""
    before = application.status
    application.status = to
    application.save()
    ApplicationStep.objects.create(town_id=application.town_id, application=application, status=to, actor=by, note=note)
    audit_record(
        action=f"application.{to}",
        actor=by,
        target=application,
        changes={"status": [before, to], **({"note": note} if note else {})},
    )
    _notify_resident(application, f"application.{to}", **notify_context)
    return application


@transaction.atomic
def application_create(
    *,
    resident: Resident,
    kind: str,
    by: User,
    delivery: str = Application.Delivery.PICKUP,
    postal_address: str = "",
    basis: str = Application.Basis.JOB,
) -> Application:
    """A draft application of the resident's own; the rest defaults from their record.

    No draft is made that could never be submitted: a permit before the resident may apply
    for one (``eligibility.permit_waiting``) is refused with the day they may
    (``NotEligible``, ``eligible_from``).

    A resident has at most one open application of a kind (a double tap makes no second
    draft). The partial unique index ``application_one_open_per_kind`` holds the rule; the
    check first only finds the open one to name in the refusal.
    """
    _require_owner(Application(resident=resident), by)
    if kind == Application.Kind.PERMIT_ISSUE:
        waiting = permit_waiting(resident, today=timezone.localdate())
        if waiting is not None:
            raise _not_yet(waiting, resident)
    if open_applications(resident.applications.all(), kind=kind).exists():
        raise _already_open(resident, kind)
    application = Application(
        town_id=resident.town_id,
        resident=resident,
        kind=kind,
        delivery=delivery,
        postal_address=postal_address,
        basis=basis,
        address=resident.address,
    )
    application.full_clean(validate_constraints=False)  # the index decides, at the insert
    try:
        with transaction.atomic():
            application.save(force_insert=True)
    except IntegrityError as error:
        if _violated_constraint(error) != OPEN_PER_KIND:
            raise
        raise _already_open(resident, kind) from None  # created at the same moment elsewhere
    ApplicationStep.objects.create(town_id=application.town_id, application=application, status=Status.DRAFT, actor=by)
    audit_record(action="application.created", actor=by, target=application, changes={"kind": kind})
    return application


@transaction.atomic
def application_update(*, application: Application, by: User, **changes: Any) -> Application:
    """Edit a draft or a returned application (basis, address, delivery, postal address)."""
    application = _lock(application)
    _require_owner(application, by)
    _require_state(application, EDITABLE, _("change"))
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({field: [_("This cannot be changed.")] for field in unknown})
    before = {field: getattr(application, field) for field in changes}
    for field, value in changes.items():
        setattr(application, field, value)
    application.full_clean()
    application.save()
    audit_record(
        action="application.changed",
        actor=by,
        target=application,
        changes={field: [before[field], value] for field, value in changes.items() if before[field] != value},
    )
    return application


@transaction.atomic
def application_add_document(*, application: Application, kind: str, upload: UploadedFile, by: User) -> Document:
    """Attach a checked document to a draft or returned application of the resident's own."""
    application = _lock(application)
    _require_owner(application, by)
    _require_state(application, EDITABLE, _("add documents to"))
    checked = check_upload(kind, upload)
    check_application_room(application=application, size=checked.size)
    document = Document(
        town_id=application.town_id,
        application=application,
        kind=kind,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
    # The file is written first; if its row cannot be saved, the file goes again. (A file
    # left by a later rollback has no row, so nobody can reach it.)
    document.file.save("upload", upload, save=False)
    try:
        with transaction.atomic():
            document.save()
    except Exception:
        document.file.storage.delete(str(document.file.name))
        raise
    audit_record(action="application.document_added", actor=by, target=application, changes={"kind": kind})
    return document


def application_precheck(application: Application, *, today: date | None = None) -> list[Missing]:
    return precheck(application, today=today or timezone.localdate())


@transaction.atomic
def application_submit(*, application: Application, by: User) -> Application:
    """Send a draft (or a corrected, returned one) to the town, if nothing is missing."""
    application = _lock(application)
    _require_owner(application, by)
    _require_state(application, EDITABLE, _("submit"))
    missing = application_precheck(application)
    if missing:
        raise NotEligible(_("The application is not complete yet."), missing=[item.as_dict() for item in missing])
    application.submitted_at = timezone.now()
    application.return_reasons = []
    if not application.number:  # the first submission; a resubmission keeps its number
        application.number = application_number(application, on=timezone.localdate(application.submitted_at))
    expected = expected_by(application)
    return _move(
        application,
        to=Status.SUBMITTED,
        by=by,
        number=application.number,
        expected_by=expected.isoformat() if expected else "",
    )


@transaction.atomic
def application_accept(*, application: Application, by: User) -> Application:
    """Accept (受理): the deadline starts now."""
    _require_reviewer(by)
    application = _lock(application)
    _require_reviewer(by, application)
    _require_state(application, REVIEW_ACTIONS_FROM["accept"], _("accept"))
    application.accepted_at = timezone.now()
    application.due_at = application.accepted_at + timedelta(days=due_days(application.kind))
    return _move(application, to=Status.ACCEPTED, by=by, due=timezone.localdate(application.due_at).isoformat())


@transaction.atomic
def application_return(*, application: Application, by: User, reasons: list[str]) -> Application:
    """Send it back for correction (退回补正), saying what to correct."""
    _require_reviewer(by)
    reasons = [reason.strip() for reason in reasons if reason and reason.strip()]
    if not reasons:
        raise ValidationError({"reasons": [_("Say what the resident should correct.")]})
    application = _lock(application)
    _require_reviewer(by, application)
    _require_state(application, REVIEW_ACTIONS_FROM["return"], _("return"))
    application.return_reasons = reasons
    return _move(application, to=Status.RETURNED, by=by, note="; ".join(reasons), reasons="; ".join(reasons))


@transaction.atomic
def application_approve(*, application: Application, by: User) -> Application:
    _require_reviewer(by)
    application = _lock(application)
    _require_reviewer(by, application)
    _require_state(application, REVIEW_ACTIONS_FROM["approve"], _("approve"))
    application.decided_at = timezone.now()
    return _move(application, to=Status.APPROVED, by=by)


@transaction.atomic
def application_reject(*, application: Application, by: User, reason: str) -> Application:
    _require_reviewer(by)
    if not reason or not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for the rejection.")]})
    application = _lock(application)
    _require_reviewer(by, application)
    _require_state(application, REVIEW_ACTIONS_FROM["reject"], _("reject"))
    application.decided_at = timezone.now()
    application.reject_reason = reason.strip()
    return _move(application, to=Status.REJECTED, by=by, note=reason.strip(), reason=reason.strip())


@transaction.atomic
def application_issue(*, application: Application, by: User) -> Application:
    """Issue what was applied for: the registration, a permit, the endorsement, the new card."""
    _require_reviewer(by)
    application = _lock(application)
    _require_reviewer(by, application)
    _require_state(application, REVIEW_ACTIONS_FROM["issue"], _("issue"))
    today = timezone.localdate()
    resident = application.resident
    if application.kind == Application.Kind.RESIDENCE_REGISTRATION:
        if resident.registered_since is None:
            resident.registered_since = today
            resident.save(update_fields=["registered_since"])
    elif application.kind == Application.Kind.PERMIT_ISSUE:
        application.permit = permit_create(resident=resident, on=today)
    else:
        permit = resident.permits.filter(status__in=LIVE_PERMIT_STATUSES).order_by("-valid_from").first()
        if permit is None:
            raise InvalidTransition(_("The resident holds no permit any more."))
        if application.kind == Application.Kind.PERMIT_ENDORSEMENT:
            permit_endorse(permit=permit, on=today, by=by)
        application.permit = permit
    application.issued_at = timezone.now()
    number = application.permit.permit_number if application.permit else ""
    return _move(application, to=Status.ISSUED, by=by, permit_number=number)


@transaction.atomic
def application_deliver(*, application: Application, by: User, tracking_number: str = "") -> Application:
    """Handed over at the window, or posted with a tracking number."""
    _require_reviewer(by)
    application = _lock(application)
    _require_reviewer(by, application)
    _require_state(application, REVIEW_ACTIONS_FROM["deliver"], _("deliver"))
    if application.delivery == Application.Delivery.POST:
        if not tracking_number.strip():
            raise ValidationError({"tracking_number": [_("Postal delivery needs the tracking number.")]})
        application.tracking_number = tracking_number.strip()
    application.delivered_at = timezone.now()
    return _move(application, to=Status.DELIVERED, by=by, tracking_number=application.tracking_number)


@transaction.atomic
def applications_approve_many(
    *, applications: list[Application], by: User
) -> tuple[list[Application], list[dict[str, str]]]:
    """Bulk approve: each one on its own, in pk order (lock order); report the ones refused."""
    approved, refused = [], []
    for application in sorted(applications, key=lambda item: str(item.pk)):
        try:
            with transaction.atomic():
                approved.append(application_approve(application=application, by=by))
        except (InvalidTransition, OwnApplication, PermissionDenied) as error:
            refused.append({"id": str(application.pk), "message": str(error)})
    return approved, refused


def _already_open(resident: Resident, kind: str) -> DomainError:
    open_one = open_applications(resident.applications.all(), kind=kind).first()
    return DomainError(
        _("You already have an open application of this kind."),
        code="already_open",
        application_id=str(open_one.pk) if open_one is not None else None,
    )


def _not_yet(waiting: Missing, resident: Resident) -> NotEligible:
    opens = eligibility.permit_eligible_from(resident)
    return NotEligible(
        waiting.message,
        fields={"kind": [waiting.message]},
        reason=waiting.code,
        eligible_from=opens.isoformat() if opens is not None else None,
    )


def _violated_constraint(error: IntegrityError) -> str | None:
    return getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)


# --- Permits ------------------------------------------------------------------------
