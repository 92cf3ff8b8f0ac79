"""A family's answer to the place it was offered: accept or decline, before the deadline.

Each answer locks the offer, checks it is the guardian's and still open, and moves the
school's counters in SQL (``accepted + 1`` on accepting, ``held - 1`` on declining), where the
database's CHECKs (``accepted <= held <= places``) hold the places whatever runs at once.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from education import access
from education.models import AdmissionApplication, Offer, RoundSchool
from education.services.allocation import offer_window_open
from education.services.applications import WindowClosed
from nanhai_portal.accounts.models import Caller, User
from nanhai_portal.audit.services import audit_record
from nanhai_portal.errors import InvalidTransition

Status = AdmissionApplication.Status


def _lock(offer: Offer) -> Offer:
    return (
        Offer.objects.select_related("application__round", "allocation", "round_school__school")
        .select_for_update(of=("self",))
        .get(pk=offer.pk)
    )


def _require_answerable(by: Caller, offer: Offer, now: datetime) -> User:
    user = access.acting_user(by)
    if not access.is_guardian(user, offer.application):
        raise PermissionDenied(_("Only the guardian who applied may answer the offer."))
    if offer.state != Offer.State.OFFERED:
        raise InvalidTransition(
            _("This offer is %(state)s: it cannot be answered again.") % {"state": offer.get_state_display()}
        )
    round_ = offer.application.round
    if not offer_window_open(offer, round_, now):
        raise WindowClosed(
            _("Offers were to be answered by %(when)s.")
            % {"when": f"{timezone.localtime(round_.acceptance_deadline):%Y-%m-%d %H:%M}"}
        )
    return user


def live_offer_of(application: AdmissionApplication) -> Offer | None:
    """The application's offer a family may answer (OFFERED), if any."""
    return Offer.objects.filter(application=application, state=Offer.State.OFFERED).first()


@transaction.atomic
def offer_accept(*, by: Caller, offer: Offer, now: datetime) -> Offer:
    """The guardian accepts the place: the offer ACCEPTED, the application ACCEPTED, the
    school's ``accepted`` one more (in SQL; the database refuses more than it holds)."""
    offer = _lock(offer)
    user = _require_answerable(by, offer, now)
    offer.state = Offer.State.ACCEPTED
    offer.responded_at = now
    offer.save(update_fields=["state", "responded_at"])
    RoundSchool.objects.filter(pk=offer.round_school_id).update(accepted=F("accepted") + 1)
    AdmissionApplication.objects.filter(pk=offer.application_id).update(status=Status.ACCEPTED)
    audit_record(
        action="education.offer_accepted",
        actor=user,
        target=offer.application,
        changes={"school": offer.round_school.school.name},
    )
    return offer


@transaction.atomic
def offer_decline(*, by: Caller, offer: Offer, now: datetime) -> Offer:
    """The guardian declines the place: the offer DECLINED, the application DECLINED, the place
    freed (the school's ``held`` one less) for the second round."""
    offer = _lock(offer)
    user = _require_answerable(by, offer, now)
    offer.state = Offer.State.DECLINED
    offer.responded_at = now
    offer.save(update_fields=["state", "responded_at"])
    RoundSchool.objects.filter(pk=offer.round_school_id).update(held=F("held") - 1)
    AdmissionApplication.objects.filter(pk=offer.application_id).update(status=Status.DECLINED)
    audit_record(
        action="education.offer_declined",
        actor=user,
        target=offer.application,
        changes={"school": offer.round_school.school.name},
    )
    return offer
