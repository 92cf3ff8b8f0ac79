"""Who may read the audit trail: the one place, for the API, the page and the CSV export.

Town admins (``audit.view_auditevent``) read their town's events; district admins every
town's, and the district-level events that have no town. Anyone else reads none: the list
pages refuse them (403), and one event is a 404, as if it were not there.
"""

from __future__ import annotations

from django.db.models import QuerySet

from nanhai_portal.accounts.models import Caller
from nanhai_portal.audit.models import AuditEvent

VIEW_PERMISSION = "audit.view_auditevent"


def may_read_audit(user: Caller) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm(VIEW_PERMISSION)


def audit_events_visible_to(user: Caller) -> QuerySet[AuditEvent]:
    """The events ``user`` may read, newest first."""
    events = AuditEvent.objects.in_current_scope().order_by("-occurred_at")
    return events if may_read_audit(user) else events.none()
