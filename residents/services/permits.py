"""Writes for residence permits: numbers, issue, endorsement, the nightly check."""

from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from nanhai_portal.accounts.models import User
from nanhai_portal.audit.services import audit_record
from nanhai_portal.errors import InvalidTransition
from nanhai_portal.notifications.services import notify
from nanhai_portal.periods import months_after
from residents import permit_calendar
from residents.models import FINAL_STATUSES, LIVE_PERMIT_STATUSES, Application, Permit, Resident

PERMIT_VALIDITY_YEARS = getattr(settings, "RESIDENTS_PERMIT_VALIDITY_YEARS", 3)


def next_permit_number(on: date) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('residents_permit_number_seq')")
        sequence = cursor.fetchone()[0]
    return f"440605{on:%y}{sequence:08d}"


def permit_create(*, resident: Resident, on: date) -> Permit:
    permit = Permit(
        town_id=resident.town_id,
        resident=resident,
        permit_number=next_permit_number(on),
        valid_from=on,
        valid_until=permit_calendar.anniversary(on, PERMIT_VALIDITY_YEARS),
        continuous_since=on,
    )
    permit.full_clean()
    permit.save()
    return permit


@transaction.atomic
def permit_endorse(*, permit: Permit, on: date, by: User | None) -> Permit:
    """Endorse (签注) on ``on``; a late endorsement restarts the continuous years.

    Takes the permit's row lock itself (the nightly check may be writing it), and works on the
    locked, fresh row."""
    permit = Permit.objects.select_for_update().get(pk=permit.pk)
    try:
        result = permit_calendar.endorse(
            continuous_since=permit.continuous_since, last_endorsed_on=permit.last_endorsed_on, on=on
        )
    except ValueError as opens:
        raise InvalidTransition(_("Endorsement opens on %(date)s.") % {"date": opens.args[0].isoformat()}) from None
    before = {"continuous_since": permit.continuous_since.isoformat(), "status": permit.status}
    permit.continuous_since = result.continuous_since
    permit.last_endorsed_on = result.last_endorsed_on
    permit.status = permit_status(permit, today=on)
    permit.save()
    audit_record(
        action="permit.endorsed",
        actor=by,
        target=permit,
        changes={
            "late": result.late,
            "continuous_since": [before["continuous_since"], permit.continuous_since.isoformat()],
            "status": [before["status"], permit.status],
        },
    )
    return permit


def permit_status(permit: Permit, *, today: date) -> str:
    return permit_calendar.status_on(
        continuous_since=permit.continuous_since,
        last_endorsed_on=permit.last_endorsed_on,
        valid_until=permit.valid_until,
        today=today,
    )


@transaction.atomic
def permits_refresh_town(*, today: date) -> dict[str, int]:
    """Daily, per town: remind residents whose endorsement is due, suspend the missed ones.

    Needs the current town. Idempotent: a reminder goes once per anniversary, a suspension
    once; running it twice on one day changes nothing the second time.
    """
    counts = {"reminded": 0, "suspended": 0, "expired": 0}
    live = (
        Permit.objects.select_for_update(of=("self",))
        .select_related("resident__person__user")
        .filter(status__in=LIVE_PERMIT_STATUSES)
    )
    for permit in live:
        status = permit_status(permit, today=today)
        pending = permit_calendar.calendar(
            continuous_since=permit.continuous_since, last_endorsed_on=permit.last_endorsed_on, today=today
        )
        user = permit.resident.person.user
        if status == Permit.Status.ENDORSEMENT_DUE and permit.reminded_for != pending.anniversary:
            permit.reminded_for = pending.anniversary
            counts["reminded"] += 1
            if user is not None:
                notify(
                    user=user,
                    event="permit.endorsement_due",
                    context={
                        "permit_number": permit.permit_number,
                        "window_opens": pending.window_opens.isoformat(),
                        "endorse_by": pending.endorse_by.isoformat(),
                    },
                    target=permit,
                )
        if status != permit.status:
            if status == Permit.Status.SUSPENDED:
                counts["suspended"] += 1
                audit_record(action="permit.suspended", target=permit, changes={"status": [permit.status, status]})
                if user is not None:
                    notify(
                        user=user,
                        event="permit.suspended",
                        context={"permit_number": permit.permit_number},
                        target=permit,
                    )
            elif status == Permit.Status.EXPIRED:
                counts["expired"] += 1
            permit.status = status
        permit.save()
    return counts


@transaction.atomic
def permits_remind_eligible(*, today: date) -> int:
    """Daily, per town: tell each resident on the day they may apply for a permit (six months
    of registered residence, ``permit_calendar.eligible_from``), in the inbox and by SMS.

    Needs the current town. Catches up: everyone whose day is ``today`` or earlier and who was
    not told yet, holds no live permit and has no open permit application, is told now. Each is
    told once (``Resident.permit_eligible_reminded_on``); a run twice on a day, or two runs at
    once (the rows are locked, and a locked row is read again after the other run commits),
    tell nobody twice. A person without an account has nobody to tell: they are told once they
    have one. Returns how many were told.
    """
    # eligible_from(r) <= today for every registration up to a few days after six months
    # before today (31 August -> 28 February): the database narrows, the calendar decides.
    latest = months_after(today, -6) + timedelta(days=3)
    live_permit = Permit.objects.filter(resident=OuterRef("pk"), status__in=LIVE_PERMIT_STATUSES)
    open_application = Application.objects.filter(resident=OuterRef("pk"), kind=Application.Kind.PERMIT_ISSUE).exclude(
        status__in=FINAL_STATUSES
    )
    candidates = (
        Resident.objects.select_for_update(of=("self",))
        .select_related("person__user")
        .filter(
            moved_out_on=None,
            permit_eligible_reminded_on=None,
            registered_since__lte=latest,
            person__user__isnull=False,
        )
        .exclude(Exists(live_permit))
        .exclude(Exists(open_application))
        .order_by("pk")
    )
    told = 0
    for resident in candidates:
        registered_since, user = resident.registered_since, resident.person.user
        if registered_since is None or user is None:
            continue
        eligible_from = permit_calendar.eligible_from(registered_since)
        if eligible_from > today:
            continue
        resident.permit_eligible_reminded_on = today
        resident.save(update_fields=["permit_eligible_reminded_on"])
        notify(
            user=user, event="permit.eligible", context={"eligible_from": eligible_from.isoformat()}, target=resident
        )
        told += 1
    return told
