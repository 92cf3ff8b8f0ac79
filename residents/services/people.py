"""Writes for people: recording a new resident, one per ID number in the district."""

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from nanhai_portal.areas.models import Community
from nanhai_portal.audit.services import audit_record
from nanhai_portal.errors import DomainError
from nanhai_portal.pii import validate_id_number
from nanhai_portal.pii.fields import lookup_index
from nanhai_portal.pii.validators import PROVINCE_NAMES, birth_date_from_id, sex_from_id
from nanhai_portal.tenancy import district_context, get_current_town
from residents.models import Resident


class AlreadyRegistered(DomainError):
    code = "already_registered"


@transaction.atomic
def resident_register(
    *,
    name: str,
    id_number: str,
    community: Community,
    mobile: str | None = None,
    address: str = "",
    registered_since: date | None = None,
    user: Any = None,
    by: Any = None,
) -> Resident:
    """Record a new resident in the current town. One person per ID number in the district."""
    number = validate_id_number(id_number)
    if is_registered(number):
        raise _already_registered()
    town = get_current_town()
    if town is None:
        raise RuntimeError("resident_register needs the current town (town_context).")
    resident = Resident(
        town_id=town,
        name=name.strip(),
        id_number=number,
        mobile=mobile or None,
        community=community,
        address=address,
        registered_since=registered_since,
        user=user,
        sex=sex_from_id(number),
        birth_date=birth_date_from_id(number),
        origin=PROVINCE_NAMES.get(number[:2], ""),
    )
    resident.full_clean(exclude=["id_number_index"])
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError:  # registered at the same moment elsewhere: the unique index decides
        raise _already_registered() from None
    audit_record(action="residents.registered", actor=by or user, target=resident)
    return resident


def _already_registered() -> AlreadyRegistered:
    return AlreadyRegistered(
        _("A person with this ID number is already registered. Ask the town service centre to move the record."),
        fields={"id_number": [_("Already registered.")]},
    )


def is_registered(id_number: str) -> bool:
    """Whether any town holds this person: a named cross-town read of the blind index only."""
    with district_context():
        return Resident.objects.for_all_towns().filter(id_number_index=lookup_index("id_number", id_number)).exists()


# --- Applications -------------------------------------------------------------------
