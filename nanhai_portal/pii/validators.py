"""Mainland ID numbers (GB 11643-1999) and mobile numbers."""

from __future__ import annotations

import operator
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from nanhai_portal.pii.identity import PROVINCE_CODES, id_parts

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    return _CHECK_CHARACTERS[sum(map(operator.mul, map(int, first17), _WEIGHTS)) % 11]


def _today() -> date:
    """Today in the portal's time zone (cheaper than timezone.localdate() in a hot loop)."""
    return datetime.now(ZoneInfo(settings.TIME_ZONE)).date()


def normalize_id_number(value: str) -> str:
    """Strip spaces and upper-case a trailing ``x``; no checking."""
    return "".join(str(value).split()).upper()


def validate_id_number(value: str) -> str:
    """Check an 18-character mainland ID number; return it normalised.

    Raises ``ValidationError`` saying which part is wrong: length, characters, province code,
    birth date, or check character.
    """
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("An ID number has 18 characters; this one has %(length)d."),
            code="id_length",
            params={"length": len(number)},
        )
    if not _ID_SHAPE.match(number):
        raise ValidationError(_("An ID number is 17 digits followed by a digit or X."), code="id_characters")
    region, birth_digits, _sequence, check = id_parts(number)
    if region[:2] not in PROVINCE_CODES:
        raise ValidationError(
            _("The ID number starts with %(code)s, which is not a province code."),
            code="id_province",
            params={"code": region[:2]},
        )
    year, month, day = birth_digits[:4], birth_digits[4:6], birth_digits[6:]
    try:
        birth = date(int(year), int(month), int(day))
    except ValueError:
        raise ValidationError(
            _("The birth date in the ID number (%(date)s) does not exist."),
            code="id_birth_date",
            params={"date": f"{year}-{month}-{day}"},
        ) from None
    if birth > _today() or birth.year < 1900:
        raise ValidationError(
            _("The birth date in the ID number (%(date)s) is not possible."),
            code="id_birth_date",
            params={"date": birth.isoformat()},
        )
    expected = id_check_character(number[:17])
    if check != expected:
        raise ValidationError(
            _("The last character of the ID number should be %(expected)s, not %(given)s: please check the number."),
            code="id_check_character",
            params={"expected": expected, "given": check},
        )
    return number


def is_valid_id_number(value: str) -> bool:
    try:
        validate_id_number(value)
    except ValidationError:
        return False
    return True


def normalize_mobile(value: str) -> str:
    """A mainland mobile number as 11 digits: spaces, dashes and a +86/86/0086 prefix removed."""
    digits = re.sub(r"[\s\-()]", "", str(value))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            digits = digits[len(prefix) :]
    return digits


def validate_mobile(value: str) -> str:
    """Check a mainland mobile number; return its 11 digits."""
    number = normalize_mobile(value)
    if not _MOBILE.match(number):
        raise ValidationError(_("A mobile number has 11 digits and starts with 13 to 19."), code="mobile")
    return number
