"""The school match: worked examples, bad input, its promises, and the same answers as `matching`.

Pure functions: no database, no clock.
"""

from __future__ import annotations

import copy
import random
import time
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import pytest
from matching.games import HospitalResident

from education import lottery
from education.matching import blocking_pairs, deferred_acceptance
from tests.bench.bench_allocation import synthetic_round


@dataclass(frozen=True)
class Instance:
    capacities: dict[str, int]
    preferences: dict[str, list[str]]
    priorities: dict[str, list[str]]


def random_instance(rng: random.Random) -> Instance:
    """Small rounds of every shape: empty lists, full and empty schools, unacceptable applicants."""
    schools = [f"s{n}" for n in range(rng.randint(1, 7))]
    applicants = [f"a{n}" for n in range(rng.randint(0, 25))]
    capacities = {school: rng.choice((0, 1, 1, 2, 2, 3, 5)) for school in schools}
    preferences = {applicant: rng.sample(schools, rng.randint(0, min(5, len(schools)))) for applicant in applicants}
    priorities = {}
    for school in schools:
        if rng.random() < 0.1:
            continue  # a school without a list accepts nobody
        # Most who chose the school, some who did not (harmless), in a random strict order.
        listed = [applicant for applicant in applicants if rng.random() < 0.85]
        rng.shuffle(listed)
        priorities[school] = listed
    return Instance(capacities, preferences, priorities)


def solve_with_matching_library(instance: Instance, optimal: str = "resident") -> dict[str, str | None]:
    """The same round as the library's hospital–resident game, solved ``optimal`` (resident).

    The library wants mutual acceptability: a hospital ranks exactly the residents who rank it,
    a resident ranks only hospitals that rank them, nobody's list is empty and every capacity is
    at least one. Each is the same round: a school with no places or no list, an applicant a
    school does not list, and an applicant left with no school are all unplaced either way.
    """
    open_schools = {school for school, places in instance.capacities.items() if places > 0}
    listed = {school: set(instance.priorities.get(school, ())) for school in instance.capacities}
    resident_prefs = {
        applicant: [school for school in choices if school in open_schools and applicant in listed[school]]
        for applicant, choices in instance.preferences.items()
    }
    resident_prefs = {applicant: choices for applicant, choices in resident_prefs.items() if choices}
    hospital_prefs = {
        school: [
            applicant
            for applicant in instance.priorities.get(school, ())
            if school in resident_prefs.get(applicant, ())
        ]
        for school in open_schools
    }
    hospital_prefs = {school: ranked for school, ranked in hospital_prefs.items() if ranked}
    result: dict[str, str | None] = dict.fromkeys(instance.preferences)
    if not resident_prefs:
        return result
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would mean the two games are not the same round
        game = HospitalResident.create_from_dictionaries(
            resident_prefs, hospital_prefs, {school: instance.capacities[school] for school in hospital_prefs}
        )
        solved = game.solve(optimal=optimal)
    for hospital, residents in solved.items():
        for resident in residents:
            result[resident.name] = hospital.name
    return result


def placed_at(result: Mapping[str, str | None]) -> Counter[str]:
    return Counter(school for school in result.values() if school is not None)


# --- Worked by hand ---------------------------------------------------------------------


def test_the_cyclic_example_of_gale_and_shapley_gives_every_applicant_their_first_choice() -> None:
    """Gale and Shapley (1962), example 2: three and three, preferences in a cycle.

    Three allocations are stable here: everyone's first choice, everyone's second, or every
    school's first. Proposing applicants get the first, the best of the three for them.
    """
    capacities = {"A": 1, "B": 1, "C": 1}
    preferences = {"α": ["A", "B", "C"], "β": ["B", "C", "A"], "γ": ["C", "A", "B"]}
    priorities = {"A": ["β", "γ", "α"], "B": ["γ", "α", "β"], "C": ["α", "β", "γ"]}

    result = deferred_acceptance(capacities, preferences, priorities)

    assert result == {"α": "A", "β": "B", "γ": "C"}
    schools_first = {"α": "C", "β": "A", "γ": "B"}
    assert blocking_pairs(capacities, preferences, priorities, schools_first) == []  # stable, worse for all


def test_a_chain_of_rejections_worked_by_hand() -> None:
    """Three applicants, two schools of one place each.

    Round 1: i1 and i3 propose to A, which holds i1 and rejects i3; i2 proposes to B, held.
    Round 2: i3 proposes to B, which ranks i3 above i2: holds i3, rejects i2.
    Round 3: i2 proposes to A, which ranks i2 above i1: holds i2, rejects i1.
    Round 4: i1 proposes to B, which ranks i1 above i3: holds i1, rejects i3, whose list ends.

    The Boston mechanism (immediate acceptance) would have made round 1 final, i1 at A and i2 at
    B: but B would rather have i3, who has no place and would take B: not stable.
    """
    capacities = {"A": 1, "B": 1}
    preferences = {"i1": ["A", "B"], "i2": ["B", "A"], "i3": ["A", "B"]}
    priorities = {"A": ["i2", "i1", "i3"], "B": ["i1", "i3", "i2"]}

    result = deferred_acceptance(capacities, preferences, priorities)

    assert result == {"i1": "B", "i2": "A", "i3": None}
    assert blocking_pairs(capacities, preferences, priorities, result) == []
    assert blocking_pairs(capacities, preferences, priorities, {"i1": "A", "i2": "B", "i3": None}) == [("i3", "B")]


def test_an_applicant_a_school_does_not_list_is_rejected_there_and_goes_on_down_their_list() -> None:
    capacities = {"A": 2, "B": 1}
    preferences = {"ann": ["A", "B"], "bo": ["A"]}
    priorities = {"A": ["bo"], "B": ["ann", "bo"]}  # A has a free place, but does not list ann

    assert deferred_acceptance(capacities, preferences, priorities) == {"ann": "B", "bo": "A"}


def test_a_school_with_no_places_or_no_priority_list_takes_nobody() -> None:
    capacities = {"full": 0, "unlisted": 3, "open": 1}
    preferences = {"ann": ["full", "unlisted", "open"], "bo": ["full", "unlisted"]}
    priorities = {"full": ["ann", "bo"], "open": ["bo", "ann"]}

    result = deferred_acceptance(capacities, preferences, priorities)

    assert result == {"ann": "open", "bo": None}
    assert placed_at(result) == Counter({"open": 1})


def test_an_applicant_with_no_choices_is_in_the_result_unplaced() -> None:
    result = deferred_acceptance({"A": 5}, {"ann": [], "bo": ["A"]}, {"A": ["ann", "bo"]})

    assert result == {"ann": None, "bo": "A"}


def test_nothing_to_allocate_gives_an_empty_result() -> None:
    assert deferred_acceptance({}, {}, {}) == {}
    assert deferred_acceptance({"A": 3}, {}, {"A": []}) == {}


def test_equal_points_are_ordered_by_the_lottery_at_every_school() -> None:
    """Given two families with 120 points for one place, when the lottery numbers them, then the
    lower number gets the place; with the numbers swapped, the other family does."""
    capacities = {"A": 1, "B": 1}
    preferences = {"ann": ["A", "B"], "bo": ["A", "B"], "cy": ["B"]}
    points = {
        "A": {"ann": Decimal(120), "bo": Decimal(120)},
        "B": {"ann": Decimal(120), "bo": Decimal(120), "cy": Decimal("119.5")},
    }

    first = lottery.priorities_by_points(points, {"ann": 2, "bo": 1, "cy": 3})
    assert first == {"A": ["bo", "ann"], "B": ["bo", "ann", "cy"]}
    assert deferred_acceptance(capacities, preferences, first) == {"ann": "B", "bo": "A", "cy": None}

    swapped = lottery.priorities_by_points(points, {"ann": 1, "bo": 2, "cy": 3})
    assert deferred_acceptance(capacities, preferences, swapped) == {"ann": "A", "bo": "B", "cy": None}


def test_a_school_bonus_counts_only_at_that_school() -> None:
    """bo lives in B's catchment (+20 there): above ann at B, still below her at A."""
    points = {"A": {"ann": Decimal(150), "bo": Decimal(140)}, "B": {"ann": Decimal(150), "bo": Decimal(160)}}

    priorities = lottery.priorities_by_points(points, {"ann": 1, "bo": 2})

    assert priorities == {"A": ["ann", "bo"], "B": ["bo", "ann"]}
    result = deferred_acceptance({"A": 1, "B": 1}, {"ann": ["B", "A"], "bo": ["B", "A"]}, priorities)
    assert result == {"ann": "A", "bo": "B"}


# --- Bad input: a clear error, and the caller's data untouched ---------------------------


GOOD = Instance(
    capacities={"A": 1, "B": 2},
    preferences={"ann": ["A", "B"], "bo": ["B"]},
    priorities={"A": ["ann", "bo"], "B": ["bo", "ann"]},
)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda i: i.preferences["ann"].append("Z"), "applicant 'ann' lists school 'Z', which has no capacity given"),
        (lambda i: i.capacities.update(B=-1), "school 'B' has capacity -1: a capacity cannot be negative"),
        (lambda i: i.capacities.update(B=1.5), "school 'B' has capacity 1.5: a capacity is a whole number"),
        (lambda i: i.capacities.update(B=True), "school 'B' has capacity True: a capacity is a whole number"),
        (lambda i: i.preferences["bo"].append("B"), "applicant 'bo' lists school 'B' more than once"),
        (lambda i: i.priorities["A"].append("ann"), "school 'A' lists applicant 'ann' more than once"),
        (lambda i: i.priorities.update(Z=["ann"]), "priorities are given for school 'Z', which has no capacity given"),
        (
            lambda i: i.preferences.update(bo="B"),
            "applicant 'bo': preferences are a list of school ids, not one string",
        ),
        (lambda i: i.priorities.update(A="ann"), "school 'A': priorities are a list of applicant ids, not one string"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(change: object, message: str) -> None:
    instance = copy.deepcopy(GOOD)
    change(instance)  # type: ignore[operator]
    before = copy.deepcopy(instance)

    with pytest.raises(ValueError) as refused:
        deferred_acceptance(instance.capacities, instance.preferences, instance.priorities)

    assert str(refused.value) == message
    assert instance == before


def test_blocking_pairs_refuses_an_assignment_that_breaks_the_rules() -> None:
    with pytest.raises(ValueError, match="'bo' is placed at 'A', which is not acceptable to both"):
        blocking_pairs(GOOD.capacities, GOOD.preferences, GOOD.priorities, {"ann": None, "bo": "A"})
    with pytest.raises(ValueError, match="school 'A' holds 2 applicants for 1 places"):
        blocking_pairs(
            GOOD.capacities,
            {"ann": ["A"], "bo": ["A"]},
            GOOD.priorities,
            {"ann": "A", "bo": "A"},
        )


# --- The same answers as an independent solver ------------------------------------------


def test_it_gives_exactly_what_the_matching_library_gives_on_1000_random_rounds() -> None:
    rng = random.Random(20210612)
    compared = placed_somewhere = chains = other_stable = 0
    for _ in range(1000):
        instance = random_instance(rng)

        ours = deferred_acceptance(instance.capacities, instance.preferences, instance.priorities)
        theirs = solve_with_matching_library(instance)

        assert ours == theirs, instance
        compared += 1
        placed_somewhere += any(school is not None for school in theirs.values())
        # Somebody placed below their first choice, or not at all despite choices: rejections happened.
        chains += any(theirs[applicant] != choices[0] for applicant, choices in instance.preferences.items() if choices)
        # Rounds with more than one stable allocation, where only the applicant-optimal one matches.
        other_stable += theirs != solve_with_matching_library(instance, optimal="hospital")
    assert compared == 1000
    assert placed_somewhere >= 800, placed_somewhere  # not 1,000 empty answers agreeing
    assert chains >= 600, chains
    assert other_stable >= 10, other_stable


def test_the_library_is_asked_for_the_applicants_best_stable_allocation() -> None:
    """On the cyclic example its two modes differ: the comparison uses the applicant-optimal one."""
    instance = Instance(
        capacities={"A": 1, "B": 1, "C": 1},
        preferences={"α": ["A", "B", "C"], "β": ["B", "C", "A"], "γ": ["C", "A", "B"]},
        priorities={"A": ["β", "γ", "α"], "B": ["γ", "α", "β"], "C": ["α", "β", "γ"]},
    )
    ours = deferred_acceptance(instance.capacities, instance.preferences, instance.priorities)

    assert solve_with_matching_library(instance) == ours == {"α": "A", "β": "B", "γ": "C"}
    assert solve_with_matching_library(instance, optimal="hospital") == {"α": "C", "β": "A", "γ": "B"}


# --- Its promises, on random rounds and on a district-size one ---------------------------


def test_every_result_is_stable_within_capacity_and_acceptable() -> None:
    rng = random.Random(1962)
    for _ in range(300):
        instance = random_instance(rng)

        result = deferred_acceptance(instance.capacities, instance.preferences, instance.priorities)

        assert list(result) == sorted(instance.preferences)
        for school, count in placed_at(result).items():
            assert count <= instance.capacities[school]
        for applicant, school in result.items():
            if school is not None:
                assert school in instance.preferences[applicant]
                assert applicant in instance.priorities[school]
        assert blocking_pairs(instance.capacities, instance.preferences, instance.priorities, result) == []


def test_no_applicant_gains_by_misreporting_their_order() -> None:
    """Strategy-proofness, tried: each applicant's every reordering and shortening of a small list."""
    rng = random.Random(2003)
    for _ in range(60):
        instance = random_instance(rng)
        truthful = deferred_acceptance(instance.capacities, instance.preferences, instance.priorities)
        for applicant, choices in instance.preferences.items():
            if not choices:
                continue
            true_rank = {school: n for n, school in enumerate(choices)}
            got = true_rank.get(truthful[applicant] or "", len(choices))
            for _ in range(5):
                lie = rng.sample(choices, rng.randint(1, len(choices)))
                reported = {**instance.preferences, applicant: lie}
                gamed = deferred_acceptance(instance.capacities, reported, instance.priorities)[applicant]
                assert true_rank.get(gamed or "", len(choices)) >= got


def test_the_result_does_not_depend_on_the_order_the_inputs_come_in() -> None:
    rng = random.Random(5)
    for _ in range(100):
        instance = random_instance(rng)
        expected = deferred_acceptance(instance.capacities, instance.preferences, instance.priorities)

        def shuffled(mapping: Mapping[str, Sequence[str] | int]) -> dict[str, object]:
            keys = list(mapping)
            rng.shuffle(keys)
            return {key: mapping[key] for key in keys}

        again = deferred_acceptance(
            shuffled(instance.capacities),  # type: ignore[arg-type]
            shuffled(instance.preferences),  # type: ignore[arg-type]
            shuffled(instance.priorities),  # type: ignore[arg-type]
        )
        assert list(again.items()) == list(expected.items())


def test_a_district_size_round_is_stable_within_capacity_and_fast() -> None:
    """11,210 applicants, 60 schools, 5,581 places (the benchmark's round)."""
    round_ = synthetic_round(random.Random(2021))
    seed = "00112233445566778899aabbccddeeff"
    numbers = lottery.lottery_numbers(seed, (applicant.id for applicant in round_.applicants))
    priorities = lottery.priorities_by_points(round_.points_at_school(), numbers)
    preferences = round_.preferences()

    started = time.perf_counter()
    result = deferred_acceptance(round_.capacities, preferences, priorities)
    took = time.perf_counter() - started

    assert len(result) == 11_210
    assert all(placed_at(result)[school] <= places for school, places in round_.capacities.items())
    assert 5_000 < sum(placed_at(result).values()) <= 5_581
    assert blocking_pairs(round_.capacities, preferences, priorities, result) == []
    assert deferred_acceptance(round_.capacities, preferences, priorities) == result
    assert took < 1.0  # about 0.03 s on an idle core; the benchmark measures it properly
