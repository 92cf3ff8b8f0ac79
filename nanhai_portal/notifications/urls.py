"""Pages of this app, mounted at /inbox/ by nanhai_portal.urls."""

from django.urls import path

from nanhai_portal.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<uuid:notification_id>/read/", views.notification_read, name="read"),
    path("read-all/", views.notification_read_all, name="read-all"),
    path("fanouts/", views.fanout_list, name="fanout-list"),
    path("fanouts/<uuid:fanout_id>/", views.fanout_detail, name="fanout-detail"),
]
