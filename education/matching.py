"""The school match: student-proposing deferred acceptance (学位分配：学生提议的延迟接受算法).

Gale and Shapley, "College Admissions and the Stability of Marriage", *American Mathematical
Monthly* 69 (1962); as school choice: Abdulkadiroğlu and Sönmez, "School Choice: A Mechanism
Design Approach", *American Economic Review* 93 (2003); Abdulkadiroğlu, Pathak and Roth, "The
New York City High School Match" and (with Sönmez) "The Boston Public School Match", *AER
Papers and Proceedings* 95 (2005). With many places per school it is Roth's hospital–resident
algorithm (Roth, *Journal of Political Economy* 92, 1984), resident-optimal.

Each applicant proposes to the schools on their list in order. A school holds the applicants
it ranks best among those proposing to it, up to its places, and rejects the rest; a rejected
applicant proposes to their next school. Nothing is final until nobody is left to propose.

What the result promises (for the inputs given, whoever runs it):

- **Never over capacity**: no school holds more applicants than its places.
- **Acceptable**: an applicant is placed only at a school on their own list whose priority
  list names them.
- **Stable** (no justified envy): no applicant would rather have a school that either has a
  free place or holds someone it ranks below them. ``blocking_pairs`` checks this on any
  published result.
- **Applicant-optimal**: every applicant is placed at least as well as in any other stable
  allocation, so the result is the one stable allocation that is best for every family at once,
  and therefore unique: it does not depend on the order in which proposals are processed.
- **Strategy-proof for applicants**: no family can get a better school by listing schools in
  any order other than their true one, or by leaving a school out (Dubins and Freedman, 1981;
  Roth, 1982). Schools' lists are priorities fixed by the points rules, not strategies. When a
  round caps the list at N schools, a family that likes more than N must choose which N to
  list; whichever it lists, listing them in its true order is still best for it (Haeringer and
  Klijn, *Journal of Economic Theory* 144, 2009).

The code is pure Python with no database: anyone can run it on a published round's inputs.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Mapping, Sequence

ALGORITHM_VERSION = "da-student-proposing/1"


def deferred_acceptance(
    capacities: Mapping[str, int],
    preferences: Mapping[str, Sequence[str]],
    priorities: Mapping[str, Sequence[str]],
) -> dict[str, str | None]:
    """Each applicant's school (``None``: not placed), by student-proposing deferred acceptance.

    ``capacities``: school id -> places (0 or more). ``preferences``: applicant id -> school ids,
    best first (may be empty). ``priorities``: school id -> applicant ids, best first, strict; an
    applicant a school's list does not name is not acceptable to that school, and a school
    without a list accepts nobody.

    Every applicant of ``preferences`` is a key of the result, in sorted order. Raises
    ValueError, before doing anything, for a school in a preference or a priority list that
    ``capacities`` does not know, a negative or non-integer capacity, a school listed twice in
    one applicant's preferences, an applicant twice in one school's priorities, or one string
    given where a list of ids belongs.

    Runs in O(P log C) for P proposals (at most the total length of the preference lists) and C
    the largest capacity, after O(total length of the priority lists) to index the priorities.
    """
    _check(capacities, preferences, priorities)
    # rank[school][applicant]: the applicant's place in the school's list (0 is best); empty for
    # a school without a list or without places, so that every proposal there is rejected.
    rank: dict[str, dict[str, int]] = {
        school: dict(zip(priorities.get(school, ()), range(len(priorities.get(school, ()))), strict=True))
        if places > 0
        else {}
        for school, places in capacities.items()
    }
    # held[school]: a max-heap of the places in its list of the applicants it holds, negated,
    # so that held[school][0] is minus the place of the worst one.
    held: dict[str, list[int]] = {school: [] for school in capacities}
    next_choice = dict.fromkeys(preferences, 0)
    # Sorted order makes the run itself repeatable; the result is unique anyway.
    free = deque(sorted(preferences))
    push, replace = heapq.heappush, heapq.heapreplace
    while free:
        applicant = free.popleft()
        choices = preferences[applicant]
        choice, last = next_choice[applicant], len(choices)
        while choice < last:
            school = choices[choice]
            choice += 1
            position = rank[school].get(applicant)
            if position is None:
                continue  # not acceptable to the school, or no places there: rejected at once
            heap = held[school]
            if len(heap) < capacities[school]:
                push(heap, -position)
                break
            if -position > heap[0]:  # ranked above the worst held: that one is displaced
                free.append(priorities[school][-replace(heap, -position)])
                break
        next_choice[applicant] = choice
    result: dict[str, str | None] = dict.fromkeys(sorted(preferences))
    for school, heap in held.items():
        for position in heap:
            result[priorities[school][-position]] = school
    return result


def blocking_pairs(
    capacities: Mapping[str, int],
    preferences: Mapping[str, Sequence[str]],
    priorities: Mapping[str, Sequence[str]],
    assignment: Mapping[str, str | None],
) -> list[tuple[str, str]]:
    """The (applicant, school) pairs that would both rather have each other than ``assignment``.

    A pair blocks when the applicant lists the school above their placement (or is not placed),
    the school's list names the applicant, and the school either has a free place or holds an
    applicant it ranks below them. An empty list means the assignment is stable: this is how
    anyone checks a published result. Raises ValueError for an assignment that places an
    applicant at a school they did not list or that does not accept them, or that fills a
    school beyond its places.
    """
    _check(capacities, preferences, priorities)
    rank = {school: {applicant: n for n, applicant in enumerate(listed)} for school, listed in priorities.items()}
    placed: dict[str, list[str]] = {school: [] for school in capacities}
    for applicant, school in assignment.items():
        if school is None:
            continue
        if school not in preferences.get(applicant, ()) or applicant not in rank.get(school, {}):
            raise ValueError(f"applicant {applicant!r} is placed at {school!r}, which is not acceptable to both")
        placed[school].append(applicant)
    for school, applicants in placed.items():
        if len(applicants) > capacities[school]:
            raise ValueError(f"school {school!r} holds {len(applicants)} applicants for {capacities[school]} places")
    worst = {
        school: max((rank[school][applicant] for applicant in applicants), default=-1)
        for school, applicants in placed.items()
    }
    pairs = []
    for applicant in sorted(preferences):
        for school in preferences[applicant]:
            if school == assignment.get(applicant):
                break  # the schools after this one are ones the applicant likes less
            position = rank.get(school, {}).get(applicant)
            if position is None:
                continue
            if len(placed[school]) < capacities[school] or position < worst[school]:
                pairs.append((applicant, school))
    return pairs


def _check(
    capacities: Mapping[str, int],
    preferences: Mapping[str, Sequence[str]],
    priorities: Mapping[str, Sequence[str]],
) -> None:
    for school, places in capacities.items():
        if isinstance(places, bool) or not isinstance(places, int):
            raise ValueError(f"school {school!r} has capacity {places!r}: a capacity is a whole number")
        if places < 0:
            raise ValueError(f"school {school!r} has capacity {places}: a capacity cannot be negative")
    for applicant, choices in preferences.items():
        if isinstance(choices, str):
            raise ValueError(f"applicant {applicant!r}: preferences are a list of school ids, not one string")
        if len(set(choices)) != len(choices):
            raise ValueError(f"applicant {applicant!r} lists school {_first_repeated(choices)!r} more than once")
    unknown = set().union(*preferences.values()) - capacities.keys()
    if unknown:
        school = min(unknown)
        applicant = min(applicant for applicant, choices in preferences.items() if school in choices)
        raise ValueError(f"applicant {applicant!r} lists school {school!r}, which has no capacity given")
    for school, listed in priorities.items():
        if school not in capacities:
            raise ValueError(f"priorities are given for school {school!r}, which has no capacity given")
        if isinstance(listed, str):
            raise ValueError(f"school {school!r}: priorities are a list of applicant ids, not one string")
        if len(set(listed)) != len(listed):
            raise ValueError(f"school {school!r} lists applicant {_first_repeated(listed)!r} more than once")


def _first_repeated(items: Sequence[str]) -> str:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            return item
        seen.add(item)
    raise AssertionError("no item is repeated")
