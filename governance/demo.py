"""Demo committees and elections (``seed_demo``).

- Every village and community has its two committees (两委), in the term that began in 2021:
  the party committee (secretary, deputy, member) and the villagers'/residents' committee
  (director, deputy, member). The secretary is also the director (一肩挑), as is the practice.
- 130 of the members are non-hukou (非户籍) new residents, as the source document counts, spread
  over the towns; half of them are party members registered with the local branch (报到).
- In every town one community (the first by code) is in the middle of its election: the roll
  published (census voters, and in 桂城 ``resident.1``, a non-hukou resident whose application
  was approved), candidates nominated, two polling stations, one of them counted by two
  officers (confirmed) and one by one officer only (awaiting the second).

Committees are written in bulk (thousands of rows); the elections go through the services, so
each step is audited. Idempotent: a town that has its committees is left as it is.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from governance.models import (
    Committee,
    CommitteeMember,
    Election,
    PartyRegistration,
    Post,
    Term,
    TermSeat,
    Voter,
)
from governance.services import elections as election_services
from nanhai_portal.accounts.models import User
from nanhai_portal.areas.models import Community, Town
from nanhai_portal.demo import DemoReport, demo_seeder
from nanhai_portal.periods import years_after
from nanhai_portal.tenancy import town_context
from residents import synthetic
from residents.models import Person, Resident
from residents.services import person_find_or_create, resident_register

TERM_START = date(2021, 4, 1)  # the current term began in the 2021 general election
NON_HUKOU_MEMBERS = 130
SEATS = {
    Committee.Kind.PARTY: {Post.SECRETARY: 1, Post.DEPUTY: 1, Post.MEMBER: 3},
    Committee.Kind.VILLAGERS: {Post.DIRECTOR: 1, Post.DEPUTY: 1, Post.MEMBER: 3},
}
ELECTION_SEATS = {"director": 1, "deputy": 1, "member": 3}
CENSUS_VOTERS = 24
BRANCHES = (
    "湖南省衡阳市祁东县党支部",
    "广西玉林市博白县党支部",
    "四川省绵阳市三台县党支部",
    "江西省赣州市于都县党支部",
)


def _hukou_person(key: str) -> Person:
    rng = random.Random(key)
    born = date(1966, 1, 1) + timedelta(days=rng.randrange(0, 365 * 32))
    return person_find_or_create(
        id_number=synthetic.id_number(rng, region="440605", born=born), name=synthetic.name(rng)
    )


def _non_hukou_resident(community: Community, key: str) -> Person:
    rng = random.Random(key)
    born = date(1975, 1, 1) + timedelta(days=rng.randrange(0, 365 * 20))
    number = synthetic.id_number(rng, region=rng.choice(synthetic.ORIGIN_REGIONS[1:]), born=born)
    person = person_find_or_create(id_number=number, name=synthetic.name(rng))
    if person.registered_town_id is None:
        resident_register(
            name=person.name,
            id_number=number,
            community=community,
            address=f"{community.name}{rng.randrange(1, 200)}号",
            registered_since=years_after(timezone.localdate(), -4),
        )
    return person


def _has_non_hukou_member(town_index: int, position: int) -> bool:
    """The 130 non-hukou members, round-robin over the towns: the ``position``-th community (by
    code) of the ``town_index``-th town has one while fewer than 130 are placed."""
    return position * Town.objects.count() + town_index < NON_HUKOU_MEMBERS


def _town_committees(town: Town, town_index: int) -> int:
    """The town's committees, terms, seats and members (once). Answers the non-hukou members made."""
    if Committee.objects.exists():
        return 0
    made = 0
    for position, community in enumerate(Community.objects.order_by("code")):
        key = f"gov-{town.code}-{community.code}"
        people = [_hukou_person(f"{key}-{n}") for n in range(4)]
        # The villagers' committee's member: the party deputy (交叉任职), or a new resident.
        member_e, hukou_e, registered_e = people[1], True, False
        if _has_non_hukou_member(town_index, position):
            member_e, hukou_e, registered_e = _non_hukou_resident(community, f"{key}-nh"), False, made % 2 == 0
            made += 1
        for kind in (Committee.Kind.PARTY, Committee.Kind.VILLAGERS):
            suffix = (
                "党组织委员会"
                if kind == Committee.Kind.PARTY
                else ("村民委员会" if community.kind == Community.Kind.VILLAGE else "居民委员会")
            )
            committee = Committee.objects.create(
                town_id=town.code, community=community, kind=kind, name=community.name + suffix
            )
            term = Term.objects.create(
                town_id=town.code, committee=committee, starts_on=TERM_START, ends_on=years_after(TERM_START, 5)
            )
            TermSeat.objects.bulk_create(
                TermSeat(town_id=town.code, term=term, post=post, seats=n) for post, n in SEATS[kind].items()
            )
            if kind == Committee.Kind.PARTY:
                holders = [(people[0], Post.SECRETARY, True, True), (people[1], Post.DEPUTY, True, True)]
                holders.append((people[2], Post.MEMBER, True, True))
            else:
                holders = [(people[0], Post.DIRECTOR, True, True), (people[3], Post.DEPUTY, True, False)]
                holders.append((member_e, Post.MEMBER, hukou_e, hukou_e or registered_e))
            CommitteeMember.objects.bulk_create(
                CommitteeMember(
                    town_id=town.code,
                    term=term,
                    person=person,
                    post=post,
                    is_hukou=hukou,
                    is_party_member=party,
                    from_date=TERM_START,
                )
                for person, post, hukou, party in holders
            )
        if registered_e:
            PartyRegistration.objects.create(
                town_id=town.code,
                person=member_e,
                community=community,
                branch_of_origin=BRANCHES[made % len(BRANCHES)],
                registered_on=date(2020, 3, 1) + timedelta(days=made),
            )
    return made


def _town_election(town: Town) -> bool:
    """The first community's election, in polling with one station confirmed (once)."""
    community = Community.objects.order_by("code").first()
    if community is None or Election.objects.exists():
        return False
    officer = User.objects.get(username=f"officer.{town.code}")
    second = User.objects.get(username=f"townadmin.{town.code}")
    now = timezone.now()
    polling_day = timezone.localdate() + timedelta(days=12)
    election = election_services.election_create(
        by=officer, community=community, year=polling_day.year, polling_day=polling_day, seats=ELECTION_SEATS
    )
    for n in range(CENSUS_VOTERS):
        rng = random.Random(f"voter-{town.code}-{n}")
        born = date(1966, 1, 1) + timedelta(days=rng.randrange(0, 365 * 34))
        election_services.voter_register(
            by=officer,
            election=election,
            id_number=synthetic.id_number(rng, region="440605", born=born),
            name=synthetic.name(rng),
        )
    if town.code == "guicheng":
        resident_1 = User.objects.get(username="resident.1")
        if Resident.objects.filter(person__user=resident_1, community=community, moved_out_on__isnull=True).exists():
            applied = election_services.voter_apply(by=resident_1, election=election)
            election_services.voter_decide(by=officer, voter=applied, approve=True)
    election_services.roll_publish(by=officer, election=election, now=now - timedelta(days=8))
    election_services.nomination_open(by=officer, election=election, now=now)
    voters = list(Voter.objects.filter(election=election, source=Voter.Source.CENSUS).order_by("created_at"))
    posts = ["director", "director", "deputy", "deputy", "member", "member", "member", "member"]
    candidates = [
        election_services.candidate_nominate(by=officer, election=election, voter=voter, post=post)
        for voter, post in zip(voters, posts, strict=False)
    ]
    registered = Voter.objects.filter(election=election, state=Voter.State.REGISTERED).count()
    first = election_services.station_add(
        by=officer, election=election, name="村委会投票站", ballots_issued=registered // 2
    )
    second_station = election_services.station_add(
        by=officer, election=election, name="流动票箱", ballots_issued=registered - registered // 2
    )
    election_services.polling_open(by=officer, election=election)
    cast = first.ballots_issued - 1
    votes = {
        str(c.pk): v
        for c, v in zip(candidates, [cast - 2, 1, cast - 3, 0, cast - 1, cast - 2, 3, cast - 4], strict=True)
    }
    for by in (officer, second):
        election_services.count_enter(by=by, station=first, ballots_cast=cast, invalid_ballots=1, votes=votes)
    cast = second_station.ballots_issued
    votes = {
        str(c.pk): min(v, cast)
        for c, v in zip(candidates, [cast - 1, 0, cast - 2, 1, cast, cast - 1, 0, 2], strict=True)
    }
    election_services.count_enter(by=officer, station=second_station, ballots_cast=cast, invalid_ballots=0, votes=votes)
    return True


@demo_seeder(order=70)
def seed_governance(report: DemoReport, scale: str) -> None:
    made = elections = 0
    for town_index, town in enumerate(Town.objects.order_by("code")):
        with town_context(town.code):
            made += _town_committees(town, town_index)
            elections += _town_election(town)
    report.lines.append(
        f"two committees in every community ({made} non-hukou members made), {elections} elections in polling"
    )
