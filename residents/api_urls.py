from django.urls import path
from rest_framework.routers import SimpleRouter

from nanhai_portal.tenancy.middleware import keeps_writes_on_refusal
from residents import api

router = SimpleRouter()
router.register("applications", api.ApplicationViewSet, basename="application")
router.register("permits", api.PermitViewSet, basename="permit")

urlpatterns = [
    # A wrong code counts against the sign-up's five tries, whoever sends it.
    path("signup/", api.SignupStartApi.as_view(), name="signup"),
    path("signup/privacy-notice/", api.PrivacyNoticeApi.as_view(), name="privacy-notice"),
    path(
        "signup/<str:signup_id>/verify/",
        keeps_writes_on_refusal(api.SignupVerifyApi.as_view()),
        name="signup-verify",
    ),
    path("signup/<str:signup_id>/resend/", api.SignupResendApi.as_view(), name="signup-resend"),
    *router.urls,
]
