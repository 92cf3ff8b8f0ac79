"""Benchmark: allocating a district's school places (积分入学) beside a plain sort by points.

    .venv/bin/python -m tests.bench.bench_allocation        # --repeats N, --seed N, --limit X

No database: a synthetic round of the district's size (2021: 11,210 applications for 5,581
places) at 60 schools, places spread unevenly, 1 to 5 choices each drawn toward the popular
schools, points 0 to 400 in half points (many ties), a catchment bonus at some schools. Times,
as the median of ``--repeats`` runs in the same process:

- the floor: ``sorted(applicants, key=points)``, one plain sort of the applicants by points;
- the allocation: lottery numbers from a seed, every school's priority list (points there,
  then lottery), and student-proposing deferred acceptance.

Checks the allocation is stable and within every school's places, that a second run gives
the same result, and that it takes at most ``--limit`` (20×) the floor (issue 12). Prints each
figure and the ratio, and exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics as stats
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from education import lottery, matching

SCHOOLS = 60
PLACES = 5_581
APPLICANTS = 11_210
CHOICE_COUNTS = (1, 2, 3, 4, 5)
CHOICE_WEIGHTS = (0.12, 0.18, 0.25, 0.20, 0.25)
CATCHMENT_SCHOOLS = 15  # schools whose catchment families get a bonus there
CATCHMENT_BONUS = Decimal(20)
LIMIT = 20.0
SEED = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"  # a fixed lottery seed, so runs compare
failures: list[str] = []

T = TypeVar("T")


def check(ok: bool, message: str) -> None:
    print(("ok    " if ok else "FAIL  ") + message)
    if not ok:
        failures.append(message)


@dataclass(frozen=True)
class Applicant:
    id: str
    points: Decimal
    choices: tuple[str, ...]
    catchment: frozenset[str]  # the schools where this family lives in the catchment


@dataclass(frozen=True)
class Round:
    capacities: dict[str, int]
    applicants: list[Applicant]

    def points_at_school(self) -> dict[str, dict[str, Decimal]]:
        """School -> {applicant who chose it: points there}: what the points engine hands over."""
        table: dict[str, dict[str, Decimal]] = {school: {} for school in self.capacities}
        for applicant in self.applicants:
            for school in applicant.choices:
                bonus = CATCHMENT_BONUS if school in applicant.catchment else Decimal(0)
                table[school][applicant.id] = applicant.points + bonus
        return table

    def preferences(self) -> dict[str, tuple[str, ...]]:
        return {applicant.id: applicant.choices for applicant in self.applicants}


def synthetic_round(
    rng: random.Random, *, schools: int = SCHOOLS, places: int = PLACES, applicants: int = APPLICANTS
) -> Round:
    """A round shaped like the district's: uneven schools, popular ones over-chosen, tied points."""
    names = [f"school-{n:02d}" for n in range(1, schools + 1)]
    # Places: a few large schools, many small ones (lognormal sizes), adding up to ``places``.
    sizes = [rng.lognormvariate(0, 0.6) for _ in names]
    capacities = {name: max(1, int(places * size / sum(sizes))) for name, size in zip(names, sizes, strict=True)}
    for name in rng.sample(names, places - sum(capacities.values())):  # the rounding's remainder
        capacities[name] += 1
    # Popularity: Zipf-like, in an order unrelated to size (a small famous school is crowded).
    by_fame = rng.sample(names, len(names))
    fame = {name: 1 / (rank**0.9) for rank, name in enumerate(by_fame, start=1)}
    catchment_schools = rng.sample(names, CATCHMENT_SCHOOLS)
    people = []
    for _ in range(applicants):
        count = rng.choices(CHOICE_COUNTS, CHOICE_WEIGHTS)[0]
        choices: list[str] = []
        while len(choices) < count:
            school = rng.choices(by_fame, [fame[name] for name in by_fame])[0]
            if school not in choices:
                choices.append(school)
        # Points: mostly 100 to 260, whole and half points, clipped to the scheme's 0 to 400.
        points = min(400.0, max(0.0, rng.gauss(180, 55)))
        near = frozenset(school for school in catchment_schools if school in choices and rng.random() < 0.3)
        people.append(
            Applicant(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                points=Decimal(round(points * 2)) / 2,
                choices=tuple(choices),
                catchment=near,
            )
        )
    return Round(capacities=capacities, applicants=people)


def allocate(round_: Round, points_at_school: dict[str, dict[str, Decimal]], seed: str) -> dict[str, str | None]:
    """What the allocation task does once the inputs are read: lottery, priorities, the match."""
    numbers = lottery.lottery_numbers(seed, (applicant.id for applicant in round_.applicants))
    priorities = lottery.priorities_by_points(points_at_school, numbers)
    return matching.deferred_acceptance(round_.capacities, round_.preferences(), priorities)


def timed(work: Callable[[], T]) -> tuple[float, T]:
    """Seconds that ``work`` takes, with the cycle collector paused as ``timeit`` does."""
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        result = work()
        return time.perf_counter() - started, result
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--seed", type=int, default=2021, help="the synthetic round's random seed")
    parser.add_argument("--limit", type=float, default=LIMIT, help="the allowed ratio allocation / sort")
    options = parser.parse_args()

    round_ = synthetic_round(random.Random(options.seed))
    points_at_school = round_.points_at_school()
    chosen = Counter(len(applicant.choices) for applicant in round_.applicants)
    ties = Counter(applicant.points for applicant in round_.applicants)
    print(
        f"round: {len(round_.applicants):,} applicants, {len(round_.capacities)} schools, "
        f"{sum(round_.capacities.values()):,} places ({min(round_.capacities.values())} to "
        f"{max(round_.capacities.values())} a school), choices "
        + ", ".join(f"{count}: {chosen[count]:,}" for count in CHOICE_COUNTS)
    )
    print(
        f"points: {len(ties)} distinct values, the largest tie {max(ties.values())} applicants; "
        f"{sum(len(table) for table in points_at_school.values()):,} (applicant, school) pairs"
    )

    applicants = round_.applicants
    numbers = lottery.lottery_numbers(SEED, (applicant.id for applicant in applicants))
    priorities = lottery.priorities_by_points(points_at_school, numbers)
    preferences = round_.preferences()
    # Each repeat times the floor, the allocation and the match alone one after the other, so
    # that the load of a shared machine falls on all three alike.
    floors, runs, matches = [], [], []
    for _ in range(options.repeats):
        floors.append(timed(lambda: sorted(applicants, key=lambda applicant: applicant.points))[0])
        ran, result = timed(lambda: allocate(round_, points_at_school, SEED))
        runs.append(ran)
        matches.append(timed(lambda: matching.deferred_acceptance(round_.capacities, preferences, priorities))[0])
    floor, ran, da_time = stats.median(floors), stats.median(runs), stats.median(matches)
    fresh = synthetic_round(random.Random(options.seed))
    random.Random(options.seed + 1).shuffle(fresh.applicants)  # read back in another order
    again = allocate(fresh, fresh.points_at_school(), SEED)
    placed = Counter(school for school in result.values() if school is not None)
    first = sum(1 for applicant in applicants if result[applicant.id] == applicant.choices[0])
    print(f"placed: {sum(placed.values()):,} of {len(applicants):,} ({first:,} at their first choice)")
    print(f"sort by points (floor):                       {floor * 1000:8.2f} ms")
    print(f"allocation (lottery, priorities, match):      {ran * 1000:8.2f} ms")
    print(f"  of which deferred_acceptance alone:         {da_time * 1000:8.2f} ms")
    ratio = ran / floor
    print(f"ratio allocation / sort:                      {ratio:8.2f}  (median of {options.repeats} runs)")

    check(all(placed[school] <= places for school, places in round_.capacities.items()), "no school over its places")
    check(
        matching.blocking_pairs(round_.capacities, preferences, priorities, result) == [],
        "stable: no applicant and school would both rather have each other",
    )
    check(
        again == result,
        "a second run from the same seed, the applications read in another order, gives the same allocation",
    )
    check(ratio <= options.limit, f"the allocation takes at most {options.limit:g}× the sort ({ratio:.2f}×)")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
