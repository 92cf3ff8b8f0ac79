"""The family's pages: the home of school places by points (rounds, the calculator, my
applications), one page to apply, the application (documents, submit, points, objections), and
a document's file.

Each view asks ``education.access`` for the object (404 when it may not be seen, 403 when the
action is not the caller's), calls a service or a selector, and renders or redirects (POST,
redirect, GET). The services' refusals are shown on the form, and change nothing.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from education import access, selectors
from education.forms import (
    ApplyForm,
    CalculatorForm,
    DeclineForm,
    DocumentForm,
    ObjectionForm,
    SecondChoicesForm,
)
from education.models import FAMILY_CLAIMS, AdmissionApplication, AdmissionRound, Choice, Objection, Offer, SchemeItem
from education.services import allocation as allocation_services
from education.services import applications as services
from education.services import offers as offer_services
from education.services.rounds import OPEN_FOR_APPLICATIONS
from education.views.common import add_service_errors, error_message, error_status, status_label, with_state_labels
from nanhai_portal.bodylimit import accepts_upload
from nanhai_portal.errors import DomainError, InvalidTransition
from nanhai_portal.pii.masking import mask_id_number, mask_name
from residents.uploads import max_document_bytes

Phase = AdmissionRound.Phase

# --- The home: rounds, the calculator, my applications ---------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The town's rounds with their dates and phase, "how many points would I have" (nothing is
    stored: ``?round=<id>`` and a quantity per item), and the family's applications."""
    rounds = list(access.rounds_visible_to(request.user).exclude(phase=Phase.DRAFT).order_by("-year", "name"))
    chosen = next((round_ for round_ in rounds if str(round_.pk) == request.GET.get("round")), None)
    calculator_round = chosen or next((round_ for round_ in rounds if round_.phase in OPEN_FOR_APPLICATIONS), None)
    calculator_round = calculator_round or (rounds[0] if rounds else None)
    form, estimate, status = None, None, 200
    if calculator_round is not None:
        items = SchemeItem.objects.filter(scheme_id=calculator_round.scheme_id, kind__in=list(FAMILY_CLAIMS)).order_by(
            "sort_order", "code"
        )
        form = CalculatorForm(request.GET if "calculate" in request.GET else None, items=items, auto_id="calc-%s")
        if form.is_bound and form.is_valid():
            try:
                result = selectors.computed(calculator_round, form.claims())
            except ValidationError as error:
                add_service_errors(form, error, aliases=_item_aliases(form))
                status = 400
            else:
                estimate = {
                    "total": result.total,
                    "catchment_points": result.catchment_points,
                    "lines": selectors.explained_lines(calculator_round, result),
                }
        elif form.is_bound:
            status = 400
    mine = list(access.own_applications(request.user).select_related("round", "child").order_by("-created_at"))
    context = {
        "rounds": rounds,
        "open_phases": OPEN_FOR_APPLICATIONS,
        "calculator_round": calculator_round,
        "form": form,
        "estimate": estimate,
        "applications": [
            (application, mask_name(application.child.name), status_label(application)) for application in mine
        ],
    }
    return render(request, "education/home.html", context, status=status)


def _item_aliases(form: Any) -> dict[str, str]:
    return {name.removeprefix("item_"): name for name in form.item_fields}


# --- Applying --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, pk: UUID) -> HttpResponse:
    """One page to apply (``services.application_create``): the draft, then its page, where the
    family adds a document per claimed item and submits."""
    round_ = access.get_round_for(request.user, pk)
    form = ApplyForm(
        request.POST if request.method == "POST" else None,
        schools=access.round_schools_of(round_).order_by("school__stage", "school__name"),
        max_choices=round_.max_choices,
        items=selectors.family_claim_items(round_),
        auto_id="apply-%s",
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                application = services.application_create(
                    by=access.acting_user(request.user),
                    round_=round_,
                    child_name=data["child_name"],
                    child_id_number=data["child_id_number"],
                    relationship=data["relationship"],
                    consent=data["consent"],
                    grade=data["grade"],
                    choices=form.choices_in_order(),
                    claims=form.claims(),
                    now=timezone.now(),
                )
            except (ValidationError, DomainError) as error:
                add_service_errors(form, error, aliases={"choices": "choice_1", **_item_aliases(form)})
                status = error_status(error)
            else:
                messages.success(request, _("Saved as a draft. Add a document for each item you claim, then submit."))
                return redirect("education:application", pk=application.pk)
    context = {"round": round_, "form": form, "is_open": round_.phase in OPEN_FOR_APPLICATIONS}
    return render(request, "education/apply.html", context, status=status)


# --- One application ----------------------------------------------------------------------


def _objection_window_open(application: AdmissionApplication) -> bool:
    round_ = application.round
    return (
        application.status in services.APPLICATION_ACTIONS_FROM["object"]
        and round_.phase == Phase.POINTS_PUBLISHED
        and timezone.now() < round_.objections_close
    )


def _application_page(
    request: HttpRequest,
    application: AdmissionApplication,
    *,
    document_form: DocumentForm | None = None,
    objection_form: ObjectionForm | None = None,
    decline_form: DeclineForm | None = None,
    second_form: SecondChoicesForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    facts = with_state_labels(selectors.application_facts(application))
    documented = [(row["fact"].item_code, row["name"]) for row in facts if not row["fact"].from_records]
    objections = list(
        Objection.objects.in_current_scope()
        .filter(application=application)
        .prefetch_related("documents")
        .order_by("-created_at")
    )
    has_open = any(objection.state == Objection.State.OPEN for objection in objections)
    context = {
        "application": application,
        "status_label": status_label(application),
        "round": application.round,
        "child_name": mask_name(application.child.name),
        "child_id_number": mask_id_number(application.child.id_number),
        "choices": Choice.objects.in_current_scope()
        .filter(application=application, stage=1)
        .select_related("round_school__school")
        .order_by("stage", "rank"),
        "facts": facts,
        "breakdown": selectors.application_breakdown(application),
        "may_add_documents": application.status in services.APPLICATION_ACTIONS_FROM["document"] and documented,
        "document_form": document_form or DocumentForm(items=documented, auto_id="document-%s"),
        "may_submit": application.status in services.APPLICATION_ACTIONS_FROM["submit"],
        "may_object": _objection_window_open(application) and not has_open,
        "objection_form": objection_form or ObjectionForm(auto_id="objection-%s"),
        "objections": objections,
        **_offer_context(application, decline_form=decline_form, second_form=second_form),
        "error": error,
    }
    return render(request, "education/application.html", context, status=status)


def _offer_context(
    application: AdmissionApplication,
    *,
    decline_form: DeclineForm | None = None,
    second_form: SecondChoicesForm | None = None,
) -> dict[str, Any]:
    """The result as the family reads it: the latest offer (school, state, by when), whether it
    may still be answered (``offer_window_open``), and the second round's form while the family
    may choose again (``second_choices_refusal`` is None)."""
    now = timezone.now()
    offer = selectors.latest_offer(application)
    may_answer = (
        offer is not None
        and offer.state == Offer.State.OFFERED
        and allocation_services.offer_window_open(offer, application.round, now)
    )
    may_choose_again = allocation_services.second_choices_refusal(application, now) is None
    if may_choose_again and second_form is None:
        second_form = _second_form(application)
    return {
        "offer": offer,
        "offer_stage": offer.allocation.stage if offer else None,
        "may_answer": may_answer,
        "decline_form": decline_form or DeclineForm(auto_id="decline-%s"),
        "may_choose_again": may_choose_again,
        "second_form": second_form,
        "second_choices": list(selectors.second_choices_of(application)),
    }


def _second_form(application: AdmissionApplication, data: Any = None) -> SecondChoicesForm:
    return SecondChoicesForm(
        data,
        schools=selectors.second_round_schools(application),
        max_choices=application.round.max_choices,
        auto_id="second-%s",
    )


@login_required
def application_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The guardian's application: status, choices, facts, points line by line once verified,
    the objection form while the window is open, objections and their answers."""
    application = access.get_application_for(request.user, pk, action=access.APPLY)
    return _application_page(request, application)


@login_required
@require_POST
@accepts_upload(max_document_bytes)
def application_document(request: HttpRequest, pk: UUID) -> HttpResponse:
    """A document for one of the items the family claims."""
    application = access.get_application_for(request.user, pk, action=access.APPLY)
    facts = selectors.application_facts(application)
    items = [(row["fact"].item_code, row["name"]) for row in facts if not row["fact"].from_records]
    form = DocumentForm(request.POST, request.FILES, items=items, auto_id="document-%s")
    if not form.is_valid():
        return _application_page(request, application, document_form=form, status=400)
    try:
        services.application_add_document(
            by=access.acting_user(request.user),
            application=application,
            upload=form.cleaned_data["file"],
            item_code=form.cleaned_data["item"],
        )
    except (ValidationError, DomainError) as error:
        add_service_errors(form, error, aliases={"item": "item", "file": "file"})
        return _application_page(request, application, document_form=form, status=error_status(error))
    messages.success(request, _("Document added."))
    return redirect("education:application", pk=application.pk)


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Submit the draft for verification."""
    application = access.get_application_for(request.user, pk, action=access.APPLY)
    try:
        services.application_submit(by=access.acting_user(request.user), application=application, now=timezone.now())
    except (ValidationError, DomainError) as error:
        message = error.message if isinstance(error, DomainError) else " ".join(error.messages)
        return _application_page(request, application, error=message, status=error_status(error))
    messages.success(request, _("Submitted. The town's officers verify each item; you will be told your points."))
    return redirect("education:application", pk=application.pk)


@login_required
@require_POST
@accepts_upload(max_document_bytes)
def application_object(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The family's objection (异议) to its published points, with a document if it has one:
    both or neither are stored."""
    application = access.get_application_for(request.user, pk, action=access.APPLY)
    form = ObjectionForm(request.POST, request.FILES, auto_id="objection-%s")
    if not form.is_valid():
        return _application_page(request, application, objection_form=form, status=400)
    user = access.acting_user(request.user)
    try:
        with transaction.atomic():
            objection = services.objection_file(
                by=user, application=application, reason=form.cleaned_data["reason"], now=timezone.now()
            )
            if form.cleaned_data.get("file"):
                services.application_add_document(
                    by=user, application=application, upload=form.cleaned_data["file"], objection=objection
                )
    except (ValidationError, DomainError) as error:
        add_service_errors(form, error, aliases={"reason": "reason", "file": "file"})
        fresh = access.get_application_for(request.user, pk, action=access.APPLY)
        return _application_page(request, fresh, objection_form=form, status=error_status(error))
    messages.success(request, _("Objection sent. An officer will answer it."))
    return redirect("education:application", pk=application.pk)


# --- The result: the offer answered, the second round's choices ----------------------------


def _offer_to_answer(application: AdmissionApplication) -> Offer:
    offer = offer_services.live_offer_of(application)
    if offer is None:
        raise InvalidTransition(_("This application has no place to answer."))
    return offer


@login_required
@require_POST
def application_accept(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The guardian accepts the place offered (``offer_accept``), before the deadline."""
    application = access.get_application_for(request.user, pk, action=access.APPLY)
    try:
        offer = offer_services.offer_accept(
            by=access.acting_user(request.user), offer=_offer_to_answer(application), now=timezone.now()
        )
    except (ValidationError, DomainError) as error:
        fresh = access.get_application_for(request.user, pk, action=access.APPLY)
        return _application_page(request, fresh, error=error_message(error), status=error_status(error))
    messages.success(request, _("You accepted the place at %(school)s.") % {"school": offer.round_school.school.name})
    return redirect("education:application", pk=application.pk)


@login_required
@require_POST
def application_decline(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The guardian declines the place offered (``offer_decline``), having confirmed it."""
    application = access.get_application_for(request.user, pk, action=access.APPLY)
    form = DeclineForm(request.POST, auto_id="decline-%s")
    if not form.is_valid():
        return _application_page(request, application, decline_form=form, status=400)
    try:
        offer = offer_services.offer_decline(
            by=access.acting_user(request.user), offer=_offer_to_answer(application), now=timezone.now()
        )
    except (ValidationError, DomainError) as error:
        fresh = access.get_application_for(request.user, pk, action=access.APPLY)
        return _application_page(request, fresh, error=error_message(error), status=error_status(error))
    messages.success(request, _("You declined the place at %(school)s.") % {"school": offer.round_school.school.name})
    return redirect("education:application", pk=application.pk)


@login_required
@require_POST
def application_second_choices(request: HttpRequest, pk: UUID) -> HttpResponse:
    """A family not placed gives new ordered choices for the second round
    (``second_choices_set``), among the schools with places left."""
    application = access.get_application_for(request.user, pk, action=access.APPLY)
    form = _second_form(application, request.POST)
    if not form.is_valid():
        return _application_page(request, application, second_form=form, status=400)
    try:
        allocation_services.second_choices_set(
            by=access.acting_user(request.user),
            application=application,
            choices=form.choices_in_order(),
            now=timezone.now(),
        )
    except ValidationError as error:
        add_service_errors(form, error, aliases={"choices": "choice_1"})
        return _application_page(request, application, second_form=form, status=400)
    except DomainError as error:
        fresh = access.get_application_for(request.user, pk, action=access.APPLY)
        return _application_page(request, fresh, error=error.message, status=error.status)
    messages.success(request, _("Your new choices are saved. You will be told the result of the second round."))
    return redirect("education:application", pk=application.pk)


# --- A document's file -------------------------------------------------------------------


@login_required
def document_file(request: HttpRequest, document_id: UUID) -> FileResponse:
    """A document's file, for the guardian and the town's verifiers (``access.get_document_for``)."""
    document = access.get_document_for(request.user, document_id)
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}.get(document.content_type, "bin")
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = f'inline; filename="{document.item_code or "document"}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
