"""The test run's clock: the real one, or a day of our choosing.

``PORTAL_TEST_TODAY=2028-02-29 make test`` runs the whole suite as if it were that day in
Nanhai, from 09:30 local time, the clock ticking on from there (``YYYY-MM-DDTHH:MM`` picks the
time too, e.g. ``2026-12-31T23:58`` to cross midnight and the year during the run). The rules
that depend on the day must hold on any day, month ends included; ``make test-dates`` runs the
suite on each of the days its Makefile lists (31 January, 28 and 29 February of a leap year,
28 February of a common year, 30 November, 31 December).

Processes the tests start (Celery workers, the browser test's gunicorn) keep the same clock:
start them with ``command("celery", ...)`` and ``environment()``, which run the module through
this file, travelled by the same offset from the real clock. The browser's pages get it too
(Playwright's clock, installed at the travelled time and ticking on: ``tests/e2e/conftest.py``).

Only Python's clock travels: PostgreSQL's ``now()`` does not. Code that keeps time by the
database's clock (job leases, ``enqueued_at``) is unaffected, and a test must compare such a
column with ``Now()``, never with ``timezone.now()``.
"""

from __future__ import annotations

import os
import runpy
import sys
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import time_machine
from time_machine import escape_hatch

TODAY = "PORTAL_TEST_TODAY"  # set by whoever runs the tests
OFFSET = "PORTAL_TEST_OFFSET"  # set for a child process: seconds between the parent's clock and the real one
NANHAI = ZoneInfo("Asia/Shanghai")

_traveller: time_machine.travel | None = None


def destination(text: str) -> datetime:
    moment = datetime.fromisoformat(text if "T" in text else f"{text}T09:30")
    return moment if moment.tzinfo else moment.replace(tzinfo=NANHAI)


def start() -> None:
    """Travel this process by ``PORTAL_TEST_OFFSET`` (a child: to its parent's clock, to the
    microsecond) or to ``PORTAL_TEST_TODAY``, if either is set."""
    global _traveller
    offset, today = os.environ.get(OFFSET), os.environ.get(TODAY)
    if _traveller is not None or not (offset or today):
        return
    if offset:
        moment = datetime.fromtimestamp(time.time() + float(offset), UTC)
    else:
        moment = destination(str(today))
    _traveller = time_machine.travel(moment, tick=True)
    _traveller.start()
    time.time()  # a ticking clock starts to tick at its first reading: now, not at the first task


def stop() -> None:
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None


def travelled() -> bool:
    """This process runs on a clock of the test's choosing (``PORTAL_TEST_TODAY``)."""
    return _traveller is not None


def command(module: str, *args: str) -> list[str]:
    """The argv that runs ``python -m module args`` with this process's clock."""
    return [sys.executable, "-m", "tests.clock", module, *args]


def environment() -> dict[str, str]:
    """What a child needs in its environment to share this process's clock."""
    if _traveller is None:
        return {}
    return {OFFSET: repr(time.time() - escape_hatch.time.time())}


if __name__ == "__main__":
    start()
    module, *arguments = sys.argv[1:]
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
