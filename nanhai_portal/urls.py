"""The site's URL map: pages, the API under /api/v1/, its schema and docs, health."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from nanhai_portal.accounts import api as accounts_api
from nanhai_portal.accounts import views as accounts_views
from nanhai_portal.areas import api as areas_api
from nanhai_portal.areas import views as areas_views
from nanhai_portal.health import healthz, livez
from nanhai_portal.tenancy.middleware import keeps_writes_on_refusal

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("towns", areas_api.TownViewSet, basename="town")
router.register("communities", areas_api.CommunityViewSet, basename="community")
router.register("grids", areas_api.GridViewSet, basename="grid")

api_v1 = [
    path("me/", accounts_api.MeApi.as_view(), name="me"),
    *router.urls,
    path("", include("nanhai_portal.audit.api_urls")),
    path("", include("nanhai_portal.notifications.api_urls")),
    path("", include("nanhai_portal.jobs.api_urls")),
    path("", include("residents.api_urls")),
    path("", include("rentals.api_urls")),
    path("", include("education.api_urls")),
    path("", include("governance.api_urls")),
]

admin.site.site_header = _("Nanhai new-resident portal: back office")
admin.site.site_title = _("Nanhai back office")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    # A failed sign-in is counted (lockout, audit) even when the caller sent a token of their own.
    path("api/auth/token/", keeps_writes_on_refusal(accounts_api.TokenCreateApi.as_view()), name="api-token"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", accounts_views.home, name="home"),
    path("login/", accounts_views.SignInView.as_view(), name="login"),
    path("logout/", accounts_views.SignOutView.as_view(), name="logout"),
    path("privacy/", accounts_views.privacy_notice, name="privacy"),
    path("communities/", areas_views.community_list, name="community-list"),
    path("my-grids/", areas_views.my_grids, name="my-grids"),
    path("audit/", include("nanhai_portal.audit.urls")),
    path("inbox/", include("nanhai_portal.notifications.urls")),
    path("jobs/", include("nanhai_portal.jobs.urls")),
    path("residents/", include("residents.urls")),
    path("rentals/", include("rentals.urls")),
    path("education/", include("education.urls")),
    path("governance/", include("governance.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "nanhai_portal.views.not_found"
handler500 = "nanhai_portal.views.server_error"
