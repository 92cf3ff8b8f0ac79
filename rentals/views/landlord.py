"""Pages of rental houses for the people they concern: the landlord (their houses, hazards,
rectifications, tenants, the notice), the tenant (the safety of the house they rent), and the
grid worker, the town and the district on one house's page.

Each view asks ``rentals.access`` for the object (404 when it may not be seen, 403 when the
action is not the caller's), calls a service or a selector, and renders or redirects (POST,
redirect, GET). The services' refusals are shown on the page, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.views import APIView

from nanhai_portal.api.errors import ServiceError
from nanhai_portal.api.schema import ERROR_RESPONSE
from nanhai_portal.areas.models import Grid
from nanhai_portal.bodylimit import accepts_upload
from nanhai_portal.errors import DomainError, InvalidTransition
from nanhai_portal.tenancy import is_district_scope
from rentals import access, notice, selectors, services
from rentals.forms import HAZARD_FORMS, HouseRegisterForm, RectifyForm, ReopenForm, TenancyAddForm, TenancyEndForm
from rentals.models import Hazard, HazardCategory, Inspection, Photo, RentalHouse, Tenancy
from residents.forms import add_service_errors
from residents.uploads import max_document_bytes

# --- What the pages share --------------------------------------------------------------


def _english() -> bool:
    return (get_language() or "").startswith("en")


def category_name(category: HazardCategory) -> str:
    """The category's name in the reader's language (both are data on the model)."""
    return category.name_en if _english() else category.name_zh


def category_ok(category: HazardCategory) -> str:
    return category.ok_en if _english() else category.ok_zh


def _inspect_url(house: RentalHouse) -> str:
    """The grid worker's inspection page (helper B's ``rentals:inspect``), or its plain path
    while that page is not in this build."""
    try:
        return reverse("rentals:inspect", kwargs={"house_id": house.pk})
    except NoReverseMatch:
        return f"/rentals/houses/{house.pk}/inspect/"


def _error_status(error: ValidationError | DomainError) -> int:
    return error.status if isinstance(error, DomainError) else 400


def _max_rectification_bytes() -> int:
    """The largest rectification request: every photo at the largest size."""
    from rentals import conf

    return max_document_bytes() * conf.max_photos()


# --- My rental houses -----------------------------------------------------------------


@login_required
def my_houses(request: HttpRequest) -> HttpResponse:
    """The signed-in person's houses as landlord (open hazards with deadlines, overdue ones
    marked), and the safety of the house they rent (without the landlord's personal data)."""
    now = timezone.now()
    let = list(selectors.houses_let_by(request.user))
    rented = list(selectors.houses_rented_by(request.user, today=timezone.localdate()))
    hazards: dict[Any, list[Hazard]] = {}
    houses = access.houses_visible_to(request.user).filter(pk__in=[house.pk for house in [*let, *rented]])
    for hazard in selectors.open_hazards_of(houses, now=now):
        hazards.setdefault(hazard.house_id, []).append(hazard)
    context = {
        "let": [(house, hazards.get(house.pk, []), selectors.next_inspection_due(house)) for house in let],
        "rented": [(house, hazards.get(house.pk, [])) for house in rented],
        "may_register": _may_register(request),
        "now": now,
    }
    return render(request, "rentals/landlord/my_houses.html", context)


# --- One house ------------------------------------------------------------------------


@login_required
def house_detail(request: HttpRequest, house_id: UUID) -> HttpResponse:
    """One house for whoever may see it, each seeing what is theirs: tenants only for the
    landlord, the grid worker and the town; the landlord's identity not for a tenant."""
    house = access.get_house_for(request.user, house_id)
    user = request.user
    now = timezone.now()
    manages = access.may(user, access.MANAGE, house)
    inspections = (
        Inspection.objects.in_current_scope()
        .filter(house=house)
        .select_related("inspector")
        .prefetch_related(Prefetch("photos", queryset=Photo.objects.in_current_scope()))
        .order_by("-inspected_at")[:10]
    )
    categories = selectors.categories_by_code()
    hazards = list(
        Hazard.objects.in_current_scope().filter(house=house).select_related("category").order_by("state", "due_at")
    )
    open_states = set(selectors.OPEN_STATES)
    context = {
        "house": house,
        "now": now,
        "next_due": selectors.next_inspection_due(house),
        "manages": manages,
        "shows_landlord": manages or is_district_scope(),
        "tenancies": list(selectors.current_tenancies(house, today=timezone.localdate())) if manages else [],
        "inspections": [(inspection, inspection.answer_list(categories)) for inspection in inspections],
        "hazards": [
            (hazard, category_name(hazard.category), hazard.state in open_states and hazard.due_at <= now)
            for hazard in hazards
        ],
        "inspect_url": _inspect_url(house) if access.may(user, access.INSPECT, house) else "",
        "notice_url": reverse("rentals:notice", kwargs={"house_id": house.pk}) if manages else "",
        "is_landlord": access.is_landlord(user, house),
        "category_name": category_name,
    }
    return render(request, "rentals/house_detail.html", context)


# --- Registering a house (出租屋登记) and its tenants ---------------------------------------


def _is_staff(request: HttpRequest) -> bool:
    return access.is_town_manager(request.user) or access.is_grid_worker(request.user)


def _may_register(request: HttpRequest) -> bool:
    """District roles read only; anyone else signed in may try (the service decides)."""
    return request.user.is_authenticated and not is_district_scope()


def _register_grids(request: HttpRequest) -> Any:
    if access.is_grid_worker(request.user):
        return access.grids_served_by(request.user).order_by("code")
    return Grid.objects.select_related("community").order_by("code")


@login_required
@require_http_methods(["GET", "POST"])
def house_register(request: HttpRequest) -> HttpResponse:
    """出租屋登记: a landlord registers their own house; the grid worker (in their grids) or a
    town officer registers one for a landlord named by ID number (``services.house_register``)."""
    if not _may_register(request):
        raise PermissionDenied(_("District roles read rental houses; the towns register them."))
    staff = _is_staff(request)
    form = HouseRegisterForm(
        request.POST if request.method == "POST" else None, grids=_register_grids(request), for_landlord=staff
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            house = services.house_register(
                by=access.acting_user(request.user),
                grid=data["grid"],
                address=data["address"],
                building_type=data["building_type"],
                floors=data["floors"],
                rooms=data["rooms"],
                landlord_id_number=data.get("landlord_id_number") or None,
                landlord_name=data.get("landlord_name") or "",
                landlord_mobile=data.get("landlord_mobile") or None,
            )
        except (ValidationError, DomainError) as error:
            add_service_errors(form, error)
            status = _error_status(error)
        else:
            messages.success(request, _("The house is registered: %(address)s.") % {"address": house.address})
            return redirect("rentals:house", house_id=house.pk)
    else:
        status = 400 if form.errors else 200
    return render(request, "rentals/house_register.html", {"form": form, "staff": staff}, status=status)


def _tenants_page(
    request: HttpRequest,
    house: RentalHouse,
    *,
    add_form: TenancyAddForm | None = None,
    end_form: TenancyEndForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "house": house,
        "tenancies": selectors.current_tenancies(house, today=timezone.localdate()),
        "add_form": add_form or TenancyAddForm(auto_id="add-%s"),
        "end_form": end_form,
        "today": timezone.localdate(),
    }
    return render(request, "rentals/house_tenants.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def house_tenants(request: HttpRequest, house_id: UUID) -> HttpResponse:
    """The house's tenants: add one (a resident of the town, by ID number) or end a tenancy;
    for the landlord, the grid worker and the town (``access.MANAGE``)."""
    house = access.get_house_for(request.user, house_id, action=access.MANAGE)
    if request.method == "GET":
        return _tenants_page(request, house)
    by = access.acting_user(request.user)
    if request.POST.get("op") == "end":
        end_form = TenancyEndForm(request.POST, auto_id="end-%s")
        if not end_form.is_valid():
            return _tenants_page(request, house, end_form=end_form, status=400)
        tenancy = Tenancy.objects.filter(pk=end_form.cleaned_data["tenancy"], house=house).first()
        if tenancy is None:
            raise Http404
        try:
            services.tenancy_end(tenancy=tenancy, to_date=end_form.cleaned_data["to_date"], by=by)
        except (ValidationError, DomainError) as error:
            add_service_errors(end_form, error)
            return _tenants_page(request, house, end_form=end_form, status=_error_status(error))
        messages.success(request, _("The tenancy ends on %(date)s.") % {"date": end_form.cleaned_data["to_date"]})
        return redirect("rentals:tenants", house_id=house.pk)
    add_form = TenancyAddForm(request.POST, auto_id="add-%s")
    if not add_form.is_valid():
        return _tenants_page(request, house, add_form=add_form, status=400)
    try:
        resident = selectors.town_resident_by_id_number(add_form.cleaned_data["id_number"])
    except ValidationError as error:
        add_form.add_error("id_number", error)
        return _tenants_page(request, house, add_form=add_form, status=400)
    if resident is None:
        add_form.add_error(
            "id_number", _("No resident of this town has this ID number: the tenant registers their residence first.")
        )
        return _tenants_page(request, house, add_form=add_form, status=400)
    try:
        services.tenancy_add(house=house, resident=resident, from_date=add_form.cleaned_data["from_date"], by=by)
    except (ValidationError, DomainError) as error:
        add_service_errors(add_form, error)
        return _tenants_page(request, house, add_form=add_form, status=_error_status(error))
    messages.success(request, _("Tenant added: %(name)s.") % {"name": resident.person.name})
    return redirect("rentals:tenants", house_id=house.pk)


# --- One hazard and its actions -------------------------------------------------------


HISTORY_LABELS = {
    "opened": gettext_lazy("Found in an inspection"),
    "rentals.hazard_rectification_submitted": gettext_lazy("Rectification submitted"),
    "rentals.hazard_reopened": gettext_lazy("Reopened"),
    "rentals.hazard_verified": gettext_lazy("Fix verified by the grid worker"),
    "escalated": gettext_lazy("Escalated to the town"),
}


def _history(hazard: Hazard) -> list[tuple[datetime, str, str]]:
    """What happened to the hazard, oldest first: (when, what, note)."""
    return [
        (step.at, str(HISTORY_LABELS.get(step.action, step.action)), step.note)
        for step in selectors.hazard_history(hazard)
    ]


def _hazard_page(
    request: HttpRequest,
    hazard: Hazard,
    *,
    failed: tuple[str, Any] | None = None,
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    actions = services.hazard_actions(hazard, access.acting_user(request.user))
    forms: dict[str, Any] = {}
    for action in actions:
        if failed is not None and failed[0] == action:
            forms[action] = failed[1]
        else:
            forms[action] = HAZARD_FORMS[action](auto_id=f"{action}-%s")
    inspection_photos = (
        Photo.objects.in_current_scope().filter(inspection_id=hazard.inspection_id).order_by("uploaded_at")
    )
    context = {
        "hazard": hazard,
        "house": hazard.house,
        "category_name": category_name(hazard.category),
        "category_ok": category_ok(hazard.category),
        "overdue": hazard.state in selectors.OPEN_STATES and hazard.due_at <= now,
        "inspection_photos": [photo for photo in inspection_photos if photo.category_id in (None, hazard.category_id)],
        "rectification_photos": list(Photo.objects.in_current_scope().filter(hazard=hazard).order_by("uploaded_at")),
        "history": _history(hazard),
        "actions": actions,
        "forms": forms,
        "refusal": refusal,
        "now": now,
    }
    return render(request, "rentals/hazard_detail.html", context, status=status)


def _hazard(request: HttpRequest, hazard_id: UUID, *, action: str = access.VIEW) -> Hazard:
    found = access.get_hazard_for(request.user, hazard_id, action=action)
    return (
        Hazard.objects.in_current_scope()
        .select_related("house__grid", "house__community", "category", "inspection")
        .get(pk=found.pk)
    )


@login_required
def hazard_detail(request: HttpRequest, hazard_id: UUID) -> HttpResponse:
    """The hazard: category, severity, deadline, photos, history, and the actions the caller
    may take now (``services.hazard_actions``)."""
    return _hazard_page(request, _hazard(request, hazard_id))


HAZARD_SERVICES: dict[str, Callable[..., Hazard]] = {
    "rectify": services.hazard_rectify,
    "verify": services.hazard_verify,
    "reopen": services.hazard_reopen,
}
DONE_MESSAGES = {
    "rectify": gettext_lazy("Your rectification is sent: the grid worker will check it on a return visit."),
    "verify": gettext_lazy("The fix is verified: the hazard is closed."),
    "reopen": gettext_lazy("The hazard is open again; the landlord is told."),
}


@accepts_upload(_max_rectification_bytes)
@login_required
@require_POST
def hazard_action(request: HttpRequest, hazard_id: UUID, action: str) -> HttpResponse:
    """Rectify (the landlord: note and photos), verify or reopen (the grid worker: reason).
    A hazard not in a state that allows the action: a clear message (409), nothing changed."""
    if action not in services.HAZARD_ACTIONS_FROM:
        raise Http404
    hazard = _hazard(request, hazard_id, action=services.HAZARD_ACTION_BY[action])
    by = access.acting_user(request.user)
    if action not in services.hazard_actions(hazard, by):
        message = _("This hazard is %(state)s: it cannot be done now.") % {"state": hazard.get_state_display()}
        return _hazard_page(request, hazard, refusal=message, status=409)
    form = HAZARD_FORMS[action](request.POST, request.FILES, auto_id=f"{action}-%s")
    if not form.is_valid():
        return _hazard_page(request, hazard, failed=(action, form), status=400)
    arguments: dict[str, Any] = {"hazard": hazard, "by": by}
    if isinstance(form, RectifyForm):
        arguments.update(note=form.cleaned_data["note"], photos=form.cleaned_data["photos"])
    elif isinstance(form, ReopenForm):
        arguments.update(reason=form.cleaned_data["reason"])
    try:
        HAZARD_SERVICES[action](**arguments)
    except InvalidTransition as error:  # changed by someone else since the page was read
        return _hazard_page(request, _hazard(request, hazard_id), refusal=error.message, status=409)
    except (ValidationError, DomainError) as error:
        add_service_errors(form, error)
        return _hazard_page(request, _hazard(request, hazard_id), failed=(action, form), status=_error_status(error))
    messages.success(request, str(DONE_MESSAGES[action]))
    return redirect("rentals:hazard", hazard_id=hazard.pk)


# --- Files: a photo, the notice -------------------------------------------------------


@login_required
def photo(request: HttpRequest, photo_id: UUID) -> FileResponse:
    """A photo, to whoever may see its inspection or hazard (404 otherwise)."""
    found = access.get_photo_for(request.user, photo_id)
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    extension = {"image/jpeg": "jpg", "image/png": "png"}.get(found.content_type, "bin")
    response["Content-Disposition"] = f'inline; filename="photo-{str(found.pk)[:8]}.{extension}"'
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def notice_response(house: RentalHouse, by: Any) -> HttpResponse:
    """The notice as a PDF download (the page and the API answer the same)."""
    now = timezone.now()
    pdf = notice.notice_issue(house=house, by=access.acting_user(by), now=now)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{notice.notice_file_name(house, now=now)}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def house_notice(request: HttpRequest, house_id: UUID) -> HttpResponse:
    """整改通知书 of the house: for the landlord, the grid worker and the town (``access.MANAGE``);
    503 with a clear page when the font is missing."""
    house = access.get_house_for(request.user, house_id, action=access.MANAGE)
    try:
        return notice_response(house, request.user)
    except notice.NoticeFontMissing as error:
        return render(
            request, "rentals/house_notice_unavailable.html", {"house": house, "message": error.message}, status=503
        )


class HouseNoticeApi(APIView):
    """``GET /api/v1/rental-houses/{id}/notice.pdf``: the house's rectification notice (整改通知书)."""

    @extend_schema(
        operation_id="rental_houses_notice_retrieve",
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The notice: A4, in Chinese, with the open hazards."
            ),
            503: ERROR_RESPONSE,
        },
    )
    def get(self, request: Request, pk: UUID) -> HttpResponse:
        """For the landlord, the grid worker of the house's grid and the town's officers; 404 for
        a house the caller may not see, 403 for one they see but may not manage; 503 when the
        notice's font is not installed."""
        house = access.get_house_for(request.user, pk, action=access.MANAGE)
        try:
            return notice_response(house, request.user)
        except notice.NoticeFontMissing as error:
            raise ServiceError(error.code, error.message, status.HTTP_503_SERVICE_UNAVAILABLE) from None
