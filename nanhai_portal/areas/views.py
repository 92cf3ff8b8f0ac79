"""Pages: the villages and communities of a town, and a grid worker's grids."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from nanhai_portal.areas import access, selectors


@login_required
@permission_required(access.OVERSEE_GRIDS_PERMISSION, raise_exception=True)
def community_list(request: HttpRequest) -> HttpResponse:
    """The caller's town's villages and communities with their grids (every town's for district roles).

    For staff who oversee grids (model permission ``areas.view_grid``).
    """
    town = request.GET.get("town") or None
    communities = selectors.community_list_with_grid_counts(user=request.user, town=town)
    page = Paginator(communities, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "areas/community_list.html",
        {
            "page": page,
            "towns": access.towns_visible_to(request.user),
            "town": town,
            "counts": selectors.community_count_by_kind(user=request.user, town=town),
        },
    )


@login_required
def my_grids(request: HttpRequest) -> HttpResponse:
    """The grids a grid worker serves."""
    return render(request, "areas/my_grids.html", {"grids": access.grids_served_by(request.user)})
