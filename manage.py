#!/usr/bin/env python
"""Django's command-line utility for the Nanhai new-resident portal."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanhai_portal.settings")
    from django.core.management import execute_from_command_line
    from django.db import OperationalError

    try:
        execute_from_command_line(sys.argv)
    except OperationalError as error:
        # A database that cannot be reached is a configuration problem, not a bug.
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        sys.exit(f"Cannot use the database ({first_line}). Check DATABASE_URL and DATABASE_OWNER_URL.")


if __name__ == "__main__":
    main()
