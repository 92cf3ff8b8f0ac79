"""Writes for elections of villagers'/residents' committees (换届选举), step by step.

``ELECTION_NEXT`` is the one table of which phase follows which; each step locks the election,
checks its phase and what must hold first, moves it and audits it in one transaction:

1. voter registration (选民登记): hukou voters from the census import (``census_voters``) or
   one by one (``voter_register``); a non-hukou resident applies (``voter_apply``) and an
   officer decides (``voter_decide``) by the town's conditions (``governance.conf``);
2. the roll published (``roll_publish``) with an objection window;
3. nomination (``nomination_open``, ``candidate_nominate``) with eligibility checks;
4. polling (``polling_open``): each station's counts entered by two officers (``count_enter``:
   the second confirms with the same figures; a mismatch is refused);
5. the tally (``election_tally``) by ``governance.counting``; the results published
   (``results_publish``).

An ID number is on at most one voter roll in the district a year: ``VoterRollClaim``'s unique
key (person, year) holds it, and a second roll is refused with ``already_on_a_roll``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from governance import access, conf, counting
from governance.models import (
    POSTS_OF,
    Candidate,
    Committee,
    Election,
    PollingStation,
    StationCount,
    Voter,
    VoterRollClaim,
)
from nanhai_portal.accounts.models import Caller, User
from nanhai_portal.areas.models import Community
from nanhai_portal.audit.services import audit_record
from nanhai_portal.errors import DomainError, InvalidTransition
from nanhai_portal.periods import whole_years_between
from residents.models import Person, Resident
from residents.services import person_find_or_create

Phase = Election.Phase

# The phase each step moves an election to, from the phase it starts from.
ELECTION_NEXT: dict[str, str] = {
    Phase.REGISTRATION: Phase.ROLL_PUBLISHED,
    Phase.ROLL_PUBLISHED: Phase.NOMINATION,
    Phase.NOMINATION: Phase.POLLING,
    Phase.POLLING: Phase.TALLIED,
    Phase.TALLIED: Phase.PUBLISHED,
}
# Stations may be set up while candidates are nominated and during polling.
STATIONS_CHANGE_IN = frozenset({Phase.NOMINATION, Phase.POLLING})


class AlreadyOnARoll(DomainError):
    code = "already_on_a_roll"
    status = 409


class NotEligible(DomainError):
    code = "not_eligible"
    status = 400


class ElectionNotReady(DomainError):
    code = "election_not_ready"
    status = 409


class CountRefused(DomainError):
    status = 409


# --- Helpers -------------------------------------------------------------------------------


def _lock(election: Election) -> Election:
    return Election.objects.select_for_update(of=("self",)).select_related("community").get(pk=election.pk)


def _require_phase(election: Election, allowed: Iterable[str], action: str) -> None:
    if election.phase not in allowed:
        raise InvalidTransition(
            _("Cannot %(action)s while the election is in %(phase)s.")
            % {"action": action, "phase": election.get_phase_display()},
            phase=election.phase,
        )


def _move(election: Election, *, by: User, to: str, **changes: Any) -> Election:
    """Save the election in its next phase (``ELECTION_NEXT``) and audit it."""
    before = election.phase
    if ELECTION_NEXT.get(before) != to:
        raise InvalidTransition(_("The election cannot move to this step from where it is."), phase=before)
    election.phase = to
    election.save()
    audit_record(
        action=f"governance.election_{to}",
        actor=by,
        target=election,
        changes={"phase": [before, to], **changes},
    )
    return election


def _age_on(person: Person, day: date) -> int:
    return whole_years_between(person.birth_date, day)


def _current_registration(person: Person, community: Community) -> Resident | None:
    return (
        Resident.objects.filter(person=person, community=community, moved_out_on__isnull=True)
        .order_by("-registered_since")
        .first()
    )


def _residence_days(registration: Resident | None, day: date) -> int:
    if registration is None or registration.registered_since is None:
        return -1
    return (day - registration.registered_since).days


def non_hukou_voter_problems(person: Person, election: Election) -> list[str]:
    """Why ``person`` may not register as a non-hukou voter of ``election`` (empty: they may)."""
    rules = conf.election_rules(election.town_id)
    problems = []
    if _age_on(person, election.polling_day) < rules.voter_min_age:
        problems.append(_("A voter is %(age)d or older on polling day.") % {"age": rules.voter_min_age})
    registration = _current_registration(person, election.community)
    if registration is None:
        problems.append(_("Only residents registered in this village or community may apply here."))
    elif _residence_days(registration, election.polling_day) < rules.voter_min_residence_days:
        problems.append(
            _("A non-hukou voter has lived here, registered, for %(days)d days by polling day.")
            % {"days": rules.voter_min_residence_days}
        )
    return problems


def _claim(voter: Voter, year: int) -> None:
    """Put ``voter`` on the district's one roll a year (``AlreadyOnARoll`` when they are on one)."""
    try:
        with transaction.atomic():
            VoterRollClaim.objects.create(
                person_id=voter.person_id, year=year, roll_town_id=voter.town_id, voter_id=voter.pk
            )
    except IntegrityError:
        raise AlreadyOnARoll(
            _("This person is already on a voter roll in the district this year: an ID number is on one roll at most.")
        ) from None


def _on_a_roll(person: Person, year: int) -> bool:
    return VoterRollClaim.objects.filter(person=person, year=year).exists()


# --- Setting up ----------------------------------------------------------------------------


@transaction.atomic
def election_create(
    *, by: Caller, community: Community, year: int, polling_day: date, seats: Mapping[str, int]
) -> Election:
    """The election of ``community``'s villagers'/residents' committee in ``year``, in registration."""
    officer = access.require_election_officer(by)
    committee = Committee.objects.filter(community=community, kind=Committee.Kind.VILLAGERS).first()
    if committee is None:
        raise ValidationError({"community": [_("This village or community has no villagers' committee yet.")]})
    if polling_day.year != year:
        raise ValidationError({"polling_day": [_("The polling day is in the election's year.")]})
    posts = POSTS_OF[Committee.Kind.VILLAGERS]
    if (
        not seats
        or any(post not in posts for post in seats)
        or any(not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 20 for n in seats.values())
    ):
        raise ValidationError({"seats": [_("Give seats (1 to 20) for the posts director, deputy and member.")]})
    election = Election(
        town_id=community.town_id,
        committee=committee,
        community=community,
        year=year,
        polling_day=polling_day,
        seats=dict(seats),
    )
    try:
        with transaction.atomic():
            election.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"year": [_("This village or community has an election this year already.")]}) from None
    audit_record(action="governance.election_created", actor=officer, target=election, changes={"year": year})
    return election


# --- 1. Voter registration -----------------------------------------------------------------


@transaction.atomic
def voter_register(*, by: Caller, election: Election, id_number: str, name: str) -> Voter:
    """A hukou voter of the census added by an officer (the import does the same in bulk)."""
    officer = access.require_election_officer(by)
    election = _lock(election)
    _require_phase(election, [Phase.REGISTRATION], _("register voters"))
    try:
        person = person_find_or_create(id_number=id_number, name=name)
    except ValidationError as error:
        raise ValidationError({"id_number": error.messages}) from None
    if _age_on(person, election.polling_day) < conf.election_rules(election.town_id).voter_min_age:
        raise NotEligible(_("A voter is 18 or older on polling day."))
    if Voter.objects.filter(election=election, person=person).exists():
        raise AlreadyOnARoll(_("This person is on this roll already."))
    voter = Voter.objects.create(
        town_id=election.town_id, election=election, person=person, source=Voter.Source.CENSUS, decided_by=officer
    )
    _claim(voter, election.year)
    audit_record(action="governance.voter_registered", actor=officer, target=voter, changes={"source": "census"})
    return voter


@transaction.atomic
def voter_apply(*, by: Caller, election: Election) -> Voter:
    """A non-hukou resident's application to the roll of their community's election."""
    user = access.acting_user(by)
    person = Person.objects.filter(user=user).first()
    if person is None:
        raise NotEligible(_("Only residents registered in this village or community may apply here."))
    election = _lock(election)
    _require_phase(election, [Phase.REGISTRATION], _("apply to the voter roll"))
    if Voter.objects.filter(election=election, person=person).exists():
        raise AlreadyOnARoll(_("You have applied to this roll already, or are on it."))
    if _on_a_roll(person, election.year):
        raise AlreadyOnARoll(_("You are already on a voter roll in the district this year."))
    problems = non_hukou_voter_problems(person, election)
    if problems:
        raise NotEligible(" ".join(problems), fields={"non_field_errors": problems})
    voter = Voter.objects.create(
        town_id=election.town_id,
        election=election,
        person=person,
        source=Voter.Source.APPLICATION,
        state=Voter.State.APPLIED,
    )
    audit_record(action="governance.voter_applied", actor=user, target=voter)
    return voter


@transaction.atomic
def voter_decide(*, by: Caller, voter: Voter, approve: bool, reason: str = "") -> Voter:
    """An officer approves (the voter is on the roll) or refuses (with a reason) an application."""
    officer = access.require_election_officer(by)
    election = _lock(voter.election)
    _require_phase(election, [Phase.REGISTRATION], _("decide applications"))
    voter = Voter.objects.select_for_update().select_related("person").get(pk=voter.pk)
    if voter.state != Voter.State.APPLIED:
        raise InvalidTransition(_("This application is decided already."), state=voter.state)
    if voter.person.user_id == officer.pk:
        raise PermissionDenied(_("You may not decide your own application: another officer must."))
    reason = reason.strip()
    if approve:
        problems = non_hukou_voter_problems(voter.person, election)
        if problems:
            raise NotEligible(" ".join(problems), fields={"non_field_errors": problems})
        _claim(voter, election.year)
        voter.state = Voter.State.REGISTERED
    else:
        if not reason:
            raise ValidationError({"reason": [_("Give the reason for refusing.")]})
        voter.state = Voter.State.REFUSED
    voter.reason = reason[:1000]
    voter.decided_by = officer
    voter.save()
    audit_record(action="governance.voter_decided", actor=officer, target=voter, changes={"state": voter.state})
    return voter


# --- 2. The roll published -----------------------------------------------------------------


@transaction.atomic
def roll_publish(*, by: Caller, election: Election, now: datetime) -> Election:
    """Publish the roll (选民名单公布), open for objections for the town's number of days."""
    officer = access.require_election_officer(by)
    election = _lock(election)
    _require_phase(election, [Phase.REGISTRATION], _("publish the voter roll"))
    voters = Voter.objects.filter(election=election)
    if voters.filter(state=Voter.State.APPLIED).exists():
        raise ElectionNotReady(_("Decide every application before the roll is published."))
    registered = voters.filter(state=Voter.State.REGISTERED).count()
    if not registered:
        raise ElectionNotReady(_("The roll is empty: import the census or register voters first."))
    days = conf.election_rules(election.town_id).roll_objection_days
    election.roll_published_at = now
    election.objections_close = now + timedelta(days=days)
    return _move(election, by=officer, to=Phase.ROLL_PUBLISHED, voters=registered)


# --- 3. Nomination -------------------------------------------------------------------------


@transaction.atomic
def nomination_open(*, by: Caller, election: Election, now: datetime) -> Election:
    officer = access.require_election_officer(by)
    election = _lock(election)
    _require_phase(election, [Phase.ROLL_PUBLISHED], _("open the nomination"))
    if election.objections_close is not None and now < election.objections_close:
        raise ElectionNotReady(
            _("Objections to the roll are open until %(close)s.") % {"close": election.objections_close}
        )
    return _move(election, by=officer, to=Phase.NOMINATION)


def candidate_problems(voter: Voter, election: Election) -> list[str]:
    """Why ``voter`` may not stand in ``election`` (empty: they may)."""
    if voter.election_id != election.pk or voter.state != Voter.State.REGISTERED:
        return [_("A candidate is a registered voter of this election.")]
    if voter.source == Voter.Source.CENSUS:
        return []
    rules = conf.election_rules(election.town_id)
    if not rules.non_hukou_may_stand:
        return [_("In this town non-hukou voters may vote but not stand.")]
    registration = _current_registration(voter.person, election.community)
    if _residence_days(registration, election.polling_day) < rules.candidate_min_residence_days:
        return [
            _("A non-hukou candidate has lived here, registered, for %(days)d days by polling day.")
            % {"days": rules.candidate_min_residence_days}
        ]
    return []


@transaction.atomic
def candidate_nominate(*, by: Caller, election: Election, voter: Voter, post: str) -> Candidate:
    officer = access.require_election_officer(by)
    election = _lock(election)
    _require_phase(election, [Phase.NOMINATION], _("nominate candidates"))
    if post not in election.seats:
        raise ValidationError({"post": [_("This election has no seat of this post.")]})
    voter = Voter.objects.select_related("person").get(pk=voter.pk)
    problems = candidate_problems(voter, election)
    if problems:
        raise NotEligible(" ".join(problems), fields={"voter": problems})
    candidate = Candidate(town_id=election.town_id, election=election, voter=voter, post=post)
    try:
        with transaction.atomic():
            candidate.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"voter": [_("This voter is a candidate already.")]}) from None
    audit_record(action="governance.candidate_nominated", actor=officer, target=candidate, changes={"post": post})
    return candidate


# --- 4. Polling ----------------------------------------------------------------------------


@transaction.atomic
def station_add(*, by: Caller, election: Election, name: str, ballots_issued: int) -> PollingStation:
    officer = access.require_election_officer(by)
    election = _lock(election)
    _require_phase(election, STATIONS_CHANGE_IN, _("set up polling stations"))
    registered = Voter.objects.filter(election=election, state=Voter.State.REGISTERED).count()
    issued = PollingStation.objects.filter(election=election).values_list("ballots_issued", flat=True)
    if ballots_issued < 0 or ballots_issued + sum(issued) > registered:
        raise ValidationError({"ballots_issued": [_("The stations together issue at most one ballot per voter.")]})
    station = PollingStation(
        town_id=election.town_id, election=election, name=name.strip(), ballots_issued=ballots_issued
    )
    station.full_clean(exclude=["town", "election"])
    try:
        with transaction.atomic():
            station.save(force_insert=True)
    except IntegrityError:
        raise ValidationError({"name": [_("The election has a station of this name already.")]}) from None
    audit_record(
        action="governance.station_added", actor=officer, target=station, changes={"ballots_issued": ballots_issued}
    )
    return station


@transaction.atomic
def polling_open(*, by: Caller, election: Election) -> Election:
    officer = access.require_election_officer(by)
    election = _lock(election)
    _require_phase(election, [Phase.NOMINATION], _("open polling"))
    posts = set(Candidate.objects.filter(election=election).values_list("post", flat=True))
    missing = [post for post in election.seats if post not in posts]
    if missing:
        raise ElectionNotReady(_("Nominate candidates for every post first."))
    if not PollingStation.objects.filter(election=election).exists():
        raise ElectionNotReady(_("Set up a polling station first."))
    return _move(election, by=officer, to=Phase.POLLING)


def _check_figures(
    station: PollingStation, election: Election, ballots_cast: int, invalid_ballots: int, votes: Mapping[str, Any]
) -> dict[str, int]:
    """The votes by candidate id (every candidate, 0 when not given), or ValidationError."""
    errors: dict[str, list[str]] = {}
    for field, value in (("ballots_cast", ballots_cast), ("invalid_ballots", invalid_ballots)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors[field] = [_("A count is a whole number, 0 or more.")]
    if errors:
        raise ValidationError(errors)
    if ballots_cast > station.ballots_issued:
        errors["ballots_cast"] = [
            _("More ballots cast than the %(issued)d the station issued.") % {"issued": station.ballots_issued}
        ]
    if invalid_ballots > ballots_cast:
        errors["invalid_ballots"] = [_("More invalid ballots than ballots cast.")]
    candidates = {str(pk): post for pk, post in Candidate.objects.filter(election=election).values_list("pk", "post")}
    unknown = [key for key in votes if str(key) not in candidates]
    if unknown:
        errors["votes"] = [_("Votes for someone who is not a candidate of this election.")]
    counted: dict[str, int] = {}
    valid_ballots = ballots_cast - invalid_ballots
    for key in candidates:
        value = votes.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors["votes"] = [_("A count is a whole number, 0 or more.")]
        elif value > valid_ballots:
            errors["votes"] = [_("A candidate has more votes than there are valid ballots.")]
        else:
            counted[key] = value
    if "votes" not in errors:
        for post, seats in election.seats.items():
            total = sum(counted[key] for key, of in candidates.items() if of == post)
            if total > valid_ballots * int(seats):
                errors["votes"] = [_("More votes for a post than its seats times the valid ballots.")]
    if errors:
        raise ValidationError(errors)
    return counted


@transaction.atomic
def count_enter(
    *, by: Caller, station: PollingStation, ballots_cast: int, invalid_ballots: int, votes: Mapping[str, Any]
) -> StationCount:
    """One polling officer's entry of ``station``'s figures. The first is kept; a second, by
    another officer, confirms the station when its figures are the same and is refused
    (``count_mismatch``, nothing changes) when they differ."""
    officer = access.require_election_officer(by)
    election = _lock(station.election)
    _require_phase(election, [Phase.POLLING], _("enter counts"))
    station = PollingStation.objects.select_for_update().get(pk=station.pk)
    if station.confirmed_at is not None:
        raise CountRefused(_("This station's counts are confirmed already."), code="already_confirmed")
    counted = _check_figures(station, election, ballots_cast, invalid_ballots, votes)
    first = StationCount.objects.filter(station=station, entry=1).first()
    if first is not None and first.entered_by_id == officer.pk:
        raise CountRefused(
            _("You entered this station's first count: a second officer must confirm it."), code="same_officer"
        )
    if first is not None and (first.ballots_cast, first.invalid_ballots, first.votes) != (
        ballots_cast,
        invalid_ballots,
        counted,
    ):
        raise CountRefused(
            _("The figures differ from the first officer's entry: count again together, then enter them again."),
            code="count_mismatch",
        )
    entry = StationCount.objects.create(
        town_id=station.town_id,
        station=station,
        entry=1 if first is None else 2,
        entered_by=officer,
        ballots_cast=ballots_cast,
        invalid_ballots=invalid_ballots,
        votes=counted,
    )
    if first is not None:
        station.confirmed_at = entry.entered_at
        station.ballots_cast = ballots_cast
        station.invalid_ballots = invalid_ballots
        station.votes = counted
        station.save()
    audit_record(
        action="governance.count_entered",
        actor=officer,
        target=station,
        changes={"entry": entry.entry, "ballots_cast": ballots_cast, "invalid_ballots": invalid_ballots},
    )
    return entry


# --- 5. Tally and results ------------------------------------------------------------------


@transaction.atomic
def election_tally(*, by: Caller, election: Election, now: datetime) -> counting.Outcome:
    """Count the election by the statutory rules, once every station's counts are confirmed."""
    officer = access.require_election_officer(by)
    election = _lock(election)
    _require_phase(election, [Phase.POLLING], _("tally"))
    stations = list(PollingStation.objects.filter(election=election))
    if not stations or any(station.confirmed_at is None for station in stations):
        raise ElectionNotReady(
            _("Every polling station's counts must be confirmed by two officers before the tally."),
            code="stations_not_confirmed",
        )
    registered = Voter.objects.filter(election=election, state=Voter.State.REGISTERED).count()
    ballots_cast = sum(station.ballots_cast or 0 for station in stations)
    candidates = list(Candidate.objects.filter(election=election))
    totals = {str(c.pk): sum(int(s.votes.get(str(c.pk), 0)) for s in stations) for c in candidates}
    races = [
        counting.Race(post, int(seats), {str(c.pk): totals[str(c.pk)] for c in candidates if c.post == post})
        for post, seats in election.seats.items()
    ]
    outcome = counting.count_election(registered=registered, ballots_cast=ballots_cast, races=races)
    elected = outcome.elected
    for candidate in candidates:
        candidate.votes = totals[str(candidate.pk)]
        candidate.is_elected = str(candidate.pk) in elected
    Candidate.objects.bulk_update(candidates, ["votes", "is_elected"])
    election.registered_voters = registered
    election.ballots_cast = ballots_cast
    election.is_valid = outcome.is_valid
    election.another_round = outcome.another_round
    election.tallied_at = now
    _move(
        election,
        by=officer,
        to=Phase.TALLIED,
        registered=registered,
        ballots_cast=ballots_cast,
        valid=outcome.is_valid,
        elected=len(elected),
        another_round=outcome.another_round,
    )
    return outcome


@transaction.atomic
def results_publish(*, by: Caller, election: Election, now: datetime) -> Election:
    officer = access.require_election_officer(by)
    election = _lock(election)
    _require_phase(election, [Phase.TALLIED], _("publish the results"))
    election.published_at = now
    return _move(election, by=officer, to=Phase.PUBLISHED)


# The step the pages and the API take from each phase (``election_advance``).
def election_advance(*, by: Caller, election: Election, now: datetime) -> Election:
    """Take the election to its next step (the roll published, nomination, polling, results)."""
    if election.phase == Phase.REGISTRATION:
        return roll_publish(by=by, election=election, now=now)
    if election.phase == Phase.ROLL_PUBLISHED:
        return nomination_open(by=by, election=election, now=now)
    if election.phase == Phase.NOMINATION:
        return polling_open(by=by, election=election)
    if election.phase == Phase.TALLIED:
        return results_publish(by=by, election=election, now=now)
    if election.phase == Phase.POLLING:
        raise InvalidTransition(_("Polling ends with the tally."), phase=election.phase)
    raise InvalidTransition(_("The results are published: the election is over."), phase=election.phase)
