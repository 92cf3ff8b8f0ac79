"""Pages: browse and filter the audit trail; export it as CSV."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from nanhai_portal.audit import access
from nanhai_portal.audit.readable import Reader, readable
from nanhai_portal.audit.selectors import filtered_audit_events
from nanhai_portal.exports import csv_writer
from nanhai_portal.tenancy.context import in_current_scope


@login_required
@permission_required(access.VIEW_PERMISSION, raise_exception=True)
def event_list(request: HttpRequest) -> HttpResponse:
    event_filter, events = filtered_audit_events(
        access.audit_events_visible_to(request.user), request.GET, district=_is_district(request.user)
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": event_filter, "page": page, "events": readable(page), "query": query.urlencode()}
    return render(request, "audit/event_list.html", context)


def _is_district(user: Any) -> bool:
    """District admins read every town's events, so they may filter by town."""
    return bool(getattr(user, "is_district_level", False))


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(events: Iterator[Any]) -> Iterator[str]:
    writer = csv_writer(_Echo())
    yield "\ufeff"  # so that Excel opens the Chinese text as UTF-8
    # The codes first, for machines (the columns of before); their names after, for people.
    yield writer.writerow(
        [_("time"), _("town"), _("username"), _("role"), _("action"), _("object type"), _("object id"), _("object"),
         _("changes"), _("IP address"), _("request id"),
         pgettext("audit export", "role name"), pgettext("audit export", "action name"),
         pgettext("audit export", "object type name"), pgettext("audit export", "changes as text")]
    )  # fmt: skip
    reader = Reader()
    for event in events:
        shown = reader.read(event)
        yield writer.writerow(
            [timezone.localtime(event.occurred_at).isoformat(timespec="seconds"), event.town_id or "",
             event.actor_username, event.actor_role, event.action, event.object_type, event.object_id,
             event.object_repr, json.dumps(event.changes, ensure_ascii=False), event.ip_address or "",
             event.request_id, shown.role_label, shown.action_label, shown.object_type_label, shown.changes_text]
        )  # fmt: skip


@login_required
@permission_required(access.VIEW_PERMISSION, raise_exception=True)
def event_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered events as CSV, streamed: a year of a town's events does not fit in memory."""
    _filter, events = filtered_audit_events(
        access.audit_events_visible_to(request.user), request.GET, district=_is_district(request.user)
    )
    # The rows are read while the response streams, after this view has returned: in the scope of now.
    rows = in_current_scope(events.iterator(chunk_size=2000))
    response = StreamingHttpResponse(_csv_rows(rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
