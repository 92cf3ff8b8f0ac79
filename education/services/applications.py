"""Writes for admission applications: apply, documents, submit, verify, object and answer.

Every write locks the application, checks who may do it in which state
(``APPLICATION_ACTIONS_FROM``, which the pages read too), changes it, and writes the audit
event (and the family's notice, through the outbox) in one transaction. Points are never
written by hand: they are ``points.points_compute`` of the verified facts and the round's
scheme, recomputed whenever a fact is decided.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from education import access, conf, points
from education.models import (
    FAMILY_CLAIMS,
    GRADE_STAGE,
    AdmissionApplication,
    AdmissionRound,
    ApplicationDocument,
    Choice,
    Fact,
    Grade,
    Objection,
    RoundSchool,
    SchemeItem,
    localized,
)
from education.selectors import computed
from education.services.rounds import OPEN_FOR_APPLICATIONS
from nanhai_portal.accounts.models import Caller, User
from nanhai_portal.audit.services import audit_record
from nanhai_portal.errors import DomainError, InvalidTransition
from nanhai_portal.notifications.services import notify
from nanhai_portal.pii.identity import id_facts
from residents.models import Resident
from residents.selectors import residence_record
from residents.services.people import person_find_or_create
from residents.uploads import check_file, check_room

Status = AdmissionApplication.Status
Phase = AdmissionRound.Phase
ONE_PER_CHILD = "admission_one_per_child_and_round"  # the partial unique index in education.models

# The states each action starts from: the services check it, the pages offer it.
APPLICATION_ACTIONS_FROM: dict[str, set[str]] = {
    "edit": {Status.DRAFT},
    "submit": {Status.DRAFT},
    "document": {Status.DRAFT, Status.SUBMITTED, Status.VERIFIED, Status.DISQUALIFIED},
    "verify": {Status.SUBMITTED},
    "object": {Status.VERIFIED, Status.DISQUALIFIED},
}
# Facts the portal reads from its own records, by the scheme item's source.
FROM_RECORDS = {
    SchemeItem.Source.RESIDENCE_PERMIT: "permit_years",
    SchemeItem.Source.RESIDENCE_REGISTRATION: "registration_years",
}


class NotEligible(DomainError):
    """The family cannot apply (or submit) as things stand: what is missing."""

    code = "not_eligible"


class WindowClosed(DomainError):
    """Outside the round's window for this (applications, objections)."""

    code = "window_closed"
    status = 409


class AlreadyApplied(DomainError):
    """The child has an application in this round already (one per child and round)."""

    code = "already_applied"
    status = 409


@dataclass(frozen=True)
class FactDecision:
    """An officer's decision on one fact: ``accept`` the claim, ``adjust`` it to ``quantity``
    (a reason is required), or ``reject`` it (a reason is required). An officer may also
    ``adjust`` an item the family did not claim (a deduction found, a disqualifying fact)."""

    item_code: str
    decision: str
    quantity: Decimal | None = None
    reason: str = ""


DECISIONS = ("accept", "adjust", "reject")


# --- Checks --------------------------------------------------------------------------------


def _lock(application: AdmissionApplication) -> AdmissionApplication:
    return (
        AdmissionApplication.objects.select_related("round__scheme", "guardian__person__user", "child")
        .select_for_update(of=("self",))
        .get(pk=application.pk)
    )


def _require_state(application: AdmissionApplication, action: str) -> None:
    if application.status not in APPLICATION_ACTIONS_FROM[action]:
        raise InvalidTransition(
            _("This cannot be done to an application that is %(status)s.")
            % {"status": application.get_status_display()}
        )


def _require_guardian(by: Caller, application: AdmissionApplication) -> User:
    user = access.acting_user(by)
    if not access.is_guardian(user, application):
        raise PermissionDenied(_("Only the guardian who applied may do this."))
    return user


def _require_verifier(by: Caller, application: AdmissionApplication) -> User:
    user = access.acting_user(by)
    if not access.is_verifier(user):
        raise PermissionDenied(_("Only the town's officers may verify applications."))
    if access.is_guardian(user, application):
        raise PermissionDenied(_("You may not verify your own family's application: another officer must."))
    return user


def _require_application_window(round_: AdmissionRound, now: datetime) -> None:
    if round_.phase not in OPEN_FOR_APPLICATIONS or not round_.applications_open <= now < round_.applications_close:
        raise WindowClosed(
            _("Applications to %(round)s are open from %(start)s to %(end)s.")
            % {
                "round": round_.name,
                "start": f"{timezone.localtime(round_.applications_open):%Y-%m-%d %H:%M}",
                "end": f"{timezone.localtime(round_.applications_close):%Y-%m-%d %H:%M}",
            }
        )


def guardian_registration(user: User) -> Resident | None:
    """``user``'s current residence registration in the current town: who applies as a guardian."""
    return (
        Resident.objects.select_related("person")
        .filter(person__user=user, moved_out_on__isnull=True)
        .order_by("-created_at")
        .first()
    )


def checked_choices(round_: AdmissionRound, grade: str, school_ids: Sequence[Any]) -> list[RoundSchool]:
    """The round's schools in the family's order: each of this round and the grade's stage, none
    twice, at least one and at most the round's ``max_choices`` (ValidationError otherwise)."""
    ids = [str(school_id) for school_id in school_ids]
    if not ids:
        raise ValidationError({"choices": [_("Choose at least one school.")]})
    if len(ids) > round_.max_choices:
        raise ValidationError({"choices": [_("Choose at most %(limit)d schools.") % {"limit": round_.max_choices}]})
    if len(set(ids)) != len(ids):
        raise ValidationError({"choices": [_("Each school may be chosen once.")]})
    offered = {
        str(school.pk): school
        for school in RoundSchool.objects.select_related("school").filter(round=round_, pk__in=_valid_uuids(ids))
    }
    unknown = [school_id for school_id in ids if school_id not in offered]
    if unknown:
        raise ValidationError(
            {"choices": [_("These are not schools of this round: %(ids)s") % {"ids": ", ".join(unknown)}]}
        )
    stage = GRADE_STAGE[Grade(grade)]
    wrong_stage = [offered[school_id].school.name for school_id in ids if offered[school_id].school.stage != stage]
    if wrong_stage:
        raise ValidationError(
            {"choices": [_("These schools do not take this grade: %(names)s") % {"names": ", ".join(wrong_stage)}]}
        )
    return [offered[school_id] for school_id in ids]


def _valid_uuids(ids: Sequence[str]) -> list[str]:
    valid = []
    for value in ids:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return valid


def checked_claims(round_: AdmissionRound, claims: Mapping[str, Any]) -> dict[str, Decimal]:
    """The family's claims as quantities: items of the round's scheme whose fact comes from
    documents, each a number of at least 0 (ValidationError otherwise)."""
    items = {item.code: item for item in SchemeItem.objects.filter(scheme_id=round_.scheme_id)}
    cleaned: dict[str, Decimal] = {}
    errors: dict[str, list[str]] = {}
    for code, raw in claims.items():
        item = items.get(code)
        if item is None:
            errors[str(code)] = [_("Not an item of this round's points scheme.")]
            continue
        if item.source != SchemeItem.Source.DOCUMENT:
            errors[code] = [_("The portal reads this from its own records.")]
            continue
        if item.kind not in FAMILY_CLAIMS:
            errors[code] = [_("The officers record this item, not the family.")]
            continue
        try:
            quantity = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            errors[code] = [_("Enter a number.")]
            continue
        if not quantity.is_finite() or quantity < 0 or quantity > Decimal("9999999"):
            errors[code] = [_("Enter a number of at least 0.")]
            continue
        cleaned[code] = quantity.quantize(Decimal("0.01"))
    if errors:
        raise ValidationError(errors)
    computed(round_, cleaned)  # the rule's own checks: whole years, yes-or-no flags, limits
    return cleaned


def _check_child(round_: AdmissionRound, grade: str, child_id_number: str) -> None:
    """The child's age on 31 August of the round's year is within the grade's range."""
    youngest, oldest = conf.grade_ages(grade)
    age = id_facts(child_id_number).age_on(conf.age_cutoff(round_.year))
    if not youngest <= age <= oldest:
        raise ValidationError(
            {
                "child_id_number": [
                    _(
                        "For this grade a child is %(youngest)d to %(oldest)d years old on %(day)s; this child is %(age)d."
                    )
                    % {
                        "youngest": youngest,
                        "oldest": oldest,
                        "day": f"{conf.age_cutoff(round_.year):%Y-%m-%d}",
                        "age": age,
                    }
                ]
            }
        )


# --- The family ------------------------------------------------------------------------------


@transaction.atomic
def application_create(
    *,
    by: Caller,
    round_: AdmissionRound,
    child_name: str,
    child_id_number: str,
    relationship: str,
    consent: bool,
    grade: str,
    choices: Sequence[Any],
    claims: Mapping[str, Any] | None = None,
    now: datetime,
) -> AdmissionApplication:
    """A guardian's application for a child in ``round_`` (a draft, until submitted).

    Refused with a clear error, changing nothing: outside the application window; without the
    guardian's consent; a child who is not a minor of the grade's age range; a guardian without
    a current registration in the town (or without the residence permit the round requires);
    schools not of this round or stage, listed twice, or more than the round allows; a second
    application for the same child in the round (held by the database).
    """
    user = access.acting_user(by)
    _require_application_window(round_, now)
    guardian = guardian_registration(user)
    if guardian is None:
        raise NotEligible(_("Register your residence (居住登记) in this town before applying."))
    if not consent:
        raise ValidationError(
            {"consent": [_("Confirm that you are the child's guardian and consent to the use of the child's data.")]}
        )
    if relationship not in AdmissionApplication.Relationship.values:
        raise ValidationError({"relationship": [_("Choose your relationship to the child.")]})
    if grade not in Grade.values:
        raise ValidationError({"grade": [_("Choose a grade.")]})
    if not child_name.strip():
        raise ValidationError({"child_name": [_("Enter the child's name.")]})
    schools = checked_choices(round_, grade, choices)
    claimed = checked_claims(round_, claims or {})
    if round_.requires_permit:
        record = residence_record(guardian.pk, on=timezone.localdate(now))
        if not record.holds_permit:
            raise NotEligible(_("This round requires the guardian to hold a valid residence permit (居住证)."))
    try:
        child = person_find_or_create(id_number=child_id_number, name=child_name)
    except ValidationError as invalid:
        raise ValidationError({"child_id_number": invalid.messages}) from None
    if child.pk == guardian.person_id:
        raise ValidationError({"child_id_number": [_("Enter the child's ID number, not your own.")]})
    _check_child(round_, grade, child.id_number)
    application = AdmissionApplication(
        town_id=round_.town_id,
        round=round_,
        guardian=guardian,
        child=child,
        relationship=relationship,
        consent_at=now,
        grade=grade,
    )
    try:
        with transaction.atomic():
            application.save(force_insert=True)
    except IntegrityError as error:
        if ONE_PER_CHILD in str(error):
            message = _("This child already has an application in this round.")
            raise AlreadyApplied(message, fields={"child_id_number": [message]}) from None
        raise
    _choices_write(application, schools)
    for code, quantity in claimed.items():
        Fact.objects.create(town_id=application.town_id, application=application, item_code=code, claimed=quantity)
    audit_record(
        action="education.application_created",
        actor=user,
        target=application,
        changes={"grade": grade, "choices": len(schools)},
    )
    return application


def _choices_write(application: AdmissionApplication, schools: Sequence[RoundSchool], *, stage: int = 1) -> None:
    Choice.objects.filter(application=application, stage=stage).delete()
    Choice.objects.bulk_create(
        [
            Choice(town_id=application.town_id, application=application, round_school=school, rank=rank, stage=stage)
            for rank, school in enumerate(schools, start=1)
        ]
    )


@transaction.atomic
def application_update(
    *,
    by: Caller,
    application: AdmissionApplication,
    choices: Sequence[Any] | None = None,
    claims: Mapping[str, Any] | None = None,
    now: datetime,
) -> AdmissionApplication:
    """Change a draft's choices or claims while applications are open (a claim of 0 removes it)."""
    application = _lock(application)
    user = _require_guardian(by, application)
    _require_state(application, "edit")
    _require_application_window(application.round, now)
    if choices is not None:
        _choices_write(application, checked_choices(application.round, application.grade, choices))
    if claims is not None:
        for code, quantity in checked_claims(application.round, claims).items():
            if quantity == 0:
                Fact.objects.filter(application=application, item_code=code).delete()
            else:
                Fact.objects.update_or_create(
                    application=application,
                    item_code=code,
                    defaults={"claimed": quantity},
                    create_defaults={"town_id": application.town_id, "claimed": quantity},
                )
    audit_record(action="education.application_changed", actor=user, target=application)
    return application


@transaction.atomic
def application_add_document(
    *,
    by: Caller,
    application: AdmissionApplication,
    upload: UploadedFile,
    item_code: str = "",
    objection: Objection | None = None,
) -> ApplicationDocument:
    """Store a document (a PDF, JPEG or PNG, checked as a resident's documents are) for one of
    the scheme's items, or for the family's open objection."""
    application = _lock(application)
    user = _require_guardian(by, application)
    _require_state(application, "document")
    if objection is not None and (
        objection.application_id != application.pk or objection.state != Objection.State.OPEN
    ):
        raise InvalidTransition(_("Documents are added to an objection while it awaits an answer."))
    if item_code and not SchemeItem.objects.filter(scheme_id=application.round.scheme_id, code=item_code).exists():
        raise ValidationError({"item": [_("Not an item of this round's points scheme.")]})
    checked = check_file(upload, photo=False)
    check_room(ApplicationDocument.objects.filter(application=application), size=checked.size)
    document = ApplicationDocument(
        town_id=application.town_id,
        application=application,
        item_code=item_code,
        objection=objection,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
    document.file.save("upload", upload, save=False)
    try:
        with transaction.atomic():
            document.save(force_insert=True)
    except Exception:
        document.file.storage.delete(str(document.file.name))
        raise
    audit_record(
        action="education.document_added",
        actor=user,
        target=application,
        changes={"item": item_code, "size": checked.size},
    )
    return document


@transaction.atomic
def application_submit(*, by: Caller, application: AdmissionApplication, now: datetime) -> AdmissionApplication:
    """Submit a draft for verification, while applications are open.

    The facts the portal holds (years of residence permit and registration, on the day
    applications close) are read from its records and count as verified; every claimed item
    needs at least one document."""
    application = _lock(application)
    user = _require_guardian(by, application)
    _require_state(application, "submit")
    round_ = application.round
    _require_application_window(round_, now)
    items = list(SchemeItem.objects.filter(scheme_id=round_.scheme_id))
    documented = set(
        ApplicationDocument.objects.filter(application=application)
        .exclude(item_code="")
        .values_list("item_code", flat=True)
    )
    needing = {item.code: localized(item.name_zh, item.name_en) for item in items if item.documents}
    undocumented = [
        needing[code]
        for code in Fact.objects.filter(application=application, from_records=False).values_list("item_code", flat=True)
        if code in needing and code not in documented
    ]
    if undocumented:
        raise NotEligible(
            _("Add a document for each item you claim: %(items)s") % {"items": "、".join(sorted(undocumented))}
        )
    record = residence_record(application.guardian_id, on=timezone.localdate(round_.applications_close))
    for item in items:
        field = FROM_RECORDS.get(SchemeItem.Source(item.source))
        if field is None:
            continue
        years = Decimal(getattr(record, field))
        Fact.objects.update_or_create(
            application=application,
            item_code=item.code,
            defaults={"claimed": years, "verified": years, "state": Fact.State.ACCEPTED, "from_records": True},
            create_defaults={
                "town_id": application.town_id,
                "claimed": years,
                "verified": years,
                "state": Fact.State.ACCEPTED,
                "from_records": True,
            },
        )
    application.status = Status.SUBMITTED
    application.submitted_at = now
    application.save(update_fields=["status", "submitted_at"])
    audit_record(action="education.application_submitted", actor=user, target=application)
    return application


# --- Points ----------------------------------------------------------------------------------


def points_of(application: AdmissionApplication) -> points.Result:
    """The application's points: the engine on its verified facts and the round's scheme."""
    facts = {
        fact.item_code: fact.verified
        for fact in Fact.objects.filter(application=application)
        if fact.state != Fact.State.REJECTED and fact.verified is not None
    }
    return computed(application.round, facts)


def breakdown_json(result: points.Result) -> dict[str, Any]:
    """The result as stored on the application and shown to the family (numbers as strings)."""
    return {
        "total": str(result.total),
        "disqualified": result.disqualified,
        "catchment_points": str(result.catchment_points),
        "lines": [
            {
                "item": line.code,
                "quantity": None if line.quantity is None else str(line.quantity),
                "points_per_unit": str(line.points_per_unit),
                "raw": str(line.raw),
                "points": str(line.points),
                "notes": list(line.notes),
            }
            for line in result.lines
        ],
    }


def _points_apply(application: AdmissionApplication) -> points.Result:
    result = points_of(application)
    application.points = result.total
    application.breakdown = breakdown_json(result)
    application.scheme_label = application.round.scheme.label
    return result


# --- The officer -----------------------------------------------------------------------------


def _decide(application: AdmissionApplication, decision: FactDecision, *, by: User, now: datetime) -> dict[str, Any]:
    """Apply one decision to the application's fact; what changed, for the audit event."""
    if decision.decision not in DECISIONS:
        raise ValidationError({decision.item_code: [_("Accept, adjust or reject.")]})
    fact = Fact.objects.filter(application=application, item_code=decision.item_code).first()
    reason = decision.reason.strip()
    if decision.decision in ("adjust", "reject") and not reason:
        raise ValidationError({decision.item_code: [_("Give the reason, for the family.")]})
    if fact is None:
        if (
            decision.decision != "adjust"
            or not SchemeItem.objects.filter(scheme_id=application.round.scheme_id, code=decision.item_code).exists()
        ):
            raise ValidationError({decision.item_code: [_("The application has no such fact.")]})
        fact = Fact(town_id=application.town_id, application=application, item_code=decision.item_code, claimed=0)
    before = None if fact.verified is None else str(fact.verified)
    if decision.decision == "accept":
        fact.verified, fact.state = fact.claimed, Fact.State.ACCEPTED
    elif decision.decision == "adjust":
        quantity = decision.quantity
        if quantity is None or not quantity.is_finite() or quantity < 0:
            raise ValidationError({decision.item_code: [_("Enter the verified quantity, at least 0.")]})
        fact.verified, fact.state = quantity.quantize(Decimal("0.01")), Fact.State.ADJUSTED
    else:
        fact.verified, fact.state = Decimal(0), Fact.State.REJECTED
    fact.reason, fact.decided_by, fact.decided_at = reason, by, now
    fact.save()
    return {"item": fact.item_code, "decision": decision.decision, "verified": [before, str(fact.verified)]}


@transaction.atomic
def application_verify(
    *, by: Caller, application: AdmissionApplication, decisions: Sequence[FactDecision], now: datetime
) -> AdmissionApplication:
    """Decide facts of a submitted application. Once no fact awaits a decision the points are
    computed and the application is verified (or not eligible, when a disqualifying fact holds)."""
    application = _lock(application)
    user = _require_verifier(by, application)
    _require_state(application, "verify")
    changes = [_decide(application, decision, by=user, now=now) for decision in decisions]
    if not Fact.objects.filter(application=application, state=Fact.State.CLAIMED).exists():
        result = _points_apply(application)
        application.status = Status.DISQUALIFIED if result.disqualified else Status.VERIFIED
        application.verified_at = now
        application.save(update_fields=["points", "breakdown", "scheme_label", "status", "verified_at"])
    audit_record(
        action="education.facts_decided",
        actor=user,
        target=application,
        changes={"decisions": changes, "points": None if application.points is None else str(application.points)},
    )
    return application


# --- Objections (异议) ---------------------------------------------------------------------


@transaction.atomic
def objection_file(*, by: Caller, application: AdmissionApplication, reason: str, now: datetime) -> Objection:
    """The family objects to its published points, within the round's objection window."""
    application = _lock(application)
    user = _require_guardian(by, application)
    _require_state(application, "object")
    round_ = application.round
    if round_.phase != Phase.POINTS_PUBLISHED or now >= round_.objections_close:
        raise WindowClosed(
            _("Objections to %(round)s could be made until %(end)s, once points were published.")
            % {"round": round_.name, "end": f"{timezone.localtime(round_.objections_close):%Y-%m-%d %H:%M}"}
        )
    if not reason.strip():
        raise ValidationError({"reason": [_("Say what is wrong with your points.")]})
    objection = Objection(
        town_id=application.town_id, application=application, reason=reason.strip(), points_before=application.points
    )
    try:
        with transaction.atomic():
            objection.save(force_insert=True)
    except IntegrityError:
        raise ValidationError(
            {"reason": [_("Your objection is awaiting an answer already.")]}, code="already_objected"
        ) from None
    audit_record(action="education.objection_filed", actor=user, target=application)
    return objection


@transaction.atomic
def objection_answer(
    *,
    by: Caller,
    objection: Objection,
    upheld: bool,
    answer: str,
    decisions: Sequence[FactDecision] = (),
    now: datetime,
) -> Objection:
    """An officer answers an objection with a reason. Upheld: the facts are decided again
    (``decisions``) and the points recomputed; dismissed: nothing else changes. The family is told."""
    application = _lock(objection.application)
    user = _require_verifier(by, application)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.state != Objection.State.OPEN:
        raise InvalidTransition(_("This objection has been answered."))
    if not answer.strip():
        raise ValidationError({"answer": [_("Give the answer and its reason, for the family.")]})
    if upheld and not decisions:
        raise ValidationError({"decisions": [_("Say which facts change when an objection is upheld.")]})
    if not upheld and decisions:
        raise ValidationError({"decisions": [_("A dismissed objection changes no fact.")]})
    changes = [_decide(application, decision, by=user, now=now) for decision in decisions]
    if upheld:
        result = _points_apply(application)
        application.status = Status.DISQUALIFIED if result.disqualified else Status.VERIFIED
        application.save(update_fields=["points", "breakdown", "scheme_label", "status"])
    objection.state = Objection.State.UPHELD if upheld else Objection.State.DISMISSED
    objection.answer, objection.answered_by, objection.answered_at = answer.strip(), user, now
    objection.points_after = application.points
    objection.save()
    audit_record(
        action="education.objection_answered",
        actor=user,
        target=application,
        changes={
            "state": objection.state,
            "decisions": changes,
            "points": [str(objection.points_before), str(application.points)],
        },
    )
    guardian_user = application.guardian.person.user
    if guardian_user is not None:
        notify(
            user=guardian_user,
            event="education.objection_answered",
            context={"round": application.round.name, "points": str(application.points), "state": objection.state},
            target=application,
        )
    return objection
