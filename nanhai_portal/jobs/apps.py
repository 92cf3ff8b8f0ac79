from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "nanhai_portal.jobs"
    label = "jobs"
    verbose_name = _("Bulk jobs")

    def ready(self) -> None:
        from django.conf import settings
        from django.utils.module_loading import autodiscover_modules

        from nanhai_portal.jobs import conf
        from nanhai_portal.jobs.importers import communities, grids  # noqa: F401 - register this app's importers

        # Later features' importers: an ``importers`` module in their app.
        autodiscover_modules("importers")
        # Beat sends the reclaimer; the settings dict is updated in place (Celery reads it lazily).
        settings.CELERY_BEAT_SCHEDULE["jobs.reclaim_stalled"] = {
            "task": "jobs.reclaim_stalled",
            "schedule": float(conf.RECLAIM_SECONDS),
        }
