"""What an ID number says about its holder (GB 11643-1999): the one place it is read.

An 18-character number is six digits of region (the first two the province), eight of
birth date, three of sequence (the last of them odd for men, even for women) and a check
character. ``id_facts`` is the only reader of those positions: nothing else slices an ID
number, so a rule such as "a minor" or "the place of origin" is written once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Province-level names (GB/T 2260), for a person's place of origin (户籍地) when nothing
# better is known.
PROVINCE_NAMES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁", "22": "吉林",
    "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西",
    "37": "山东", "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃",
    "63": "青海", "64": "宁夏", "65": "新疆", "71": "台湾", "81": "香港", "82": "澳门", "83": "台湾",
}  # fmt: skip
PROVINCE_CODES = frozenset(PROVINCE_NAMES)
ADULT_AGE = 18  # Civil Code art. 17: a person of eighteen is an adult

MALE, FEMALE = "M", "F"


@dataclass(frozen=True)
class IdFacts:
    """The facts an ID number carries. ``sex`` is ``"M"`` or ``"F"``."""

    region: str
    province: str
    birth_date: date
    sex: str

    @property
    def origin(self) -> str:
        """The province's name (广东), or "" for a code not in GB/T 2260."""
        return PROVINCE_NAMES.get(self.province, "")

    def age_on(self, day: date) -> int:
        """Whole years of age on ``day`` (a birthday on 29 February comes on 1 March)."""
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday

    def is_minor_on(self, day: date) -> bool:
        return self.age_on(day) < ADULT_AGE


def id_parts(number: str) -> tuple[str, str, str, str]:
    """``(region, birth digits, sequence, check)`` of an 18-character number, unchecked:
    for the validator, which must say which part is wrong before any fact is trusted."""
    return number[:6], number[6:14], number[14:17], number[17:]


def id_facts(number: str) -> IdFacts:
    """The facts of a well-formed (validated, normalised) ID number.

    Raises ``ValueError`` for a number whose birth date does not exist; validate first
    (``validate_id_number``) to tell a person which part is wrong.
    """
    region, birth, sequence, _check = id_parts(number)
    return IdFacts(
        region=region,
        province=region[:2],
        birth_date=date(int(birth[:4]), int(birth[4:6]), int(birth[6:])),
        sex=MALE if int(sequence[-1]) % 2 else FEMALE,
    )
