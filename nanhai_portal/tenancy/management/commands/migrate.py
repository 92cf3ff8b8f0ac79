"""``migrate``, always as the owner role (see nanhai_portal.tenancy.owner)."""

from typing import Any

from django.core.management.commands import migrate

from nanhai_portal.tenancy.owner import owner_connection


class Command(migrate.Command):
    help = "Apply migrations as the owner role (DATABASE_OWNER_URL), then grant the app role and enforce RLS."

    def handle(self, *args: Any, **options: Any) -> None:
        with owner_connection(options["database"]):
            super().handle(*args, **options)
