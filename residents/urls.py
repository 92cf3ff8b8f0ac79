"""Pages of the residents journey, mounted at /residents/ by nanhai_portal.urls."""

from django.urls import path

from residents import views

app_name = "residents"

urlpatterns = [
    path("signup/", views.signup_start, name="signup"),
    path("signup/<uuid:signup_id>/verify/", views.signup_verify, name="signup-verify"),
    path("signup/<uuid:signup_id>/resend/", views.signup_resend, name="signup-resend"),
    path("applications/", views.my_applications, name="my-applications"),
    path("apply/", views.apply, name="apply"),
    path("applications/<uuid:pk>/", views.application_detail, name="application"),
    path("applications/<uuid:pk>/documents/", views.application_upload, name="upload"),
    path("applications/<uuid:pk>/documents/<uuid:document_id>/", views.document, name="document"),
    path("applications/<uuid:pk>/documents/<uuid:document_id>/view/", views.document_page, name="document-page"),
    path("applications/<uuid:pk>/change/", views.application_change, name="change"),
    path("applications/<uuid:pk>/submit/", views.application_submit, name="submit"),
    path("permit/", views.my_permit, name="my-permit"),
    path("permit/endorse/", views.permit_endorse, name="permit-endorse"),
    path("queue/", views.queue, name="queue"),
    path("queue/approve/", views.queue_approve, name="queue-approve"),
    path("queue/<uuid:pk>/", views.review, name="review"),
    path("queue/<uuid:pk>/reveal/<slug:field>/", views.review_reveal, name="review-reveal"),
    path("queue/<uuid:pk>/<slug:action>/", views.review_action, name="review-action"),
]
