"""Reads for residents: the queue, permits as people read them, statistics.

Who may see which rows is ``residents.access``; the reads here start from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from nanhai_portal.accounts.models import Caller
from residents import access, permit_calendar
from residents.models import FINAL_STATUSES, LIVE_PERMIT_STATUSES, Application, Permit

# The deadline runs from acceptance to issue: an application issued (or not yet issued) late
# is the town's to answer for; once issued, delivery is the post's.
AWAITING_ISSUE = [Application.Status.SUBMITTED, Application.Status.ACCEPTED, Application.Status.APPROVED]


def open_applications(applications: QuerySet[Application], *, kind: str) -> QuerySet[Application]:
    """Those of ``kind`` that are not over yet (a resident has at most one: see the service)."""
    return applications.filter(kind=kind).exclude(status__in=FINAL_STATUSES)


def review_queue(
    *, user: Caller, kind: str | None = None, status: str | None = None, overdue: bool | None = None
) -> QuerySet[Application]:
    """The town's submitted applications (every town's for district roles), soonest deadline
    first; drafts are the resident's business (``access.applications_in_review``)."""
    queryset = access.applications_in_review(user)
    if kind:
        queryset = queryset.filter(kind=kind)
    if status:
        queryset = queryset.filter(status=status)
    if overdue is not None:
        late = Q(status__in=AWAITING_ISSUE, due_at__lt=timezone.now())
        queryset = queryset.filter(late) if overdue else queryset.exclude(late)
    return queryset.order_by(F("due_at").asc(nulls_last=True), "submitted_at")


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
