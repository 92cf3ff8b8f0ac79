from django.urls import path
from rest_framework.routers import SimpleRouter

from residents import api

router = SimpleRouter()
router.register("applications", api.ApplicationViewSet, basename="application")
router.register("permits", api.PermitViewSet, basename="permit")

urlpatterns = [
    path("signup/", api.SignupStartApi.as_view(), name="signup"),
    path("signup/<str:signup_id>/verify/", api.SignupVerifyApi.as_view(), name="signup-verify"),
    *router.urls,
]
