"""Pages of this app (mounted by nanhai_portal.urls)."""

urlpatterns: list = []
