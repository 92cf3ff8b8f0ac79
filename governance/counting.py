"""The counting rules of a villagers' committee election, as a pure function (no ORM, no clock).

The Organic Law of Villagers' Committees (村民委员会组织法, art. 34): the election is valid
when MORE than half of the registered voters vote (有登记参加选举的村民过半数投票); a candidate
is elected with MORE than half of the votes of those who voted (获得参加投票的村民过半数的选票,
始得当选). So exactly half is not enough, either way.

Within a post, the candidates over half are elected highest first, up to the post's seats. When
candidates tie for the last seat, none of the tied is elected: the seat goes to another round
(另行选举), as do seats nobody won more than half for. An invalid election elects nobody and
leaves every seat for another election.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Race:
    """One post's race: its seats and the votes of each candidate (by any key)."""

    post: str
    seats: int
    votes: Mapping[str, int]


@dataclass(frozen=True)
class RaceResult:
    post: str
    seats: int
    elected: tuple[str, ...]
    tied: tuple[str, ...]  # over half, tied for the last seat: not elected
    unfilled: int  # seats for another round


@dataclass(frozen=True)
class Outcome:
    registered: int
    ballots_cast: int
    is_valid: bool
    races: tuple[RaceResult, ...]

    @property
    def turnout(self) -> float | None:
        return self.ballots_cast / self.registered if self.registered else None

    @property
    def another_round(self) -> dict[str, int]:
        """The seats left empty, by post (only posts with some)."""
        return {race.post: race.unfilled for race in self.races if race.unfilled}

    @property
    def elected(self) -> set[str]:
        return {key for race in self.races for key in race.elected}


def is_majority(part: int, whole: int) -> bool:
    """``part`` is MORE than half of ``whole`` (exactly half is not)."""
    return part * 2 > whole


def count_race(race: Race, *, ballots_cast: int) -> RaceResult:
    """Who of ``race`` is elected when ``ballots_cast`` people voted."""
    if race.seats < 0 or any(votes < 0 for votes in race.votes.values()):
        raise ValueError("seats and votes are never negative")
    over_half = sorted(
        ((votes, key) for key, votes in race.votes.items() if is_majority(votes, ballots_cast)),
        key=lambda item: (-item[0], item[1]),
    )
    if len(over_half) <= race.seats:
        elected = tuple(key for _votes, key in over_half)
        return RaceResult(race.post, race.seats, elected, (), race.seats - len(elected))
    last = over_half[race.seats - 1][0] if race.seats else None
    first_out = over_half[race.seats][0]
    if last is not None and last != first_out:
        elected = tuple(key for _votes, key in over_half[: race.seats])
        return RaceResult(race.post, race.seats, elected, (), 0)
    # A tie across the last seat: those above the tie are elected, the tied are not.
    elected = tuple(key for votes, key in over_half if votes > first_out)
    tied = tuple(key for votes, key in over_half if votes == first_out)
    return RaceResult(race.post, race.seats, elected, tied, race.seats - len(elected))


def count_election(*, registered: int, ballots_cast: int, races: Sequence[Race]) -> Outcome:
    """The outcome of an election with ``registered`` voters on the roll and ``ballots_cast``."""
    if registered < 0 or ballots_cast < 0:
        raise ValueError("counts are never negative")
    if ballots_cast > registered:
        raise ValueError("more ballots cast than voters registered")
    if not is_majority(ballots_cast, registered):
        empty = tuple(RaceResult(race.post, race.seats, (), (), race.seats) for race in races)
        return Outcome(registered, ballots_cast, False, empty)
    return Outcome(registered, ballots_cast, True, tuple(count_race(race, ballots_cast=ballots_cast) for race in races))
