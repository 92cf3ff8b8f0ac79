"""The whole suite on the days that month arithmetic gets wrong, a few days side by side.

    python tests/dates.py --jobs 2 2027-01-31 2027-02-28 -- -q

Each day is one ``nanhai_portal.devservices test`` run with ``PORTAL_TEST_TODAY`` set
(tests/clock.py travels the clock, the workers and the browser test's server included). Runs
are independent (a test database, a cache prefix and a worker queue of their own), so two
share the machine's cores; their output goes to ``.var/test-dates/<day>.log`` and is shown
when a day fails. After a failure no new day starts; the exit status is that of the worst day.
Stdlib only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
LOGS = BASE_DIR / ".var" / "test-dates"
TAIL_LINES = 200


def say(message: str) -> None:
    print(f"[dates] {message}", flush=True)


def tail(path: Path, lines: int = TAIL_LINES) -> str:
    text = path.read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    pytest_args: list[str] = []
    if "--" in args:
        cut = args.index("--")
        args, pytest_args = args[:cut], args[cut + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="days run side by side")
    parser.add_argument("days", nargs="+", help="YYYY-MM-DD")
    options = parser.parse_args(args)
    LOGS.mkdir(parents=True, exist_ok=True)

    waiting = list(options.days)
    running: dict[str, tuple[subprocess.Popen[bytes], float, Path]] = {}
    failed: list[str] = []
    while waiting or running:
        while waiting and len(running) < max(1, options.jobs) and not failed:
            day = waiting.pop(0)
            log = LOGS / f"{day}.log"
            command = [sys.executable, "-m", "nanhai_portal.devservices", "test", "--", *pytest_args]
            with log.open("wb") as out:
                process = subprocess.Popen(
                    command, cwd=BASE_DIR, env={**os.environ, "PORTAL_TEST_TODAY": day}, stdout=out, stderr=out
                )
            running[day] = (process, time.monotonic(), log)
            say(f"the whole suite on {day} (log: {log.relative_to(BASE_DIR)})")
        if failed and waiting:
            say(f"not started after a failure: {' '.join(waiting)}")
            waiting.clear()
        time.sleep(1)
        for day, (process, started, log) in list(running.items()):
            if process.poll() is None:
                continue
            del running[day]
            seconds = time.monotonic() - started
            last = tail(log, 1)
            if process.returncode == 0:
                say(f"{day} passed in {seconds:.0f} s: {last}")
            else:
                failed.append(day)
                say(f"{day} FAILED (exit {process.returncode}) in {seconds:.0f} s; the end of its log:")
                print(tail(log), flush=True)
    if failed:
        say(f"failed on: {' '.join(failed)}")
        return 1
    say(f"all {len(options.days)} days passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
