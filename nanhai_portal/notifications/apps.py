from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Its periodic tasks (the outbox and fan-out sweeps) are in settings.CELERY_BEAT_SCHEDULE."""

    name = "nanhai_portal.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
