"""Pages of governance (committees and elections), mounted at /governance/ by nanhai_portal.urls."""

from django.urls import path

from governance.views import community, officer

app_name = "governance"

# --- The resident: their community's committees, elections and rolls; applying to a roll ---
urlpatterns = [
    path("", community.home, name="home"),
    path("elections/<uuid:pk>/apply/", community.apply, name="apply"),
]

# --- The town's officers (the district reads): elections step by step, a station's counts ---
urlpatterns += [
    path("elections/", officer.elections, name="elections"),
    path("elections/<uuid:pk>/", officer.election_detail, name="election"),
    path("elections/<uuid:pk>/advance/", officer.election_advance, name="advance"),
    path("elections/<uuid:pk>/tally/", officer.election_tally, name="tally"),
    path("elections/<uuid:pk>/candidates/", officer.candidate_nominate, name="nominate"),
    path("elections/<uuid:pk>/stations/", officer.station_add, name="station-add"),
    path("voters/<uuid:pk>/decide/", officer.voter_decide, name="decide"),
    path("stations/<uuid:pk>/count/", officer.station_count, name="count"),
]
