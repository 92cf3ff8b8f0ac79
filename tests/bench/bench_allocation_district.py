"""Benchmark: the district-scale rounds allocated through the service, and reproduced from their seeds.

    (the environment of bench_import: DATABASE_URL as the app role, DATABASE_OWNER_URL, REDIS_URL)
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo --scale district
    .venv/bin/python -m tests.bench.bench_allocation_district   # --year YYYY (the loader's year)

``seed_demo --scale district`` loads a year of points admission: 11,210 applications for 5,581
places in 60 schools, one round per town in its allocation phase (``education.district_loader``).
For each town's round this starts the allocation as the town admin, runs it in this process
(``allocation_run``, what the Celery task calls: the inputs read from the database, the lottery,
the priorities, the match, the offers and the notices written), times it, and then replays it
(``allocation_replay``: the match again on the stored inputs and seed, compared with the stored
offers and the inputs' hash). A round allocated by an earlier run is only replayed. Prints the
figures; exits 1 when a replay differs or a school holds more than its places.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nanhai_portal.settings")

import django

django.setup()

from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

from education.district_loader import round_name  # noqa: E402
from education.models import AdmissionRound, Allocation, Offer, RoundSchool  # noqa: E402
from education.services.allocation import allocation_replay, allocation_run, allocation_start  # noqa: E402
from nanhai_portal.accounts.models import User  # noqa: E402
from nanhai_portal.areas.models import Town  # noqa: E402
from nanhai_portal.tenancy import town_context  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=timezone.localdate().year, help="the loader's year")
    options = parser.parse_args()
    failures: list[str] = []
    total_applicants = total_placed = 0
    for town in Town.objects.order_by("code"):
        with town_context(town.code):
            round_ = AdmissionRound.objects.filter(year=options.year, name=round_name(town, options.year)).first()
            if round_ is None:
                print(f"{town.code}: no district round of {options.year} (run seed_demo --scale district)")
                continue
            allocation = Allocation.objects.filter(round=round_, stage=1).first()
            ran = None
            if allocation is None:
                admin = User.objects.get(username=f"townadmin.{town.code}")
                allocation = allocation_start(by=admin, round_=round_, now=timezone.now())
                started = time.perf_counter()
                allocation = allocation_run(allocation.pk)
                ran = time.perf_counter() - started
            started = time.perf_counter()
            same = allocation_replay(allocation)
            replayed = time.perf_counter() - started
            over = RoundSchool.objects.filter(round=round_, held__gt=F("places")).count()
            offers = Offer.objects.filter(allocation=allocation).count()
        total_applicants += allocation.applicants
        total_placed += allocation.placed
        print(
            f"{town.code}: {allocation.applicants:,} applicants, {allocation.placed:,} placed ({offers:,} offers), "
            + (f"allocated in {ran:.2f} s, " if ran is not None else "allocated earlier, ")
            + f"replayed in {replayed:.2f} s: {'the same' if same else 'DIFFERENT'}; inputs {allocation.inputs_sha256[:16]}…"
        )
        if not same:
            failures.append(f"{town.code}: the replay differs")
        if over:
            failures.append(f"{town.code}: {over} schools hold more than their places")
    print(f"district: {total_applicants:,} applicants, {total_placed:,} placed")
    for failure in failures:
        print(f"FAIL  {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
