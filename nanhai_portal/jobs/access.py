"""Who may see and do what with import jobs: the one place, for the API and the pages.

- Staff with ``jobs.view_importjob`` see their town's jobs (district roles every town's);
  anyone else sees none, so another town's job, or any job for a resident, is a 404.
- Uploading needs ``jobs.add_importjob``, cancelling ``jobs.cancel_importjob``; neither is
  open to district roles, who read every town and write none.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404

from nanhai_portal.accounts.models import Caller
from nanhai_portal.jobs.models import ImportJob
from nanhai_portal.tenancy import is_district_scope

VIEW_PERMISSION = "jobs.view_importjob"
ADD_PERMISSION = "jobs.add_importjob"
CANCEL_PERMISSION = "jobs.cancel_importjob"

VIEW = "view"
CANCEL = "cancel"


def may_follow_jobs(user: Caller) -> bool:
    """``user``'s role follows imports at all (the list pages and the API list)."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm(VIEW_PERMISSION)


def may_import(user: Caller) -> bool:
    """``user`` may upload a file to import into their town."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm(ADD_PERMISSION) and not is_district_scope()


def may_cancel(user: Caller, job: ImportJob) -> bool:
    """``user`` may cancel ``job`` (one they can see); whether it still runs is the service's."""
    return user.has_perm(CANCEL_PERMISSION) and not is_district_scope()


def jobs_visible_to(user: Caller) -> QuerySet[ImportJob]:
    """The jobs ``user`` may see, newest first."""
    jobs = ImportJob.objects.in_current_scope().select_related("town", "created_by").order_by("-created_at")
    return jobs if may_follow_jobs(user) else jobs.none()


def get_job_for(user: Caller, job_id: UUID | str, *, action: str = VIEW) -> ImportJob:
    """Job ``job_id`` for ``action``: Http404 when not visible, PermissionDenied when visible
    but ``action`` is not ``user``'s to take."""
    try:
        job = jobs_visible_to(user).get(pk=job_id)
    except (ImportJob.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    if action == CANCEL and not may_cancel(user, job):
        raise PermissionDenied
    return job
