"""The town officers' pages: the verification queue, one application with a decision per fact
and the audited reveal of the child's ID number, the open objections with their answer, and a
round's progress with the town admin's "move on".

District roles read the queue, the applications, the objections and the rounds of every town
(``access`` decides); the forms are the town's verifiers' and admins' only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from education import access, exports, selectors
from education.forms import FactDecisionForm, ObjectionAnswerForm
from education.models import AdmissionApplication, AdmissionRound, Allocation, Choice, Objection, Offer
from education.services import allocation as allocation_services
from education.services import applications as services
from education.services.rounds import ROUND_NEXT, round_advance
from education.views.common import add_service_errors, error_message, error_status, status_label, with_state_labels
from nanhai_portal.accounts.models import Caller
from nanhai_portal.errors import DomainError
from nanhai_portal.pii.crypto import decrypt, encrypt
from nanhai_portal.pii.masking import mask_id_number, mask_name
from nanhai_portal.pii.services import pii_reveal

Status = AdmissionApplication.Status
Phase = AdmissionRound.Phase


def _require_officer_reader(user: Caller) -> None:
    """The officers' pages are the town's verifiers' and the district's (read only)."""
    if not (access.is_verifier(user) or access.is_district_reader(user)):
        raise PermissionDenied(_("These pages are for the town's officers."))


# --- The queue ----------------------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Submitted applications awaiting verification, oldest first, with counts by state per round."""
    _require_officer_reader(request.user)
    visible = access.applications_visible_to(request.user).exclude(status=Status.DRAFT)
    rounds = {round_.pk: round_ for round_ in access.rounds_visible_to(request.user)}
    counts = selectors.counts_by_state(visible)
    states = [(value, label) for value, label in Status.choices if value != Status.DRAFT]
    summary = [
        {"round": rounds[round_id], "counts": [(label, by_state.get(value, 0)) for value, label in states]}
        for round_id, by_state in counts.items()
        if round_id in rounds
    ]
    rows = [(application, mask_name(application.child.name)) for application in selectors.verification_queue(visible)]
    context = {"rows": rows, "summary": summary, "state_labels": [label for _value, label in states]}
    return render(request, "education/officer/queue.html", context)


# --- One application: decide its facts, reveal the child's number -------------------------


# The child's number revealed by the last POST, for the one GET it redirects to (encrypted:
# the session is stored in the database).
REVEALED_SESSION_KEY = "education.revealed"


def _take_revealed(request: HttpRequest, application: AdmissionApplication) -> str:
    revealed = request.session.get(REVEALED_SESSION_KEY)
    if not revealed or revealed.get("application") != str(application.pk):
        return ""
    del request.session[REVEALED_SESSION_KEY]
    return decrypt(revealed["value"])


def _fact_forms(application: AdmissionApplication, data: Any = None) -> list[tuple[dict[str, Any], FactDecisionForm]]:
    return [
        (row, FactDecisionForm(data, prefix=row["fact"].item_code, auto_id="%s"))
        for row in with_state_labels(selectors.application_facts(application))
    ]


def _review_page(
    request: HttpRequest,
    application: AdmissionApplication,
    *,
    forms: list[tuple[dict[str, Any], FactDecisionForm]] | None = None,
    error: str = "",
    revealed: str = "",
    status: int = 200,
) -> HttpResponse:
    may_verify = access.may(request.user, access.VERIFY, application)
    context = {
        "application": application,
        "status_label": status_label(application),
        "round": application.round,
        "child_name": mask_name(application.child.name),
        "child_id_number": revealed or mask_id_number(application.child.id_number),
        "revealed": bool(revealed),
        "may_reveal": access.may_reveal_child(request.user, application),
        "own_family": access.is_guardian(request.user, application),
        "choices": Choice.objects.in_current_scope()
        .filter(application=application)
        .select_related("round_school__school")
        .order_by("stage", "rank"),
        "rows": forms or _fact_forms(application),
        "may_decide": may_verify and application.status in services.APPLICATION_ACTIONS_FROM["verify"],
        "breakdown": selectors.application_breakdown(application),
        "error": error,
    }
    response = render(request, "education/officer/review.html", context, status=status)
    if revealed:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The application with its facts and documents; POST: decide facts (accept, adjust with a
    quantity and a reason, reject with a reason; ``services.application_verify``)."""
    if request.method == "GET":
        application = access.get_application_for(request.user, pk)
        _require_officer_reader(request.user)
        return _review_page(request, application, revealed=_take_revealed(request, application))
    application = access.get_application_for(request.user, pk, action=access.VERIFY)
    forms = _fact_forms(application, request.POST)
    chosen = [(row, form) for row, form in forms if form.data.get(form.add_prefix("decision"))]
    if not chosen:
        return _review_page(request, application, forms=forms, error=_("Decide at least one fact."), status=400)
    if not all(form.is_valid() for _row, form in chosen):
        return _review_page(
            request, application, forms=forms, error=_("Correct the decisions marked below."), status=400
        )
    decisions = [
        services.FactDecision(
            item_code=row["fact"].item_code,
            decision=form.cleaned_data["decision"],
            quantity=form.cleaned_data.get("quantity"),
            reason=form.cleaned_data.get("reason") or "",
        )
        for row, form in chosen
    ]
    try:
        services.application_verify(
            by=access.acting_user(request.user), application=application, decisions=decisions, now=timezone.now()
        )
    except (ValidationError, DomainError) as error:
        by_code = {row["fact"].item_code: form for row, form in forms}
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for code, messages_ in error.message_dict.items():
                if code in by_code:
                    by_code[code].add_error(None, messages_)
        fresh = access.get_application_for(request.user, pk, action=access.VERIFY)
        return _review_page(request, fresh, forms=forms, error=error_message(error), status=error_status(error))
    messages.success(request, _("Decisions saved."))
    return redirect("education:review", pk=application.pk)


@login_required
@require_POST
def review_reveal(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Reveal the child's full ID number: an explicit, audited action, never for one's own
    family. Post, then redirect (303) to the page, which shows it once."""
    application = access.get_application_for(request.user, pk, action=access.VERIFY)
    if not access.may_reveal_child(request.user, application):
        raise PermissionDenied(_("Your role may not see personal data in full."))
    try:
        value = pii_reveal(
            actor=request.user,
            object_type="education.admissionapplication",
            object_id=str(application.pk),
            field="id_number",
        )
    except ObjectDoesNotExist:
        raise Http404 from None
    request.session[REVEALED_SESSION_KEY] = {"application": str(application.pk), "value": encrypt(value)}
    return HttpResponseRedirect(reverse("education:review", kwargs={"pk": application.pk}), status=303)


# --- Objections -------------------------------------------------------------------------


def _answer_items(objection: Objection) -> list[tuple[str, str]]:
    return [(row["fact"].item_code, row["name"]) for row in selectors.application_facts(objection.application)]


def _objections_page(
    request: HttpRequest, *, failed: tuple[Objection, ObjectionAnswerForm] | None = None, status: int = 200
) -> HttpResponse:
    _require_officer_reader(request.user)
    visible = access.applications_visible_to(request.user)
    rows = []
    for objection in selectors.open_objections(visible):
        if failed is not None and failed[0].pk == objection.pk:
            form = failed[1]
        else:
            form = ObjectionAnswerForm(
                items=_answer_items(objection), prefix=str(objection.pk), auto_id=f"o{objection.pk.hex[:8]}-%s"
            )
        rows.append(
            {
                "objection": objection,
                "child_name": mask_name(objection.application.child.name),
                "form": form,
                "may_answer": access.may(request.user, access.VERIFY, objection.application),
            }
        )
    return render(request, "education/officer/objections.html", {"rows": rows}, status=status)


@login_required
def objections(request: HttpRequest) -> HttpResponse:
    """The town's open objections, oldest first, each with the form to answer it."""
    return _objections_page(request)


@login_required
@require_POST
def objection_answer(request: HttpRequest, objection_id: UUID) -> HttpResponse:
    """Answer an objection (``services.objection_answer``): upheld with a fact decided again, or
    dismissed; a reason for the family."""
    objection = access.get_objection_for(request.user, objection_id)
    form = ObjectionAnswerForm(
        request.POST, items=_answer_items(objection), prefix=str(objection.pk), auto_id=f"o{objection.pk.hex[:8]}-%s"
    )
    if not form.is_valid():
        return _objections_page(request, failed=(objection, form), status=400)
    data = form.cleaned_data
    upheld = data["outcome"] == "upheld"
    decisions = []
    if data.get("item") and data.get("decision"):
        decisions.append(
            services.FactDecision(
                item_code=data["item"], decision=data["decision"], quantity=data.get("quantity"), reason=data["answer"]
            )
        )
    try:
        services.objection_answer(
            by=access.acting_user(request.user),
            objection=objection,
            upheld=upheld,
            answer=data["answer"],
            decisions=decisions,
            now=timezone.now(),
        )
    except (ValidationError, DomainError) as error:
        add_service_errors(form, error, aliases={"decisions": "item", data.get("item") or "item": "item"})
        return _objections_page(request, failed=(objection, form), status=error_status(error))
    messages.success(request, _("Answer sent to the family."))
    return redirect("education:objections")


# --- A round's progress -------------------------------------------------------------------


# The phases in which the round's lottery seed is public (from the allocation on: anyone can
# check it against the digest published when applications opened).
SEED_REVEALED_IN = frozenset({Phase.ALLOCATION, Phase.RESULTS_PUBLISHED, Phase.SECOND_ROUND, Phase.CLOSED})
ACTIVE_ALLOCATION = frozenset({Allocation.State.QUEUED, Allocation.State.RUNNING})


def _round_page(request: HttpRequest, round_: AdmissionRound, *, error: str = "", status: int = 200) -> HttpResponse:
    applications = AdmissionApplication.objects.in_current_scope().filter(round=round_)
    by_state = selectors.counts_by_state(applications).get(round_.pk, {})
    allocations = list(selectors.allocations_of(round_))
    manager = access.is_round_manager(request.user)
    stage_now = {Phase.ALLOCATION: 1, Phase.SECOND_ROUND: 2}.get(AdmissionRound.Phase(round_.phase))
    started = {allocation.stage for allocation in allocations if allocation.state != Allocation.State.FAILED}
    context = {
        "round": round_,
        "states": [(label, by_state.get(value, 0)) for value, label in Status.choices],
        "total": sum(by_state.values()),
        "schools": access.round_schools_of(round_).order_by("school__stage", "school__name"),
        "may_advance": manager and round_.phase in ROUND_NEXT,
        "next_phase": AdmissionRound.Phase(ROUND_NEXT[round_.phase]).label if round_.phase in ROUND_NEXT else "",
        "allocations": allocations,
        "running": any(allocation.state in ACTIVE_ALLOCATION for allocation in allocations),
        "seed_revealed": round_.phase in SEED_REVEALED_IN,
        "may_allocate": manager and stage_now is not None and stage_now not in started,
        "allocate_stage": stage_now,
        "may_open_second_round": manager and round_.phase == Phase.RESULTS_PUBLISHED,
        "may_close": manager and round_.phase == Phase.SECOND_ROUND and 2 in started,
        "results_public": round_.phase in access.RESULTS_PUBLIC_IN or bool(allocations),
        "error": error,
    }
    return render(request, "education/officer/round.html", context, status=status)


@login_required
def round_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Phase and dates, applications by state, places per school (places, held, accepted)."""
    round_ = access.get_round_for(request.user, pk)
    if not (access.is_round_manager(request.user) or access.is_verifier(request.user)):
        _require_officer_reader(request.user)
    return _round_page(request, round_)


@login_required
@require_POST
def round_move_on(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The town admin moves the round to its next phase; a refusal says what must hold first."""
    round_ = access.get_round_for(request.user, pk, manage=True)
    try:
        round_advance(by=access.acting_user(request.user), round_=round_, now=timezone.now())
    except (ValidationError, DomainError) as error:
        fresh = access.get_round_for(request.user, pk, manage=True)
        return _round_page(request, fresh, error=error_message(error), status=error_status(error))
    messages.success(request, _("The round has moved on."))
    return redirect("education:round", pk=round_.pk)


# --- The allocation, the second round, closing ----------------------------------------------


def _round_action(request: HttpRequest, pk: UUID, action: Callable[..., Any], done: str) -> HttpResponse:
    """A town admin's POST on a round: ``action(by=, round_=, now=)``; a refusal is shown on
    the round's page with its status (409 for the wrong phase or a second start), and changes
    nothing."""
    round_ = access.get_round_for(request.user, pk, manage=True)
    try:
        action(by=access.acting_user(request.user), round_=round_, now=timezone.now())
    except (ValidationError, DomainError) as error:
        fresh = access.get_round_for(request.user, pk, manage=True)
        return _round_page(request, fresh, error=error_message(error), status=error_status(error))
    messages.success(request, done)
    return redirect("education:round", pk=round_.pk)


@login_required
@require_POST
def round_allocate(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Start the allocation of the round's current stage (``allocation_start``, which queues
    the task after the commit); a second start is refused with the one that runs."""
    return _round_action(
        request,
        pk,
        allocation_services.allocation_start,
        _("The allocation has started. This page shows its progress."),
    )


@login_required
@require_POST
def round_second_round(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Open the second round after the acceptance deadline (``second_round_open``)."""
    return _round_action(
        request,
        pk,
        allocation_services.second_round_open,
        _("The second round is open: families not placed may choose again."),
    )


@login_required
@require_POST
def round_close(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Close the round once the second allocation is done (``round_close``)."""
    return _round_action(request, pk, allocation_services.round_close, _("The round is closed."))


# --- The results ----------------------------------------------------------------------------

RESULTS_PAGE_SIZE = 50


def _results_round(request: HttpRequest, pk: UUID) -> tuple[AdmissionRound, str]:
    """The round whose results the caller reads on the officers' pages (404 for a round they
    may not see, 403 for a family, as the other officer pages) and the school filter, checked
    against the round's schools (400 for another)."""
    round_ = access.get_round_for(request.user, pk)
    _require_officer_reader(request.user)
    round_ = access.get_results_round_for(request.user, round_.pk)
    school = request.GET.get("school", "")
    if school not in ("", "none") and school not in dict(selectors.result_school_options(round_)):
        raise BadRequest(_("Not a school of this round."))
    return round_, school


@login_required
def round_results(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The results as the API gives them (masked name, points, lottery number, choices, the
    school allocated or none), by points then lottery, a page at a time, by school if asked."""
    round_, school = _results_round(request, pk)
    page = Paginator(selectors.round_results_at(round_, school), RESULTS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = f"school={school}&" if school else ""
    context = {
        "round": round_,
        "rows": [selectors.results_row(application) for application in page.object_list],
        "page": page,
        "query": query,
        "school": school,
        "schools": selectors.result_school_options(round_),
        "allocations": list(selectors.allocations_of(round_)),
        "offer_labels": dict(Offer.State.choices),
    }
    return render(request, "education/officer/results.html", context)


@login_required
def round_results_csv(request: HttpRequest, pk: UUID) -> HttpResponse:
    round_, school = _results_round(request, pk)
    return exports.download(exports.results_csv(round_, school), exports.CSV, round_, "csv")


@login_required
def round_results_xlsx(request: HttpRequest, pk: UUID) -> HttpResponse:
    round_, school = _results_round(request, pk)
    return exports.download(exports.results_xlsx(round_, school), exports.XLSX, round_, "xlsx")
