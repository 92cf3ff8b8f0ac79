"""Pages of town officers: the queue (filters, bulk approve) and the review page with its actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nanhai_portal.errors import DomainError
from nanhai_portal.pii.crypto import decrypt, encrypt
from nanhai_portal.pii.services import pii_reveal
from residents import access, selectors, services
from residents.forms import (
    BulkApproveForm,
    QueueFilterForm,
    add_service_errors,
)
from residents.models import FINAL_STATUSES, Application, Permit
from residents.views.common import (
    QUEUE_PAGE_SIZE,
    REVIEW_FORMS,
    REVIEW_PERMISSION,
    REVIEW_SERVICES,
    _error_message,
    _error_status,
)

# --- The town officers' pages -------------------------------------------------------


def _queue_query(data: QueryDict) -> str:
    """The queue's filters and page from ``data``, as a query string (nothing else)."""
    return urlencode({key: value for key in ("kind", "status", "overdue", "page") if (value := data.get(key))})


# The result of the last bulk approval, for the one GET it redirects to: ids and the service's
# reasons only (the names are read again on that GET, from what the officer may see).
BULK_RESULT_SESSION_KEY = "residents.bulk_result"


@dataclass(frozen=True)
class Refusal:
    """One application the bulk approval left alone, and why."""

    name: str
    kind: str
    reason: str


def _take_bulk_result(request: HttpRequest) -> dict[str, Any] | None:
    """The last bulk approval's result, once: the count approved and one ``Refusal`` a line."""
    stored = request.session.pop(BULK_RESULT_SESSION_KEY, None)
    if not stored:
        return None
    refused = stored.get("refused", [])
    found = {
        str(item.pk): item
        for item in selectors.review_queue(user=request.user, status=selectors.QUEUE_ALL).filter(
            pk__in=[row["id"] for row in refused if row.get("id")]
        )
    }
    refusals = []
    for row in refused:
        application = found.get(row.get("id") or "")
        if application is None:
            refusals.append(Refusal(_("An application not in your queue"), "", row["message"]))
        else:
            refusals.append(Refusal(application.resident.person.name, application.get_kind_display(), row["message"]))
    return {"approved": stored.get("approved", 0), "refusals": refusals}


@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
def queue(request: HttpRequest) -> HttpResponse:
    """The work to do (overdue first, then the nearest deadline, then the oldest submission),
    filtered by kind, state (finished ones only when asked for) and overdue."""
    form = QueueFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    status = filters.get("status") or ""
    applications = selectors.review_queue(
        user=request.user,
        kind=filters.get("kind") or None,
        status=status or None,
        overdue={"yes": True, "no": False}.get(filters.get("overdue") or ""),
    )
    page = Paginator(applications, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        {
            "application": item,
            "overdue": selectors.is_overdue(item, now=now),
            "deadline_runs": item.status in selectors.AWAITING_ISSUE,
        }
        for item in page
    ]
    without_page = request.GET.copy()
    without_page.pop("page", None)
    return render(
        request,
        "residents/queue.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "showing_work": not status,
            "showing_finished": status == selectors.QUEUE_FINISHED or status in FINAL_STATUSES,
            "filters": _queue_query(without_page),
            "query": _queue_query(request.GET),
            "bulk_result": _take_bulk_result(request),
        },
    )


@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
@require_POST
def queue_approve(request: HttpRequest) -> HttpResponse:
    """Approve the chosen applications; each is approved or refused on its own. The result (one
    line per refusal) is shown once by the queue page this redirects to."""
    back = reverse("residents:queue")
    query = _queue_query(QueryDict(request.POST.get("query", "")))
    if query:
        back += "?" + query
    form = BulkApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors["ids"]))
        return redirect(back)
    ids = form.cleaned_data["ids"]
    # Any state: one that cannot be approved is reported with the service's reason, not as missing.
    found = list(selectors.review_queue(user=request.user, status=selectors.QUEUE_ALL).filter(pk__in=ids))
    approved, refused = services.applications_approve_many(applications=found, by=access.acting_user(request.user))
    missing = sorted({str(pk) for pk in ids} - {str(item.pk) for item in found})
    refused += [{"id": pk, "message": _("Not found.")} for pk in missing]
    request.session[BULK_RESULT_SESSION_KEY] = {"approved": len(approved), "refused": refused}
    return redirect(back)


def _review_page(
    request: HttpRequest,
    application: Application,
    *,
    failed: tuple[str, Any] | None = None,
    error: ValidationError | DomainError | None = None,
    status: int = 200,
    revealed: dict[str, str] | None = None,
) -> HttpResponse:
    forms = {name: form_class(auto_id=f"{name}-%s") for name, form_class in REVIEW_FORMS.items()}
    if failed is not None and failed[1] is not None:
        forms[failed[0]] = failed[1]
    context = {
        "application": application,
        "resident": application.resident,
        "person": application.resident.person,
        "actions": services.review_actions(application, request.user),
        "own_application": access.is_applicant(request.user, application),
        "forms": forms,
        "failed_action": failed[0] if failed else "",
        "error_message": _error_message(error) if error is not None else "",
        "overdue": selectors.is_overdue(application),
        "revealed": revealed or {},
        "may_reveal": access.may_reveal(request.user, application),
        "about_permit": application.kind in (Application.Kind.PERMIT_ENDORSEMENT, Application.Kind.PERMIT_REISSUE),
        "permit": (permit := selectors.permit_under_review(application, user=request.user)),
        "permit_status_label": Permit.Status(permit.status).label if permit is not None else "",
    }
    response = render(request, "residents/review.html", context, status=status)
    if revealed:
        response["Cache-Control"] = "no-store"
    return response


# The value revealed by the last POST, for the one GET it redirects to (encrypted: the
# session is stored in the database).
REVEALED_SESSION_KEY = "residents.revealed"


@login_required
@require_POST
def review_reveal(request: HttpRequest, pk: UUID, field: str) -> HttpResponse:
    """Reveal the applicant's full ID or mobile number: an explicit, audited action.

    Post, then redirect (303) to the review page, which shows the value once: a refresh of
    that page shows the mask again and writes no second audit event.
    """
    if field not in ("id_number", "mobile"):
        raise Http404
    application = access.get_application_for(request.user, pk, action=access.REVIEW)
    try:
        value = pii_reveal(
            actor=request.user, object_type="residents.resident", object_id=str(application.resident_id), field=field
        )
    except ObjectDoesNotExist:
        raise Http404 from None
    request.session[REVEALED_SESSION_KEY] = {
        "application": str(application.pk),
        "field": field,
        "value": encrypt(value),
    }
    return HttpResponseRedirect(reverse("residents:review", kwargs={"pk": application.pk}), status=303)


def _take_revealed(request: HttpRequest, application: Application) -> dict[str, str]:
    """The value revealed for this application by the POST just before, once; then it is gone."""
    revealed = request.session.get(REVEALED_SESSION_KEY)
    if not revealed or revealed.get("application") != str(application.pk):
        return {}
    del request.session[REVEALED_SESSION_KEY]
    return {revealed["field"]: decrypt(revealed["value"])}


@login_required
def review(request: HttpRequest, pk: UUID) -> HttpResponse:
    application = access.get_application_for(request.user, pk, action=access.REVIEW)
    return _review_page(request, application, revealed=_take_revealed(request, application))


@login_required
@require_POST
def review_action(request: HttpRequest, pk: UUID, action: str) -> HttpResponse:
    """Accept, return, approve, reject, issue or deliver; a refusal is shown on the page."""
    if action not in REVIEW_SERVICES:
        raise Http404
    application = access.get_application_for(request.user, pk, action=access.REVIEW)
    form_class = REVIEW_FORMS.get(action)
    form = form_class(request.POST, auto_id=f"{action}-%s") if form_class else None
    if form is not None and not form.is_valid():
        return _review_page(request, application, failed=(action, form), status=400)
    try:
        REVIEW_SERVICES[action](
            application=application, by=access.acting_user(request.user), **(form.cleaned_data if form else {})
        )
    except (ValidationError, DomainError) as error:
        if form is not None:
            add_service_errors(form, error)
        fresh = access.get_application_for(request.user, pk, action=access.REVIEW)
        return _review_page(request, fresh, failed=(action, form), error=error, status=_error_status(error))
    done = {
        "accept": _("Accepted. The deadline runs from now."),
        "return": _("Returned to the resident for correction."),
        "approve": _("Approved."),
        "reject": _("Rejected."),
        "issue": _("Issued."),
        "deliver": _("Marked as delivered."),
    }
    messages.success(request, done[action])
    return redirect("residents:review", pk=application.pk)
