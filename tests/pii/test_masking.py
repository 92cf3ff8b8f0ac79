"""``scrub`` masks every form of a mobile or ID number that the validators accept, wherever it
sits in a line (a sentence, a URL), and takes whatever a log record may carry without raising."""

from __future__ import annotations

import random
import re
import timeit
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from urllib.parse import quote_plus, unquote_plus

import pytest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy

from nanhai_portal.pii import scrub, validate_id_number, validate_mobile
from nanhai_portal.pii.validators import PROVINCE_CODES, id_check_character

SENTENCES = ["请拨打{}联系", "call {} now", "tel:{}", "[{}]", "{}", "身份证号{}已登记", "ID {} on file", "a\n{}\nb"]
# What may stand between the characters of a typed number, for validate_mobile (all of them)
# and validate_id_number (whitespace only).
MOBILE_SEPARATORS = [" ", "-", "  ", "\u3000", "(", ")", "\t", " - ", "--"]
ID_SEPARATORS = [" ", "  ", "\u3000", "\t"]
URL_SAFE_MOBILE_SEPARATORS = [" ", "-", "(", ")", " - "]


def full_width(digit: str) -> str:
    return chr(ord("０") + int(digit))


def ascii_digits(text: str) -> str:
    """The digits of ``text`` (any script's) as ASCII, in order."""
    return "".join(str(unicodedata.digit(character)) for character in text if character.isdecimal())


def spread(rng: random.Random, characters: list[str], separators: list[str]) -> str:
    return "".join(c + (rng.choice(separators) if rng.random() < 0.3 else "") for c in characters[:-1]) + characters[-1]


def typed_mobile(rng: random.Random, *, separators: list[str], wide: bool) -> tuple[str, str, str]:
    """A mobile number as a person might type it: (typed, its 11 digits, the prefix digits)."""
    number = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
    characters = [c if i < 2 or not wide or rng.random() < 0.5 else full_width(c) for i, c in enumerate(number)]
    prefix = rng.choice(["", "+86", "86", "0086", "+86 ", "(+86) ", "0086-", "+ 86 "])
    typed = prefix + spread(rng, characters, separators)
    assert ascii_digits(validate_mobile(typed)) == number, typed
    return typed, number, ascii_digits(prefix)


def typed_id_number(rng: random.Random, *, separators: list[str], wide: bool) -> tuple[str, str]:
    """A valid ID number as a person might type it: (typed, its 18 characters)."""
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 60))
    first17 = (
        rng.choice(sorted(PROVINCE_CODES))
        + "".join(rng.choice("0123456789") for _ in range(4))
        + born.strftime("%Y%m%d")
        + "".join(rng.choice("0123456789") for _ in range(3))
    )
    number = first17 + id_check_character(first17)
    characters = [full_width(c) if 2 <= i < 17 and wide and rng.random() < 0.5 else c for i, c in enumerate(number)]
    if characters[-1] == "X" and rng.random() < 0.5:
        characters[-1] = "x"
    typed = spread(rng, characters, separators)
    assert ascii_digits(validate_id_number(typed)) == ascii_digits(number), typed
    return typed, number


@pytest.mark.parametrize("seed", range(20))
def test_every_mobile_number_the_validator_accepts_comes_out_masked_in_a_sentence(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        typed, number, prefix_digits = typed_mobile(rng, separators=MOBILE_SEPARATORS, wide=True)
        line = rng.choice(SENTENCES).format(typed)

        masked = scrub(line)

        assert ascii_digits(masked) == prefix_digits + number[:3] + number[7:], (line, masked)
        assert "****" in masked


@pytest.mark.parametrize("seed", range(20))
def test_every_id_number_the_validator_accepts_comes_out_masked_in_a_sentence(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        typed, number = typed_id_number(rng, separators=ID_SEPARATORS, wide=True)
        line = rng.choice(SENTENCES).format(typed)

        masked = scrub(line)

        assert ascii_digits(masked) == number[:2] + ascii_digits(number[16:]), (line, masked)
        assert "*" * 14 in masked


@pytest.mark.parametrize("seed", range(10))
def test_numbers_in_a_url_query_string_come_out_masked(seed: int) -> None:
    """The access log writes the request line as it came: form-encoded, "+" for a space."""
    rng = random.Random(seed)
    for _ in range(50):
        mobile, number, prefix_digits = typed_mobile(rng, separators=URL_SAFE_MOBILE_SEPARATORS, wide=False)
        id_typed, id_number = typed_id_number(rng, separators=[" "], wide=False)
        line = f'"GET /residents/search?tel={quote_plus(mobile)}&id={quote_plus(id_typed)} HTTP/1.1" 200'

        masked = unquote_plus(scrub(line))

        assert number not in ascii_digits(masked) and id_number[6:14] not in ascii_digits(masked), (line, masked)
        assert (
            ascii_digits(masked)
            == prefix_digits + number[:3] + number[7:] + id_number[:2] + ascii_digits(id_number[16:]) + "11200"
        ), (line, masked)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("登录失败：+86 138-0000-0001", "登录失败：+86 138****0001"),
        ("(+86) 138 1234 5678", "(+86) 138****5678"),
        ("0086-13812345678.", "0086-138****5678."),
        ("138.1234.5678", "138****5678"),
        ("id 110105 19491231 002x", "id 11**************2X"),
        ("id 11010519491231002X tel 13812345678", "id 11**************2X tel 138****5678"),
    ],
)
def test_typed_forms_keep_just_enough_to_recognise(line: str, expected: str) -> None:
    assert scrub(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "client 192.168.10.123 port 13812",
        "2026-11-30 16:27:39,123 took 1234 ms",
        "request 3f2a1b9c4d5e6f708192a3b4c5d6e7f8",
        "rows 1 to 5000 of 200000",
        "version 1.38.1234.5678",
    ],
)
def test_lines_without_personal_data_are_left_alone(line: str) -> None:
    assert scrub(line) == line


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text")

    def __repr__(self) -> str:
        raise RuntimeError("no repr either")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (gettext_lazy("Mobile 13812345678"), "Mobile 138****5678"),
        (SimpleLazyObject(lambda: "tel 13812345678"), "tel 138****5678"),
        (b"tel 13812345678", "b'tel 138****5678'"),
        (None, "None"),
        ({"mobile": "13812345678"}, "{'mobile': '138****5678'}"),
        (["13812345678", 1], "['138****5678', 1]"),
        (ValueError("no account for 13812345678"), "no account for 138****5678"),
        (Unprintable(), "<unprintable Unprintable>"),
    ],
)
def test_scrub_takes_any_object_and_returns_masked_text(value: object, expected: str) -> None:
    assert scrub(value) == expected


def test_the_lazy_setting_of_django_axes_is_scrubbed_as_its_text() -> None:
    from django.conf import settings

    assert scrub(settings.AXES_USERNAME_FORM_FIELD) == "username"


def seconds_per_call(function: Callable[[], object]) -> float:
    """The best of seven rounds (the best resists a busy machine)."""
    return min(timeit.repeat(function, number=1_000, repeat=7)) / 1_000


def test_scrub_is_cheap_on_every_log_line() -> None:
    """It runs on every line. Measured against the floor of one pass of a ``\\d`` search over the
    same line, in the same run: about that on a line with few digits (it stops early), a few
    passes on an access line, where every line has a timestamp and a status (bounds loose enough
    for a busy machine)."""
    few_digits = "GET /residents/queue/ answered by officer.dali in the town's transaction in 12 ms " * 3
    access_line = (
        '127.0.0.1 - - [01/Dec/2026:00:31:41 +0800] "GET /residents/queue/?page=2&tel=%2B86+138-1234-5678 '
        'HTTP/1.1" 200 16534 "https://portal.example/residents/queue/" "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)"'
    )
    digit = re.compile(r"\d")
    for line, most in ((few_digits, 5), (access_line, 30)):
        floor = seconds_per_call(lambda line=line: digit.findall(line))
        ratio = seconds_per_call(lambda line=line: scrub(line)) / floor
        assert ratio < most, f"scrub costs {ratio:.1f} passes of a digit search on {line[:30]!r}…"
