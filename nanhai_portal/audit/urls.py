from django.urls import path

from nanhai_portal.audit import views

urlpatterns = [
    path("", views.event_list, name="audit-events"),
    path("export.csv", views.event_export, name="audit-export"),
]
