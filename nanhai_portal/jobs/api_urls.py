"""API routes of this app, mounted under /api/v1/ by nanhai_portal.urls.

The router gives ``jobs/``, ``jobs/{id}/`` and ``jobs/{id}/cancel/``; the two reports are
named like files (``errors.csv``, ``errors.xlsx``, no trailing slash), so they are mapped here.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from nanhai_portal.jobs.api import ImportJobViewSet

router = SimpleRouter(trailing_slash=True)
router.register("jobs", ImportJobViewSet, basename="importjob")

urlpatterns = [
    *router.urls,
    path(
        "jobs/<uuid:pk>/errors.csv",
        ImportJobViewSet.as_view({"get": "errors_csv"}),
        name="importjob-errors-csv",
    ),
    path(
        "jobs/<uuid:pk>/errors.xlsx",
        ImportJobViewSet.as_view({"get": "errors_xlsx"}),
        name="importjob-errors-xlsx",
    ),
]
