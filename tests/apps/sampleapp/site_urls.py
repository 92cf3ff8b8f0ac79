"""The site's url map with the sample app mounted: adding an app is one line of the url map."""

from django.urls import include, path

from nanhai_portal.urls import handler404, handler500
from nanhai_portal.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("samples/", include("tests.apps.sampleapp.urls")), *site_urlpatterns]

__all__ = ["handler404", "handler500", "urlpatterns"]
