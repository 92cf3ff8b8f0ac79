from typing import Any

from django.apps import AppConfig
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


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

    from rentals import selectors

    return selectors.grid_worker_work_count(user, now=timezone.now())


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
            },
            details={
                "risk_class": _("risk class"),
                "client_id": _("client id"),
                "hazards": _("hazards found"),
                "reason": _("reason"),
                "state": _("state"),
                "location": _("location"),
            },
        )

        # --- The grid worker's day (rentals.views.grid) ---
        from nanhai_portal.accounts.home import HomeTile, register_home_tiles

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
            ],
        )
