"""An election end to end on the statutory steps, and every refusal changing nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from governance.models import Candidate, Election, PollingStation, StationCount, Voter, VoterRollClaim
from governance.services import elections as election_services
from governance.services.elections import AlreadyOnARoll, CountRefused, ElectionNotReady, NotEligible
from nanhai_portal.accounts.models import User
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.errors import InvalidTransition
from nanhai_portal.jobs import services as job_services
from nanhai_portal.jobs.models import ImportJob
from nanhai_portal.tenancy import town_context
from tests.factories import ResidentFactory
from tests.governance.factories import (
    AT,
    POLLING_DAY,
    census_voters,
    community_in,
    election_in,
    election_in_polling,
    next_id_number,
    officer_of,
)
from tests.jobs.files import csv_upload
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db


def import_census(election: Election, officer: User, rows: list[list[str]], run: Any) -> ImportJob:
    with town_context(election.town_id):
        job = job_services.job_create(
            kind="census_voters", upload=csv_upload(rows, header=["community", "name", "id_number"]), by=officer
        )
    return run(job)


def enter(station: PollingStation, by: User, cast: int, invalid: int, votes: dict[Any, int]) -> StationCount:
    with town_context(station.town_id):
        return election_services.count_enter(
            by=by,
            station=station,
            ballots_cast=cast,
            invalid_ballots=invalid,
            votes={str(key.pk if hasattr(key, "pk") else key): value for key, value in votes.items()},
        )


def test_an_election_runs_end_to_end_by_the_statutory_rules(run_job: Any) -> None:
    officer, second = officer_of(), officer_of(role="town_admin")
    community = community_in()
    election = election_in(community=community, officer=officer)

    # 1. Voter registration: the census import (one row refused: too young) ...
    rows = [[community.code, "张" + "伟芳娜敏静丽强磊军"[i], next_id_number()] for i in range(9)]
    rows.append([community.code, "少年", "44060520150101001" + "X"])  # not valid, or too young: refused
    job = import_census(election, officer, rows, run_job)
    with town_context("guicheng"):
        problems = list(job.row_errors.values_list("row_number", "column", "code"))
    assert (job.imported, job.failed) == (9, 1), (job.status, job.error_code, problems)
    # ... and a non-hukou resident registered here for two years applies and is approved.
    newcomer = ResidentFactory(community=community, account=True, registered_since=date(2024, 5, 1))
    with town_context("guicheng"):
        applied = election_services.voter_apply(by=newcomer.person.user, election=election)
        assert applied.state == Voter.State.APPLIED
        election_services.voter_decide(by=officer, voter=applied, approve=True)
        assert Voter.objects.filter(election=election, state="registered").count() == 10

        # 2. The roll published, objections open five days; nomination only after.
        election_services.roll_publish(by=officer, election=election, now=AT)
        with pytest.raises(ElectionNotReady):
            election_services.nomination_open(by=officer, election=election, now=AT + timedelta(days=4))
        election_services.nomination_open(by=officer, election=election, now=AT + timedelta(days=5))

        # 3. Candidates (the newcomer too: two years of residence by polling day is enough).
        roll = list(Voter.objects.filter(election=election, source="census").order_by("created_at"))
        nominate = election_services.candidate_nominate
        director_a = nominate(by=officer, election=election, voter=roll[0], post="director")
        director_b = nominate(by=officer, election=election, voter=applied, post="director")
        deputy = nominate(by=officer, election=election, voter=roll[1], post="deputy")
        members = [nominate(by=officer, election=election, voter=v, post="member") for v in roll[2:6]]
        station = election_services.station_add(by=officer, election=election, name="村委会", ballots_issued=8)
        election_services.polling_open(by=officer, election=election)

    # 4. Counts: 7 of 10 voted, 1 ballot invalid; the second officer's mismatch is refused.
    votes = {director_a: 5, director_b: 1, deputy: 3, members[0]: 6, members[1]: 5, members[2]: 4, members[3]: 3}
    enter(station, officer, 7, 1, votes)
    with pytest.raises(CountRefused) as mismatch:
        enter(station, second, 7, 1, {**votes, deputy: 4})
    assert mismatch.value.code == "count_mismatch"
    enter(station, second, 7, 1, votes)

    # 5. The tally: valid (7 > 10 / 2); director_a elected (5 > 7 / 2), deputy not (3 of 7); of
    # the members 6, 5 and 4 are over half: three seats, three elected.
    with town_context("guicheng"):
        outcome = election_services.election_tally(by=officer, election=election, now=AT + timedelta(days=30))
        assert outcome.is_valid
        election_services.results_publish(by=officer, election=election, now=AT + timedelta(days=31))
        election.refresh_from_db()
        elected = set(Candidate.objects.filter(election=election, is_elected=True).values_list("pk", flat=True))
        actions = list(AuditEvent.objects.filter(object_id=str(election.pk)).values_list("action", flat=True))
    assert (election.phase, election.is_valid, election.registered_voters, election.ballots_cast) == (
        "published",
        True,
        10,
        7,
    )
    assert elected == {director_a.pk, members[0].pk, members[1].pk, members[2].pk}
    assert election.another_round == {"deputy": 1}
    assert {
        "governance.election_created",
        "governance.election_roll_published",
        "governance.election_nomination",
        "governance.election_polling",
        "governance.election_tallied",
        "governance.election_published",
    } <= set(actions)


def test_a_turnout_of_half_or_less_makes_the_election_invalid() -> None:
    election, officer, candidates, (first, second) = election_in_polling(voters=10, stations=(5, 5))
    second_officer = officer_of(role="town_admin")
    for station, cast in ((first, 3), (second, 2)):  # 5 of 10: exactly half
        votes = {candidates[0]: cast}  # every voter for one director
        enter(station, officer, cast, 0, votes)
        enter(station, second_officer, cast, 0, votes)
    with town_context("guicheng"):
        outcome = election_services.election_tally(by=officer, election=election, now=AT)
        election.refresh_from_db()
    assert not outcome.is_valid and election.is_valid is False
    assert election.another_round == {"director": 1, "deputy": 1, "member": 3}
    assert not Candidate.objects.for_all_towns().filter(election=election, is_elected=True).exists()


# --- Refusals that change nothing ---------------------------------------------------------


def test_a_person_is_on_one_voter_roll_in_the_district_at_most() -> None:
    officer = officer_of()
    first = election_in(officer=officer)
    voter = census_voters(first, officer, 1)[0]
    number = voter.person.id_number
    other_officer = officer_of("dali")
    elsewhere = election_in("dali", officer=other_officer)
    with (
        town_context("dali"),
        nothing_changes(rows(Voter), rows(VoterRollClaim)),
        pytest.raises(AlreadyOnARoll) as refused,
    ):
        election_services.voter_register(by=other_officer, election=elsewhere, id_number=number, name="某某")
    assert refused.value.code == "already_on_a_roll"
    # The database holds it too, whatever the code above forgets.
    with pytest.raises(Exception, match="voter_on_one_roll_a_year"):
        VoterRollClaim.objects.create(person=voter.person, year=first.year, roll_town_id="dali", voter_id=voter.pk)


def test_the_census_import_reports_a_person_on_another_roll_and_imports_the_rest(run_job: Any) -> None:
    officer = officer_of()
    taken = census_voters(election_in("dali", officer=officer_of("dali")), officer_of("dali"), 1)[0]
    community = community_in()
    election = election_in(community=community, officer=officer)
    rows = [
        [community.code, "甲", next_id_number()],
        [community.code, "乙", taken.person.id_number],  # on dali's roll this year
        ["nowhere", "丙", next_id_number()],  # no such community
    ]
    job = import_census(election, officer, rows, run_job)
    assert (job.imported, job.failed) == (1, 2)
    with town_context("guicheng"):
        codes = sorted(job.row_errors.values_list("code", flat=True))
    assert codes == ["already_on_a_roll", "no_election"]


def test_a_non_hukou_resident_who_does_not_meet_the_towns_conditions_is_refused(settings: Any) -> None:
    community = community_in()
    election = election_in(community=community)
    recent = ResidentFactory(community=community, account=True, registered_since=POLLING_DAY - timedelta(days=200))
    with town_context("guicheng"), nothing_changes(rows(Voter)), pytest.raises(NotEligible) as refused:
        election_services.voter_apply(by=recent.person.user, election=election)
    assert "365" in str(refused.value)
    # The conditions are configuration: a town that asks 180 days takes them.
    settings.GOVERNANCE_ELECTION_RULES = {"guicheng": {"voter_min_residence_days": 180}}
    with town_context("guicheng"):
        assert election_services.voter_apply(by=recent.person.user, election=election).state == "applied"


def test_an_ineligible_candidate_is_refused(settings: Any) -> None:
    officer = officer_of()
    community = community_in()
    election = election_in(community=community, officer=officer)
    census_voters(election, officer, 2)
    newcomer = ResidentFactory(community=community, account=True, registered_since=POLLING_DAY - timedelta(days=400))
    with town_context("guicheng"):
        applied = election_services.voter_apply(by=newcomer.person.user, election=election)
        election_services.voter_decide(by=officer, voter=applied, approve=True)
        refused = ResidentFactory(community=community, account=True, registered_since=date(2020, 1, 1))
        not_approved = election_services.voter_apply(by=refused.person.user, election=election)
        election_services.voter_decide(by=officer, voter=not_approved, approve=False, reason="材料不实")
        election_services.roll_publish(by=officer, election=election, now=AT)
        election_services.nomination_open(by=officer, election=election, now=AT + timedelta(days=5))
        with nothing_changes(rows(Candidate)):
            with pytest.raises(NotEligible, match="730"):  # 400 days: may vote, may not stand
                election_services.candidate_nominate(by=officer, election=election, voter=applied, post="director")
            with pytest.raises(NotEligible):  # refused: not on the roll
                election_services.candidate_nominate(by=officer, election=election, voter=not_approved, post="director")
            with pytest.raises(ValidationError):  # no such post in this election
                election_services.candidate_nominate(by=officer, election=election, voter=applied, post="secretary")
        settings.GOVERNANCE_ELECTION_RULES = {"guicheng": {"candidate_min_residence_days": 365}}
        assert election_services.candidate_nominate(by=officer, election=election, voter=applied, post="member")


@pytest.mark.parametrize(
    ("cast", "invalid", "votes", "field"),
    [
        (6, 0, {}, "ballots_cast"),  # more than the 5 issued
        (-1, 0, {}, "ballots_cast"),
        (3, 4, {}, "invalid_ballots"),
        (3, 0, {"director": -1}, "votes"),
        (3, 0, {"director": 4}, "votes"),  # more than the valid ballots
        (3, 1, {"unknown": 1}, "votes"),
    ],
)
def test_counts_that_cannot_be_are_refused(cast: int, invalid: int, votes: dict[str, int], field: str) -> None:
    _election, officer, candidates, (station, _other) = election_in_polling()
    named = {str(candidates[0].pk) if key == "director" else key: value for key, value in votes.items()}
    with nothing_changes(rows(StationCount), rows(PollingStation)), pytest.raises(ValidationError) as refused:
        enter(station, officer, cast, invalid, named)
    assert field in refused.value.message_dict


def test_the_same_officer_may_not_enter_a_station_twice_and_a_tally_waits_for_every_station() -> None:
    election, officer, candidates, (first, _second) = election_in_polling()
    enter(first, officer, 4, 0, {candidates[0]: 3})
    with nothing_changes(rows(StationCount), rows(PollingStation)), pytest.raises(CountRefused) as refused:
        enter(first, officer, 4, 0, {candidates[0]: 3})
    assert refused.value.code == "same_officer"
    with (
        town_context("guicheng"),
        nothing_changes(rows(Election), rows(Candidate)),
        pytest.raises(ElectionNotReady) as early,
    ):
        election_services.election_tally(by=officer, election=election, now=AT)
    assert early.value.code == "stations_not_confirmed"


def test_steps_out_of_order_and_by_the_wrong_people_are_refused() -> None:
    officer = officer_of()
    election = election_in(officer=officer)
    resident = ResidentFactory(account=True)
    with town_context("guicheng"), nothing_changes(rows(Election)):
        with pytest.raises(ElectionNotReady):  # an empty roll
            election_services.roll_publish(by=officer, election=election, now=AT)
        with pytest.raises(InvalidTransition):
            election_services.election_tally(by=officer, election=election, now=AT)
        with pytest.raises(PermissionDenied):
            election_services.roll_publish(by=resident.person.user, election=election, now=AT)
