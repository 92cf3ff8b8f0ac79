"""Reads for residents: the queue, permits as people read them, statistics.

Who may see which rows is ``residents.access``; the reads here start from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from nanhai_portal.accounts.models import Caller
from nanhai_portal.periods import whole_years_between
from residents import access, permit_calendar
from residents.models import (
    AWAITING_ISSUE_STATUSES,
    FINAL_STATUSES,
    LIVE_PERMIT_STATUSES,
    OFFICER_WORK_STATUSES,
    Application,
    Permit,
    Resident,
    work_deadline,
)

# The deadline runs from acceptance to issue: an application issued (or not yet issued) late
# is the town's to answer for; once issued, delivery is the post's.
AWAITING_ISSUE = list(AWAITING_ISSUE_STATUSES)


def open_applications(applications: QuerySet[Application], *, kind: str) -> QuerySet[Application]:
    """Those of ``kind`` that are not over yet (a resident has at most one: see the service)."""
    return applications.filter(kind=kind).exclude(status__in=FINAL_STATUSES)


# What an officer must still act on (the queue's default view): accept, decide, issue, hand over.
# A returned application waits for the resident; delivered and rejected ones are over.
OFFICER_WORK = list(OFFICER_WORK_STATUSES)
QUEUE_WORK = ""  # the default view: the work to do
QUEUE_FINISHED = "finished"  # delivered and rejected
QUEUE_ALL = "all"  # every submitted application, whatever its state


def review_queue(
    *, user: Caller, kind: str | None = None, status: str | None = None, overdue: bool | None = None
) -> QuerySet[Application]:
    """The applications ``user`` reviews (their town's; every town's for district roles),
    drafts never (``access.applications_in_review``).

    ``status`` picks the view: none (``QUEUE_WORK``) is the work to do (``OFFICER_WORK``),
    ``QUEUE_FINISHED`` the finished ones, ``QUEUE_ALL`` every state, a state just that one.
    Open work comes in the order it is due: overdue first (the longest overdue on top), then
    the nearest deadline, then the oldest submission (those not accepted yet have no deadline;
    an issued one has met its deadline). Finished ones come most recently decided first.
    """
    queryset = access.applications_in_review(user)
    if kind:
        queryset = queryset.filter(kind=kind)
    if not status:
        queryset = queryset.filter(status__in=OFFICER_WORK)
    elif status == QUEUE_FINISHED:
        queryset = queryset.filter(status__in=sorted(FINAL_STATUSES))
    elif status != QUEUE_ALL:
        queryset = queryset.filter(status=status)
    if overdue is not None:
        late = Q(status__in=AWAITING_ISSUE, due_at__lt=timezone.now())
        queryset = queryset.filter(late) if overdue else queryset.exclude(late)
    if status == QUEUE_FINISHED or status in FINAL_STATUSES:
        # Every finished one has been decided; the index ``application_finished_order``, backwards.
        return queryset.order_by("-decided_at", "-submitted_at", "-pk")
    # The index ``application_work_order`` holds this order (ascending puts no deadline last).
    return queryset.order_by(work_deadline(), "submitted_at", "pk")


def is_overdue(application: Application, *, now: datetime | None = None) -> bool:
    return bool(
        application.due_at and application.status in AWAITING_ISSUE and application.due_at < (now or timezone.now())
    )


@dataclass(frozen=True)
class PermitView:
    permit: Permit
    status: str
    next_endorsement_due: date
    endorse_by: date
    continuous_years: int


def permit_view(permit: Permit, *, today: date | None = None) -> PermitView:
    today = today or timezone.localdate()
    pending = permit_calendar.calendar(
        continuous_since=permit.continuous_since, last_endorsed_on=permit.last_endorsed_on, today=today
    )
    status = permit_calendar.status_on(
        continuous_since=permit.continuous_since,
        last_endorsed_on=permit.last_endorsed_on,
        valid_until=permit.valid_until,
        today=today,
    )
    return PermitView(permit, status, pending.window_opens, pending.endorse_by, pending.continuous_years)


def permit_under_review(application: Application, *, user: Caller) -> PermitView | None:
    """The permit an endorsement or reissue application is about, as ``user`` may see it: the
    one it was issued on, or else the resident's live permit (newest first); None for other
    kinds, or when the resident holds none."""
    if application.kind not in (Application.Kind.PERMIT_ENDORSEMENT, Application.Kind.PERMIT_REISSUE):
        return None
    permits = access.permits_visible_to(user).filter(resident_id=application.resident_id)
    if application.permit_id is not None:
        permit = permits.filter(pk=application.permit_id).first()
    else:
        permit = permits.filter(status__in=LIVE_PERMIT_STATUSES).order_by("-valid_from").first()
    return permit_view(permit) if permit is not None else None


def application_statistics(*, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
    """Per town and month: received, accepted, completed, completed on time, completion rate,
    permits issued and endorsed, and visits per completed application (最多跑一次)."""
    queryset = (
        Application.objects.in_current_scope().exclude(status=Application.Status.DRAFT).exclude(submitted_at=None)
    )
    if since:
        queryset = queryset.filter(submitted_at__date__gte=since)
    if until:
        queryset = queryset.filter(submitted_at__date__lte=until)
    done = Q(status__in=[Application.Status.ISSUED, Application.Status.DELIVERED])
    rows = (
        queryset.annotate(month=TruncMonth("submitted_at"))
        .values("town_id", "month")
        .annotate(
            received=Count("id"),
            accepted=Count("id", filter=~Q(accepted_at=None)),
            completed=Count("id", filter=done),
            on_time=Count("id", filter=done & Q(issued_at__lte=F("due_at"))),
            permits_issued=Count("id", filter=done & Q(kind=Application.Kind.PERMIT_ISSUE)),
            permits_endorsed=Count("id", filter=done & Q(kind=Application.Kind.PERMIT_ENDORSEMENT)),
            visits=Count("id", filter=done & Q(delivery=Application.Delivery.PICKUP)),
            mean_days=Avg(
                ExpressionWrapper(F("issued_at") - F("accepted_at"), output_field=DurationField()), filter=done
            ),
        )
        .order_by("town_id", "month")
    )
    result = []
    for row in rows:
        completed = row["completed"]
        result.append(
            {
                **row,
                "completion_rate": round(completed / row["received"], 4) if row["received"] else 0.0,
                "on_time_rate": round(row["on_time"] / completed, 4) if completed else 0.0,
                "visits_per_application": round(row["visits"] / completed, 3) if completed else 0.0,
            }
        )
    return result


# --- The resident's own permit: the permit page and the home tile -----------------------


@dataclass(frozen=True)
class PermitStanding:
    """Where a signed-in person stands with their residence permit on ``today``: the permit,
    the open endorsement or permit application, and (without a permit) when they may apply."""

    today: date
    is_registered: bool  # a current residence registration (居住登记) with its date
    eligible_from: date | None  # six months after the registration (``permit_calendar.eligible_from``)
    permit: PermitView | None  # the newest permit, live or not
    endorsement: Application | None  # the open endorsement (签注) application
    permit_application: Application | None  # the open application for a permit (居住证申领)

    @property
    def holds_live_permit(self) -> bool:
        return self.permit is not None and self.permit.status in LIVE_PERMIT_STATUSES

    @property
    def may_apply_for_permit(self) -> bool:
        """Registered for six months, holding no live permit, and not applying already."""
        return (
            self.eligible_from is not None
            and self.eligible_from <= self.today
            and not self.holds_live_permit
            and self.permit_application is None
        )

    @property
    def may_endorse(self) -> bool:
        """The window is open (or the permit is suspended) and no endorsement is under way."""
        return (
            self.permit is not None
            and self.permit.status in (Permit.Status.ENDORSEMENT_DUE, Permit.Status.SUSPENDED)
            and self.endorsement is None
        )


def permit_standing(user: Caller, *, today: date | None = None) -> PermitStanding:
    """``user``'s permit as their own pages tell it, in the current town."""
    today = today or timezone.localdate()
    resident = access.resident_of(user)
    registered_since = resident.registered_since if resident is not None else None
    permit = access.own_permits(user).first()
    own = access.own_applications(user)
    return PermitStanding(
        today=today,
        is_registered=registered_since is not None,
        eligible_from=permit_calendar.eligible_from(registered_since) if registered_since is not None else None,
        permit=permit_view(permit, today=today) if permit is not None else None,
        endorsement=open_applications(own, kind=Application.Kind.PERMIT_ENDORSEMENT).order_by("-created_at").first(),
        permit_application=open_applications(own, kind=Application.Kind.PERMIT_ISSUE).order_by("-created_at").first(),
    )


@dataclass(frozen=True)
class ResidenceRecord:
    """What the portal's own records say of a registration on a day, for other apps' rules
    (points admission): whole years of residence registration and of the residence permit's
    continuous residence, and whether a permit is held in good standing (valid, or with its
    endorsement due but not yet missed)."""

    registration_years: int
    permit_years: int
    holds_permit: bool


def residence_record(resident_id: Any, *, on: date) -> ResidenceRecord:
    """The record of registration ``resident_id`` of the current town on ``on``. Years are whole
    years up to ``on`` (a permit's count restarts after a late endorsement: ``continuous_since``)."""
    resident = Resident.objects.get(pk=resident_id)
    since = resident.registered_since
    registration_years = whole_years_between(since, on) if since is not None and since <= on else 0
    permit = (
        Permit.objects.filter(resident_id=resident.pk, status__in=LIVE_PERMIT_STATUSES, valid_from__lte=on)
        .order_by("-valid_from")
        .first()
    )
    if permit is None:
        return ResidenceRecord(registration_years, 0, False)
    view = permit_view(permit, today=on)
    holds = view.status in (Permit.Status.VALID, Permit.Status.ENDORSEMENT_DUE)
    return ResidenceRecord(registration_years, view.continuous_years if holds else 0, holds)
