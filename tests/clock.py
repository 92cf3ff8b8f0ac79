"""The test run's clock: the real one, or a day of our choosing.

``PORTAL_TEST_TODAY=2028-02-29 make test`` runs the whole suite as if it were that day in
Nanhai, from 09:30 local time, the clock ticking on from there (``YYYY-MM-DDTHH:MM`` picks the
time too, e.g. ``2026-12-31T23:58`` to cross midnight and the year during the run). The rules
that depend on the day must hold on any day, month ends included; ``make test-dates`` runs the
suite on each of the days its Makefile lists (31 January, 28 and 29 February of a leap year,
28 February of a common year, 30 November, 31 December).

Processes the tests start (Celery workers, the browser test's gunicorn) keep the same clock:
start them with ``command("celery", ...)`` and ``environment()``, which run the module through
this file with the parent's present instant.
"""

from __future__ import annotations

import os
import runpy
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import time_machine

TODAY = "PORTAL_TEST_TODAY"  # set by whoever runs the tests
NOW = "PORTAL_TEST_NOW"  # set for a child process: the parent's present instant
NANHAI = ZoneInfo("Asia/Shanghai")

_traveller: time_machine.travel | None = None


def destination(text: str) -> datetime:
    moment = datetime.fromisoformat(text if "T" in text else f"{text}T09:30")
    return moment if moment.tzinfo else moment.replace(tzinfo=NANHAI)


def start() -> str | None:
    """Travel this process to ``PORTAL_TEST_NOW`` or ``PORTAL_TEST_TODAY``, if either is set;
    return what it travelled to."""
    global _traveller
    text = os.environ.get(NOW) or os.environ.get(TODAY)
    if not text or _traveller is not None:
        return None
    _traveller = time_machine.travel(destination(text), tick=True)
    _traveller.start()
    return text


def stop() -> None:
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None


def command(module: str, *args: str) -> list[str]:
    """The argv that runs ``python -m module args`` with this process's clock."""
    return [sys.executable, "-m", "tests.clock", module, *args]


def environment() -> dict[str, str]:
    """What a child needs in its environment to share this process's clock."""
    return {NOW: datetime.now(UTC).isoformat()} if _traveller is not None else {}


if __name__ == "__main__":
    start()
    module, *arguments = sys.argv[1:]
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
