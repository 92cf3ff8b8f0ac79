"""The resident's page: their community's two committees (names and posts), the elections of
their community, the voter rolls they are on, and applying to register as a non-hukou voter."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance import access, selectors
from governance.models import Election
from governance.services import elections as election_services
from nanhai_portal.errors import DomainError


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    committees = [
        (committee, selectors.serving_members_of(user, committee))
        for committee in access.committees_visible_to(user)
        .filter(community_id__in=access.own_communities(user))
        .select_related("community")
        .order_by("community__code", "kind")
    ]
    entries = {voter.election_id: voter for voter in selectors.own_voter_entries(user)}
    elections = [
        (election, entries.get(election.pk))
        for election in access.elections_visible_to(user).select_related("community").order_by("-year")
    ]
    context = {
        "committees": committees,
        "elections": elections,
        "registration": Election.Phase.REGISTRATION,
        "is_officer": access.is_staff_reader(user),
    }
    return render(request, "governance/home.html", context)


@login_required
@require_POST
def apply(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Apply to the roll of an election of one's community (a 404 for any other)."""
    election = access.get_election_for(request.user, pk)
    try:
        election_services.voter_apply(by=request.user, election=election)
    except (ValidationError, DomainError) as error:
        message = error.message if isinstance(error, DomainError) else " ".join(error.messages)
        messages.error(request, message)
    else:
        messages.success(request, _("Your application to the voter roll is with the town's officers."))
    return redirect("governance:home")
