from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "nanhai_portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        import nanhai_portal.accounts.receivers  # a changed password revokes the tokens
        import nanhai_portal.api.schema  # noqa: F401 - registers the bearer scheme with drf-spectacular
        from nanhai_portal.accounts.home import KERNEL_TILES, register_home_tiles
        from nanhai_portal.accounts.roles import sync_role_groups

        register_home_tiles(self, KERNEL_TILES)
        post_migrate.connect(sync_role_groups, dispatch_uid="nanhai_sync_role_groups")

        # The names of the audit actions this app records (nanhai_portal.audit.actions).
        from django.utils.translation import pgettext_lazy

        from nanhai_portal.audit.actions import register_actions

        register_actions(
            self,
            {
                "accounts.role_changed": pgettext_lazy("audit action", "Role changed"),
                "accounts.mobile_changed": pgettext_lazy("audit action", "Mobile number changed"),
                "accounts.sign_in_unlocked": pgettext_lazy("audit action", "Sign-in unlocked"),
                "accounts.permissions_changed": pgettext_lazy("audit action", "Permissions changed"),
            },
            details={
                "attempts_cleared": pgettext_lazy("audit detail", "failed sign-ins cleared"),
                "permissions": pgettext_lazy("audit detail", "permissions"),
            },
        )
