from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditConfig(AppConfig):
    name = "nanhai_portal.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from nanhai_portal.audit import receivers  # noqa: F401 - sign-in events
        from nanhai_portal.audit.actions import register_actions

        register_actions(
            self,
            {
                "auth.login": pgettext_lazy("audit action", "Signed in"),
                "auth.logout": pgettext_lazy("audit action", "Signed out"),
                "auth.login_failed": pgettext_lazy("audit action", "Sign-in failed"),
            },
            group=pgettext_lazy("audit group", "Signing in and out"),
            details={"username": _("username")},
        )
