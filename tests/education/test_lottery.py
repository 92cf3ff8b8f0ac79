"""The tie-breaking lottery: recomputable from the published seed, a permutation, order-free.

Pure functions: no database, no clock.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from decimal import Decimal

import pytest

from education import lottery

SEED = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
OTHER_SEED = "ffeeddccbbaa99887766554433221100"
IDS = [f"application-{n}" for n in range(1, 501)]


def test_a_new_seed_is_32_hex_characters_and_never_the_same_twice() -> None:
    seeds = {lottery.seed_new() for _ in range(100)}

    assert len(seeds) == 100
    assert all(re.fullmatch(r"[0-9a-f]{32}", seed) for seed in seeds)


def test_the_published_digest_commits_to_the_seed_without_revealing_it() -> None:
    digest = lottery.seed_digest(SEED)

    assert digest == hashlib.sha256(SEED.encode("ascii")).hexdigest()
    assert SEED not in digest
    assert lottery.seed_matches(SEED, digest)
    assert lottery.seed_matches(SEED, digest.upper())
    assert not lottery.seed_matches(OTHER_SEED, digest)


def test_the_same_seed_and_ids_give_the_same_numbers() -> None:
    assert lottery.lottery_numbers(SEED, IDS) == lottery.lottery_numbers(SEED, list(IDS))


def test_the_numbers_are_a_permutation_of_one_to_n() -> None:
    numbers = lottery.lottery_numbers(SEED, IDS)

    assert set(numbers) == set(IDS)
    assert sorted(numbers.values()) == list(range(1, len(IDS) + 1))


def test_the_numbers_do_not_depend_on_the_order_the_ids_are_given_in() -> None:
    shuffled = list(IDS)
    random.Random(7).shuffle(shuffled)

    assert lottery.lottery_numbers(SEED, shuffled) == lottery.lottery_numbers(SEED, IDS)
    assert lottery.lottery_numbers(SEED, reversed(IDS)) == lottery.lottery_numbers(SEED, iter(IDS))


def test_another_seed_gives_another_draw() -> None:
    first, second = lottery.lottery_numbers(SEED, IDS), lottery.lottery_numbers(OTHER_SEED, IDS)

    assert first != second
    assert sum(first[applicant] == second[applicant] for applicant in IDS) < 20  # about 1 expected


def test_anyone_can_recompute_the_numbers_with_the_standard_hmac() -> None:
    """What the README tells a family: sort the ids by HMAC-SHA256(seed, id) and count from 1."""
    by_hmac = sorted(IDS, key=lambda applicant: hmac.new(SEED.encode(), applicant.encode(), "sha256").digest())

    assert lottery.lottery_numbers(SEED, IDS) == {applicant: n for n, applicant in enumerate(by_hmac, start=1)}


def test_two_applicants_keep_their_order_whoever_else_applies() -> None:
    everyone = lottery.lottery_numbers(SEED, IDS)
    fewer = lottery.lottery_numbers(SEED, IDS[::3])

    assert sorted(fewer, key=fewer.__getitem__) == sorted(IDS[::3], key=everyone.__getitem__)


def test_ids_in_any_script_are_numbered() -> None:
    numbers = lottery.lottery_numbers(SEED, ["张明的申请", "李华的申请", "a"])

    assert sorted(numbers.values()) == [1, 2, 3]


def test_no_applicants_no_numbers() -> None:
    assert lottery.lottery_numbers(SEED, []) == {}


@pytest.mark.parametrize(
    ("seed", "ids", "message"),
    [
        ("short", IDS, "a lottery seed is 32 lowercase hex characters"),
        (SEED.upper(), IDS, "a lottery seed is 32 lowercase hex characters"),
        (SEED + "0", IDS, "a lottery seed is 32 lowercase hex characters"),
        (SEED, ["a", "b", "a"], "applicant 'a' is given twice"),
        (SEED, ["a", ""], "applicant id '': an applicant id is a non-empty string"),
        (SEED, ["a", 7], "applicant id 7: an applicant id is a non-empty string"),
        (SEED, "abc", "applicant ids are a list of ids, not one string"),
    ],
)
def test_bad_input_to_the_lottery_is_refused(seed: str, ids: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        lottery.lottery_numbers(seed, ids)


def test_a_bad_seed_has_no_digest() -> None:
    with pytest.raises(ValueError, match="32 lowercase hex characters"):
        lottery.seed_digest("not a seed")


# --- Priorities: points at the school, then the lottery ---------------------------------


def test_priorities_order_by_points_then_by_lower_lottery_number() -> None:
    points = {
        "school-2": {"ann": Decimal("180.5"), "bo": Decimal(200), "cy": Decimal("180.5"), "di": 0},
        "school-1": {"cy": Decimal(90)},
        "school-3": {},
    }
    numbers = {"ann": 4, "bo": 3, "cy": 1, "di": 2}

    priorities = lottery.priorities_by_points(points, numbers)

    assert priorities == {"school-1": ["cy"], "school-2": ["bo", "cy", "ann", "di"], "school-3": []}
    assert list(priorities) == ["school-1", "school-2", "school-3"]


def test_negative_points_after_a_deduction_rank_last() -> None:
    priorities = lottery.priorities_by_points({"A": {"ann": Decimal(-10), "bo": Decimal(0)}}, {"ann": 1, "bo": 2})

    assert priorities == {"A": ["bo", "ann"]}


def test_a_large_round_orders_exactly_as_a_one_key_sort() -> None:
    rng = random.Random(11)
    ids = [f"app-{n}" for n in range(3000)]
    numbers = lottery.lottery_numbers(SEED, ids)
    points = {f"s{k}": {a: Decimal(rng.randint(0, 80)) / 2 for a in rng.sample(ids, 400)} for k in range(5)}

    priorities = lottery.priorities_by_points(points, numbers)

    for school, table in points.items():
        assert priorities[school] == sorted(table, key=lambda a, table=table: (-table[a], numbers[a]))  # type: ignore[misc]


@pytest.mark.parametrize(
    ("points", "numbers", "message"),
    [
        ({"A": {"ann": 1.5}}, {"ann": 1}, "points of 'ann' at 'A' are 1.5: points are a finite Decimal or an int"),
        ({"A": {"ann": Decimal("NaN")}}, {"ann": 1}, "points of 'ann' at 'A' are Decimal('NaN')"),
        ({"A": {"ann": Decimal("Infinity")}}, {"ann": 1}, "points of 'ann' at 'A' are Decimal('Infinity')"),
        ({"A": {"ann": True}}, {"ann": 1}, "points of 'ann' at 'A' are True"),
        ({"A": {"ann": "12"}}, {"ann": 1}, "points of 'ann' at 'A' are '12'"),
        ({"A": {"ann": 1, "bo": 2}}, {"ann": 1}, "applicant 'bo' at 'A' has no lottery number"),
        ({"A": {"ann": 1, "bo": 2}}, {"ann": 1, "bo": 1}, "the lottery gives two applicants the same number"),
    ],
)
def test_bad_points_or_lottery_are_refused(points: dict, numbers: dict[str, int], message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=re.escape(message)):
        lottery.priorities_by_points(points, numbers)
