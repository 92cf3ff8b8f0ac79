"""The allocation (录取): the match of a round's applicants to its schools' places, its two
stages, and the second round in between.

1. Stage 1: the town admin starts it when the round is in ALLOCATION (``allocation_start``);
   a Celery task runs it (``allocation_run``) over the round's VERIFIED applications and their
   first choices; the round moves to RESULTS_PUBLISHED and every family is told.
2. After the acceptance deadline the town admin opens the second round
   (``second_round_open``): offers not accepted lapse, declined places are already free; the
   families not placed give new choices (``second_choices_set``) until ``second_round_close``.
3. Stage 2: started the same way after ``second_round_close``, over the NOT_PLACED applications
   with new choices and the places still free. Its offers are answered while the round is in
   its second round; ``round_close`` then closes the round (offers not answered lapse).

Each run is reproducible: ``allocation_inputs`` reads what the match was given from the stored
round (choices, the points' breakdowns, catchments, the places, the seed), the SHA-256 of their
canonical JSON is stored with the run, and ``allocation_replay`` runs the match again and
compares with the stored offers.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from education import access, lottery, matching, points
from education.models import (
    AdmissionApplication,
    AdmissionRound,
    Allocation,
    Choice,
    Offer,
    RoundSchool,
    SchoolCatchment,
)
from education.services.applications import WindowClosed, checked_choices
from nanhai_portal.accounts.models import Caller
from nanhai_portal.audit.services import audit_record
from nanhai_portal.errors import DomainError, InvalidTransition
from nanhai_portal.notifications.services import Notice, notify_many
from nanhai_portal.tenancy.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

Phase = AdmissionRound.Phase
Status = AdmissionApplication.Status

FIRST, SECOND = 1, 2
# The statuses of an application that took part in the first stage (VERIFIED before it ran,
# one of the others after): what a replay reads.
IN_FIRST_STAGE = (Status.VERIFIED, Status.OFFERED, Status.ACCEPTED, Status.DECLINED, Status.NOT_PLACED)


class AllocationStarted(DomainError):
    """This stage of the round has an allocation already: it runs (or ran) once."""

    code = "allocation_started"
    status = 409


# --- What the match is given ---------------------------------------------------------------


@dataclass(frozen=True)
class AllocationInputs:
    """Everything ``matching.deferred_acceptance`` is given for one stage, with ids as strings:
    round-school ids for schools, application ids for applicants."""

    capacities: dict[str, int]
    preferences: dict[str, list[str]]
    points_at_school: dict[str, dict[str, Decimal]]
    lottery: dict[str, int]
    priorities: dict[str, list[str]]
    seed: str
    scheme: str
    stage: int

    def canonical(self) -> bytes:
        """The inputs as canonical JSON (sorted keys, no spaces, points as strings): what is hashed."""
        document = {
            "algorithm": matching.ALGORITHM_VERSION,
            "lottery": lottery.LOTTERY_VERSION,
            "seed": self.seed,
            "scheme": self.scheme,
            "stage": self.stage,
            "capacities": self.capacities,
            "preferences": self.preferences,
            "priorities": {
                school: [[applicant, str(self.points_at_school[school][applicant])] for applicant in ranked]
                for school, ranked in self.priorities.items()
            },
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()

    def matched(self) -> dict[str, str | None]:
        return matching.deferred_acceptance(self.capacities, self.preferences, self.priorities)


def _applicants(round_: AdmissionRound, stage: int) -> list[AdmissionApplication]:
    applications = AdmissionApplication.objects.filter(round=round_).select_related("guardian")
    if stage == FIRST:
        applications = applications.filter(status__in=IN_FIRST_STAGE)
    else:
        applications = applications.filter(pk__in=Choice.objects.filter(stage=SECOND).values("application_id"))
    return [application for application in applications.order_by("pk") if not application.breakdown.get("disqualified")]


def allocation_inputs(round_: AdmissionRound, stage: int) -> AllocationInputs:
    """What stage ``stage`` of ``round_`` is (or was) given, read from the stored round.

    Capacities are each school's places less the places accepted in earlier stages (nothing
    before the first). Each school's priority is the application's points plus its catchment
    points where the guardian's registered community is in the school's catchment
    (``points.points_at_school``), ties broken by the lottery (``lottery.priorities_by_points``).
    """
    schools = list(RoundSchool.objects.filter(round=round_).order_by("pk"))
    kept = Counter(
        str(school_id)
        for school_id in Offer.objects.filter(
            round_school__round=round_, allocation__stage__lt=stage, state=Offer.State.ACCEPTED
        ).values_list("round_school_id", flat=True)
    )
    capacities = {str(school.pk): school.places - kept[str(school.pk)] for school in schools}
    applicants = _applicants(round_, stage)
    by_id = {str(application.pk): application for application in applicants}
    preferences: dict[str, list[str]] = {applicant: [] for applicant in by_id}
    choices = Choice.objects.filter(application_id__in=list(by_id), stage=stage).order_by("application_id", "rank")
    for application_id, school_id in choices.values_list("application_id", "round_school_id"):
        preferences[str(application_id)].append(str(school_id))
    catchments: dict[str, set[str]] = {}
    for school_id, community_id in SchoolCatchment.objects.filter(
        school_id__in=[school.school_id for school in schools]
    ).values_list("school_id", "community_id"):
        catchments.setdefault(str(school_id), set()).add(str(community_id))
    catchment_of = {str(school.pk): catchments.get(str(school.school_id), set()) for school in schools}
    points_at_school: dict[str, dict[str, Decimal]] = {}
    for applicant, listed in preferences.items():
        application = by_id[applicant]
        result = _stored_result(application)
        for school in listed:
            in_catchment = str(application.guardian.community_id) in catchment_of[school]
            points_at_school.setdefault(school, {})[applicant] = points.points_at_school(
                result, in_catchment=in_catchment
            )
    numbers = lottery.lottery_numbers(round_.seed, list(by_id)) if by_id else {}
    return AllocationInputs(
        capacities=capacities,
        preferences=preferences,
        points_at_school=points_at_school,
        lottery=numbers,
        priorities=lottery.priorities_by_points(points_at_school, numbers),
        seed=round_.seed,
        scheme=round_.scheme.label,
        stage=stage,
    )


def _stored_result(application: AdmissionApplication) -> points.Result:
    """The verified points as the application stores them (``breakdown_json``)."""
    breakdown = application.breakdown or {}
    total = application.points if application.points is not None else Decimal(breakdown.get("total", "0"))
    return points.Result(
        scheme_version=application.scheme_label,
        total=Decimal(total),
        catchment_points=Decimal(breakdown.get("catchment_points", "0")),
        disqualified=bool(breakdown.get("disqualified", False)),
        lines=(),
    )


# --- Starting and running ------------------------------------------------------------------


def _stage_of(round_: AdmissionRound, now: datetime) -> int:
    if round_.phase == Phase.ALLOCATION:
        return FIRST
    if round_.phase == Phase.SECOND_ROUND:
        if now < round_.second_round_close:
            raise InvalidTransition(
                _("Families give their new choices until %(when)s; the second allocation runs after that.")
                % {"when": f"{timezone.localtime(round_.second_round_close):%Y-%m-%d %H:%M}"}
            )
        return SECOND
    raise InvalidTransition(_("A round that is %(phase)s is not allocated.") % {"phase": round_.get_phase_display()})


@transaction.atomic
def allocation_start(*, by: Caller, round_: AdmissionRound, now: datetime) -> Allocation:
    """Queue the allocation of ``round_``'s current stage (the town admin's), and its task after
    the commit. A second start of the same stage is refused (``AllocationStarted``, naming the
    one that runs): the database holds one allocation per round and stage. A FAILED one (which
    wrote nothing but its error) is queued again."""
    user = access.require_round_manager(by)
    round_ = AdmissionRound.objects.select_for_update().select_related("scheme").get(pk=round_.pk)
    stage = _stage_of(round_, now)
    existing = Allocation.objects.filter(round=round_, stage=stage).first()
    if existing is None:
        allocation = Allocation(
            town_id=round_.town_id,
            round=round_,
            stage=stage,
            seed=round_.seed,
            scheme_label=round_.scheme.label,
            algorithm_version=matching.ALGORITHM_VERSION,
            lottery_version=lottery.LOTTERY_VERSION,
            started_by=user,
        )
        try:
            with transaction.atomic():
                allocation.save(force_insert=True)
        except IntegrityError:
            existing = Allocation.objects.get(round=round_, stage=stage)
    if existing is not None and existing.state == Allocation.State.FAILED:
        # A failed run wrote nothing but its error: the admin starts it again, on the round as it is now.
        existing.state = Allocation.State.QUEUED
        existing.error = ""
        existing.seed = round_.seed
        existing.scheme_label = round_.scheme.label
        existing.started_by = user
        existing.finished_at = None
        existing.save(update_fields=["state", "error", "seed", "scheme_label", "started_by", "finished_at"])
        allocation, existing = existing, None
    if existing is not None:
        raise AllocationStarted(
            _("This allocation has started already (%(id)s, %(state)s): it runs once.")
            % {"id": existing.pk, "state": existing.get_state_display()},
            allocation=str(existing.pk),
            state=existing.state,
        )
    audit_record(action="education.allocation_started", actor=user, target=round_, changes={"stage": stage})
    from education import tasks  # the task module imports this one

    enqueue_on_commit(tasks.allocation_run_task, allocation_id=str(allocation.pk))
    return allocation


def allocation_run(allocation_id: Any) -> Allocation:
    """Run a queued allocation, in the current town: claim it (the QUEUED row locked, skipping
    one that another worker holds, then QUEUED → RUNNING), match, and write every offer, place
    count, application status and notice in the claim's transaction; DONE, or FAILED with the
    error and nothing else written.

    Safe to call twice, and at once: an allocation that is not QUEUED, or that another worker
    is running, is returned as it is. A worker that dies mid-run rolls its claim back with the
    rest, so the redelivered task (``acks_late``) runs it again from the start.
    """
    try:
        with transaction.atomic():
            allocation = (
                Allocation.objects.select_for_update(skip_locked=True)
                .filter(pk=allocation_id, state=Allocation.State.QUEUED)
                .first()
            )
            if allocation is None:
                return Allocation.objects.get(pk=allocation_id)
            Allocation.objects.filter(pk=allocation.pk, state=Allocation.State.QUEUED).update(
                state=Allocation.State.RUNNING
            )
            _allocate(allocation)
    except Exception as error:
        logger.exception("allocation %s failed", allocation_id)
        Allocation.objects.filter(pk=allocation_id, state=Allocation.State.QUEUED).update(
            state=Allocation.State.FAILED, error=f"{type(error).__name__}: {error}"[:2000], finished_at=timezone.now()
        )
    return Allocation.objects.get(pk=allocation_id)


def _allocate(allocation: Allocation) -> None:
    round_ = AdmissionRound.objects.select_for_update().select_related("scheme").get(pk=allocation.round_id)
    expected = Phase.ALLOCATION if allocation.stage == FIRST else Phase.SECOND_ROUND
    if round_.phase != expected:
        raise InvalidTransition(f"the round is {round_.phase}, not {expected}")
    if round_.seed != allocation.seed:
        raise ValueError("the round's seed is not the one the allocation was started with")
    inputs = allocation_inputs(round_, allocation.stage)
    assigned = inputs.matched()
    applications = {
        str(application.pk): application
        for application in AdmissionApplication.objects.filter(pk__in=list(assigned))
        .select_related("guardian__person__user")
        .select_for_update(of=("self",))
    }
    Offer.objects.bulk_create(
        [
            Offer(
                town_id=allocation.town_id,
                application_id=applicant,
                allocation=allocation,
                round_school_id=school,
            )
            for applicant, school in assigned.items()
            if school is not None
        ]
    )
    # The database holds ``held <= places``: a school given more places than it has fails the run.
    offered = Counter(school for school in assigned.values() if school is not None)
    for round_school, count in offered.items():
        RoundSchool.objects.filter(pk=round_school).update(held=F("held") + count)
    # Two statements for the statuses and one for the lottery numbers (the first stage's number;
    # the second keeps its order), not a CASE of thousands of rows (``bulk_update``: 2 of 4 s).
    for status, placed in ((Status.OFFERED, True), (Status.NOT_PLACED, False)):
        chosen = [applicant for applicant, school in assigned.items() if (school is not None) == placed]
        AdmissionApplication.objects.filter(pk__in=chosen).update(status=status)
    numbered = [applicant for applicant in assigned if applications[applicant].lottery is None]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE education_admissionapplication AS application SET lottery = drawn.number"
            " FROM unnest(%s::uuid[], %s::integer[]) AS drawn(id, number) WHERE application.id = drawn.id",
            [numbered, [inputs.lottery[applicant] for applicant in numbered]],
        )
    allocation.state = Allocation.State.DONE
    allocation.inputs_sha256 = inputs.sha256()
    allocation.applicants = len(assigned)
    allocation.placed = sum(1 for school in assigned.values() if school is not None)
    allocation.finished_at = timezone.now()
    allocation.save(update_fields=["state", "inputs_sha256", "applicants", "placed", "finished_at"])
    if allocation.stage == FIRST:
        round_.phase = Phase.RESULTS_PUBLISHED
        round_.save(update_fields=["phase"])
    names = {str(pk): name for pk, name in RoundSchool.objects.filter(round=round_).values_list("pk", "school__name")}
    notify_many(
        [
            Notice(
                user=applications[applicant].guardian.person.user,
                event="education.place_offered" if school else "education.not_placed",
                context={"round": round_.name, "school": names[school]} if school else {"round": round_.name},
                target=applications[applicant],
            )
            for applicant, school in assigned.items()
            if applications[applicant].guardian.person.user is not None
        ]
    )
    audit_record(
        action="education.allocation_done",
        target=round_,
        changes={
            "stage": allocation.stage,
            "applicants": allocation.applicants,
            "placed": allocation.placed,
            "inputs_sha256": allocation.inputs_sha256,
        },
    )


def allocation_replay(allocation: Allocation) -> bool:
    """Whether running the match again on the stored round gives the stored result: the same
    inputs (their hash) and, for every applicant, the same school or none."""
    inputs = allocation_inputs(allocation.round, allocation.stage)
    stored: dict[str, str | None] = dict.fromkeys(inputs.preferences)
    for application_id, school_id in Offer.objects.filter(allocation=allocation).values_list(
        "application_id", "round_school_id"
    ):
        stored[str(application_id)] = str(school_id)
    return inputs.sha256() == allocation.inputs_sha256 and inputs.matched() == stored


# --- The second round ------------------------------------------------------------------------


@transaction.atomic
def second_round_open(*, by: Caller, round_: AdmissionRound, now: datetime) -> AdmissionRound:
    """RESULTS_PUBLISHED → SECOND_ROUND, after the acceptance deadline (the town admin's): the
    offers not accepted lapse and free their places (their applications count as declined)."""
    user = access.require_round_manager(by)
    round_ = AdmissionRound.objects.select_for_update().get(pk=round_.pk)
    if round_.phase != Phase.RESULTS_PUBLISHED:
        raise InvalidTransition(
            _("A round that is %(phase)s cannot open its second round.") % {"phase": round_.get_phase_display()}
        )
    if now < round_.acceptance_deadline:
        raise WindowClosed(
            _("Families may accept their places until %(when)s.")
            % {"when": f"{timezone.localtime(round_.acceptance_deadline):%Y-%m-%d %H:%M}"}
        )
    lapsed = _lapse(round_)
    round_.phase = Phase.SECOND_ROUND
    round_.save(update_fields=["phase"])
    audit_record(
        action="education.second_round_opened",
        actor=user,
        target=round_,
        changes={"phase": [Phase.RESULTS_PUBLISHED, Phase.SECOND_ROUND], "lapsed": lapsed},
    )
    return round_


def _lapse(round_: AdmissionRound) -> int:
    """Every offer of ``round_`` still OFFERED lapses; its place is freed. Needs the round locked."""
    offers = list(
        Offer.objects.select_for_update().filter(round_school__round=round_, state=Offer.State.OFFERED).order_by("pk")
    )
    for school, count in Counter(offer.round_school_id for offer in offers).items():
        RoundSchool.objects.filter(pk=school).update(held=F("held") - count)
    Offer.objects.filter(pk__in=[offer.pk for offer in offers]).update(state=Offer.State.LAPSED)
    AdmissionApplication.objects.filter(pk__in=[offer.application_id for offer in offers]).update(
        status=Status.DECLINED
    )
    return len(offers)


def free_places(round_: AdmissionRound) -> dict[str, int]:
    """Round-school id -> places not held (offered or accepted)."""
    return {
        str(pk): places - held
        for pk, places, held in RoundSchool.objects.filter(round=round_).values_list("pk", "places", "held")
    }


def second_choices_refusal(application: AdmissionApplication, now: datetime) -> DomainError | None:
    """Why ``application`` may not give new choices for the second round now (None: it may):
    the round is in its second round, before ``second_round_close`` and its second allocation,
    and the application was not placed. The service raises it; the pages show the form when None."""
    round_ = application.round
    if round_.phase != Phase.SECOND_ROUND or now >= round_.second_round_close:
        return WindowClosed(
            _("New choices are taken in the second round, until %(when)s.")
            % {"when": f"{timezone.localtime(round_.second_round_close):%Y-%m-%d %H:%M}"}
        )
    if application.status != Status.NOT_PLACED:
        return InvalidTransition(_("Only a family that was not placed chooses again."))
    if Allocation.objects.filter(round=round_, stage=SECOND).exists():
        return WindowClosed(_("The second allocation has started: choices are closed."))
    return None


@transaction.atomic
def second_choices_set(
    *, by: Caller, application: AdmissionApplication, choices: Sequence[Any], now: datetime
) -> AdmissionApplication:
    """A family not placed gives its new choices for the second round (replacing any it gave),
    until ``second_round_close``: the checks of the first choices, and each school with free places."""
    user = access.acting_user(by)
    application = (
        AdmissionApplication.objects.select_related("round").select_for_update(of=("self",)).get(pk=application.pk)
    )
    if not access.is_guardian(user, application):
        raise PermissionDenied(_("Only the guardian who applied may do this."))
    round_ = application.round
    refusal = second_choices_refusal(application, now)
    if refusal is not None:
        raise refusal
    schools = checked_choices(round_, application.grade, choices)
    free = free_places(round_)
    full = [school.school.name for school in schools if free[str(school.pk)] <= 0]
    if full:
        raise ValidationError(
            {"choices": [_("These schools have no places left: %(names)s") % {"names": ", ".join(full)}]}
        )
    Choice.objects.filter(application=application, stage=SECOND).delete()
    Choice.objects.bulk_create(
        [
            Choice(town_id=application.town_id, application=application, round_school=school, rank=rank, stage=SECOND)
            for rank, school in enumerate(schools, start=1)
        ]
    )
    audit_record(
        action="education.second_choices_set",
        actor=user,
        target=application,
        changes={"choices": [school.school.name for school in schools]},
    )
    return application


@transaction.atomic
def round_close(*, by: Caller, round_: AdmissionRound, now: datetime) -> AdmissionRound:
    """SECOND_ROUND → CLOSED once the second allocation is done (the town admin's): second-round
    offers not answered lapse."""
    user = access.require_round_manager(by)
    round_ = AdmissionRound.objects.select_for_update().get(pk=round_.pk)
    if round_.phase != Phase.SECOND_ROUND:
        raise InvalidTransition(
            _("A round that is %(phase)s cannot be closed.") % {"phase": round_.get_phase_display()}
        )
    if not Allocation.objects.filter(round=round_, stage=SECOND, state=Allocation.State.DONE).exists():
        raise InvalidTransition(_("Run the second allocation first."))
    lapsed = _lapse(round_)
    round_.phase = Phase.CLOSED
    round_.save(update_fields=["phase"])
    audit_record(
        action="education.round_closed",
        actor=user,
        target=round_,
        changes={"phase": [Phase.SECOND_ROUND, Phase.CLOSED], "lapsed": lapsed},
    )
    return round_


def offer_window_open(offer: Offer, round_: AdmissionRound, now: datetime) -> bool:
    """Whether ``offer`` may still be answered: a first-stage offer until the acceptance
    deadline while results are published, a second-stage one while the second round lasts."""
    if offer.allocation.stage == FIRST:
        return round_.phase == Phase.RESULTS_PUBLISHED and now < round_.acceptance_deadline
    return round_.phase == Phase.SECOND_ROUND
