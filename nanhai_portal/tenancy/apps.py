from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TenancyConfig(AppConfig):
    name = "nanhai_portal.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from nanhai_portal import checks  # noqa: F401 - registers the deployment checks of the roles
        from nanhai_portal.tenancy.rls import after_migrate

        # Not sender-bound: it must run after the last app's tables exist.
        post_migrate.connect(after_migrate, dispatch_uid="nanhai_tenancy_rls")
