from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    name = "nanhai_portal.areas"
    label = "areas"
    verbose_name = _("Towns, communities and grids")

    def ready(self) -> None:
        # The names of the audit actions this app records (nanhai_portal.audit.actions).
        from django.utils.translation import pgettext_lazy

        from nanhai_portal.audit.actions import register_actions

        register_actions(
            self,
            {
                "areas.grid_worker_assigned": pgettext_lazy("audit action", "Grid worker assigned"),
                "areas.grid_worker_unassigned": pgettext_lazy("audit action", "Grid worker unassigned"),
            },
            details={"worker": _("grid worker")},
        )
