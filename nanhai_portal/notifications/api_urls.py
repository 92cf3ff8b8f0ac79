"""API routes of this app, mounted under /api/v1/ by nanhai_portal.urls."""

from rest_framework.routers import SimpleRouter

from nanhai_portal.notifications import api

router = SimpleRouter(trailing_slash=True)
router.register("notifications", api.NotificationViewSet, basename="notification")
router.register("fanouts", api.FanOutViewSet, basename="fanout")

urlpatterns = router.urls
