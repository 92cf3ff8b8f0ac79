"""The governance API: committees and their members, elections with their voters, candidates,
polling stations and counts, the tally and the results.

Thin: each view parses with ``governance.serializers``, asks ``governance.access`` for the
object (404 when the caller may not see it, 403 when the action is not theirs) and calls a
service or a selector. District roles read every town and write none (``TenantViewSet``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance import access, selectors
from governance.models import Candidate, Committee, CommitteeMember, Election, PollingStation, StationCount, Voter
from governance.serializers import (
    CandidateNominateSerializer,
    CandidateSerializer,
    CommitteeMemberPublicSerializer,
    CommitteeMemberSerializer,
    CommitteeSerializer,
    CountEnterSerializer,
    CountSerializer,
    ElectionCreateSerializer,
    ElectionSerializer,
    ResultsSerializer,
    StationCreateSerializer,
    StationSerializer,
    VoterDecideSerializer,
    VoterRegisterSerializer,
    VoterSerializer,
)
from governance.services import elections as election_services
from nanhai_portal.api.errors import ServiceError
from nanhai_portal.api.idempotency import idempotent
from nanhai_portal.api.schema import ERROR_RESPONSE
from nanhai_portal.api.viewsets import TenantViewSet
from nanhai_portal.areas.models import Community

ELECTION_FILTER = OpenApiParameter("election", OpenApiTypes.UUID, description="Only this election's.")


def _uuid_param(request: Request, name: str) -> uuid.UUID | None:
    value = request.query_params.get(name, "")
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ServiceError(
            "validation_error", _("Some fields are not valid."), fields={name: [_("Must be a valid UUID.")]}
        ) from None


def _invalid(field: str, message: str) -> ServiceError:
    return ServiceError("validation_error", _("Some fields are not valid."), fields={field: [message]})


def _election_of(request: Request, value: uuid.UUID) -> Election:
    """An election the caller runs, named in a body (a 400 when it is none of theirs)."""
    election = access.elections_visible_to(request.user).filter(pk=value).first()
    if election is None:
        raise _invalid("election", _("Choose an election of your town."))
    access.require_election_officer(request.user)
    return election


def _by_election(request: Request, queryset: QuerySet[Any]) -> QuerySet[Any]:
    election = _uuid_param(request, "election")
    return queryset.filter(election_id=election) if election else queryset


# --- Committees --------------------------------------------------------------------------


class CommitteeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """A community's two committees (两委): the town's officers and the district see every one, a
    resident their community's."""

    model = Committee
    serializer_class = CommitteeSerializer
    filter_backends: list[Any] = []

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        committees = access.committees_visible_to(self.request.user).select_related("community")
        community = _uuid_param(self.request, "community")
        if community:
            committees = committees.filter(community_id=community)
        return committees.order_by("community__code", "kind")

    @extend_schema(parameters=[OpenApiParameter("community", OpenApiTypes.UUID)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class CommitteeMemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Committee members: names and posts for the community (never ID numbers); hukou, party
    membership and dates for the town's officers and the district."""

    model = CommitteeMember
    serializer_class = CommitteeMemberSerializer
    filter_backends: list[Any] = []

    def get_serializer_class(self) -> Any:
        if access.is_staff_reader(self.request.user):
            return CommitteeMemberSerializer
        return CommitteeMemberPublicSerializer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        members = access.members_visible_to(self.request.user).select_related("person", "term")
        committee = _uuid_param(self.request, "committee")
        if committee:
            members = members.filter(term__committee_id=committee)
        return members.order_by("term__committee_id", "post", "from_date", "id")

    @extend_schema(parameters=[OpenApiParameter("committee", OpenApiTypes.UUID)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


# --- Elections ---------------------------------------------------------------------------


class ElectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Elections of villagers'/residents' committees (换届选举). The town's officers create them
    and take them step by step; a resident sees their community's and applies to its roll."""

    model = Election
    serializer_class = ElectionSerializer
    filter_backends: list[Any] = []

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return access.elections_visible_to(self.request.user).select_related("community").order_by("-year", "id")

    @extend_schema(
        request=ElectionCreateSerializer, responses={201: ElectionSerializer, 403: ERROR_RESPONSE, 409: ERROR_RESPONSE}
    )
    @idempotent
    def create(self, request: Request) -> Response:
        by = access.require_election_officer(request.user)
        data = ElectionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        community = Community.objects.filter(pk=fields.pop("community")).first()
        if community is None:
            raise _invalid("community", _("Choose a village or community of your town."))
        election = election_services.election_create(by=by, community=community, **fields)
        return Response(ElectionSerializer(election).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: ElectionSerializer, 403: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
        description=(
            "Take the election to its next step: publish the roll (every application decided), open the "
            "nomination (after the objection window), open polling (candidates for every post, a station), "
            "publish the results (after the tally). 409 with the reason when it cannot move yet."
        ),
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def advance(self, request: Request, pk: str) -> Response:
        election = access.get_election_for(request.user, pk, manage=True)
        election = election_services.election_advance(by=request.user, election=election, now=timezone.now())
        return Response(ElectionSerializer(self.get_queryset().get(pk=election.pk)).data)

    @extend_schema(
        request=None,
        responses={200: ResultsSerializer, 403: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
        description=(
            "Count the election by the Organic Law (valid when more than half of the registered voters voted; "
            "elected with more than half of the votes cast; ties at the last seat and seats nobody won go to "
            "another round). 409 `stations_not_confirmed` until every station's counts are confirmed."
        ),
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def tally(self, request: Request, pk: str) -> Response:
        election = access.get_election_for(request.user, pk, manage=True)
        election_services.election_tally(by=request.user, election=election, now=timezone.now())
        election.refresh_from_db()
        return Response(ResultsSerializer(selectors.results_of(election)).data)

    @extend_schema(
        responses={200: ResultsSerializer, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
        description=(
            "The results: to the community once published (409 `results_not_published` before); to the town's "
            "officers and the district always (empty figures before the tally)."
        ),
    )
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: str) -> Response:
        election = access.get_results_election_for(request.user, pk)
        return Response(ResultsSerializer(selectors.results_of(election)).data)

    @extend_schema(
        request=None,
        responses={201: VoterSerializer, 400: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
        description=(
            "A non-hukou resident of the community applies to the roll (选民登记). 400 `not_eligible` with the "
            "town's conditions they do not meet; 409 `already_on_a_roll`."
        ),
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def apply(self, request: Request, pk: str) -> Response:
        election = access.get_election_for(request.user, pk)
        voter = election_services.voter_apply(by=request.user, election=election)
        return Response(VoterSerializer(voter).data, status=status.HTTP_201_CREATED)


class VoterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Voter rolls: all of a roll for the town's officers and the district, one's own entries for
    a resident (whether they are on the roll). Officers add census voters and decide applications."""

    model = Voter
    serializer_class = VoterSerializer
    filter_backends: list[Any] = []

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        voters = access.voters_visible_to(self.request.user).select_related("person")
        return _by_election(self.request, voters).order_by("election_id", "created_at", "id")

    @extend_schema(parameters=[ELECTION_FILTER])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=VoterRegisterSerializer, responses={201: VoterSerializer, 403: ERROR_RESPONSE, 409: ERROR_RESPONSE}
    )
    @idempotent
    def create(self, request: Request) -> Response:
        access.require_election_officer(request.user)
        data = VoterRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        election = _election_of(request, data.validated_data["election"])
        voter = election_services.voter_register(
            by=request.user,
            election=election,
            id_number=data.validated_data["id_number"],
            name=data.validated_data["name"],
        )
        return Response(VoterSerializer(voter).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=VoterDecideSerializer,
        responses={200: VoterSerializer, 403: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def decide(self, request: Request, pk: str) -> Response:
        """Approve or refuse (with a reason) a non-hukou resident's application."""
        voter = access.get_voter_for(request.user, pk, manage=True)
        data = VoterDecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        voter = election_services.voter_decide(by=request.user, voter=voter, **data.validated_data)
        return Response(VoterSerializer(voter).data)


class CandidateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Candidates (候选人): public to the community once nominated; officers nominate them."""

    model = Candidate
    serializer_class = CandidateSerializer
    filter_backends: list[Any] = []

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        candidates = access.candidates_visible_to(self.request.user).select_related("voter__person")
        return _by_election(self.request, candidates).order_by("election_id", "post", "created_at", "id")

    @extend_schema(parameters=[ELECTION_FILTER])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=CandidateNominateSerializer,
        responses={201: CandidateSerializer, 403: ERROR_RESPONSE, 409: ERROR_RESPONSE},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        access.require_election_officer(request.user)
        data = CandidateNominateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        election = _election_of(request, data.validated_data["election"])
        voter = Voter.objects.filter(election=election, pk=data.validated_data["voter"]).first()
        if voter is None:
            raise _invalid("voter", _("Choose a voter on this election's roll."))
        candidate = election_services.candidate_nominate(
            by=request.user, election=election, voter=voter, post=data.validated_data["post"]
        )
        return Response(CandidateSerializer(candidate).data, status=status.HTTP_201_CREATED)


class StationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Polling stations (投票站) and their confirmed figures: the town's officers and the district."""

    model = PollingStation
    serializer_class = StationSerializer
    filter_backends: list[Any] = []

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        stations = access.stations_visible_to(self.request.user)
        return _by_election(self.request, stations).order_by("election_id", "name", "id")

    @extend_schema(parameters=[ELECTION_FILTER])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=StationCreateSerializer, responses={201: StationSerializer, 403: ERROR_RESPONSE, 409: ERROR_RESPONSE}
    )
    @idempotent
    def create(self, request: Request) -> Response:
        access.require_election_officer(request.user)
        data = StationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        election = _election_of(request, data.validated_data["election"])
        station = election_services.station_add(
            by=request.user,
            election=election,
            name=data.validated_data["name"],
            ballots_issued=data.validated_data["ballots_issued"],
        )
        return Response(StationSerializer(station).data, status=status.HTTP_201_CREATED)


class CountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Polling officers' entries of a station's counts: the first, then the second that confirms
    it with the same figures (409 `count_mismatch` when they differ, `same_officer` when the
    first officer tries again)."""

    model = StationCount
    serializer_class = CountSerializer
    filter_backends: list[Any] = []

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        counts = access.counts_visible_to(self.request.user).select_related("entered_by")
        election = _uuid_param(self.request, "election")
        if election:
            counts = counts.filter(station__election_id=election)
        return counts.order_by("station_id", "entry", "id")

    @extend_schema(parameters=[ELECTION_FILTER])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=CountEnterSerializer, responses={201: CountSerializer, 403: ERROR_RESPONSE, 409: ERROR_RESPONSE}
    )
    @idempotent
    def create(self, request: Request) -> Response:
        access.require_election_officer(request.user)
        data = CountEnterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        station = access.stations_visible_to(request.user).filter(pk=data.validated_data["station"]).first()
        if station is None:
            raise _invalid("station", _("Choose a polling station of your town."))
        access.require_election_officer(request.user)
        entry = election_services.count_enter(
            by=request.user,
            station=station,
            ballots_cast=data.validated_data["ballots_cast"],
            invalid_ballots=data.validated_data["invalid_ballots"],
            votes=data.validated_data["votes"],
        )
        return Response(CountSerializer(entry).data, status=status.HTTP_201_CREATED)
