"""Writes for people: the district-wide ``Person`` and their registration in a town.

``person_find_or_create`` is the one way a person comes to exist: sign-up, the residents
importer, the district loader and the demo all go through it (the two bulk paths with its
set-wise twin, ``PERSON_INSERT_SQL``). A later app's record about a person (a landlord, a
child's school application, a committee seat) calls it too and keeps only the person's id.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from nanhai_portal.accounts.models import User
from nanhai_portal.areas.models import Community
from nanhai_portal.audit.services import audit_record
from nanhai_portal.errors import DomainError
from nanhai_portal.pii import id_facts, validate_id_number, validate_mobile
from nanhai_portal.pii.fields import lookup_index
from nanhai_portal.tenancy import get_current_town, town_context
from residents.models import Person, Resident

# The set-wise ``person_find_or_create`` of the bulk paths: rows of ``{source}`` (ciphertext
# and blind indexes made in Python, the facts from ``id_facts``) become people unless the
# district has them already; existing people keep their name and numbers. ``{registered_town}``
# is the town the new people are registered in (an SQL expression, ``NULL`` for none): a
# person made here is nobody else's yet, so no claim is needed for them.
PERSON_INSERT_SQL = """
    INSERT INTO residents_person (
        id, name, id_number, id_number_index, mobile, mobile_index, sex, birth_date, origin,
        registered_town_id, created_at
    )
    SELECT gen_random_uuid(), s.name, s.id_number, s.id_number_index, NULLIF(s.mobile, ''),
           NULLIF(s.mobile_index, ''), s.sex, s.birth_date::date, COALESCE(s.origin, ''),
           {registered_town}, now()
    FROM {source} s {where}
    ORDER BY s.{order}
    ON CONFLICT (id_number_index) DO NOTHING
"""
# The bulk registration in one statement, after ``PERSON_INSERT_SQL`` as ``made``: people who
# existed and are registered nowhere are claimed for ``%(town)s`` (an UPDATE ... WHERE
# registered_town_id IS NULL: a concurrent claim from another town waits for this one, then
# fails), and the made and claimed ones become ``registered`` (person_id, id_number_index).
# The statement's one snapshot keeps the claim from seeing the people it has just made.
CLAIM_SQL = """
    claimed AS (
        UPDATE residents_person p SET registered_town_id = %(town)s
        FROM {source} s
        WHERE p.id_number_index = s.id_number_index AND p.registered_town_id IS NULL
        RETURNING p.id, p.id_number_index
    ),
    registered AS (
        SELECT id AS person_id, id_number_index FROM made
        UNION ALL SELECT id, id_number_index FROM claimed
    )
"""


class AlreadyRegistered(DomainError):
    code = "already_registered"


def person_find_or_create(*, id_number: str, name: str, mobile: str | None = None) -> Person:
    """The person with this ID number, made when the district has none; locked (``FOR
    UPDATE``) until the caller's transaction ends, so that two writers about one person
    (two towns registering them, say) take turns. Needs a transaction.

    A person found keeps their name; a mobile number is added when they had none.
    Sex, birth date and origin come from the number (``pii.id_facts``).
    """
    number = validate_id_number(id_number)
    index = lookup_index("id_number", number)
    person = Person.objects.select_for_update().filter(id_number_index=index).first()
    if person is None:
        facts = id_facts(number)
        person = Person(
            name=name.strip(),
            id_number=number,
            mobile=validate_mobile(mobile) if mobile else None,
            sex=facts.sex,
            birth_date=facts.birth_date,
            origin=facts.origin,
        )
        person.full_clean(exclude=["id_number_index", "mobile_index", "user", "registered_town"])
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:  # made at the same moment elsewhere: the unique index decided
            person = Person.objects.select_for_update().get(id_number_index=index)
        else:
            return person
    if mobile and not person.mobile:
        person.mobile = validate_mobile(mobile)
        person.save(update_fields=["mobile", "mobile_index"])
    return person


@transaction.atomic
def resident_register(
    *,
    name: str,
    id_number: str,
    community: Community,
    mobile: str | None = None,
    address: str = "",
    registered_since: date | None = None,
    user: User | None = None,
    by: User | None = None,
) -> Resident:
    """Register a person's residence in the current town (the person found or made).

    A person has one current registration in the whole district: refused with
    ``AlreadyRegistered`` when they are registered anywhere (moving is ``resident_move``),
    or when the person already signs in with another account. The rule is held under the
    person's row lock (``person_find_or_create``): ``Person.registered_town`` is read and
    set while no other town can register them.
    """
    town = get_current_town()
    if town is None:
        raise RuntimeError("resident_register needs the current town (town_context).")
    person = person_find_or_create(id_number=id_number, name=name, mobile=mobile)
    if person.registered_town_id is not None or (user is not None and person.user_id not in (None, user.pk)):
        raise _already_registered()
    resident = Resident(
        town_id=town, person=person, community=community, address=address, registered_since=registered_since
    )
    resident.full_clean(exclude=["person"])
    resident.save()
    person.registered_town_id = town
    if user is not None:
        person.user = user
    person.save(update_fields=["registered_town", "user"])
    audit_record(action="residents.registered", actor=by or user, target=resident)
    return resident


@transaction.atomic
def resident_move(
    *, resident: Resident, community: Community, address: str = "", on: date, by: User | None
) -> Resident:
    """Move a registered person to ``community`` (in another town, or another village of
    theirs) from ``on``: the registration here closes (``moved_out_on``), a new one opens
    there, each in its own town. Needs the current registration's town (``town_context``)."""
    person = Person.objects.select_for_update().get(pk=resident.person_id)
    current = Resident.objects.select_for_update().get(pk=resident.pk)
    if current.moved_out_on is not None or person.registered_town_id != current.town_id:
        raise _already_registered()
    current.moved_out_on = on
    current.save(update_fields=["moved_out_on"])
    audit_record(action="residents.moved_out", actor=by, target=current, changes={"to": community.town_id})
    with town_context(community.town_id):
        moved = Resident(
            town_id=community.town_id, person=person, community=community, address=address, registered_since=on
        )
        moved.full_clean(exclude=["person"])
        moved.save()
        audit_record(action="residents.moved_in", actor=by, target=moved, changes={"from": current.town_id})
    person.registered_town_id = community.town_id
    person.save(update_fields=["registered_town"])
    return moved


def _already_registered() -> AlreadyRegistered:
    return AlreadyRegistered(
        _("A person with this ID number is already registered. Ask the town service centre to move the record."),
        fields={"id_number": [_("Already registered.")]},
    )


def is_registered(id_number: str) -> bool:
    """Whether any town holds this person's current registration: a read of the district-wide
    people by blind index only, which says nothing else about them."""
    return Person.objects.filter(
        id_number_index=lookup_index("id_number", validate_id_number(id_number)), registered_town__isnull=False
    ).exists()
