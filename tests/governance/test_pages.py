"""The governance pages: the resident's committee and rolls, applying to vote; the officers'
election step by step; a polling officer's count form on a phone; another town's is 404."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from governance.models import Election, PollingStation, StationCount, Voter
from nanhai_portal.accounts.models import User
from nanhai_portal.tenancy import town_context
from tests.factories import ResidentFactory
from tests.governance.factories import community_in, election_in, election_in_polling
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db


def browser(user: User | str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=user) if isinstance(user, str) else user)
    return client


def test_a_resident_sees_their_committee_and_the_roll_they_are_on() -> None:
    page = browser("resident.1").get("/governance/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "村民委员会" in text or "居民委员会" in text
    assert 'data-state="registered"' in text


def test_a_resident_applies_to_vote_from_the_page() -> None:
    community = community_in()
    election = election_in(community=community)
    resident = ResidentFactory(community=community, account=True, registered_since=date(2024, 1, 1))
    client = browser(resident.person.user)
    assert client.get("/governance/").status_code == 200
    response = client.post(f"/governance/elections/{election.pk}/apply/")
    assert response.status_code == 302
    with town_context("guicheng"):
        assert Voter.objects.get(election=election, person=resident.person).state == "applied"


def test_officers_run_the_election_from_the_pages() -> None:
    client = browser("officer.guicheng")
    assert client.get("/governance/elections/").status_code == 200
    with town_context("guicheng"):
        election = Election.objects.get()
        station = PollingStation.objects.filter(election=election, confirmed_at__isnull=True).get()
    page = client.get(f"/governance/elections/{election.pk}/")
    assert page.status_code == 200 and 'data-phase="polling"' in page.content.decode()
    count_page = client.get(f"/governance/stations/{station.pk}/count/")
    assert count_page.status_code == 200 and 'inputmode="numeric"' in count_page.content.decode()
    # officer.guicheng entered its first count: the same officer may not confirm it.
    with nothing_changes(rows(StationCount, station_id=station.pk)):
        again = client.post(f"/governance/stations/{station.pk}/count/", {"ballots_cast": "1", "invalid_ballots": "0"})
    assert again.status_code in (400, 409)


def test_a_count_page_refuses_a_mismatch_and_changes_nothing() -> None:
    _election, officer, candidates, (station, _other) = election_in_polling()
    form = {"ballots_cast": "4", "invalid_ballots": "0", **{f"votes_{c.pk}": "0" for c in candidates}}
    assert browser(officer).post(f"/governance/stations/{station.pk}/count/", form).status_code == 302
    second = User.objects.get(username="townadmin.guicheng")
    with nothing_changes(rows(StationCount, station_id=station.pk), rows(PollingStation, pk=station.pk)):
        response = browser(second).post(f"/governance/stations/{station.pk}/count/", {**form, "ballots_cast": "3"})
    assert response.status_code == 409


def test_another_towns_election_is_404_on_every_page() -> None:
    with town_context("dali"):
        election = Election.objects.get()
        station = PollingStation.objects.filter(election=election).first()
        voter = Voter.objects.filter(election=election).first()
    assert station and voter
    client = browser("officer.guicheng")
    for path in (f"/governance/elections/{election.pk}/", f"/governance/stations/{station.pk}/count/"):
        assert client.get(path).status_code == 404, path
    for path in ("advance", "tally", "candidates", "stations", "apply"):
        assert client.post(f"/governance/elections/{election.pk}/{path}/", {"probe": "1"}).status_code == 404
    assert client.post(f"/governance/voters/{voter.pk}/decide/", {"approve": "1"}).status_code == 404


def test_residents_may_not_open_the_officers_pages() -> None:
    client = browser("resident.1")
    assert client.get("/governance/elections/").status_code == 403
