"""Who may see and do what in governance: committees, members, elections and their rolls.

The one place these rules are written; the API, the pages and the services ask here.

- a town's officers and admins (``governance.manage_election``): every committee, member and
  election of the town; they run the elections (roll, candidates, stations, counts, tally);
- district roles: every town's, read only;
- a resident (anyone signed in with a current registration, or on a roll, in the town): the
  committees of their community, with members' names and posts (never ID numbers), and the
  elections of their community; of the voter roll, only their own entry; candidates once
  nominated; results once published;
- anyone else: nothing. An object one may not see is a 404, like one that does not exist.
"""

from __future__ import annotations

from typing import TypeGuard, TypeVar
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from governance.models import (
    Candidate,
    Committee,
    CommitteeMember,
    Election,
    PollingStation,
    StationCount,
    Voter,
)
from nanhai_portal.accounts.models import Caller, User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.errors import DomainError
from nanhai_portal.tenancy import is_district_scope
from residents.models import Resident

M = TypeVar("M", bound=Model)

MANAGE_PERMISSION = "governance.manage_election"

Phase = Election.Phase
# Phases in which the candidates are public to the community.
CANDIDATES_PUBLIC_IN = frozenset({Phase.NOMINATION, Phase.POLLING, Phase.TALLIED, Phase.PUBLISHED})


def _signed_in(user: Caller) -> TypeGuard[User]:
    return isinstance(user, User) and user.is_authenticated


def acting_user(user: Caller) -> User:
    """The signed-in user a service acts for (PermissionDenied for nobody)."""
    if not _signed_in(user):
        raise PermissionDenied(_("Sign in first."))
    return user


def is_district_reader(user: Caller) -> bool:
    return _signed_in(user) and is_district_scope() and user.role in (Role.DISTRICT_OFFICIAL, Role.DISTRICT_ADMIN)


def is_election_officer(user: Caller) -> bool:
    """A town's officer or admin who runs its elections (district roles only read)."""
    return _signed_in(user) and not is_district_scope() and user.has_perm(MANAGE_PERMISSION)


def is_staff_reader(user: Caller) -> bool:
    return is_election_officer(user) or is_district_reader(user)


def require_election_officer(user: Caller) -> User:
    if not is_election_officer(user):
        raise PermissionDenied(_("Only the town's officers run elections."))
    return acting_user(user)


def own_communities(user: Caller) -> QuerySet[Resident]:
    """The community ids of ``user``'s current registration in the town and of rolls they are on."""
    if not _signed_in(user):
        return Resident.objects.none().values("community_id")
    return (
        Resident.objects.in_current_scope().filter(person__user=user, moved_out_on__isnull=True).values("community_id")
    )


def _community_filter(user: Caller, field: str) -> Q:
    on_roll = Voter.objects.in_current_scope().filter(person__user=user).values("election__community_id")
    return Q(**{f"{field}__in": own_communities(user)}) | Q(**{f"{field}__in": on_roll})


# --- Committees ----------------------------------------------------------------------------


def committees_visible_to(user: Caller) -> QuerySet[Committee]:
    committees = Committee.objects.in_current_scope()
    if not _signed_in(user):
        return committees.none()
    if is_staff_reader(user):
        return committees
    return committees.filter(_community_filter(user, "community_id"))


def members_visible_to(user: Caller) -> QuerySet[CommitteeMember]:
    """Members of the committees ``user`` sees; a resident sees the serving ones only."""
    members = CommitteeMember.objects.in_current_scope().filter(
        term__committee__in=committees_visible_to(user).values("pk")
    )
    if is_staff_reader(user):
        return members
    return members.filter(to_date__isnull=True)


# --- Elections -----------------------------------------------------------------------------


def elections_visible_to(user: Caller) -> QuerySet[Election]:
    elections = Election.objects.in_current_scope()
    if not _signed_in(user):
        return elections.none()
    if is_staff_reader(user):
        return elections
    return elections.filter(_community_filter(user, "community_id"))


def get_election_for(user: Caller, election_id: UUID | str, *, manage: bool = False) -> Election:
    """An election ``user`` may see (Http404 otherwise); with ``manage``, one they run
    (PermissionDenied when they may see it but not run it)."""
    election = _get(elections_visible_to(user).select_related("community"), election_id)
    if manage:
        require_election_officer(user)
    return election


def voters_visible_to(user: Caller) -> QuerySet[Voter]:
    """The roll: all of it for the town's officers and the district; one's own entries otherwise."""
    voters = Voter.objects.in_current_scope()
    if not _signed_in(user):
        return voters.none()
    if is_staff_reader(user):
        return voters
    return voters.filter(person__user=user)


def get_voter_for(user: Caller, voter_id: UUID | str, *, manage: bool = False) -> Voter:
    voter = _get(voters_visible_to(user).select_related("election", "person"), voter_id)
    if manage:
        require_election_officer(user)
    return voter


def candidates_visible_to(user: Caller) -> QuerySet[Candidate]:
    candidates = Candidate.objects.in_current_scope().filter(election__in=elections_visible_to(user).values("pk"))
    if is_staff_reader(user):
        return candidates
    return candidates.filter(election__phase__in=CANDIDATES_PUBLIC_IN)


def stations_visible_to(user: Caller) -> QuerySet[PollingStation]:
    """Polling stations and their counts: the town's officers and the district only."""
    if not is_staff_reader(user):
        return PollingStation.objects.none()
    return PollingStation.objects.in_current_scope()


def get_station_for(user: Caller, station_id: UUID | str) -> PollingStation:
    """A station whose counts ``user`` enters (Http404 when they may not see it)."""
    station = _get(stations_visible_to(user).select_related("election"), station_id)
    require_election_officer(user)
    return station


def counts_visible_to(user: Caller) -> QuerySet[StationCount]:
    if not is_staff_reader(user):
        return StationCount.objects.none()
    return StationCount.objects.in_current_scope()


class ResultsNotPublished(DomainError):
    code = "results_not_published"
    status = 409


def may_see_results(user: Caller, election: Election) -> bool:
    """Results: anyone who sees the election once published; its town's officers and the district
    always (before the tally the figures are empty: no validity, no votes)."""
    if election.phase == Phase.PUBLISHED:
        return True
    return is_staff_reader(user)


def get_results_election_for(user: Caller, election_id: UUID | str) -> Election:
    election = get_election_for(user, election_id)
    if not may_see_results(user, election):
        raise ResultsNotPublished(str(_("The results of this election are not out yet.")))
    return election


def _get(queryset: QuerySet[M], pk: UUID | str) -> M:
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, ValidationError):
        raise Http404 from None
