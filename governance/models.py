"""Village and community "two committees" (两委) and the election (换届选举) of the villagers' or
residents' committee.

- ``Committee``: a community's party committee (党组织委员会) or its villagers'/residents'
  committee (村/居民委员会); ``Term``: its five-year term (届) with the seats by post
  (``TermSeat``); ``CommitteeMember``: a person in a post for part of a term, hukou or not,
  party member or not.
- ``PartyRegistration``: a non-hukou party member registered with the local branch (报到),
  with the branch of origin.
- ``Election``: one community's election of a year, on the statutory steps (``Phase``);
  ``Voter``: a person on its roll (from the census, or a non-hukou resident's application);
  ``VoterRollClaim``: district-wide, one roll per person and election year (an ID number is on
  at most one voter roll in the district); ``Candidate``, ``PollingStation`` and
  ``StationCount`` (two polling officers' entries of one station's figures).

People are ``residents.Person`` (district-wide); the counting rules are ``governance.counting``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nanhai_portal.tenancy.models import TenantModel


class CommitteeKind(models.TextChoices):
    PARTY = "party", _("party committee")
    VILLAGERS = "villagers", _("villagers' or residents' committee")


class Post(models.TextChoices):
    SECRETARY = "secretary", pgettext_lazy("committee post", "secretary")
    DIRECTOR = "director", pgettext_lazy("committee post", "director")
    DEPUTY = "deputy", pgettext_lazy("committee post", "deputy")
    MEMBER = "member", pgettext_lazy("committee post", "member")


# The posts of each committee: a party committee has a secretary, a villagers' committee a director.
POSTS_OF = {
    CommitteeKind.PARTY: (Post.SECRETARY, Post.DEPUTY, Post.MEMBER),
    CommitteeKind.VILLAGERS: (Post.DIRECTOR, Post.DEPUTY, Post.MEMBER),
}


class Committee(TenantModel):
    """One of a community's two committees (两委)."""

    Kind = CommitteeKind

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    community = models.ForeignKey(
        "areas.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("village or community")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=CommitteeKind.choices)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["town_id", "community_id", "kind"]
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        permissions = [("manage_election", _("Run the elections of the town's committees"))]
        constraints = [
            models.UniqueConstraint(fields=["id", "town"], name="committee_id_town_unique"),
            models.UniqueConstraint(fields=["town", "community", "kind"], name="committee_one_of_each_kind"),
        ]

    def __str__(self) -> str:
        return self.name


class Term(TenantModel):
    """A committee's term (届): five years (the current one began in 2021)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="terms")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        ordering = ["committee_id", "-starts_on"]
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        constraints = [
            models.UniqueConstraint(fields=["id", "town"], name="term_id_town_unique"),
            models.UniqueConstraint(fields=["town", "committee", "starts_on"], name="term_once_per_start"),
            models.CheckConstraint(condition=Q(ends_on__gt=F("starts_on")), name="term_ends_after_it_starts"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on.year}–{self.ends_on.year}"


class TermSeat(TenantModel):
    """How many seats of a post a term has (one director, two deputies, four members …)."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="seats")
    post = models.CharField(_("post"), max_length=12, choices=Post.choices)
    seats = models.PositiveSmallIntegerField(_("seats"))

    class Meta:
        ordering = ["term_id", "post"]
        verbose_name = _("seats of a post")
        verbose_name_plural = _("seats by post")
        constraints = [
            models.UniqueConstraint(fields=["town", "term", "post"], name="termseat_once_per_post"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="termseat_one_at_least"),
        ]

    def __str__(self) -> str:
        return f"{self.post} × {self.seats}"


class CommitteeMember(TenantModel):
    """A person in a post of a committee's term, from a day to a day (or still)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    post = models.CharField(_("post"), max_length=12, choices=Post.choices)
    is_hukou = models.BooleanField(_("local hukou"), help_text=_("Off for a non-hukou (非户籍) member."))
    is_party_member = models.BooleanField(_("party member"), default=False)
    from_date = models.DateField(_("from"))
    to_date = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        ordering = ["term_id", "post", "from_date"]
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        indexes = [models.Index(fields=["town", "is_hukou"], name="member_town_hukou")]
        constraints = [
            models.UniqueConstraint(fields=["town", "term", "person", "from_date"], name="member_once_per_start"),
            models.CheckConstraint(
                condition=Q(to_date__isnull=True) | Q(to_date__gte=F("from_date")), name="member_to_after_from"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} ({self.post})"


class PartyRegistration(TenantModel):
    """A non-hukou party member registered with the community's party branch (报到)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    community = models.ForeignKey(
        "areas.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("village or community")
    )
    branch_of_origin = models.CharField(_("branch of origin"), max_length=100)
    registered_on = models.DateField(_("registered on"))

    class Meta:
        ordering = ["town_id", "registered_on"]
        verbose_name = _("party member registration")
        verbose_name_plural = _("party member registrations")
        constraints = [
            models.UniqueConstraint(fields=["town", "person"], name="partyregistration_once_per_town"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.community_id}"


class Election(TenantModel):
    """A community's election of its villagers'/residents' committee (换届选举) in a year.

    The phase moves forward by the town officers' steps (``services.elections.ELECTION_NEXT``):
    voters are registered, the roll is published with an objection window, candidates are
    nominated, stations' counts are entered, the election is tallied, the results published.
    """

    class Phase(models.TextChoices):
        REGISTRATION = "registration", _("voter registration")
        ROLL_PUBLISHED = "roll_published", _("voter roll published, objections open")
        NOMINATION = "nomination", _("nomination of candidates")
        POLLING = "polling", _("polling and counting")
        TALLIED = "tallied", _("tallied")
        PUBLISHED = "published", _("results published")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="elections")
    community = models.ForeignKey(
        "areas.Community", on_delete=models.PROTECT, related_name="+", verbose_name=_("village or community")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices, default=Phase.REGISTRATION)
    polling_day = models.DateField(_("polling day"))
    # The seats elected, by post: {"director": 1, "deputy": 1, "member": 3}.
    seats = models.JSONField(_("seats by post"), default=dict)
    roll_published_at = models.DateTimeField(_("voter roll published"), null=True, blank=True)
    objections_close = models.DateTimeField(_("objections to the roll close"), null=True, blank=True)
    registered_voters = models.PositiveIntegerField(_("registered voters"), null=True, blank=True)
    ballots_cast = models.PositiveIntegerField(_("ballots cast"), null=True, blank=True)
    is_valid = models.BooleanField(_("valid"), null=True, blank=True)
    another_round = models.JSONField(_("seats left for another round"), default=dict, blank=True)
    tallied_at = models.DateTimeField(_("tallied"), null=True, blank=True)
    published_at = models.DateTimeField(_("results published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["town_id", "-year", "community_id"]
        verbose_name = _("election")
        verbose_name_plural = _("elections")
        constraints = [
            models.UniqueConstraint(fields=["id", "town"], name="election_id_town_unique"),
            models.UniqueConstraint(fields=["town", "community", "year"], name="election_once_a_year"),
            models.CheckConstraint(
                condition=Q(ballots_cast__isnull=True)
                | Q(registered_voters__isnull=True)
                | Q(ballots_cast__lte=F("registered_voters")),
                name="election_cast_within_registered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.community_id}"


class Voter(TenantModel):
    """A person on an election's voter roll (选民登记), or applying to be."""

    class Source(models.TextChoices):
        CENSUS = "census", _("hukou (census)")
        APPLICATION = "application", _("non-hukou resident's application")

    class State(models.TextChoices):
        APPLIED = "applied", _("applied, awaiting a decision")
        REGISTERED = "registered", pgettext_lazy("voter", "registered")
        REFUSED = "refused", pgettext_lazy("voter", "refused")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="voters")
    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person"))
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.REGISTERED)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["election_id", "created_at"]
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        indexes = [models.Index(fields=["town", "election", "state"], name="voter_election_state")]
        constraints = [
            models.UniqueConstraint(fields=["id", "town"], name="voter_id_town_unique"),
            models.UniqueConstraint(fields=["town", "election", "person"], name="voter_once_per_election"),
        ]

    def __str__(self) -> str:
        return f"{self.election_id} {self.person_id}"


class VoterRollClaim(models.Model):
    """District-wide: the one voter roll a person is on in an election year.

    No town column (``roll_town`` is stored as ``roll_town_id``), so its unique key on
    (person, year) holds across towns: an ID number is on at most one roll in the district.
    Written only by the election services and the census import, with the voter.
    """

    id = models.BigAutoField(primary_key=True)
    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    roll_town = models.ForeignKey(
        "areas.Town", on_delete=models.PROTECT, db_column="roll_town_id", related_name="+", verbose_name=_("town")
    )
    voter_id = models.UUIDField(_("voter"))

    class Meta:
        verbose_name = _("voter roll claim")
        verbose_name_plural = _("voter roll claims")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "year"],
                name="voter_on_one_roll_a_year",
                violation_error_message=_("This person is already on a voter roll in the district this year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year}"


class Candidate(TenantModel):
    """A registered voter nominated for a post (候选人); votes and the outcome after the tally."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidates")
    voter = models.ForeignKey(Voter, on_delete=models.PROTECT, related_name="+", verbose_name=_("voter"))
    post = models.CharField(_("post"), max_length=12, choices=Post.choices)
    votes = models.PositiveIntegerField(_("votes"), null=True, blank=True)
    is_elected = models.BooleanField(_("elected"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["election_id", "post", "created_at"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        constraints = [
            models.UniqueConstraint(fields=["id", "town"], name="candidate_id_town_unique"),
            models.UniqueConstraint(fields=["town", "election", "voter"], name="candidate_once_per_election"),
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} ({self.post})"


class PollingStation(TenantModel):
    """A polling station (投票站) of an election and the ballots it issued."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="stations")
    name = models.CharField(_("name"), max_length=100)
    ballots_issued = models.PositiveIntegerField(_("ballots issued"))
    # The confirmed figures (both officers' entries agreed): copied from the entries.
    confirmed_at = models.DateTimeField(_("counts confirmed"), null=True, blank=True)
    ballots_cast = models.PositiveIntegerField(_("ballots cast"), null=True, blank=True)
    invalid_ballots = models.PositiveIntegerField(_("invalid ballots"), null=True, blank=True)
    votes = models.JSONField(_("votes by candidate"), default=dict, blank=True)

    class Meta:
        ordering = ["election_id", "name"]
        verbose_name = _("polling station")
        verbose_name_plural = _("polling stations")
        constraints = [
            models.UniqueConstraint(fields=["id", "town"], name="pollingstation_id_town_unique"),
            models.UniqueConstraint(fields=["town", "election", "name"], name="pollingstation_name_unique"),
            models.CheckConstraint(
                condition=Q(ballots_cast__isnull=True) | Q(ballots_cast__lte=F("ballots_issued")),
                name="pollingstation_cast_within_issued",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StationCount(TenantModel):
    """One polling officer's entry of a station's figures: the first, or the second that confirms."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    station = models.ForeignKey(PollingStation, on_delete=models.CASCADE, related_name="counts")
    entry = models.PositiveSmallIntegerField(_("entry"))  # 1 or 2
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ballots_cast = models.PositiveIntegerField(_("ballots cast"))
    invalid_ballots = models.PositiveIntegerField(_("invalid ballots"))
    votes = models.JSONField(_("votes by candidate"), default=dict)
    entered_at = models.DateTimeField(_("entered"), auto_now_add=True)

    class Meta:
        ordering = ["station_id", "entry"]
        verbose_name = _("station count")
        verbose_name_plural = _("station counts")
        constraints = [
            models.UniqueConstraint(fields=["town", "station", "entry"], name="stationcount_two_entries"),
            models.UniqueConstraint(fields=["town", "station", "entered_by"], name="stationcount_one_per_officer"),
            models.CheckConstraint(condition=Q(entry__in=[1, 2]), name="stationcount_entry_one_or_two"),
            models.CheckConstraint(
                condition=Q(invalid_ballots__lte=F("ballots_cast")), name="stationcount_invalid_within_cast"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} #{self.entry}"
