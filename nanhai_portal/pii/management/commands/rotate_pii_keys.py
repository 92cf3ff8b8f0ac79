"""``manage.py rotate_pii_keys``: re-encrypt personal data after a new key is put first.

1. Put the new key first in PII_ENCRYPTION_KEYS (keep the old ones after it); restart.
2. ``manage.py rotate_pii_keys`` queues the re-encryption for a Celery worker (``--now`` runs
   it here); ``--status`` shows how far it got. It runs in small batches while the portal
   keeps serving, and resumes where it stopped if interrupted.
3. When every table is done, remove the old keys; restart.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from nanhai_portal.pii.rotation import rotate_all, rotation_status, rotation_targets
from nanhai_portal.pii.tasks import rotate_keys


class Command(BaseCommand):
    help = "Re-encrypt all personal data with the newest PII key, in the background (resumable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="Run here instead of on a Celery worker.")
        parser.add_argument("--status", action="store_true", help="Show progress and exit.")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["status"]:
            progress = {(row.table, row.town_code): row for row in rotation_status()}
            for target in rotation_targets():
                table = target.model._meta.db_table
                row = progress.get((table, target.town))
                state = "done" if row and row.finished_at else "in progress" if row else "waiting"
                self.stdout.write(
                    f"{table:<28} {target.town or '-':<10} {row.rows_done if row else 0:>10} rows  {state}"
                )
            return
        if options["now"]:
            total = rotate_all(batch_size=options["batch_size"], report=self.stdout.write)
            self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} rows with the newest key."))
            return
        result = rotate_keys.delay(batch_size=options["batch_size"])
        self.stdout.write(f"Queued as task {result.id}. Follow it with: manage.py rotate_pii_keys --status")
