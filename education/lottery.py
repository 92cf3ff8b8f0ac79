"""The lottery that breaks ties in points (摇号), and each school's priority list.

Applicants with equal points at a school are ordered by one lottery number per applicant,
the same number at every school: a single tie-breaker, which is simple to explain and to
check, and which on New York's data left more applicants at their first choice than a new draw
at each school (Abdulkadiroğlu, Pathak and Roth, "Strategy-proofness versus Efficiency in
Matching with Indifferences: Redesigning the NYC High School Match", *AER* 99, 2009).

The numbers come from a seed, so that anyone can recompute them:

1. ``seed_new()`` draws 128 random bits (32 hex characters) when the round opens, before any
   application exists, and the round publishes ``seed_digest(seed)``, its SHA-256, at once.
   The digest commits the town to the seed without revealing it.
2. When the points are final, the seed itself is published, before the allocation runs.
3. Anyone checks ``seed_digest(seed)`` against the digest published at the opening, and
   recomputes every number with ``lottery_numbers(seed, ids)``.

Why the commitment: whoever draws the seed knows it first. Published only at the allocation,
the seed could have been drawn again and again until it favoured someone, and nobody could
tell; published at the opening, the numbers would be known while families still choose
schools and officers still verify points. The digest fixes the seed before anyone knows who
will apply, while keeping it secret until nothing about the applications can change. (It does
not stop a town from drawing again before publishing the digest; but then it cannot know whom
a draw favours, because no application exists yet.)

Number ``n`` for an applicant is their place, counting from 1, when every applicant of the
round is sorted by HMAC-SHA256(key = the seed's 32 characters as ASCII, message = the
applicant id as UTF-8); lower numbers come first in a tie. Two applicants' order does not
depend on who else applied.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import cast

LOTTERY_VERSION = "hmac-sha256-rank/1"

_SEED = re.compile(r"[0-9a-f]{32}")


def seed_new() -> str:
    """A new seed: 32 lowercase hex characters (128 bits) from the operating system's CSPRNG."""
    return secrets.token_hex(16)


def seed_digest(seed: str) -> str:
    """The SHA-256 of the seed (its ASCII text), as 64 hex characters: the published commitment."""
    _check_seed(seed)
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def seed_matches(seed: str, digest: str) -> bool:
    """Whether a revealed seed is the one that ``digest`` committed to."""
    return hmac.compare_digest(seed_digest(seed), digest.lower())


def lottery_numbers(seed: str, applicant_ids: Iterable[str]) -> dict[str, int]:
    """Applicant id -> lottery number, a permutation of 1..n (see the module's docstring).

    The same seed and the same set of ids give the same numbers, whatever order the ids come
    in. Raises ValueError for a seed that is not 32 lowercase hex characters, an id that is
    not a non-empty string, or an id given twice.
    """
    _check_seed(seed)
    key = seed.encode("ascii")
    if isinstance(applicant_ids, str):
        raise ValueError("applicant ids are a list of ids, not one string")
    ids = list(applicant_ids)
    for applicant in ids:
        if not isinstance(applicant, str) or not applicant:
            raise ValueError(f"applicant id {applicant!r}: an applicant id is a non-empty string")
    seen: set[str] = set()
    for applicant in ids:
        if applicant in seen:
            raise ValueError(f"applicant {applicant!r} is given twice")
        seen.add(applicant)
    # HMAC-SHA256 as RFC 2104 defines it, with the key's two padded blocks hashed once, not
    # once per applicant (three times faster than hmac.digest; a test holds it equal to hmac).
    block = key.ljust(64, b"\0")
    inner_start = hashlib.sha256(bytes(byte ^ 0x36 for byte in block))
    outer_start = hashlib.sha256(bytes(byte ^ 0x5C for byte in block))
    drawn = []
    for applicant in ids:
        inner, outer = inner_start.copy(), outer_start.copy()
        inner.update(applicant.encode("utf-8"))
        outer.update(inner.digest())
        drawn.append((outer.digest(), applicant))
    drawn.sort()  # the id breaks a tie in the digest, which in practice never happens (2^-256)
    return {applicant: number for number, (_, applicant) in enumerate(drawn, start=1)}


def priorities_by_points(
    points_at_school: Mapping[str, Mapping[str, Decimal | int]],
    lottery: Mapping[str, int],
) -> dict[str, list[str]]:
    """Each school's strict priority list: points at that school descending, then lottery ascending.

    ``points_at_school``: school id -> {applicant id: the applicant's points at that school,
    i.e. the application's points plus any bonus the scheme gives at that school (such as its
    catchment)}, with only the applicants who chose the school. ``lottery``: applicant id ->
    number, as from ``lottery_numbers``. The result feeds ``matching.deferred_acceptance``
    directly. Raises ValueError for points that are not a finite Decimal or an int, an
    applicant without a lottery number, or a lottery that gives two applicants one number.
    """
    if len(set(lottery.values())) != len(lottery):
        raise ValueError("the lottery gives two applicants the same number: the numbers must be distinct")
    for school in sorted(points_at_school):
        _check_points(school, points_at_school[school], lottery)
    # Each distinct number of points, once, replaced by its place from the most (exact for any
    # Decimal or int); an applicant's key at a school is then one int, the place of their points
    # there and their lottery number together, and each school's list is one sort on ints
    # instead of two sorts comparing Decimals.
    distinct = {points for by_applicant in points_at_school.values() for points in by_applicant.values()}
    place = {points: index for index, points in enumerate(sorted(distinct, reverse=True))}
    if min(lottery.values(), default=0) < 0:
        raise ValueError("lottery numbers count from 0 or 1: a negative number cannot be one")
    span = max(lottery.values(), default=0) + 1
    priorities: dict[str, list[str]] = {}
    for school in sorted(points_at_school):
        keys = {
            applicant: place[points] * span + lottery[applicant]
            for applicant, points in points_at_school[school].items()
        }
        priorities[school] = sorted(keys, key=keys.__getitem__)
    return priorities


def _check_points(school: str, by_applicant: Mapping[str, Decimal | int], lottery: Mapping[str, int]) -> None:
    values = by_applicant.values()
    kinds = set(map(type, values))
    if kinds == {Decimal}:
        is_valid = all(map(Decimal.is_finite, cast("Iterable[Decimal]", values)))
    else:
        is_valid = kinds <= {Decimal, int} and all(_is_finite(points) for points in values)
    if not is_valid:
        applicant, points = next(
            (applicant, points)
            for applicant, points in by_applicant.items()
            if type(points) not in (Decimal, int) or not _is_finite(points)
        )
        raise ValueError(f"points of {applicant!r} at {school!r} are {points!r}: points are a finite Decimal or an int")
    if not all(map(lottery.__contains__, by_applicant)):
        missing = min(applicant for applicant in by_applicant if applicant not in lottery)
        raise ValueError(f"applicant {missing!r} at {school!r} has no lottery number")


def _is_finite(points: object) -> bool:
    return not isinstance(points, Decimal) or points.is_finite()


def _check_seed(seed: str) -> None:
    if not isinstance(seed, str) or not _SEED.fullmatch(seed):
        raise ValueError("a lottery seed is 32 lowercase hex characters, as seed_new() makes it")
