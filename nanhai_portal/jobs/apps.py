from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """Its periodic task (reclaiming stalled imports) is in settings.CELERY_BEAT_SCHEDULE."""

    name = "nanhai_portal.jobs"
    label = "jobs"
    verbose_name = _("Bulk jobs")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from nanhai_portal.jobs.importers import communities, grids  # noqa: F401 - register this app's importers

        # Later features' importers: an ``importers`` module in their app.
        autodiscover_modules("importers")

        # The names of the audit actions this app records (nanhai_portal.audit.actions).
        from django.utils.translation import pgettext_lazy

        from nanhai_portal.audit.actions import register_actions

        register_actions(
            self,
            {
                "jobs.created": pgettext_lazy("audit action", "Import started"),
                "jobs.cancelled": pgettext_lazy("audit action", "Import cancelled"),
            },
            details={"file": _("file")},
        )
