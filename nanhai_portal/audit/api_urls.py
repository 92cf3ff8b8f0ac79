"""API routes of the audit trail, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from nanhai_portal.audit import api

router = SimpleRouter()
router.register("audit-events", api.AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("pii/reveal/", api.PIIRevealApi.as_view(), name="pii-reveal"),
    *router.urls,
]
