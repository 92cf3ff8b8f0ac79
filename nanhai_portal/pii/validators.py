"""Mainland ID numbers (GB 11643-1999) and mobile numbers."""

from __future__ import annotations

import operator
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The province-level codes of GB/T 2260 that ID numbers start with.
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
        "65", "71", "81", "82", "83",
    }
)  # fmt: skip
# Province-level names, for a resident's place of origin (户籍地) when nothing better is known.
PROVINCE_NAMES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁", "22": "吉林",
    "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西",
    "37": "山东", "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃",
    "63": "青海", "64": "宁夏", "65": "新疆", "71": "台湾", "81": "香港", "82": "澳门", "83": "台湾",
}  # fmt: skip
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
    if number[:2] not in PROVINCE_CODES:
        raise ValidationError(
            _("The ID number starts with %(code)s, which is not a province code."),
            code="id_province",
            params={"code": number[:2]},
        )
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in the ID number (%(date)s) does not exist."),
            code="id_birth_date",
            params={"date": f"{number[6:10]}-{number[10:12]}-{number[12:14]}"},
        ) from None
    if birth > _today() or birth.year < 1900:
        raise ValidationError(
            _("The birth date in the ID number (%(date)s) is not possible."),
            code="id_birth_date",
            params={"date": birth.isoformat()},
        )
    expected = id_check_character(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _("The last character of the ID number should be %(expected)s, not %(given)s: please check the number."),
            code="id_check_character",
            params={"expected": expected, "given": number[17]},
        )
    return number


def is_valid_id_number(value: str) -> bool:
    try:
        validate_id_number(value)
    except ValidationError:
        return False
    return True


def birth_date_from_id(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def sex_from_id(number: str) -> str:
    """``"M"`` or ``"F"``: the 17th digit is odd for men."""
    return "M" if int(number[16]) % 2 else "F"


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
