from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PIIConfig(AppConfig):
    name = "nanhai_portal.pii"
    label = "pii"
    verbose_name = _("Personal data")

    def ready(self) -> None:
        # The names of the audit actions this app records (nanhai_portal.audit.actions).
        from django.utils.translation import pgettext_lazy

        from nanhai_portal.audit.actions import register_actions

        register_actions(
            self,
            {"pii.revealed": pgettext_lazy("audit action", "Personal data shown in full")},
            details={
                "field": pgettext_lazy("audit detail", "field"),
                "value": pgettext_lazy("audit detail", "value (masked)"),
            },
        )
