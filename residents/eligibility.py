"""What an application still lacks before it can be submitted (the pre-check), and when a
resident may apply for a permit at all (``permit_waiting``).

The resident sees every missing item before submitting, with the upload that settles it,
so that the one visit stays one visit (最多跑一次).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from django.utils.translation import gettext as _

from residents import permit_calendar
from residents.models import LIVE_PERMIT_STATUSES, Application, Document, Resident

ADDRESS_PROOFS = {Document.Kind.LEASE, Document.Kind.PROPERTY_CERTIFICATE, Document.Kind.HOUSING_CERTIFICATE}
BASIS_PROOFS = {
    Application.Basis.JOB: (
        {Document.Kind.LABOUR_CONTRACT, Document.Kind.BUSINESS_LICENCE},
        Document.Kind.LABOUR_CONTRACT,
    ),
    Application.Basis.HOME: (ADDRESS_PROOFS, Document.Kind.PROPERTY_CERTIFICATE),
    Application.Basis.STUDY: ({Document.Kind.STUDENT_CARD}, Document.Kind.STUDENT_CARD),
}


@dataclass(frozen=True)
class Missing:
    code: str
    message: str
    document_kind: str | None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


def _documents(application: Application) -> set[str]:
    return set(application.documents.values_list("kind", flat=True))


def _needs_address_proof(uploaded: set[str]) -> list[Missing]:
    if uploaded & ADDRESS_PROOFS:
        return []
    return [
        Missing(
            "address_proof",
            _("Upload proof of your address: a lease, a property certificate or a housing certificate."),
            Document.Kind.LEASE,
        )
    ]


def _needs_photo(uploaded: set[str]) -> list[Missing]:
    if Document.Kind.PHOTO in uploaded:
        return []
    return [Missing("photo", _("Upload a recent photo for the card."), Document.Kind.PHOTO)]


def permit_eligible_from(resident: Resident) -> date | None:
    """The first day ``resident`` may apply for a permit; None while their residence is not registered."""
    if resident.registered_since is None:
        return None
    return permit_calendar.eligible_from(resident.registered_since)


def permit_waiting(resident: Resident, *, today: date) -> Missing | None:
    """Why ``resident`` may not apply for a permit (居住证申领) yet, or None when they may.

    The one rule, shared by the pre-check and by ``application_create`` (which refuses to make
    a draft that could not be submitted): 6 months of registered residence.
    """
    opens = permit_eligible_from(resident)
    if opens is None:
        return Missing(
            "not_registered",
            _("Register your residence first; a permit needs 6 months of registered residence."),
            None,
        )
    if today < opens:
        return Missing(
            "residence_too_short",
            _("You can apply for a residence permit from %(date)s, after 6 months of registered residence.")
            % {"date": opens.isoformat()},
            None,
        )
    return None


def precheck(application: Application, *, today: date) -> list[Missing]:
    """Every reason the application cannot be submitted today; empty when it can."""
    resident = application.resident
    uploaded = _documents(application)
    live_permit = resident.permits.filter(status__in=LIVE_PERMIT_STATUSES).order_by("-valid_from").first()
    missing: list[Missing] = []
    kind = application.kind

    if kind == Application.Kind.RESIDENCE_REGISTRATION:
        missing += _needs_address_proof(uploaded)

    elif kind == Application.Kind.PERMIT_ISSUE:
        waiting = permit_waiting(resident, today=today)
        if waiting is not None:
            return [waiting]  # first and alone: nothing else can help before that day
        if live_permit is not None:
            missing.append(
                Missing(
                    "has_permit",
                    _("You already hold residence permit %(number)s.") % {"number": live_permit.permit_number},
                    None,
                )
            )
        missing += _needs_photo(uploaded)
        missing += _needs_address_proof(uploaded)
        proofs, suggested = BASIS_PROOFS[Application.Basis(application.basis)]
        if not uploaded & proofs:
            message = {
                Application.Basis.JOB: _("Upload your labour contract or business licence."),
                Application.Basis.HOME: _("Upload the property certificate or lease of your home."),
                Application.Basis.STUDY: _("Upload your student card."),
            }[Application.Basis(application.basis)]
            missing.append(Missing(f"{application.basis}_proof", message, suggested))

    elif kind == Application.Kind.PERMIT_ENDORSEMENT:
        if live_permit is None:
            missing.append(Missing("no_permit", _("You hold no residence permit to endorse."), None))
        else:
            pending = permit_calendar.calendar(
                continuous_since=live_permit.continuous_since,
                last_endorsed_on=live_permit.last_endorsed_on,
                today=today,
            )
            if today < pending.window_opens:
                missing.append(
                    Missing(
                        "endorsement_not_open",
                        _("Endorsement opens on %(date)s, a month before your permit's anniversary.")
                        % {"date": pending.window_opens.isoformat()},
                        None,
                    )
                )

    elif kind == Application.Kind.PERMIT_REISSUE:
        if live_permit is None:
            missing.append(Missing("no_permit", _("You hold no residence permit to reissue."), None))
        missing += _needs_photo(uploaded)

    return missing
