"""The town officers' pages: the town's elections, one election step by step (the roll and its
applications, candidates, stations, the tally and the results) and a station's count form for
a polling officer's phone. District roles read; the forms are the town's officers' only."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from governance import access, selectors
from governance.forms import CountForm, NominateForm, StationForm, VoterDecisionForm
from governance.models import Election, Voter
from governance.services import elections as election_services
from governance.services.elections import ELECTION_NEXT
from governance.views.common import add_service_errors, error_status
from nanhai_portal.accounts.models import Caller
from nanhai_portal.errors import DomainError
from nanhai_portal.pii.masking import mask_name

Phase = Election.Phase


def _require_staff_reader(user: Caller) -> None:
    if not access.is_staff_reader(user):
        raise PermissionDenied(_("These pages are for the town's officers."))


@login_required
def elections(request: HttpRequest) -> HttpResponse:
    _require_staff_reader(request.user)
    rows = access.elections_visible_to(request.user).select_related("community").order_by("-year", "community__code")
    waiting = {row["election_id"]: row["n"] for row in selectors.applications_waiting(request.user)}
    return render(request, "governance/officer/elections.html", {"rows": [(e, waiting.get(e.pk, 0)) for e in rows]})


def _context(request: HttpRequest, election: Election, **forms: Any) -> dict[str, Any]:
    user = request.user
    roll = list(selectors.roll_of(user, election))
    registered = [voter for voter in roll if voter.state == Voter.State.REGISTERED]
    may_run = access.is_election_officer(user)
    next_phase = ELECTION_NEXT.get(election.phase)
    return {
        "election": election,
        "may_run": may_run,
        "applications": [(v, mask_name(v.person.name)) for v in roll if v.state == Voter.State.APPLIED],
        "registered_count": len(registered),
        "refused_count": sum(1 for v in roll if v.state == Voter.State.REFUSED),
        "candidates": list(selectors.candidates_of(user, election)),
        "stations": list(selectors.stations_of(user, election)),
        "results": selectors.results_of(election) if access.may_see_results(user, election) else None,
        "next_phase": Election.Phase(next_phase).label if next_phase and election.phase != Phase.POLLING else None,
        "phase_is": {phase.value: election.phase == phase.value for phase in Phase},
        "decision_form": forms.get("decision_form") or VoterDecisionForm(),
        "nominate_form": forms.get("nominate_form")
        or NominateForm(voters=selectors.roll_of(user, election).filter(state=Voter.State.REGISTERED)),
        "station_form": forms.get("station_form") or StationForm(),
        "error": forms.get("error"),
    }


@login_required
def election_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    election = access.get_election_for(request.user, pk)  # 404 first: "not yours" is "not there"
    _require_staff_reader(request.user)
    return render(request, "governance/officer/election.html", _context(request, election))


def _refused(
    request: HttpRequest, election: Election, error: ValidationError | DomainError, **forms: Any
) -> HttpResponse:
    message = error.message if isinstance(error, DomainError) else " ".join(error.messages)
    context = _context(request, election, error=message, **forms)
    return render(request, "governance/officer/election.html", context, status=error_status(error))


@login_required
@require_POST
def election_advance(request: HttpRequest, pk: UUID) -> HttpResponse:
    election = access.get_election_for(request.user, pk, manage=True)
    try:
        election_services.election_advance(by=request.user, election=election, now=timezone.now())
    except (ValidationError, DomainError) as error:
        return _refused(request, election, error)
    messages.success(request, _("The election moved on."))
    return redirect("governance:election", pk=election.pk)


@login_required
@require_POST
def election_tally(request: HttpRequest, pk: UUID) -> HttpResponse:
    election = access.get_election_for(request.user, pk, manage=True)
    try:
        election_services.election_tally(by=request.user, election=election, now=timezone.now())
    except (ValidationError, DomainError) as error:
        return _refused(request, election, error)
    messages.success(request, _("The election is tallied."))
    return redirect("governance:election", pk=election.pk)


@login_required
@require_POST
def voter_decide(request: HttpRequest, pk: UUID) -> HttpResponse:
    voter = access.get_voter_for(request.user, pk, manage=True)
    form = VoterDecisionForm(request.POST)
    if form.is_valid():
        try:
            election_services.voter_decide(by=request.user, voter=voter, **form.cleaned_data)
        except (ValidationError, DomainError) as error:
            add_service_errors(form, error)
            return _refused(request, voter.election, error, decision_form=form)
        messages.success(request, _("The application is decided."))
        return redirect("governance:election", pk=voter.election_id)
    context = _context(request, voter.election, decision_form=form, error=_("Please correct the fields marked below."))
    return render(request, "governance/officer/election.html", context, status=400)


@login_required
@require_POST
def candidate_nominate(request: HttpRequest, pk: UUID) -> HttpResponse:
    election = access.get_election_for(request.user, pk, manage=True)
    voters = selectors.roll_of(request.user, election).filter(state=Voter.State.REGISTERED)
    form = NominateForm(request.POST, voters=voters)
    if form.is_valid():
        try:
            election_services.candidate_nominate(
                by=request.user, election=election, voter=form.cleaned_data["voter"], post=form.cleaned_data["post"]
            )
        except (ValidationError, DomainError) as error:
            add_service_errors(form, error)
            return _refused(request, election, error, nominate_form=form)
        messages.success(request, _("The candidate is nominated."))
        return redirect("governance:election", pk=election.pk)
    context = _context(request, election, nominate_form=form, error=_("Please correct the fields marked below."))
    return render(request, "governance/officer/election.html", context, status=400)


@login_required
@require_POST
def station_add(request: HttpRequest, pk: UUID) -> HttpResponse:
    election = access.get_election_for(request.user, pk, manage=True)
    form = StationForm(request.POST)
    if form.is_valid():
        try:
            election_services.station_add(by=request.user, election=election, **form.cleaned_data)
        except (ValidationError, DomainError) as error:
            add_service_errors(form, error)
            return _refused(request, election, error, station_form=form)
        messages.success(request, _("The polling station is set up."))
        return redirect("governance:election", pk=election.pk)
    context = _context(request, election, station_form=form, error=_("Please correct the fields marked below."))
    return render(request, "governance/officer/election.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def station_count(request: HttpRequest, pk: UUID) -> HttpResponse:
    """A polling officer enters a station's counts (the first, or the second that confirms)."""
    station = access.get_station_for(request.user, pk)
    candidates = list(selectors.candidates_of(request.user, station.election))
    form = CountForm(request.POST or None, candidates=candidates)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                election_services.count_enter(
                    by=request.user,
                    station=station,
                    ballots_cast=form.cleaned_data["ballots_cast"],
                    invalid_ballots=form.cleaned_data["invalid_ballots"],
                    votes=form.votes(),
                )
            except (ValidationError, DomainError) as error:
                add_service_errors(form, error)
                status = error_status(error)
            else:
                messages.success(request, _("The counts are entered."))
                return redirect("governance:election", pk=station.election_id)
        else:
            status = 400
    entries = list(station.counts.select_related("entered_by").order_by("entry"))
    context = {"station": station, "form": form, "entries": entries, "election": station.election}
    return render(request, "governance/officer/count.html", context, status=status)
