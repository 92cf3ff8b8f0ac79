"""The governance API under /api/v1/ (see governance/api.py)."""

from rest_framework.routers import SimpleRouter

from governance import api

router = SimpleRouter()
router.register("committees", api.CommitteeViewSet, basename="committee")
router.register("committee-members", api.CommitteeMemberViewSet, basename="committee-member")
router.register("elections", api.ElectionViewSet, basename="election")
router.register("voters", api.VoterViewSet, basename="voter")
router.register("candidates", api.CandidateViewSet, basename="candidate")
router.register("stations", api.StationViewSet, basename="station")
router.register("counts", api.CountViewSet, basename="count")

urlpatterns: list = [*router.urls]
