"""The governance API: a resident reads their committee (names and posts) and their roll entry;
town officers run an election through it; another town's ids are 404; bad input changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from governance.models import Candidate, CommitteeMember, Election, PollingStation, StationCount, Voter
from governance.services import elections as election_services
from nanhai_portal.tenancy import town_context
from tests.conftest import bearer_client
from tests.governance.factories import POLLING_DAY, census_voters, community_in, election_in_polling, officer_of
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db


def client_of(user: Any) -> Any:
    return bearer_client(user.username)


def demo_election(town: str) -> Election:
    with town_context(town):
        return Election.objects.get()


def test_a_resident_reads_their_committee_by_names_and_posts_and_their_roll_entry(api: Any) -> None:
    client = api("resident.1")
    members = client.get("/api/v1/committee-members/").json()["results"]
    assert members, "resident.1's community has its two committees"
    assert {tuple(sorted(row)) for row in members} == {("committee", "id", "name", "post", "town")}
    committees = client.get("/api/v1/committees/").json()["results"]
    assert len(committees) == 2 and {row["kind"] for row in committees} == {"party", "villagers"}
    entries = client.get("/api/v1/voters/").json()["results"]
    assert [(row["source"], row["state"]) for row in entries] == [("application", "registered")]
    assert "*" in entries[0]["name"], "masked"
    # Stations and counts are the officers'.
    assert client.get("/api/v1/stations/").json()["results"] == []
    assert client.get("/api/v1/counts/").json()["results"] == []


def test_officers_see_the_whole_roll_and_members_details(api: Any) -> None:
    client = api("officer.guicheng")
    election = demo_election("guicheng")
    roll = client.get(f"/api/v1/voters/?election={election.pk}").json()
    assert roll["count"] >= 24 and {row["town"] for row in roll["results"]} == {"guicheng"}
    member = client.get("/api/v1/committee-members/").json()["results"][0]
    assert {"is_hukou", "is_party_member", "from_date"} <= set(member)
    assert not any("id_number" in key for key in member)
    assert client.get("/api/v1/voters/?election=not-a-uuid").status_code == 400


def test_an_election_runs_through_the_api() -> None:
    officer, second = officer_of(), officer_of(role="town_admin")
    client, other = client_of(officer), client_of(second)
    community = community_in()
    made = client.post(
        "/api/v1/elections/",
        {"community": str(community.pk), "year": 2026, "polling_day": "2026-06-30", "seats": {"director": 1}},
        format="json",
    )
    assert made.status_code == 201, made.json()
    election_id = made.json()["id"]
    for name, number in (("甲", "11010519491231002X"), ("乙", "440605195001010011")):
        response = client.post(
            "/api/v1/voters/", {"election": election_id, "name": name, "id_number": number}, format="json"
        )
        assert response.status_code in (201, 400), response.json()
    with town_context("guicheng"):
        election = Election.objects.get(pk=election_id)
    census_voters(election, officer, 3)
    assert client.post(f"/api/v1/elections/{election_id}/advance/").json()["phase"] == "roll_published"
    # Nomination opens after the objection window (five days): 409 now.
    refused = client.post(f"/api/v1/elections/{election_id}/advance/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "election_not_ready"
    with town_context("guicheng"):
        election.refresh_from_db()  # the window closes five days after the roll was published, by the clock of the day
        election_services.nomination_open(
            by=officer, election=election, now=election.objections_close + timedelta(seconds=1)
        )
        voter = Voter.objects.filter(election=election).order_by("created_at").first()
    assert voter is not None
    nominated = client.post(
        "/api/v1/candidates/", {"election": election_id, "voter": str(voter.pk), "post": "director"}, format="json"
    )
    assert nominated.status_code == 201, nominated.json()
    candidate_id = nominated.json()["id"]
    station = client.post(
        "/api/v1/stations/", {"election": election_id, "name": "一号站", "ballots_issued": 4}, format="json"
    )
    assert station.status_code == 201, station.json()
    assert client.post(f"/api/v1/elections/{election_id}/advance/").json()["phase"] == "polling"
    station_id = station.json()["id"]
    count = {"station": station_id, "ballots_cast": 4, "invalid_ballots": 0, "votes": {candidate_id: 3}}
    assert client.post("/api/v1/counts/", count, format="json").status_code == 201
    assert client.post("/api/v1/counts/", count, format="json").json()["error"]["code"] == "same_officer"
    mismatch = other.post("/api/v1/counts/", {**count, "votes": {candidate_id: 2}}, format="json")
    assert (mismatch.status_code, mismatch.json()["error"]["code"]) == (409, "count_mismatch")
    assert other.post("/api/v1/counts/", count, format="json").status_code == 201
    tallied = client.post(f"/api/v1/elections/{election_id}/tally/")
    assert tallied.status_code == 200, tallied.json()
    # 4 of the roll voted: valid when the roll holds fewer than 8.
    body = tallied.json()
    assert body["valid"] == (body["ballots_cast"] * 2 > body["registered_voters"])
    assert client.post(f"/api/v1/elections/{election_id}/advance/").json()["phase"] == "published"
    assert client.get(f"/api/v1/elections/{election_id}/results/").status_code == 200


def test_results_are_not_out_before_the_tally(api: Any) -> None:
    election = demo_election("guicheng")
    response = api("resident.1").get(f"/api/v1/elections/{election.pk}/results/")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "results_not_published")


@pytest.mark.parametrize(
    "body",
    [
        {"ballots_cast": -1, "invalid_ballots": 0, "votes": {}},
        {"ballots_cast": 6, "invalid_ballots": 0, "votes": {}},  # more than issued
        {"ballots_cast": 3, "invalid_ballots": 0, "votes": {"director": 9}},
        {"ballots_cast": 3, "invalid_ballots": 0, "votes": "<script>alert(1)</script>"},
        {"ballots_cast": "三", "invalid_ballots": 0, "votes": {}},
        {"ballots_cast": 10**12, "invalid_ballots": 0, "votes": {}},
        {"invalid_ballots": 0, "votes": {}},
    ],
)
def test_counts_that_cannot_be_get_a_clear_error_and_change_nothing(body: dict[str, Any]) -> None:
    _election, officer, candidates, (station, _other) = election_in_polling()
    if isinstance(body["votes"], dict) and "director" in body["votes"]:
        body = {**body, "votes": {str(candidates[0].pk): body["votes"]["director"]}}
    with nothing_changes(rows(StationCount), rows(PollingStation)):
        response = client_of(officer).post("/api/v1/counts/", {"station": str(station.pk), **body}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"], response.json()


def test_another_towns_ids_are_404_for_every_endpoint(api: Any) -> None:
    client = api("officer.guicheng")
    election = demo_election("dali")
    with town_context("dali"):
        voter = Voter.objects.filter(election=election).first()
        candidate = Candidate.objects.filter(election=election).first()
        station = PollingStation.objects.filter(election=election).first()
        count = StationCount.objects.filter(station=station).first()
        member = CommitteeMember.objects.first()
    assert voter and candidate and station and count and member
    gets = [
        f"/api/v1/elections/{election.pk}/",
        f"/api/v1/elections/{election.pk}/results/",
        f"/api/v1/committees/{election.committee_id}/",
        f"/api/v1/committee-members/{member.pk}/",
        f"/api/v1/voters/{voter.pk}/",
        f"/api/v1/candidates/{candidate.pk}/",
        f"/api/v1/stations/{station.pk}/",
        f"/api/v1/counts/{count.pk}/",
    ]
    for path in gets:
        assert client.get(path).status_code == 404, path
    watched = [rows(Election, pk=election.pk), rows(Voter, election_id=election.pk), rows(StationCount)]
    with nothing_changes(*watched):
        for path in ("advance", "tally", "apply"):
            assert client.post(f"/api/v1/elections/{election.pk}/{path}/").status_code == 404
        assert client.post(f"/api/v1/voters/{voter.pk}/decide/", {"approve": True}, format="json").status_code == 404
        body = {"station": str(station.pk), "ballots_cast": 1, "invalid_ballots": 0, "votes": {}}
        assert client.post("/api/v1/counts/", body, format="json").status_code == 400
        body = {"election": str(election.pk), "name": "站", "ballots_issued": 1}
        assert client.post("/api/v1/stations/", body, format="json").status_code == 400
    # Lists hold the caller's town only, even when asked for the other's.
    for path in ("elections", "voters", "candidates", "stations", "counts", "committees", "committee-members"):
        listed = client.get(f"/api/v1/{path}/?election={election.pk}").json()["results"]
        assert {row["town"] for row in listed} <= {"guicheng"}, path


def test_a_resident_of_another_community_sees_neither_its_committee_nor_its_election() -> None:
    stranger = officer_of(role="resident")
    client = client_of(stranger)
    election = demo_election("guicheng")
    assert client.get(f"/api/v1/elections/{election.pk}/").status_code == 404
    assert client.get("/api/v1/committees/").json()["results"] == []
    assert POLLING_DAY  # the factories' polling day is fixed, not today
