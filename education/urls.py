"""Pages of education (school places by points), mounted at /education/ by nanhai_portal.urls."""

from django.urls import path

from education.views import family, officer

app_name = "education"

# --- The family: the home (rounds, the calculator, my applications), applying, one application,
# its offer and the second round's choices ---
urlpatterns = [
    path("", family.home, name="home"),
    path("apply/<uuid:pk>/", family.apply, name="apply"),
    path("applications/<uuid:pk>/", family.application_detail, name="application"),
    path("applications/<uuid:pk>/documents/", family.application_document, name="application-document"),
    path("applications/<uuid:pk>/submit/", family.application_submit, name="application-submit"),
    path("applications/<uuid:pk>/objections/", family.application_object, name="application-object"),
    path("applications/<uuid:pk>/accept/", family.application_accept, name="application-accept"),
    path("applications/<uuid:pk>/decline/", family.application_decline, name="application-decline"),
    path(
        "applications/<uuid:pk>/second-choices/", family.application_second_choices, name="application-second-choices"
    ),
    path("documents/<uuid:document_id>/", family.document_file, name="document"),
]

# --- The town's officers (the district reads): the queue, one application, objections, a round,
# its allocation and results ---
urlpatterns += [
    path("queue/", officer.queue, name="queue"),
    path("queue/<uuid:pk>/", officer.review, name="review"),
    path("queue/<uuid:pk>/reveal/", officer.review_reveal, name="review-reveal"),
    path("objections/", officer.objections, name="objections"),
    path("objections/<uuid:objection_id>/answer/", officer.objection_answer, name="objection-answer"),
    path("rounds/<uuid:pk>/", officer.round_detail, name="round"),
    path("rounds/<uuid:pk>/advance/", officer.round_move_on, name="round-advance"),
    path("rounds/<uuid:pk>/allocate/", officer.round_allocate, name="round-allocate"),
    path("rounds/<uuid:pk>/second-round/", officer.round_second_round, name="round-second-round"),
    path("rounds/<uuid:pk>/close/", officer.round_close, name="round-close"),
    path("rounds/<uuid:pk>/results/", officer.round_results, name="round-results"),
    path("rounds/<uuid:pk>/results.csv", officer.round_results_csv, name="round-results-csv"),
    path("rounds/<uuid:pk>/results.xlsx", officer.round_results_xlsx, name="round-results-xlsx"),
]
