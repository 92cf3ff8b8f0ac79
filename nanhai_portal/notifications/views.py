"""Pages: the inbox (/inbox/), and the progress of fan-outs (/inbox/fanouts/)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from nanhai_portal.notifications import access, segments, selectors, services

PAGE_SIZE = 20
REFRESH_SECONDS = 5


def _back_to_inbox(request: HttpRequest) -> HttpResponseRedirect:
    page = request.POST.get("page", "")
    url = reverse("notifications:inbox")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The signed-in person's notifications, newest first, unread ones marked."""
    page = Paginator(access.inbox_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    can_follow_fanouts = access.may_follow_fanouts(request.user)
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread": selectors.unread_count(request.user), "can_follow_fanouts": can_follow_fanouts},
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: UUID) -> HttpResponse:
    notification = access.get_notification_for(request.user, notification_id)
    services.notification_mark_read(notification=notification)
    return _back_to_inbox(request)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    marked = services.notification_mark_all_read(user=request.user)
    if marked:
        messages.success(
            request,
            ngettext("%(count)d message marked as read.", "%(count)d messages marked as read.", marked)
            % {"count": marked},
        )
    return _back_to_inbox(request)


@login_required
def fanout_list(request: HttpRequest) -> HttpResponse:
    """The fan-outs the signed-in official may follow, newest first."""
    page = Paginator(access.fanouts_visible_to(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/fanout_list.html", {"page": page})


@login_required
def fanout_detail(request: HttpRequest, fanout_id: UUID) -> HttpResponse:
    """One fan-out's progress; the page refreshes itself (without JavaScript) while it runs or
    while its messages are still being sent."""
    fanout = access.get_fanout_for(request.user, fanout_id)
    segment = segments.segment_named(fanout.segment)
    delivery = selectors.fanout_delivery(fanout)
    is_sending = any(counts["pending"] or counts["sending"] for counts in delivery.values())
    response = render(
        request,
        "notifications/fanout_detail.html",
        {
            "fanout": fanout,
            "segment_label": segment.label if segment else fanout.segment,
            "delivery": delivery,
            "refresh_seconds": REFRESH_SECONDS,
            "is_refreshing": fanout.is_running or is_sending,
        },
    )
    if fanout.is_running or is_sending:
        response["Refresh"] = str(REFRESH_SECONDS)  # what <meta http-equiv="refresh"> does, as a header
    return response
