"""Pages of the town's officers and the district: the town's hazards (by state, category, grid,
community, overdue), the escalation queues (区镇联动) and the houses list.

Thin: parse the filters, ask ``rentals.access`` who may look and ``rentals.selectors`` what
they see, render. A grid worker, a landlord or a tenant gets 403 here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from nanhai_portal.accounts.models import Caller
from nanhai_portal.areas.access import communities_visible_to, grids_visible_to
from nanhai_portal.areas.selectors import town_list
from nanhai_portal.tenancy import is_district_scope
from rentals import access, conf, selectors
from rentals.models import Hazard, HazardCategory
from rentals.services import ESCALATED_TO_DISTRICT

PAGE_SIZE = 50
YES_NO = {"yes": True, "no": False}

# The configured risk classes' names, where the code is one we know (others show their code).
RISK_CLASS_NAMES = {
    "key": pgettext_lazy("risk class", "key house"),
    "ordinary": pgettext_lazy("risk class", "ordinary house"),
}


def risk_class_name(code: str) -> str:
    return str(RISK_CLASS_NAMES.get(code, code))


def category_names() -> dict[str, str]:
    """Every checklist category's name in the reader's language, by code."""
    english = (get_language() or "").startswith("en")
    return {
        code: en if english else zh for code, zh, en in HazardCategory.objects.values_list("code", "name_zh", "name_en")
    }


def _link(name: str, **kwargs: Any) -> str | None:
    """The URL of another part's page (the hazard and house pages), or None while that part is
    not installed: the lists work on their own."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def _days_overdue(due_at: datetime, now: datetime) -> int:
    """Whole days past ``due_at`` (0 on the day it fell due)."""
    return max((now - due_at).days, 0)


# --- Filters ---------------------------------------------------------------------------


class _AreaFilterForm(forms.Form):
    """The area filters every officers' page has: the town (district roles only), the community
    and the grid (of the town chosen; a district role chooses a town first)."""

    town = forms.ChoiceField(label=_("Town"), required=False)
    community: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Community"), required=False, queryset=None)
    grid: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Grid"), required=False, queryset=None)

    def __init__(self, data: QueryDict, *, user: Caller) -> None:
        super().__init__(data)
        town_field: Any = self.fields["town"]
        town_field.choices = [("", _("All towns")), *town_list().values_list("code", "name")]
        district = is_district_scope()
        town = data.get("town") or None
        if not district:
            del self.fields["town"]
        elif town not in dict(town_field.choices):
            town = None
        if district and town is None:
            # Every town's communities and grids would be a list of thousands: choose a town first.
            del self.fields["community"], self.fields["grid"]
            return
        communities = communities_visible_to(user).order_by("code")
        grids = grids_visible_to(user).order_by("code")
        if town is not None:
            communities, grids = communities.filter(town_id=town), grids.filter(town_id=town)
        community: Any = self.fields["community"]
        community.queryset = communities
        community.empty_label = _("All communities")
        grid: Any = self.fields["grid"]
        grid.queryset = grids
        grid.empty_label = _("All grids")
        grid.label_from_instance = lambda item: f"{item.name} ({item.code})"

    def area(self) -> dict[str, Any]:
        """The valid area filters, for the selectors (an invalid one is dropped, and shown)."""
        return {name: _valid(self, name) for name in ("town", "community", "grid")}


class HazardFilterForm(_AreaFilterForm):
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states")), *Hazard.State.choices])
    category = forms.ChoiceField(label=_("Category"), required=False)
    overdue = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[("", _("All")), ("yes", _("Overdue only")), ("no", _("Not overdue"))],
    )

    def __init__(self, data: QueryDict, *, user: Caller, categories: dict[str, str]) -> None:
        super().__init__(data, user=user)
        category: Any = self.fields["category"]
        category.choices = [("", _("All categories")), *categories.items()]


class HouseFilterForm(_AreaFilterForm):
    risk_class = forms.ChoiceField(label=_("Risk class"), required=False)
    due = forms.ChoiceField(
        label=_("Inspection"),
        required=False,
        choices=[("", _("All")), ("yes", _("Due for inspection")), ("no", _("Not due"))],
    )

    def __init__(self, data: QueryDict, *, user: Caller) -> None:
        super().__init__(data, user=user)
        risk_class: Any = self.fields["risk_class"]
        risk_class.choices = [("", _("All classes")), *((code, risk_class_name(code)) for code in conf.risk_classes())]


def _valid(form: forms.Form, name: str) -> Any:
    """The cleaned value of one filter, or None when it is absent or invalid."""
    form.is_valid()
    if name in form.errors or name not in form.fields:
        return None
    return form.cleaned_data.get(name) or None


def _query(data: QueryDict, form: forms.Form) -> str:
    """The filters of ``form`` in ``data`` (no page), for the pager's links."""
    return urlencode({name: value for name in form.fields if (value := data.get(name))})


def _page(request: HttpRequest, items: QuerySet[Any]) -> tuple[Page, list[Any]]:
    """The requested page of ``items`` and its rows. The ids are counted and paged on a narrow
    query (no joins, no annotations); only the page's rows are then read with all they show."""
    page = Paginator(items.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    ids = list(page)
    found = {item.pk: item for item in items.filter(pk__in=ids)}
    return page, [found[pk] for pk in ids if pk in found]


# --- The counts above the hazards list (a bar chart, and the table it draws) -------------


@dataclass(frozen=True)
class Bar:
    code: str
    label: str
    count: int
    percent: int  # of the largest bar, for the drawing


def _bars(counts: dict[str, int], labels: dict[str, str]) -> list[Bar]:
    largest = max(counts.values(), default=0)
    return [
        Bar(code, labels.get(code, code), count, round(100 * count / largest) if largest else 0)
        for code, count in counts.items()
    ]


# --- Pages -------------------------------------------------------------------------------


@login_required
@require_safe
def hazards(request: HttpRequest) -> HttpResponse:
    """The town's hazards (every town's for the district), filtered, with counts by state and
    by category at the top; the nearest deadline first."""
    access.require_oversight(request.user)
    now = timezone.now()
    categories = category_names()
    form = HazardFilterForm(request.GET, user=request.user, categories=categories)
    area = form.area()
    overdue = YES_NO.get(_valid(form, "overdue") or "")
    state, category = _valid(form, "state"), _valid(form, "category")
    found = selectors.hazards_listed(request.user, now=now, state=state, category=category, overdue=overdue, **area)
    # Each count leaves out its own filter, so that the other states (categories) stay in view.
    by_state = selectors.hazards_listed(request.user, now=now, category=category, overdue=overdue, **area)
    by_category = selectors.hazards_listed(request.user, now=now, state=state, overdue=overdue, **area)
    page, shown = _page(request, found)
    rows = [
        {
            "hazard": hazard,
            "category": categories.get(hazard.category_id, hazard.category_id),
            "overdue": hazard.state in selectors.OPEN_STATES and hazard.due_at <= now,
            "days_overdue": _days_overdue(hazard.due_at, now),
            "url": _link("rentals:hazard", hazard_id=hazard.pk),
            "house_url": _link("rentals:house", house_id=hazard.house_id),
        }
        for hazard in shown
    ]
    return render(
        request,
        "rentals/officer/hazards.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "district": is_district_scope(),
            "state_bars": _bars(
                selectors.hazard_counts(by_state, "state"), {code: str(label) for code, label in Hazard.State.choices}
            ),
            "category_bars": _bars(selectors.hazard_counts(by_category, "category"), categories),
            "filters": _query(request.GET, form),
        },
    )


@login_required
@require_safe
def escalations(request: HttpRequest) -> HttpResponse:
    """The escalation queue: for a town's officers the town's escalated hazards (level 1 and
    up); for the district the district's list (level 2) of every town. Oldest deadline first."""
    access.require_oversight(request.user)
    now = timezone.now()
    categories = category_names()
    page, shown = _page(request, selectors.escalation_queue(request.user))
    workers = selectors.grid_workers(hazard.house.grid_id for hazard in shown)
    rows = [
        {
            "hazard": hazard,
            "category": categories.get(hazard.category_id, hazard.category_id),
            "to_district": hazard.escalated_level >= ESCALATED_TO_DISTRICT,
            "days_overdue": _days_overdue(hazard.due_at, now),
            "workers": workers.get(hazard.house.grid_id, []),
            "url": _link("rentals:hazard", hazard_id=hazard.pk),
            "house_url": _link("rentals:house", house_id=hazard.house_id),
        }
        for hazard in shown
    ]
    return render(
        request,
        "rentals/officer/escalations.html",
        {"page": page, "rows": rows, "district": is_district_scope(), "second_deadline": conf.second_deadline().days},
    )


@login_required
@require_safe
def houses(request: HttpRequest) -> HttpResponse:
    """The town's rental houses (every town's for the district), filtered by area, risk class
    and whether an inspection is due."""
    access.require_oversight(request.user)
    now = timezone.now()
    form = HouseFilterForm(request.GET, user=request.user)
    risk_class = _valid(form, "risk_class")
    due = YES_NO.get(_valid(form, "due") or "")
    page, shown = _page(
        request, selectors.houses_listed(request.user, now=now, risk_class=risk_class, due=due, **form.area())
    )
    rows = [
        {
            "house": house,
            "risk_class": risk_class_name(house.risk_class),
            "due": house.status != house.Status.CLOSED and house.inspection_due <= now,
            "url": _link("rentals:house", house_id=house.pk),
        }
        for house in shown
    ]
    return render(
        request,
        "rentals/officer/houses.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "district": is_district_scope(),
            "filters": _query(request.GET, form),
        },
    )
