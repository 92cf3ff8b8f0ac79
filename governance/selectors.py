"""Reads of governance for the API and the pages: what a caller sees comes from
``governance.access``; these narrow, order and join it."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, IntegerField, QuerySet, Value, When

from governance import access
from governance.models import Candidate, Committee, CommitteeMember, Election, PollingStation, Post, Voter
from nanhai_portal.accounts.models import Caller


def committees_of_community(user: Caller, community_id: Any) -> QuerySet[Committee]:
    return access.committees_visible_to(user).filter(community_id=community_id).order_by("kind")


def serving_members_of(user: Caller, committee: Committee) -> list[CommitteeMember]:
    """The committee's serving members, the posts in their order (secretary/director first)."""
    order = {"secretary": 0, "director": 0, "deputy": 1, "member": 2}
    members = (
        access.members_visible_to(user)
        .filter(term__committee=committee, to_date__isnull=True)
        .select_related("person", "term")
    )
    return sorted(members, key=lambda m: (order.get(m.post, 9), m.person.name))


def roll_of(user: Caller, election: Election) -> QuerySet[Voter]:
    return access.voters_visible_to(user).filter(election=election).select_related("person").order_by("created_at")


def own_voter_entries(user: Caller) -> QuerySet[Voter]:
    """The caller's own entries on rolls (or applications), the newest election first."""
    if not getattr(user, "is_authenticated", False):
        return Voter.objects.none()
    return (
        Voter.objects.in_current_scope()
        .filter(person__user=user)
        .select_related("election__community")
        .order_by("-election__year")
    )


def post_rank() -> Case:
    """The posts in their order of rank (secretary, director, deputy, member), for sorting."""
    return Case(
        *[When(post=code, then=Value(rank)) for rank, code in enumerate(Post.values)], output_field=IntegerField()
    )


def candidates_of(user: Caller, election: Election) -> QuerySet[Candidate]:
    return (
        access.candidates_visible_to(user)
        .filter(election=election)
        .select_related("voter__person")
        .order_by(post_rank(), "created_at")
    )


def stations_of(user: Caller, election: Election) -> QuerySet[PollingStation]:
    return access.stations_visible_to(user).filter(election=election).prefetch_related("counts").order_by("name")


def results_of(election: Election) -> dict[str, Any]:
    """The published shape of an election's results (candidates by post, votes, elected)."""
    candidates = (
        Candidate.objects.filter(election=election).select_related("voter__person").order_by(post_rank(), "-votes")
    )
    return {
        "election": election.pk,
        "town": election.town_id,
        "registered_voters": election.registered_voters,
        "ballots_cast": election.ballots_cast,
        "is_valid": election.is_valid,
        "another_round": election.another_round,
        "candidates": list(candidates),
    }


def applications_waiting(user: Caller) -> QuerySet[Any]:
    """Non-hukou voters' applications awaiting a decision, counted by election."""
    return (
        access.voters_visible_to(user)
        .filter(state=Voter.State.APPLIED)
        .values("election_id")
        .annotate(n=Count("id"))
        .order_by("election_id")
    )
