from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

# Periodic tasks of this app, added to Celery beat's schedule (settings.CELERY_BEAT_SCHEDULE,
# the dict Celery reads) when Django starts, so that settings.py needs no line for them.
BEAT_SCHEDULE = {
    "notifications.sweep_outbox": {"task": "notifications.sweep_outbox", "schedule": 60.0},
    "notifications.sweep_fanouts": {"task": "notifications.sweep_fanouts", "schedule": 60.0},
}


class NotificationsConfig(AppConfig):
    name = "nanhai_portal.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", None)
        if schedule is None:
            settings.CELERY_BEAT_SCHEDULE = schedule = {}
        for name, entry in BEAT_SCHEDULE.items():
            schedule.setdefault(name, entry)
