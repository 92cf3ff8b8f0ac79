"""What each role's home page offers: the things that role can do, in the order they do them."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role


@dataclass(frozen=True)
class Section:
    title: str | Promise
    text: str | Promise
    url: str | None = None  # None: described, arriving in a later release


def home_sections(user: User) -> list[Section]:
    api_docs = reverse("api-docs")
    communities = reverse("community-list")
    grids = reverse("my-grids")
    admin = reverse("admin:index")
    sections: dict[str, list[Section]] = {
        Role.RESIDENT: [
            Section(
                _("Apply online"),
                _(
                    "Residence registration, a residence permit, its yearly endorsement or a new card: checked before you send it, and posted to you if you like."
                ),
                reverse("residents:apply"),
            ),
            Section(
                _("My applications"),
                _("Where each application stands, step by step."),
                reverse("residents:my-applications"),
            ),
            Section(
                _("My residence permit"),
                _("Your permit, its status and when the next endorsement is due."),
                reverse("residents:my-permit"),
            ),
            Section(
                _("Messages"),
                _("What the town has told you: every step of your applications."),
                reverse("notifications:inbox"),
            ),
            Section(_("School places"), _("Apply for a public school place for your child by points.")),
            Section(_("Community life"), _("Take part in your village or community committee.")),
        ],
        Role.GRID_WORKER: [
            Section(_("My grids"), _("The grids you serve and the rental houses in them."), grids),
            Section(
                _("Fire-safety inspections"), _("Log an inspection with photos and follow every hazard to its fix.")
            ),
        ],
        Role.TOWN_OFFICER: [
            Section(
                _("Application queue"),
                _("Review your town's residence and permit applications by deadline."),
                reverse("residents:queue"),
            ),
            Section(_("Hazards"), _("See open fire hazards in rental houses and who is fixing them.")),
            Section(_("Villages and communities"), _("Your town's villages, communities and grids."), communities),
            Section(
                _("Bulk imports"),
                _("Load villages, grids or residents from a spreadsheet, with a report of every bad row."),
                reverse("jobs:list"),
            ),
        ],
        Role.TOWN_ADMIN: [
            Section(_("Back office"), _("Manage your town's communities, grids and staff accounts."), admin),
            Section(
                _("Bulk imports"),
                _("Load villages, grids or residents from a spreadsheet, with a report of every bad row."),
                reverse("jobs:list"),
            ),
            Section(
                _("Application queue"),
                _("Review your town's residence and permit applications by deadline."),
                reverse("residents:queue"),
            ),
            Section(_("Audit trail"), _("Who did what in your town, and when."), reverse("audit-events")),
        ],
        Role.DISTRICT_OFFICIAL: [
            Section(
                _("District dashboard"), _("Applications, permits, hazards and school places across all seven towns.")
            ),
            Section(_("Towns and communities"), _("Read every town's villages, communities and grids."), communities),
        ],
        Role.DISTRICT_ADMIN: [
            Section(_("Back office"), _("Manage towns, communities, grids and every account."), admin),
            Section(
                _("District dashboard"), _("Applications, permits, hazards and school places across all seven towns.")
            ),
            Section(_("Audit trail"), _("Who did what in every town, and when."), reverse("audit-events")),
            Section(_("API"), _("The OpenAPI document and its interactive docs."), api_docs),
        ],
    }
    return sections[user.role]
