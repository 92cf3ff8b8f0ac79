"""Village and community "two committees" (两委), their non-hukou members, and elections."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from nanhai_portal.accounts.models import User


def applications_waiting_count(user: User) -> int:
    """Non-hukou voters' applications awaiting an officer's decision (the officers' tile)."""
    from governance import access
    from governance.models import Voter

    return access.voters_visible_to(user).filter(state=Voter.State.APPLIED).count()


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Village committees and elections")

    def ready(self) -> None:
        from django.utils.translation import pgettext_lazy

        from nanhai_portal.accounts.home import HomeTile, register_home_tiles
        from nanhai_portal.accounts.roles import Role, register_role_permissions
        from nanhai_portal.audit.actions import register_actions

        read = [
            "governance.view_committee",
            "governance.view_term",
            "governance.view_termseat",
            "governance.view_committeemember",
            "governance.view_partyregistration",
            "governance.view_election",
        ]
        run = [*read, "governance.manage_election"]
        manage = [
            *run,
            *["governance.add_committee", "governance.change_committee"],
            *["governance.add_term", "governance.change_term"],
            *["governance.add_termseat", "governance.change_termseat", "governance.delete_termseat"],
            *["governance.add_committeemember", "governance.change_committeemember"],
            *["governance.add_partyregistration", "governance.change_partyregistration"],
        ]
        register_role_permissions(
            self,
            {
                Role.TOWN_OFFICER: run,
                Role.TOWN_ADMIN: manage,
                Role.DISTRICT_OFFICIAL: read,
                Role.DISTRICT_ADMIN: read,
            },
        )
        register_actions(
            self,
            {
                "governance.term_set_up": pgettext_lazy("audit action", "Committee term set up"),
                "governance.member_appointed": pgettext_lazy("audit action", "Committee member appointed"),
                "governance.party_member_registered": pgettext_lazy("audit action", "Party member registered"),
                "governance.election_created": pgettext_lazy("audit action", "Election created"),
                "governance.voter_registered": pgettext_lazy("audit action", "Voter registered"),
                "governance.voter_applied": pgettext_lazy("audit action", "Application to the voter roll"),
                "governance.voter_decided": pgettext_lazy("audit action", "Voter application decided"),
                "governance.election_roll_published": pgettext_lazy("audit action", "Voter roll published"),
                "governance.election_nomination": pgettext_lazy("audit action", "Nomination opened"),
                "governance.candidate_nominated": pgettext_lazy("audit action", "Candidate nominated"),
                "governance.station_added": pgettext_lazy("audit action", "Polling station set up"),
                "governance.election_polling": pgettext_lazy("audit action", "Polling opened"),
                "governance.count_entered": pgettext_lazy("audit action", "Station count entered"),
                "governance.election_tallied": pgettext_lazy("audit action", "Election tallied"),
                "governance.election_published": pgettext_lazy("audit action", "Election results published"),
            },
            details={
                "seats": _("seats"),
                "post": _("post"),
                "hukou": _("local hukou"),
                "party_member": _("party member"),
                "source": _("source"),
                "voters": _("voters"),
                "registered": _("registered voters"),
                "ballots_cast": _("ballots cast"),
                "ballots_issued": _("ballots issued"),
                "invalid_ballots": _("invalid ballots"),
                "entry": _("entry"),
                "valid": _("valid"),
                "elected": _("elected"),
                "another_round": _("seats left for another round"),
            },
        )
        register_home_tiles(
            self,
            [
                HomeTile(
                    _("Village committee and elections"),
                    _("Your village or community committee, the voter roll you are on, applying to vote."),
                    "governance:home",
                    {Role.RESIDENT: 50},
                ),
                HomeTile(
                    _("Committee elections"),
                    _("Run your town's committee elections step by step: roll, candidates, stations, tally."),
                    "governance:elections",
                    {Role.TOWN_OFFICER: 70, Role.TOWN_ADMIN: 90},
                    count=applications_waiting_count,
                ),
            ],
        )
