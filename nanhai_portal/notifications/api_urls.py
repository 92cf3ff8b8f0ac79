"""API routes of this app, mounted under /api/v1/ by nanhai_portal.urls."""

urlpatterns: list = []
