"""Per-test data for governance: a fresh community with its villagers' committee, an election in
it (through the services), officers, voters. Times are fixed, never now: polling on 2026-06-30,
the roll published on ``AT`` (2026-05-31 10:00 Shanghai time, a month end).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from governance.models import Committee, Election, Voter
from governance.services import committees as committee_services
from governance.services import elections as election_services
from nanhai_portal.accounts.roles import Role
from nanhai_portal.areas.models import Community
from nanhai_portal.tenancy import town_context
from tests.factories import CommunityFactory, UserFactory, synthetic_id_number

SHANGHAI = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 5, 31, 10, 0, tzinfo=SHANGHAI)
POLLING_DAY = date(2026, 6, 30)
YEAR = 2026
SEATS = {"director": 1, "deputy": 1, "member": 3}

_numbers = iter(range(700_000, 10**6))


def next_id_number() -> str:
    """An ID number nobody else holds (born in the 1950s: of voting age)."""
    return synthetic_id_number(next(_numbers))


def officer_of(town: str = "guicheng", role: str = Role.TOWN_OFFICER) -> Any:
    return UserFactory(role=role, town_id=town)


def community_in(town: str = "guicheng") -> Community:
    """A new community of ``town`` with its two committees in the 2021 term."""
    community = CommunityFactory(town_id=town)
    with town_context(town):
        committee_services.committee_set_up(
            community=community, kind=Committee.Kind.PARTY, starts_on=date(2021, 4, 1), seats={"secretary": 1}
        )
        committee_services.committee_set_up(
            community=community, kind=Committee.Kind.VILLAGERS, starts_on=date(2021, 4, 1), seats=SEATS
        )
    return community


def election_in(town: str = "guicheng", *, community: Community | None = None, officer: Any = None) -> Election:
    community = community or community_in(town)
    with town_context(town):
        return election_services.election_create(
            by=officer or officer_of(town), community=community, year=YEAR, polling_day=POLLING_DAY, seats=SEATS
        )


def census_voters(election: Election, officer: Any, n: int) -> list[Voter]:
    with town_context(election.town_id):
        return [
            election_services.voter_register(
                by=officer, election=election, id_number=next_id_number(), name="选民" + "甲乙丙丁戊己庚辛壬癸"[i % 10]
            )
            for i in range(n)
        ]


def election_in_polling(
    town: str = "guicheng", *, voters: int = 10, stations: tuple[int, ...] = (5, 5)
) -> tuple[Election, Any, list[Any], list[Any]]:
    """An election in polling: ``voters`` census voters, candidates (2 directors, 2 deputies,
    4 members), stations issuing ``stations`` ballots. Answers (election, officer, candidates, stations)."""
    officer = officer_of(town)
    election = election_in(town, officer=officer)
    roll = census_voters(election, officer, voters)
    with town_context(town):
        election_services.roll_publish(by=officer, election=election, now=AT)
        election_services.nomination_open(by=officer, election=election, now=AT + timedelta(days=6))
        posts = ["director", "director", "deputy", "deputy", "member", "member", "member", "member"]
        candidates = [
            election_services.candidate_nominate(by=officer, election=election, voter=voter, post=post)
            for voter, post in zip(roll, posts, strict=False)
        ]
        made = [
            election_services.station_add(by=officer, election=election, name=f"投票站{i}", ballots_issued=issued)
            for i, issued in enumerate(stations, start=1)
        ]
        election_services.polling_open(by=officer, election=election)
        election.refresh_from_db()
    return election, officer, candidates, made
