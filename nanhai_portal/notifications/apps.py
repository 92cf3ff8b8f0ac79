from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Its periodic tasks (the outbox and fan-out sweeps) are in settings.CELERY_BEAT_SCHEDULE."""

    name = "nanhai_portal.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The names of the audit actions this app records (nanhai_portal.audit.actions).
        from django.utils.translation import pgettext_lazy

        from nanhai_portal.audit.actions import register_actions

        register_actions(
            self, {"notifications.fanout_started": pgettext_lazy("audit action", "Mass notification sent")}
        )
