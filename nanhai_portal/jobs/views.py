"""Pages: the town's imports with an upload form, and one import's progress."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from nanhai_portal.bodylimit import accepts_upload
from nanhai_portal.jobs import access, conf, selectors, services, template_files
from nanhai_portal.jobs.files import UploadRejected
from nanhai_portal.jobs.forms import ImportJobForm
from nanhai_portal.jobs.importers import Column, importer_choices, importer_class
from nanhai_portal.jobs.models import ImportJob
from nanhai_portal.tenancy import get_current_town, is_district_scope

FIRST_ERRORS = 20  # problems listed on the job's page; the report has them all


def _columns(kind: str) -> tuple[Column, ...]:
    importer = importer_class(kind)
    return importer.columns if importer else ()


@accepts_upload(lambda: conf.MAX_UPLOAD_BYTES)
@login_required
@permission_required(access.VIEW_PERMISSION, raise_exception=True)
def job_list(request: HttpRequest) -> HttpResponse:
    """The caller's town's imports, newest first (every town's for district roles), and the upload form."""
    may_import = access.may_import(request.user)
    form = ImportJobForm()
    if request.method == "POST":
        if not may_import:
            raise PermissionDenied
        form = ImportJobForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = services.job_create(
                    kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"], by=request.user
                )
            except UploadRejected as refusal:
                form.add_error("file", refusal.message)
            else:
                messages.success(request, _("File received; the import has been queued."))
                return redirect("jobs:detail", job_id=job.pk)
    town = (request.GET.get("town") or None) if is_district_scope() else None
    jobs = access.jobs_visible_to(request.user)
    page = Paginator(jobs.filter(town_id=town) if town else jobs, 20).get_page(request.GET.get("page"))
    rows = [(job, selectors.job_outcome(job)) for job in page]
    kinds = [(kind, label, _columns(kind)) for kind, label in importer_choices()]
    return render(
        request,
        "jobs/job_list.html",
        {
            "page": page,
            "rows": rows,
            "town": town,
            "form": form,
            "may_import": may_import,
            "kinds": kinds,
            "max_megabytes": conf.MAX_UPLOAD_BYTES // (1024 * 1024),
        },
        status=400 if form.errors else 200,
    )


@login_required
def job_detail(request: HttpRequest, job_id: UUID) -> HttpResponse:
    """One import: a progress bar that updates itself (or a reload link without JavaScript)."""
    job = access.get_job_for(request.user, job_id)
    return render(
        request,
        "jobs/job_detail.html",
        {
            "job": job,
            "progress": selectors.job_progress(job),
            "error": selectors.job_error_message(job),
            "outcome": selectors.job_outcome(job),
            "error_lines": list(selectors.job_error_lines(job, limit=FIRST_ERRORS)) if job.failed else [],
            "error_count": selectors.job_error_count(job) if job.failed else 0,
            "status_labels": {value: str(label) for value, label in ImportJob.Status.choices},
            "outcome_tones": selectors.OUTCOME_TONES,
            "may_cancel": job.is_active and access.may_cancel(request.user, job),
        },
    )


@login_required
@require_POST
def job_cancel(request: HttpRequest, job_id: UUID) -> HttpResponse:
    job = access.get_job_for(request.user, job_id, action=access.CANCEL)
    try:
        services.job_cancel(job=job, by=request.user)
    except services.JobNotCancellable:
        messages.error(request, _("This import has already ended; it cannot be cancelled."))
    else:
        messages.success(request, _("The import has been cancelled."))
    return redirect("jobs:detail", job_id=job.pk)


@require_GET
@login_required
@permission_required(access.ADD_PERMISSION, raise_exception=True)
def job_template(request: HttpRequest, kind: str, file_format: str) -> HttpResponse:
    """The template file of ``kind`` (header row and one example row for the caller's town), to download."""
    importer = importer_class(kind)
    if importer is None:
        raise Http404
    town = get_current_town()
    if not access.may_import(request.user) or town is None:
        raise PermissionDenied
    response = HttpResponse(
        template_files.render(importer, file_format, town=town), content_type=template_files.CONTENT_TYPES[file_format]
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{template_files.template_file_name(importer, file_format)}"'
    )
    return response
