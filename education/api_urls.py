"""The education API under /api/v1/ (see education/api.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from education import api

router = SimpleRouter()
router.register("schools", api.SchoolViewSet, basename="school")
router.register("admission-rounds", api.AdmissionRoundViewSet, basename="admission-round")
router.register("admission-applications", api.AdmissionApplicationViewSet, basename="admission-application")

urlpatterns: list = [
    path("points/calculate/", api.PointsCalculateApi.as_view(), name="points-calculate"),
    path(
        "admission-objections/<uuid:objection_id>/answer/",
        api.ObjectionAnswerApi.as_view(),
        name="admission-objection-answer",
    ),
    path("admission-documents/<uuid:document_id>/", api.DocumentFileApi.as_view(), name="admission-document"),
    *router.urls,
]
