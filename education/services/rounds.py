"""Writes for schools and rounds: the town admin configures them and moves a round through its
phases (``ROUND_NEXT``: which phase follows which, and what must hold first)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from education import access, lottery
from education.models import (
    AdmissionApplication,
    AdmissionRound,
    Objection,
    PointsScheme,
    RoundSchool,
    School,
    SchoolCatchment,
)
from education.services.schemes import SchemeInvalid, scheme_freeze, scheme_problems_of
from nanhai_portal.accounts.models import Caller
from nanhai_portal.areas.models import Community
from nanhai_portal.audit.services import audit_record
from nanhai_portal.errors import DomainError, InvalidTransition
from nanhai_portal.notifications.services import Notice, notify_many
from nanhai_portal.tenancy import get_current_town

Phase = AdmissionRound.Phase
Status = AdmissionApplication.Status

# The phase each step moves a round to, from the phase it starts from. The allocation moves a
# round from ALLOCATION to RESULTS_PUBLISHED itself (``allocation_run``).
ROUND_NEXT: dict[str, str] = {
    Phase.DRAFT: Phase.APPLICATIONS,
    Phase.APPLICATIONS: Phase.VERIFICATION,
    Phase.VERIFICATION: Phase.POINTS_PUBLISHED,
    Phase.POINTS_PUBLISHED: Phase.ALLOCATION,
}
# A family may change its choices and add documents while applications are open.
OPEN_FOR_APPLICATIONS = frozenset({Phase.APPLICATIONS})
# Schools and places may change until the points are out.
SCHOOLS_CHANGE_IN = frozenset({Phase.DRAFT, Phase.APPLICATIONS, Phase.VERIFICATION})


class RoundNotReady(DomainError):
    code = "round_not_ready"
    status = 409


def _require_manager(by: Caller) -> str:
    """The town ``by`` configures (PermissionDenied unless they are its admin)."""
    town = get_current_town()
    if not access.is_round_manager(by) or town is None:
        raise PermissionDenied(_("Only the town's admins may configure rounds and schools."))
    return town


@transaction.atomic
def school_create(*, by: Caller, name: str, stage: str, address: str = "", catchment: Iterable[Any] = ()) -> School:
    """A school of the current town, with the communities of its catchment (of the same town)."""
    town = _require_manager(by)
    school = School(town_id=town, name=name.strip(), stage=stage, address=address.strip())
    school.full_clean(exclude=["town"])
    try:
        with transaction.atomic():
            school.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"name": [_("The town already has a school of this name.")]}) from None
    communities = list(Community.objects.filter(town_id=school.town_id, pk__in=list(catchment)))
    if len(communities) != len(set(catchment)):
        raise ValidationError({"catchment": [_("Choose communities of your town.")]})
    for community in communities:
        SchoolCatchment.objects.create(town_id=school.town_id, school=school, community=community)
    audit_record(action="education.school_created", actor=by, target=school, changes={"stage": stage})
    return school


@transaction.atomic
def round_create(
    *,
    by: Caller,
    name: str,
    year: int,
    scheme: PointsScheme,
    applications_open: datetime,
    applications_close: datetime,
    points_published_on: date,
    objections_close: datetime,
    results_published_on: date,
    acceptance_deadline: datetime,
    second_round_close: datetime,
    max_choices: int = 5,
    requires_permit: bool = True,
) -> AdmissionRound:
    """A round of the current town, in preparation, with its dates (in order) and scheme."""
    town = _require_manager(by)
    round_ = AdmissionRound(
        town_id=town,
        name=name.strip(),
        year=year,
        scheme=scheme,
        applications_open=applications_open,
        applications_close=applications_close,
        points_published_on=points_published_on,
        objections_close=objections_close,
        results_published_on=results_published_on,
        acceptance_deadline=acceptance_deadline,
        second_round_close=second_round_close,
        max_choices=max_choices,
        requires_permit=requires_permit,
    )
    round_.full_clean(exclude=["town", "scheme"])
    if scheme.town_id != round_.town_id:
        raise ValidationError({"scheme": [_("Choose a points scheme of your town.")]})
    round_.save(force_insert=True)
    audit_record(action="education.round_created", actor=by, target=round_, changes={"year": year})
    return round_


@transaction.atomic
def round_school_set(*, by: Caller, round_: AdmissionRound, school: School, places: int) -> RoundSchool:
    """The places ``school`` offers in ``round_`` (added, or changed until the points are out)."""
    _require_manager(by)
    round_ = AdmissionRound.objects.select_for_update().get(pk=round_.pk)
    if round_.phase not in SCHOOLS_CHANGE_IN:
        raise InvalidTransition(_("The schools of a round are fixed once its points are published."))
    if school.town_id != round_.town_id:
        raise ValidationError({"school": [_("Choose a school of your town.")]})
    if places < 0:
        raise ValidationError({"places": [_("Places cannot be negative.")]})
    offered, _created = RoundSchool.objects.update_or_create(
        round=round_,
        school=school,
        defaults={"places": places},
        create_defaults={"town_id": round_.town_id, "places": places},
    )
    audit_record(
        action="education.places_set", actor=by, target=offered, changes={"school": school.name, "places": places}
    )
    return offered


@transaction.atomic
def round_advance(*, by: Caller, round_: AdmissionRound, now: datetime) -> AdmissionRound:
    """Move ``round_`` to its next phase (``ROUND_NEXT``), when what must hold first holds:

    - to applications: a valid scheme and at least one school with places;
    - to verification: the application window has closed;
    - to points published: every submitted application verified; the scheme is frozen, the
      lottery seed is drawn and its digest published (the seed comes with the results), and
      the families are told their points;
    - to allocation: the objection window has closed and every objection is answered.
    """
    _require_manager(by)
    round_ = AdmissionRound.objects.select_for_update().get(pk=round_.pk)
    if round_.phase not in ROUND_NEXT:
        raise InvalidTransition(
            _("A round that is %(phase)s does not move on by hand.") % {"phase": round_.get_phase_display()}
        )
    target = ROUND_NEXT[round_.phase]
    applications = AdmissionApplication.objects.filter(round=round_)
    if target == Phase.APPLICATIONS:
        problems = scheme_problems_of(round_.scheme)
        if problems:
            raise SchemeInvalid(_("The points scheme cannot be used: %(problems)s") % {"problems": "; ".join(problems)})
        if not RoundSchool.objects.filter(round=round_, places__gt=0).exists():
            raise RoundNotReady(_("Add at least one school with places first."))
    elif target == Phase.VERIFICATION and now < round_.applications_close:
        raise RoundNotReady(
            _("Applications are open until %(when)s.") % {"when": f"{round_.applications_close:%Y-%m-%d %H:%M}"}
        )
    elif target == Phase.POINTS_PUBLISHED:
        waiting = applications.filter(status=Status.SUBMITTED).count()
        if waiting:
            raise RoundNotReady(_("%(count)d applications are still awaiting verification.") % {"count": waiting})
        scheme_freeze(round_.scheme, at=now)
        round_.seed = lottery.seed_new()
        round_.seed_digest = lottery.seed_digest(round_.seed)
    elif target == Phase.ALLOCATION:
        if now < round_.objections_close:
            raise RoundNotReady(
                _("Objections are open until %(when)s.") % {"when": f"{round_.objections_close:%Y-%m-%d %H:%M}"}
            )
        if Objection.objects.filter(application__round=round_, state=Objection.State.OPEN).exists():
            raise RoundNotReady(_("Answer every objection first."))
    before = round_.phase
    round_.phase = target
    round_.save(update_fields=["phase", "seed", "seed_digest"])
    audit_record(action="education.round_advanced", actor=by, target=round_, changes={"phase": [before, target]})
    if target == Phase.POINTS_PUBLISHED:
        decided = applications.filter(status__in=[Status.VERIFIED, Status.DISQUALIFIED]).select_related(
            "guardian__person__user"
        )
        notify_many(
            [
                Notice(
                    user=application.guardian.person.user,
                    event="education.points_published",
                    context={"round": round_.name, "points": str(application.points)},
                    target=application,
                )
                for application in decided
                if application.guardian.person.user is not None
            ]
        )
    return round_
