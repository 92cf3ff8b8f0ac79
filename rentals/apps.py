from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from nanhai_portal.accounts.models import User


def hazard_category_name(code: str) -> str | None:
    """A checklist category's name in the language being rendered (the messages' ``labels=``)."""
    from rentals.models import HazardCategory  # models are not ready when this module is imported

    category = HazardCategory.objects.filter(code=code).first()
    if category is None:
        return None
    return category.name_en if (get_language() or "").startswith("en") else category.name_zh


def grid_worker_work_count(user: Any) -> int:
    """The number on "Today's inspections": houses due for inspection and overdue hazards."""
    from django.utils import timezone

    from rentals import selectors  # models are not ready when this module is imported

    return selectors.grid_worker_work_count(user, now=timezone.now())


# --- The resident's tile: my rental houses, my home's fire safety (helper C) ---------------


def rental_tile_count(user: User) -> int | None:
    """The number on "Rental houses": open hazards of the houses ``user`` lets (None: none let)."""
    from rentals import selectors  # models are not ready when this module is imported

    return selectors.landlord_open_hazard_count(user)


def rental_tile_status(user: User) -> str | None:
    """The line under "Rental houses": the landlord's houses, or the rented home's safety."""
    from django.utils import timezone

    from rentals import selectors

    let = selectors.houses_let_by(user).count()
    if let:
        return ngettext("You let %(count)d house", "You let %(count)d houses", let) % {"count": let}
    rented = selectors.houses_rented_by(user, today=timezone.localdate())
    if not rented.exists():
        return None
    hazards = selectors.open_hazards_of(rented, now=timezone.now()).count()
    if hazards:
        return ngettext(
            "Your home: %(count)d fire hazard being fixed", "Your home: %(count)d fire hazards being fixed", hazards
        ) % {"count": hazards}
    return gettext("Your home: no open fire hazard")


# --- The officers' tiles (officers' pages, escalation) ---------------------------------------


def hazards_awaiting_fix_count(user: Any) -> int:
    """The number on "Fire-safety hazards": the town's hazards waiting for the landlord's fix."""
    from django.utils import timezone

    from rentals import selectors
    from rentals.services import awaiting_fix_states

    return selectors.hazards_listed(user, now=timezone.now()).filter(state__in=awaiting_fix_states()).count()


def hazards_overdue_status(user: Any) -> str | None:
    """The line under "Fire-safety hazards": how many are past their deadline."""
    from django.utils import timezone
    from django.utils.translation import ngettext

    from rentals import selectors

    overdue = selectors.hazards_listed(user, now=timezone.now(), overdue=True).count()
    if not overdue:
        return None
    return ngettext("%(count)d overdue", "%(count)d overdue", overdue) % {"count": overdue}


def escalation_queue_count(user: Any) -> int:
    """The number on the escalation queue's tile: the town's queue, or the district's list."""
    from rentals import selectors

    return selectors.escalation_queue(user).count()


class RentalsConfig(AppConfig):
    name = "rentals"
    verbose_name = _("Rental houses")

    def ready(self) -> None:
        from django.utils.translation import pgettext_lazy

        from nanhai_portal.accounts.roles import Role, register_role_permissions
        from nanhai_portal.audit.actions import register_actions
        from nanhai_portal.notifications.channels import Channel
        from nanhai_portal.notifications.messages import register_event

        read = [
            "rentals.view_rentalhouse",
            "rentals.view_tenancy",
            "rentals.view_inspection",
            "rentals.view_hazard",
            "rentals.view_hazardcategory",
        ]
        manage = [*read, "rentals.manage_rentalhouse"]
        register_role_permissions(
            self,
            {
                Role.TOWN_OFFICER: manage,
                Role.TOWN_ADMIN: manage,
                Role.DISTRICT_OFFICIAL: read,
                # The district adds and retires checklist categories in the admin.
                Role.DISTRICT_ADMIN: [
                    *read,
                    "rentals.add_hazardcategory",
                    "rentals.change_hazardcategory",
                ],
            },
        )

        hazard = {"address": "桂城街道南海大道1号", "category": "extinguisher"}
        register_event(
            "rentals.hazard_opened",
            channels=[Channel.SMS],
            required=["address", "category", "due"],
            labels={"category": hazard_category_name},
            example={**hazard, "due": "2026-12-01 10:00"},
        )
        register_event(
            "rentals.hazard_rectified",
            channels=[],
            required=["address", "category"],
            labels={"category": hazard_category_name},
            example=hazard,
        )
        register_event(
            "rentals.hazard_reopened",
            channels=[Channel.SMS],
            required=["address", "category", "reason", "due"],
            labels={"category": hazard_category_name},
            example={**hazard, "reason": "灭火器仍已过期", "due": "2026-12-08 10:00"},
        )

        register_actions(
            self,
            {
                "rentals.house_registered": pgettext_lazy("audit action", "Rental house registered"),
                "rentals.tenancy_added": pgettext_lazy("audit action", "Tenant added"),
                "rentals.tenancy_ended": pgettext_lazy("audit action", "Tenancy ended"),
                "rentals.inspection_recorded": pgettext_lazy("audit action", "Inspection recorded"),
                "rentals.inspection_changed": pgettext_lazy("audit action", "Inspection changed"),
                "rentals.inspection_photo_added": pgettext_lazy("audit action", "Inspection photo added"),
                "rentals.hazard_rectification_submitted": pgettext_lazy(
                    "audit action", "Hazard rectification submitted"
                ),
                "rentals.hazard_verified": pgettext_lazy("audit action", "Hazard fix verified"),
                "rentals.hazard_reopened": pgettext_lazy("audit action", "Hazard reopened"),
                # helper C
                "rentals.notice_downloaded": pgettext_lazy("audit action", "Rectification notice downloaded"),
                # Escalation (part D). register_actions replaces an app's names: one call per app.
                "rentals.hazard_escalated": pgettext_lazy("audit action", "Overdue hazard escalated"),
            },
            details={
                "risk_class": _("risk class"),
                "client_id": _("client id"),
                "hazards": _("hazards found"),
                "reason": _("reason"),
                "state": _("state"),
                "location": _("location"),
                "escalated_level": _("escalation level"),
                "due": _("due"),
            },
        )

        # --- Tiles: the grid worker's day (rentals.views.grid); the landlord's and tenant's
        # houses (rentals.views.landlord); and the notice's font ---
        # --- The officers' pages and escalation (区镇联动) ----------------------------------
        from celery.schedules import crontab
        from django.core import checks

        from nanhai_portal.accounts.home import HomeTile, register_home_tiles
        from nanhai_portal.periodic import register_periodic_tasks
        from rentals.notice import check_notice_font

        register_periodic_tasks(
            self,
            {
                # Overdue hazards to the town's queue, then the district's list: every hour of the
                # working day, Beijing time (it sends SMS; a 24-hour deadline is kept within hours).
                "rentals.hazards_escalate": {
                    "task": "rentals.hazards_escalate",
                    "schedule": crontab(minute=10, hour="8-20"),
                },
            },
        )
        escalation_levels = {
            "town": pgettext_lazy("escalated to", "town"),
            "district": pgettext_lazy("escalated to", "district"),
        }
        register_event(
            "rentals.hazard_escalated",
            channels=[Channel.SMS],
            required=["address", "category", "level", "due"],
            labels={"category": hazard_category_name, "level": escalation_levels.get},
            example={**hazard, "level": "town", "due": "2026-12-01 10:00"},
        )
        # register_home_tiles and register_periodic_tasks replace an app's entries: one call each
        # per app, so the other parts' tiles and beat entries join these lists.
        register_home_tiles(
            self,
            [
                HomeTile(
                    _("Today's inspections"),
                    _(
                        "Overdue hazards first, then the houses due for inspection and the return visits; works without signal."
                    ),
                    "rentals:today",
                    {Role.GRID_WORKER: 5},
                    count=grid_worker_work_count,
                ),
                HomeTile(
                    _("Rental houses"),
                    _("The houses you let and their fire hazards, or the fire safety of the home you rent."),
                    "rentals:my-houses",
                    {Role.RESIDENT: 35},
                    count=rental_tile_count,
                    status=rental_tile_status,
                ),
                HomeTile(
                    _("Fire-safety hazards"),
                    _("Hazards in your town's rental houses by state, category and grid, the overdue ones flagged."),
                    "rentals:hazards",
                    {Role.TOWN_OFFICER: 40, Role.TOWN_ADMIN: 60},
                    count=hazards_awaiting_fix_count,
                    status=hazards_overdue_status,
                ),
                HomeTile(
                    _("Escalation queue"),
                    _(
                        "Hazards not fixed by their deadline (区镇联动): follow them up with the landlord and the grid worker."
                    ),
                    "rentals:escalations",
                    {Role.TOWN_OFFICER: 50, Role.TOWN_ADMIN: 70},
                    count=escalation_queue_count,
                ),
                HomeTile(
                    _("Rental houses"),
                    _("Your town's rental houses by grid, risk class and inspection due."),
                    "rentals:houses",
                    {Role.TOWN_OFFICER: 60, Role.TOWN_ADMIN: 80},
                ),
                HomeTile(
                    _("Overdue hazards: the district's list"),
                    _("Hazards of every town still not fixed after the town's follow-up."),
                    "rentals:escalations",
                    {Role.DISTRICT_OFFICIAL: 40, Role.DISTRICT_ADMIN: 35},
                    count=escalation_queue_count,
                ),
            ],
        )
        checks.register(check_notice_font, "rentals")
