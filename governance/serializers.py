"""Input and output shapes of the governance API (one input serializer per operation).

Committee members are shown by name and post: a committee is public to its community. No
output carries an ID number; voters are shown masked (name 张*明) to the officers who keep the
roll and to the voter themself.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from governance.models import (
    Candidate,
    Committee,
    CommitteeMember,
    Election,
    PollingStation,
    Post,
    StationCount,
    Voter,
)
from nanhai_portal.pii.masking import mask_name


class CommitteeSerializer(serializers.ModelSerializer[Committee]):
    town = serializers.CharField(source="town_id", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)

    class Meta:
        model = Committee
        fields = ["id", "town", "community", "community_name", "kind", "name"]


class CommitteeMemberPublicSerializer(serializers.ModelSerializer[CommitteeMember]):
    """What the community sees: the member's name and post."""

    town = serializers.CharField(source="town_id", read_only=True)
    committee = serializers.UUIDField(source="term.committee_id", read_only=True)
    name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = CommitteeMember
        fields = ["id", "town", "committee", "name", "post"]


class CommitteeMemberSerializer(CommitteeMemberPublicSerializer):
    """What the town's officers and the district see besides: hukou, party, dates."""

    term_starts_on = serializers.DateField(source="term.starts_on", read_only=True)

    class Meta:
        model = CommitteeMember
        fields = [
            "id",
            "town",
            "committee",
            "name",
            "post",
            "is_hukou",
            "is_party_member",
            "from_date",
            "to_date",
            "term_starts_on",
        ]


class ElectionSerializer(serializers.ModelSerializer[Election]):
    town = serializers.CharField(source="town_id", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    seats = serializers.DictField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = Election
        fields = [
            "id",
            "town",
            "community",
            "community_name",
            "year",
            "phase",
            "polling_day",
            "seats",
            "roll_published_at",
            "objections_close",
            "published_at",
        ]


class ElectionCreateSerializer(serializers.Serializer[Any]):
    community = serializers.UUIDField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    polling_day = serializers.DateField()
    seats = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=20),
        help_text=_("Seats by post: director, deputy, member."),
    )

    def validate_seats(self, seats: dict[str, int]) -> dict[str, int]:
        allowed = {Post.DIRECTOR, Post.DEPUTY, Post.MEMBER}
        if not seats or any(post not in allowed for post in seats):
            raise serializers.ValidationError(_("Give seats for the posts director, deputy and member."))
        return seats


class VoterSerializer(serializers.ModelSerializer[Voter]):
    town = serializers.CharField(source="town_id", read_only=True)
    name = serializers.SerializerMethodField()

    class Meta:
        model = Voter
        fields = ["id", "town", "election", "name", "source", "state", "reason", "created_at"]

    def get_name(self, voter: Voter) -> str:
        return mask_name(voter.person.name)


class VoterRegisterSerializer(serializers.Serializer[Any]):
    election = serializers.UUIDField()
    name = serializers.CharField(max_length=64)
    id_number = serializers.CharField(max_length=18, min_length=15)


class VoterDecideSerializer(serializers.Serializer[Any]):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class CandidateSerializer(serializers.ModelSerializer[Candidate]):
    town = serializers.CharField(source="town_id", read_only=True)
    name = serializers.CharField(source="voter.person.name", read_only=True)
    is_hukou = serializers.SerializerMethodField()

    class Meta:
        model = Candidate
        fields = ["id", "town", "election", "name", "post", "is_hukou", "votes", "is_elected"]

    def get_is_hukou(self, candidate: Candidate) -> bool:
        return candidate.voter.source == Voter.Source.CENSUS


class CandidateNominateSerializer(serializers.Serializer[Any]):
    election = serializers.UUIDField()
    voter = serializers.UUIDField()
    post = serializers.ChoiceField(choices=Post.choices)


class StationSerializer(serializers.ModelSerializer[PollingStation]):
    town = serializers.CharField(source="town_id", read_only=True)
    is_confirmed = serializers.SerializerMethodField()
    votes = serializers.DictField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = PollingStation
        fields = [
            "id",
            "town",
            "election",
            "name",
            "ballots_issued",
            "is_confirmed",
            "ballots_cast",
            "invalid_ballots",
            "votes",
        ]

    def get_is_confirmed(self, station: PollingStation) -> bool:
        return station.confirmed_at is not None


class StationCreateSerializer(serializers.Serializer[Any]):
    election = serializers.UUIDField()
    name = serializers.CharField(max_length=100)
    ballots_issued = serializers.IntegerField(min_value=0, max_value=1_000_000)


class CountSerializer(serializers.ModelSerializer[StationCount]):
    town = serializers.CharField(source="town_id", read_only=True)
    entered_by = serializers.CharField(source="entered_by.username", read_only=True)
    votes = serializers.DictField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = StationCount
        fields = [
            "id",
            "town",
            "station",
            "entry",
            "entered_by",
            "ballots_cast",
            "invalid_ballots",
            "votes",
            "entered_at",
        ]


class CountEnterSerializer(serializers.Serializer[Any]):
    """A station's figures as one officer counted them. Negative numbers are refused by the
    service with the other checks (more than issued, more votes than valid ballots)."""

    station = serializers.UUIDField()
    ballots_cast = serializers.IntegerField(min_value=-(10**9), max_value=10**9)
    invalid_ballots = serializers.IntegerField(min_value=-(10**9), max_value=10**9)
    votes = serializers.DictField(
        child=serializers.IntegerField(min_value=-(10**9), max_value=10**9),
        allow_empty=True,
        help_text=_("Votes by candidate id; a candidate not given has 0."),
    )

    def validate_votes(self, votes: dict[str, int]) -> dict[str, int]:
        if len(votes) > 200:
            raise serializers.ValidationError(_("Too many candidates."))
        return votes


class RaceResultSerializer(serializers.Serializer[Any]):
    post = serializers.CharField()
    seats = serializers.IntegerField()
    unfilled = serializers.IntegerField()


class ResultsSerializer(serializers.Serializer[Any]):
    election = serializers.UUIDField()
    town = serializers.CharField()
    registered_voters = serializers.IntegerField(allow_null=True)
    ballots_cast = serializers.IntegerField(allow_null=True)
    valid = serializers.BooleanField(source="is_valid", allow_null=True, help_text=_("None before the tally."))
    another_round = serializers.DictField(child=serializers.IntegerField())
    candidates = CandidateSerializer(many=True)
