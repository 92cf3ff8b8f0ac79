"""Pages of this app (mounted at /jobs/ by nanhai_portal.urls)."""

from django.urls import path, re_path

from nanhai_portal.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("<uuid:job_id>/", views.job_detail, name="detail"),
    path("<uuid:job_id>/cancel/", views.job_cancel, name="cancel"),
    re_path(
        r"^templates/(?P<kind>[a-z][a-z0-9_]{0,31})\.(?P<file_format>csv|xlsx)$", views.job_template, name="template"
    ),
]
