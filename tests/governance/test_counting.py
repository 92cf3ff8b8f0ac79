"""The counting rules (Organic Law of Villagers' Committees, art. 34) from worked examples."""

from __future__ import annotations

import pytest

from governance.counting import Race, count_election, count_race, is_majority


def test_more_than_half_means_more_than_half() -> None:
    assert is_majority(501, 1000)
    assert not is_majority(500, 1000), "exactly half is not more than half"
    assert is_majority(3, 5) and not is_majority(2, 5)


def test_exactly_half_turnout_makes_the_election_invalid_and_elects_nobody() -> None:
    outcome = count_election(registered=1000, ballots_cast=500, races=[Race("director", 1, {"a": 500})])
    assert not outcome.is_valid
    assert outcome.elected == set()
    assert outcome.another_round == {"director": 1}
    assert outcome.turnout == 0.5


def test_one_more_than_half_turnout_is_valid() -> None:
    outcome = count_election(registered=1000, ballots_cast=501, races=[Race("director", 1, {"a": 251, "b": 250})])
    assert outcome.is_valid
    assert outcome.elected == {"a"}


def test_exactly_half_the_votes_is_not_elected_and_the_seat_goes_to_another_round() -> None:
    # 800 voted: a needs 401.
    outcome = count_election(registered=1000, ballots_cast=800, races=[Race("director", 1, {"a": 400, "b": 390})])
    assert outcome.is_valid
    assert outcome.elected == set()
    assert outcome.another_round == {"director": 1}


def test_more_candidates_over_half_than_seats_the_highest_are_elected() -> None:
    # 3 member seats, 100 voted: over half is 51 or more.
    race = Race("member", 3, {"a": 90, "b": 60, "c": 75, "d": 55, "e": 30})
    result = count_race(race, ballots_cast=100)
    assert set(result.elected) == {"a", "c", "b"}
    assert (result.unfilled, result.tied) == (0, ())


def test_a_tie_at_the_last_seat_elects_neither_and_leaves_the_seat_for_another_round() -> None:
    race = Race("member", 3, {"a": 90, "b": 70, "c": 60, "d": 60, "e": 20})
    result = count_race(race, ballots_cast=100)
    assert set(result.elected) == {"a", "b"}
    assert set(result.tied) == {"c", "d"}
    assert result.unfilled == 1


def test_a_tie_across_several_seats_elects_only_those_above_it() -> None:
    race = Race("member", 2, {"a": 60, "b": 60, "c": 60})
    result = count_race(race, ballots_cast=100)
    assert result.elected == ()
    assert set(result.tied) == {"a", "b", "c"}
    assert result.unfilled == 2


def test_a_tie_within_the_seats_elects_both() -> None:
    race = Race("member", 3, {"a": 60, "b": 60, "c": 52})
    result = count_race(race, ballots_cast=100)
    assert set(result.elected) == {"a", "b", "c"}


def test_seats_without_a_candidate_over_half_go_to_another_round() -> None:
    outcome = count_election(
        registered=200,
        ballots_cast=150,
        races=[
            Race("director", 1, {"a": 120, "b": 30}),
            Race("deputy", 1, {"c": 75, "d": 75}),  # 75 of 150 is exactly half: neither
            Race("member", 3, {"e": 100, "f": 76, "g": 74}),
        ],
    )
    assert outcome.elected == {"a", "e", "f"}
    assert outcome.another_round == {"deputy": 1, "member": 1}


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        count_election(registered=10, ballots_cast=11, races=[])
    with pytest.raises(ValueError):
        count_election(registered=-1, ballots_cast=0, races=[])
    with pytest.raises(ValueError):
        count_race(Race("member", 1, {"a": -1}), ballots_cast=10)
