"""``manage.py seed_demo``: towns' communities and grids, and the demo accounts. Idempotent."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import autodiscover_modules

from nanhai_portal.demo import DEMO_PASSWORD, DemoReport, seeders


class Command(BaseCommand):
    help = "Create demo communities, grids and accounts (password Nanhai-2026). Refused in production."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=["demo", "district"], default="demo")
        parser.add_argument("--quiet-accounts", action="store_true", help="Do not print the account table.")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo never runs with PORTAL_ENV=production.")
        autodiscover_modules("demo")
        report = DemoReport()
        for seeder in seeders():
            seeder(report, options["scale"])
        for line in report.lines:
            self.stdout.write(f"Demo data: {line}")
        if not options["quiet_accounts"]:
            self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
            for username, role, town in report.accounts:
                self.stdout.write(f"  {username:<20} {role:<18} {town}")
