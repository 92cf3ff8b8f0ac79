"""Pages of residents: sign up, apply with the pre-check first, follow an application, the permit.

Each view parses its input, calls a service or a selector, and renders or redirects (POST,
redirect, GET). The services decide; their refusals are shown on the page, never a 500.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from nanhai_portal.accounts.models import PRIVACY_NOTICE_VERSION
from nanhai_portal.bodylimit import accepts_upload
from nanhai_portal.errors import DomainError
from nanhai_portal.throttling import client_key, first_wait, hit, mobile_key, wait_message
from residents import access, eligibility, selectors, services, signup
from residents.forms import (
    DOCUMENT_TYPES,
    PHOTO_TYPES,
    ApplicationDetailsForm,
    ApplyForm,
    DocumentUploadForm,
    EndorseForm,
    SignupForm,
    SignupVerifyForm,
    add_service_errors,
    signup_towns,
)
from residents.models import EDITABLE_STATUSES, Application, Document, Permit
from residents.uploads import max_document_bytes
from residents.views.common import (
    APPLICATIONS_PAGE_SIZE,
    _error_message,
    _error_status,
    _signed_in,
)

# --- Sign-up ------------------------------------------------------------------------


@never_cache  # the typed passwords come back after an error: no cache may keep the page
@require_http_methods(["GET", "POST"])
def signup_start(request: HttpRequest) -> HttpResponse:
    """Anyone: name, ID number, mobile number, password, town and community; a code is texted."""
    if request.user.is_authenticated:
        return redirect("residents:my-applications")
    form = SignupForm(request.POST if request.method == "POST" else None, towns=signup_towns())
    wait = 0.0
    if request.method == "POST" and form.is_valid():
        # The API's limits (SIGNUP_THROTTLES), on the same counters; the page counts a sign-up
        # once the form is filled in, so that a person's typing mistakes do not use them up.
        wait = first_wait(
            [
                ("signup.address", client_key(request)),
                ("signup.mobile", mobile_key(form.cleaned_data["mobile"]) or ""),
                ("signup.global", "all"),
            ]
        )
        if wait:
            form.add_error(None, wait_message(wait))
    if request.method == "POST" and not wait and form.is_valid():
        data = form.cleaned_data
        try:
            started = signup.signup_start(
                name=data["name"],
                id_number=data["id_number"],
                mobile=data["mobile"],
                password=data["password"],
                town=data["town"],
                community=data["community"],
                consent_version=PRIVACY_NOTICE_VERSION if data["consent"] else None,
            )
        except (ValidationError, DomainError) as error:
            add_service_errors(form, error)
        else:
            request.session["signup_mobile"] = started.mobile_masked
            return redirect("residents:signup-verify", signup_id=started.verification.pk)
    return _with_wait(render(request, "residents/signup.html", {"form": form}, status=_form_status(form, wait)), wait)


def _form_status(form: Any, wait: float) -> int:
    return 429 if wait else 400 if form.errors else 200


def _with_wait(response: HttpResponse, wait: float) -> HttpResponse:
    if wait:
        response["Retry-After"] = str(int(wait))
    return response


def _verify_page(
    request: HttpRequest,
    signup_id: UUID,
    form: SignupVerifyForm,
    *,
    start_again: bool = False,
    may_resend: bool = True,
    wait: float = 0.0,
    resend_error: str = "",
) -> HttpResponse:
    context = {
        "form": form,
        "resend_error": resend_error,
        "signup_id": signup_id,
        "mobile": request.session.get("signup_mobile", ""),
        "start_again": start_again,
        "may_resend": may_resend,
        "resend_wait": signup.resend_wait(str(signup_id)),
    }
    status = 429 if wait else 400 if form.errors or resend_error else 200
    return _with_wait(render(request, "residents/signup_verify.html", context, status=status), wait)


@never_cache
@require_http_methods(["GET", "POST"])
def signup_verify(request: HttpRequest, signup_id: UUID) -> HttpResponse:
    """The six-digit code: the account is activated, signed in, and sent to its applications."""
    if request.user.is_authenticated:
        return redirect("residents:my-applications")
    form = SignupVerifyForm(request.POST if request.method == "POST" else None)
    start_again = False
    may_resend = True
    wait = hit("signup_verify.address", client_key(request)) if request.method == "POST" else 0.0
    if wait:
        form.add_error(None, wait_message(wait))
    if request.method == "POST" and not wait and form.is_valid():
        try:
            user = signup.signup_verify(verification_id=str(signup_id), code=form.cleaned_data["code"])
        except DomainError as error:
            add_service_errors(form, error)
            start_again = not isinstance(error, signup.WrongCode)
            may_resend = error.code == "signup_expired"  # a new code starts the 10 minutes again
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session.pop("signup_mobile", None)
            messages.success(request, _("Your mobile number is confirmed and your account is ready."))
            return redirect("residents:my-applications")
    return _verify_page(request, signup_id, form, start_again=start_again, may_resend=may_resend, wait=wait)


@never_cache
@require_POST
def signup_resend(request: HttpRequest, signup_id: UUID) -> HttpResponse:
    """A new code for the sign-up (once a minute, five times): the old one stops working."""
    if request.user.is_authenticated:
        return redirect("residents:my-applications")
    form = SignupVerifyForm()
    wait = first_wait([("signup.address", client_key(request)), ("signup.global", "all")])
    if wait:
        return _verify_page(request, signup_id, form, wait=wait, resend_error=wait_message(wait))
    try:
        signup.signup_resend(verification_id=str(signup_id))
    except signup.ResendTooSoon as error:
        return _verify_page(request, signup_id, form, wait=error.wait, resend_error=error.message)
    except DomainError as error:
        return _verify_page(request, signup_id, form, start_again=True, may_resend=False, resend_error=error.message)
    messages.success(request, _("A new code is on its way. The one sent before no longer works."))
    return redirect("residents:signup-verify", signup_id=signup_id)


# --- The resident's pages -----------------------------------------------------------


@login_required
def my_applications(request: HttpRequest) -> HttpResponse:
    applications = access.own_applications(_signed_in(request)).order_by("-created_at")
    page = Paginator(applications, APPLICATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(application, services.expected_by(application)) for application in page]
    return render(
        request,
        "residents/my_applications.html",
        {"page": page, "rows": rows, "is_resident": access.resident_of(request.user) is not None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    """Step 1: what, on what basis, and how to get it; a draft is made and step 2 follows.

    A resident who may not apply for a permit yet is told the day first, and the permit is
    not offered until then (``eligibility.permit_waiting``; the service refuses it too).
    """
    resident = access.resident_of(request.user)
    form = ApplyForm(request.POST or None, initial={"kind": request.GET.get("kind", "")})
    open_application = None
    if resident is not None and request.method == "POST" and form.is_valid():
        try:
            application = services.application_create(
                resident=resident, by=access.acting_user(request.user), **form.cleaned_data
            )
        except (ValidationError, DomainError) as error:
            add_service_errors(form, error)
            if isinstance(error, DomainError) and error.code == "already_open":
                open_application = error.extra.get("application_id")
        else:
            messages.success(request, _("Your application is saved as a draft. Now upload the documents it needs."))
            return redirect("residents:application", pk=application.pk)
    waiting = eligibility.permit_waiting(resident, today=timezone.localdate()) if resident is not None else None
    context = {
        "form": form,
        "resident": resident,
        "step": 1,
        "permit_waiting": waiting,
        "permit_eligible_from": eligibility.permit_eligible_from(resident) if resident and waiting else None,
        "open_application": open_application,
    }
    return render(request, "residents/apply.html", context, status=400 if form.errors else 200)


def _upload_slot(request: HttpRequest) -> str:
    slot = request.POST.get("slot", "")
    return slot if re.fullmatch(r"[a-z_]{1,40}", slot) else "other"


def _application_page(
    request: HttpRequest,
    application: Application,
    *,
    failed_upload: tuple[str, DocumentUploadForm] | None = None,
    details_form: ApplicationDetailsForm | None = None,
    submit_error: ValidationError | DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    editable = application.status in EDITABLE_STATUSES
    missing = services.application_precheck(application) if editable else []

    def upload_form(slot: str, kind: str | None) -> DocumentUploadForm:
        if failed_upload is not None and failed_upload[0] == slot:
            return failed_upload[1]
        return DocumentUploadForm(initial={"kind": kind}, auto_id=f"upload-{slot}-%s")

    uploads = [
        {
            "missing": item,
            "form": upload_form(item.code, item.document_kind),
            "kind_label": Document.Kind(item.document_kind).label,
        }
        for item in missing
        if item.document_kind
    ]
    context = {
        "application": application,
        "editable": editable,
        "missing": missing,
        "blocking": [item for item in missing if not item.document_kind],
        "uploads": uploads,
        "other_upload": upload_form("other", None),
        "details_form": details_form
        or ApplicationDetailsForm(
            initial={
                "basis": application.basis,
                "delivery": application.delivery,
                "postal_address": application.postal_address,
            },
            auto_id="details-%s",
        ),
        "submit_error": _error_message(submit_error) if submit_error is not None else "",
        "expected_by": services.expected_by(application),
        "max_document_bytes": max_document_bytes(),
        "step": (3 if not missing else 2) if editable else None,
        "photo_kind": Document.Kind.PHOTO,
        "photo_types": PHOTO_TYPES,
        "document_types": DOCUMENT_TYPES,
    }
    return render(request, "residents/application_detail.html", context, status=status)


@login_required
def application_detail(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Step 2 and 3 while a draft (the pre-check, uploads, submit); then its progress."""
    return _application_page(request, access.get_application_for(request.user, pk, action=access.APPLY))


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _upload_refused(form: DocumentUploadForm, status: int, code: str = "invalid") -> JsonResponse:
    """A refused upload for the page's script: the API's error shape, messages per field."""
    fields = {field: [str(message) for message in errors] for field, errors in form.errors.items()}
    general = fields.pop(NON_FIELD_ERRORS, [])
    message = " ".join(general) or next((line for lines in fields.values() for line in lines), "")
    body = {"error": {"code": code, "message": message, "fields": fields}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _uploaded(request: HttpRequest, pk: UUID, document: Document) -> JsonResponse:
    """What the page's script needs after an upload: the document, and the pre-check as it is now."""
    application = access.get_application_for(request.user, pk, action=access.APPLY)
    missing = services.application_precheck(application)
    body = {
        "document": {
            "id": str(document.pk),
            "kind": document.kind,
            "label": document.get_kind_display(),
            "url": reverse("residents:document", kwargs={"pk": application.pk, "document_id": document.pk}),
        },
        "message": _("Uploaded: %(kind)s.") % {"kind": document.get_kind_display()},
        "eligible": not missing,
        "missing": [item.as_dict() for item in missing],
        "summary": render_to_string(
            "residents/includes/precheck_summary.html", {"missing": missing}, request=request
        ).strip(),
    }
    return JsonResponse(body, status=201, json_dumps_params={"ensure_ascii": False})


@accepts_upload(max_document_bytes)
@login_required
@require_POST
def application_upload(request: HttpRequest, pk: UUID) -> HttpResponse:
    """One document. The page's script sends it with ``Accept: application/json`` and gets the
    pre-check back as JSON (no reload); without the script, the page again (POST, redirect, GET)."""
    try:
        application = access.get_application_for(request.user, pk, action=access.APPLY)
    except Http404:
        if not _wants_json(request):
            raise
        body = {"error": {"code": "not_found", "message": _("Not found."), "fields": {}}}
        return JsonResponse(body, status=404, json_dumps_params={"ensure_ascii": False})
    slot = _upload_slot(request)
    form = DocumentUploadForm(request.POST, request.FILES, auto_id=f"upload-{slot}-%s")
    if form.is_valid():
        try:
            document = services.application_add_document(
                application=application,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                by=access.acting_user(request.user),
            )
        except (ValidationError, DomainError) as error:
            add_service_errors(form, error)
            if _wants_json(request):
                return _upload_refused(form, _error_status(error), getattr(error, "code", "invalid") or "invalid")
            return _application_page(request, application, failed_upload=(slot, form), status=_error_status(error))
        if _wants_json(request):
            return _uploaded(request, application.pk, document)
        messages.success(request, _("Uploaded: %(kind)s.") % {"kind": document.get_kind_display()})
        return redirect(reverse("residents:application", kwargs={"pk": application.pk}) + "#precheck")
    if _wants_json(request):
        return _upload_refused(form, 400)
    return _application_page(request, application, failed_upload=(slot, form), status=400)


@login_required
@require_POST
def application_change(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Correct the basis and delivery of a draft or returned application."""
    application = access.get_application_for(request.user, pk, action=access.APPLY)
    form = ApplicationDetailsForm(request.POST, auto_id="details-%s")
    if form.is_valid():
        try:
            services.application_update(
                application=application, by=access.acting_user(request.user), **form.cleaned_data
            )
        except (ValidationError, DomainError) as error:
            add_service_errors(form, error)
            return _application_page(request, application, details_form=form, status=_error_status(error))
        messages.success(request, _("Your changes are saved."))
        return redirect(reverse("residents:application", kwargs={"pk": application.pk}) + "#precheck")
    return _application_page(request, application, details_form=form, status=400)


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: UUID) -> HttpResponse:
    application = access.get_application_for(request.user, pk, action=access.APPLY)
    try:
        services.application_submit(application=application, by=access.acting_user(request.user))
    except (ValidationError, DomainError) as error:
        fresh = access.get_application_for(request.user, pk, action=access.APPLY)
        return _application_page(request, fresh, submit_error=error, status=_error_status(error))
    submitted = access.get_application_for(request.user, pk)
    expected = services.expected_by(submitted)
    messages.success(
        request,
        _("Your application is submitted: number %(number)s. Expected decision by %(date)s.")
        % {"number": submitted.number, "date": expected.isoformat() if expected else ""},
    )
    return redirect("residents:application", pk=application.pk)


@login_required
def document(request: HttpRequest, pk: UUID, document_id: UUID) -> FileResponse:
    """A document's file, for its applicant and the reviewing town's officers; 404 for anyone else."""
    found = access.get_document_for(request.user, pk, document_id)
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}.get(found.content_type, "bin")
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Content-Disposition"] = f'inline; filename="{found.kind}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _permit_page(request: HttpRequest, *, endorse_form: EndorseForm | None = None, status: int = 200) -> HttpResponse:
    standing = selectors.permit_standing(_signed_in(request))
    context = {
        "standing": standing,
        "permit": standing.permit,
        "status_label": Permit.Status(standing.permit.status).label if standing.permit is not None else "",
        "endorsement": standing.endorsement,
        "endorsement_editable": standing.endorsement is not None and standing.endorsement.status in EDITABLE_STATUSES,
        "endorse_form": endorse_form or EndorseForm(auto_id="endorse-%s"),
    }
    return render(request, "residents/my_permit.html", context, status=status)


@login_required
def my_permit(request: HttpRequest) -> HttpResponse:
    """The permit, its endorsement window and the endorsement under way; without a permit,
    the day from which the person may apply for one."""
    return _permit_page(request)


@login_required
@require_POST
def permit_endorse(request: HttpRequest) -> HttpResponse:
    """Start an endorsement (签注) application for the resident's permit, delivered as they chose."""
    resident = access.resident_of(request.user)
    if resident is None:
        raise Http404
    form = EndorseForm(request.POST, auto_id="endorse-%s")
    if form.is_valid():
        delivery = form.cleaned_data["delivery"]
        try:
            application = services.application_create(
                resident=resident,
                kind=Application.Kind.PERMIT_ENDORSEMENT,
                by=access.acting_user(request.user),
                delivery=delivery,
                # The address is kept only when the permit goes by post.
                postal_address=form.cleaned_data["postal_address"] if delivery == Application.Delivery.POST else "",
            )
        except (ValidationError, DomainError) as error:
            add_service_errors(form, error)
            return _permit_page(request, endorse_form=form, status=_error_status(error))
        messages.success(request, _("Your endorsement application is saved as a draft."))
        return redirect("residents:application", pk=application.pk)
    return _permit_page(request, endorse_form=form, status=400)
