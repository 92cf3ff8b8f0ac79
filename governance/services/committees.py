"""Writes for committees: a community's committee with its term and seats, a member appointed,
a non-hukou party member's registration with the local branch (报到)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from governance.models import POSTS_OF, Committee, CommitteeMember, PartyRegistration, Post, Term, TermSeat
from nanhai_portal.areas.models import Community
from nanhai_portal.audit.services import audit_record
from nanhai_portal.periods import years_after
from residents.models import Person

TERM_YEARS = 5  # 村(居)民委员会每届任期五年


def _committee_suffix(community: Community, kind: str) -> str:
    if kind == Committee.Kind.PARTY:
        return "党组织委员会"
    return "村民委员会" if community.kind == Community.Kind.VILLAGE else "居民委员会"


@transaction.atomic
def committee_set_up(
    *, community: Community, kind: str, starts_on: date, seats: Mapping[str, int], by: object = None
) -> Term:
    """The community's committee of ``kind`` (made on first use) and its term from ``starts_on``
    (five years) with its seats by post; the term as it is when it exists already."""
    if kind not in Committee.Kind.values:
        raise ValidationError({"kind": [_("Not a kind of committee.")]})
    wrong = [post for post in seats if post not in POSTS_OF[Committee.Kind(kind)]]
    if wrong or any(int(count) < 1 for count in seats.values()):
        raise ValidationError({"seats": [_("Give each post of this committee one seat at least.")]})
    committee, _made = Committee.objects.get_or_create(
        town_id=community.town_id,
        community=community,
        kind=kind,
        defaults={"name": community.name + _committee_suffix(community, kind)},
    )
    term, made = Term.objects.get_or_create(
        town_id=community.town_id,
        committee=committee,
        starts_on=starts_on,
        defaults={"ends_on": years_after(starts_on, TERM_YEARS)},
    )
    if made:
        TermSeat.objects.bulk_create(
            TermSeat(town_id=term.town_id, term=term, post=post, seats=count) for post, count in seats.items()
        )
        audit_record(action="governance.term_set_up", actor=by, target=term, changes={"seats": dict(seats)})
    return term


@transaction.atomic
def member_appoint(
    *,
    term: Term,
    person: Person,
    post: str,
    is_hukou: bool,
    is_party_member: bool,
    from_date: date,
    by: object = None,
) -> CommitteeMember:
    """``person`` in ``post`` of ``term`` from ``from_date``."""
    if post not in POSTS_OF[Committee.Kind(term.committee.kind)]:
        raise ValidationError({"post": [_("This committee has no such post.")]})
    if not term.starts_on <= from_date < term.ends_on:
        raise ValidationError({"from_date": [_("The date is outside the term.")]})
    member = CommitteeMember(
        town_id=term.town_id,
        term=term,
        person=person,
        post=Post(post),
        is_hukou=is_hukou,
        is_party_member=is_party_member,
        from_date=from_date,
    )
    try:
        with transaction.atomic():
            member.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"person": [_("This person already holds a post in this term from this day.")]}) from None
    audit_record(
        action="governance.member_appointed",
        actor=by,
        target=member,
        changes={"post": post, "hukou": is_hukou, "party_member": is_party_member},
    )
    return member


@transaction.atomic
def party_member_register(
    *, person: Person, community: Community, branch_of_origin: str, registered_on: date, by: object = None
) -> PartyRegistration:
    """A non-hukou party member registered with ``community``'s branch (报到)."""
    branch = branch_of_origin.strip()
    if not branch:
        raise ValidationError({"branch_of_origin": [_("Name the branch of origin.")]})
    registration = PartyRegistration(
        town_id=community.town_id,
        person=person,
        community=community,
        branch_of_origin=branch[:100],
        registered_on=registered_on,
    )
    try:
        with transaction.atomic():
            registration.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"person": [_("This party member is registered in this town already.")]}) from None
    audit_record(action="governance.party_member_registered", actor=by, target=registration)
    return registration
