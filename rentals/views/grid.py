"""The grid worker's pages (网格员): today's work, the one-screen inspection, and what makes
them work without signal: the web app manifest and the service worker (``/rentals/sw.js``,
scope ``/rentals/``).

The inspection page works as a plain form (``services.inspection_submit``, with a client id
from a hidden field, so that a double submit records one inspection). With JavaScript
(``rentals/grid.js``) the same form goes into the phone's queue (IndexedDB) and is sent to the
API's offline batch (``POST /api/v1/inspections/sync/``) whenever there is signal. Who may see
and inspect which house is ``rentals.access``: another grid's house is a 404, a house seen by
someone who is not its grid worker a 403.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from nanhai_portal.accounts.models import User
from nanhai_portal.bodylimit import accepts_upload
from nanhai_portal.errors import DomainError
from rentals import access, conf, selectors, services
from rentals.models import Hazard, HazardCategory, RentalHouse, Result
from residents.uploads import max_document_bytes

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "rentals"
PLAIN_FORM_PHOTOS = 4  # photos one plain form post may carry (the offline queue sends them one by one)
NOTE_MAX = 2000  # the general note; the API takes as much
ITEM_NOTE_MAX = 500  # a category's note, as the API takes it

# What the configured risk classes (``conf.risk_classes()``) are called on the pages; a class
# configured without a name here shows its code.
RISK_CLASS_NAMES = {"key": _("key house (monthly)"), "ordinary": _("ordinary house (quarterly)")}
RESULT_LABELS: dict[str, Any] = {Result.OK: _("OK"), Result.HAZARD: _("Hazard"), Result.NA: _("N/A")}


def _grid_worker(request: HttpRequest) -> User:
    """The signed-in grid worker (the pages are theirs alone: 403 for anyone else)."""
    user = access.acting_user(request.user)
    if not access.is_grid_worker(user):
        raise PermissionDenied(gettext("These pages are for grid workers."))
    return user


def _in_english() -> bool:
    return (get_language() or "").startswith("en")


def risk_class_name(code: str) -> str:
    return str(RISK_CLASS_NAMES.get(code, code))


def _categories() -> list[dict[str, str]]:
    """The checklist's active categories in the reader's language, in their order."""
    english = _in_english()
    return [
        {
            "code": category.code,
            "name": category.name_en if english else category.name_zh,
            "ok": category.ok_en if english else category.ok_zh,
            "severity": category.default_severity,
        }
        for category in HazardCategory.objects.filter(retired_at=None).order_by("sort_order", "code")
    ]


def _house_data(house: RentalHouse) -> dict[str, Any]:
    """What the phone keeps of a house for the offline inspection page."""
    last = house.last_inspected_at
    return {
        "id": str(house.pk),
        "address": house.address,
        "grid": house.grid.name,
        "risk_class": risk_class_name(house.risk_class),
        "last_inspected": timezone.localtime(last).strftime("%Y-%m-%d") if last else "",
    }


def _offline_settings(user: User) -> dict[str, Any]:
    """What grid.js needs to know of the server: the API paths the issue fixes for clients,
    the pages' addresses, the limits, and whose queue it is (a phone passed to another worker
    keeps the first one's inspections, and sends only its own worker's)."""
    return {
        "user": str(user.pk),
        "sync_url": "/api/v1/inspections/sync/",
        "photos_url": "/api/v1/inspections/{id}/photos/",
        "today_url": reverse("rentals:today"),
        "sw_url": reverse("rentals:service-worker"),
        "batch_limit": conf.max_sync_batch(),
    }


def _no_http_cache(response: HttpResponse) -> HttpResponse:
    """Personal pages: never from the browser's HTTP cache (the service worker keeps its own
    copy for offline use, and refreshes it whenever there is signal)."""
    patch_cache_control(response, private=True, no_cache=True, max_age=0)
    return response


# --- Today's work ------------------------------------------------------------------


PAGE_MAX = 10_000  # a page number past it is read as the last one could be (an empty page)


def _page_number(request: HttpRequest) -> int:
    """``?page=`` of the today list: a whole number from 1; anything else is the first page."""
    raw = request.GET.get("page", "")
    if raw.isascii() and raw.isdigit() and len(raw) <= 6 and int(raw) >= 1:
        return min(int(raw), PAGE_MAX)
    return 1


def _url_for_each(name: str, kwarg: str) -> Callable[[Any], str]:
    """``reverse(name, kwargs={kwarg: pk})`` for the many ids of a page at the cost of one
    ``reverse``: the pattern is reversed once around a placeholder id."""
    placeholder = str(uuid.UUID(int=0))
    prefix, suffix = reverse(name, kwargs={kwarg: placeholder}).split(placeholder)
    return lambda pk: f"{prefix}{pk}{suffix}"


def _house_cards(houses: list[RentalHouse]) -> list[dict[str, Any]]:
    """The due houses as the today page shows them, their links and sentences made here: 40
    cards of ``{% url %}`` and ``{% blocktranslate %}`` cost the template more than the rest of
    the page."""
    house_url, inspect_url = _url_for_each("rentals:house", "house_id"), _url_for_each("rentals:inspect", "house_id")
    never = gettext("Never inspected")
    cards = []
    for house in houses:
        last = house.last_inspected_at
        cards.append(
            {
                "house": house,
                "url": house_url(house.pk),
                "inspect_url": inspect_url(house.pk),
                "risk_class": risk_class_name(house.risk_class),
                "last": gettext("Last inspected %(last)s") % {"last": _local(last, "%Y-%m-%d")} if last else never,
                "inspect_label": gettext("Inspect %(address)s") % {"address": house.address},
            }
        )
    return cards


def _hazard_cards(hazards: list[Hazard], *, overdue: bool) -> list[dict[str, Any]]:
    """The overdue hazards or the return visits as the today page shows them (as ``_house_cards``)."""
    hazard_url = _url_for_each("rentals:hazard", "hazard_id")
    english = _in_english()
    cards = []
    for hazard in hazards:
        if overdue:
            when = gettext("Overdue since %(due)s") % {"due": _local(hazard.due_at, "%Y-%m-%d %H:%M")}
        elif hazard.rectified_at:
            when = gettext("The landlord reported it fixed on %(at)s: verify it.") % {
                "at": _local(hazard.rectified_at, "%Y-%m-%d")
            }
        else:
            when = str(hazard.get_state_display())
        cards.append(
            {
                "hazard": hazard,
                "url": hazard_url(hazard.pk),
                "category": hazard.category.name_en if english else hazard.category.name_zh,
                "when": when,
                "state": hazard.get_state_display(),
            }
        )
    return cards


def _local(moment: datetime, format_string: str) -> str:
    """``moment`` in the local time zone, as the ``date`` filter shows it with a format of
    digits alone (``%Y-%m-%d``), which ``strftime`` makes at a fraction of the cost."""
    return timezone.localtime(moment).strftime(format_string)


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    """The grid worker's day in their own grids: overdue hazards, the houses due for
    inspection, the hazards waiting for a return visit."""
    user = _grid_worker(request)
    now = timezone.now()
    day = selectors.grid_worker_day(user, now=now, page=_page_number(request))
    houses = _house_cards(day.houses)
    offline = {
        "houses": [_house_data(house) for house in day.houses],
        "categories": _categories(),
        "saved_at": now.isoformat(),
        "page": day.page,  # the first page replaces the phone's houses, a later one adds to them
    }
    context = {
        "day": day,
        "houses": houses,
        "overdue": _hazard_cards(day.overdue, overdue=True),
        "return_visits": _hazard_cards(day.return_visits, overdue=False),
        "grids": day.grids,
        "now": now,
        "offline": offline,
        "offline_settings": _offline_settings(access.acting_user(request.user)),
    }
    return _no_http_cache(render(request, "rentals/grid/today.html", context))


# --- The one-screen inspection -----------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class InspectionForm(forms.Form):
    """The inspection page: every active category answered ok / hazard / n.a., a note per
    answer, photos, the optional location and a general note. ``client_id`` is made when the
    page is shown, so that the same form posted twice records one inspection."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    latitude = forms.DecimalField(
        required=False, min_value=Decimal(-90), max_value=Decimal(90), decimal_places=6, widget=forms.HiddenInput
    )
    longitude = forms.DecimalField(
        required=False, min_value=Decimal(-180), max_value=Decimal(180), decimal_places=6, widget=forms.HiddenInput
    )
    note = forms.CharField(label=_("General note"), required=False, max_length=NOTE_MAX, widget=forms.Textarea)

    def __init__(self, *args: Any, categories: list[dict[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = categories
        choices = [(value, RESULT_LABELS[value]) for value in Result.values]
        for category in categories:
            code = category["code"]
            self.fields[f"result_{code}"] = forms.ChoiceField(
                label=category["name"],
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Answer this category: ok, hazard or n.a.")},
            )
            self.fields[f"note_{code}"] = forms.CharField(label=_("Note"), required=False, max_length=ITEM_NOTE_MAX)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        known = {category["code"] for category in self.categories}
        unknown = sorted(
            key.removeprefix("result_")
            for key in self.data
            if key.startswith("result_") and key.removeprefix("result_") not in known
        )
        if unknown:
            # A category retired since the page was made, or one that never was.
            raise forms.ValidationError(
                gettext("Unknown or retired category: %(codes)s. Reload the page and answer again.")
                % {"codes": ", ".join(unknown)[:200]},
                code="unknown_category",
            )
        if any(f"result_{code}" in self.errors for code in known):
            raise forms.ValidationError(gettext("Answer every category: ok, hazard or n.a."), code="missing_answers")
        return cleaned

    def items(self) -> list[dict[str, str]]:
        """The answers as the service takes them."""
        return [
            {
                "category": category["code"],
                "result": self.cleaned_data[f"result_{category['code']}"],
                "note": self.cleaned_data.get(f"note_{category['code']}", ""),
            }
            for category in self.categories
        ]

    def location(self) -> tuple[Decimal, Decimal] | None:
        latitude, longitude = self.cleaned_data.get("latitude"), self.cleaned_data.get("longitude")
        return (latitude, longitude) if latitude is not None and longitude is not None else None

    def checklist(self) -> list[tuple[dict[str, str], forms.BoundField, forms.BoundField]]:
        return [
            (category, self[f"result_{category['code']}"], self[f"note_{category['code']}"])
            for category in self.categories
        ]


def _plain_form_bytes() -> int:
    return max_document_bytes() * PLAIN_FORM_PHOTOS


def _photos(request: HttpRequest, form: InspectionForm) -> list[UploadedFile]:
    photos: list[UploadedFile] = request.FILES.getlist("photos")
    if len(photos) > PLAIN_FORM_PHOTOS:
        form.add_error(
            None,
            ngettext(
                "At most %(limit)d photo at a time from this form.",
                "At most %(limit)d photos at a time from this form.",
                PLAIN_FORM_PHOTOS,
            )
            % {"limit": PLAIN_FORM_PHOTOS},
        )
    return photos


def _inspect_page(
    request: HttpRequest, form: InspectionForm, house: RentalHouse | None, *, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "house": house,
        "offline_settings": _offline_settings(access.acting_user(request.user)),
        "photo_limit": PLAIN_FORM_PHOTOS,
        "risk_class": risk_class_name(house.risk_class) if house is not None else "",
    }
    return _no_http_cache(render(request, "rentals/grid/inspect.html", context, status=status))


@accepts_upload(_plain_form_bytes)
@login_required
@require_http_methods(["GET", "POST"])
def inspect(request: HttpRequest, house_id: UUID) -> HttpResponse:
    """One screen: the checklist as large ok / hazard / n.a. buttons, a note per answer,
    photos from the camera, the optional location, a general note, one submit."""
    house = access.get_house_for(request.user, house_id, action=access.INSPECT)
    by = access.acting_user(request.user)
    categories = _categories()
    if request.method != "POST":
        form = InspectionForm(initial={"client_id": uuid.uuid4()}, categories=categories)
        return _inspect_page(request, form, house)
    form = InspectionForm(request.POST, categories=categories)
    photos = _photos(request, form)
    if not form.is_valid():
        return _inspect_page(request, form, house, status=400)
    try:
        recorded = services.inspection_submit(
            house=house,
            client_id=form.cleaned_data["client_id"],
            items=form.items(),
            photos=photos,
            by=by,
            inspected_at=timezone.now(),
            location=form.location(),
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return _inspect_page(request, form, house, status=error.status)
    hazards = sum(1 for item in form.items() if item["result"] == Result.HAZARD)
    if recorded.created:
        messages.success(
            request,
            ngettext(
                "Inspection of %(address)s recorded: %(count)d hazard found.",
                "Inspection of %(address)s recorded: %(count)d hazards found.",
                hazards,
            )
            % {"address": house.address, "count": hazards},
        )
    else:
        messages.info(request, gettext("This inspection was recorded already."))
    return redirect("rentals:today")


@login_required
@require_GET
def inspect_offline(request: HttpRequest) -> HttpResponse:
    """The inspection page without a house: the service worker keeps it and answers with it
    for any house's inspection page while there is no signal; grid.js fills in the house
    from what the today page saved on the phone."""
    _grid_worker(request)
    form = InspectionForm(initial={"client_id": uuid.uuid4()}, categories=_categories())
    return _inspect_page(request, form, None)


# --- Installable and offline: the manifest and the service worker -------------------


ICON_SIZES = (192, 512)


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: "add to home screen" opens today's work, full screen."""
    data = {
        "name": gettext("Nanhai grid worker: today's inspections"),
        "short_name": gettext("Inspections"),
        "lang": get_language() or "zh-hans",
        "start_url": reverse("rentals:today"),
        "scope": "/rentals/",
        "display": "standalone",
        "background_color": "#f5f6f8",
        "theme_color": "#b71c1c",
        "icons": [
            {
                "src": static(f"rentals/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in ICON_SIZES
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


def precache_urls() -> list[str]:
    """What the service worker keeps on install: the pages' shell and their assets."""
    return [
        reverse("rentals:today"),
        reverse("rentals:inspect-offline"),
        static("css/portal.css"),
        static("notifications/notifications.css"),  # the header's inbox link (base.html)
        static("rentals/grid.css"),
        static("rentals/grid.js"),
        *[static(f"rentals/icon-{size}.png") for size in ICON_SIZES],
    ]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The vendored service worker (``rentals/static/rentals/sw.js``), served from /rentals/ so
    that its scope is /rentals/, with its settings in front: what to precache, and a version
    that changes whenever the worker or an asset address changes (a new worker then installs
    and drops the old caches). ``no-cache``: the browser asks every time whether it changed."""
    source = (STATIC_DIR / "sw.js").read_text(encoding="utf-8")
    urls = precache_urls()
    version = hashlib.sha256((source + "\n".join(urls)).encode()).hexdigest()[:16]
    worker_settings = {
        "version": version,
        "precache": urls,
        "today": reverse("rentals:today"),
        "shell": reverse("rentals:inspect-offline"),
        "login": reverse("login"),
        "static": settings.STATIC_URL,
    }
    body = f"self.NANHAI_SW = {json.dumps(worker_settings)};\n{source}"
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    patch_cache_control(response, no_cache=True, max_age=0)
    return response
