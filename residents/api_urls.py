from rest_framework.routers import SimpleRouter

from residents import api

router = SimpleRouter()
router.register("applications", api.ApplicationViewSet, basename="application")
router.register("permits", api.PermitViewSet, basename="permit")

urlpatterns = router.urls
