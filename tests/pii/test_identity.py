"""The facts of an ID number, from the one function that reads its positions."""

from __future__ import annotations

from datetime import date

import pytest

from nanhai_portal.pii import id_facts

NUMBER = "11010519491231002X"  # Beijing, born 31 December 1949, a woman (sequence 002)


def test_region_province_origin_birth_date_and_sex() -> None:
    facts = id_facts(NUMBER)
    assert (facts.region, facts.province, facts.origin) == ("110105", "11", "北京")
    assert (facts.birth_date, facts.sex) == (date(1949, 12, 31), "F")
    assert id_facts("440605199003071234").sex == "M"  # 17th digit 3 is odd


@pytest.mark.parametrize(
    ("born", "on", "age", "minor"),
    [
        ("20080315", date(2026, 3, 14), 17, True),  # the day before the eighteenth birthday
        ("20080315", date(2026, 3, 15), 18, False),  # the birthday itself
        ("20080229", date(2026, 2, 28), 17, True),  # born on 29 February: not yet in a common year
        ("20080229", date(2026, 3, 1), 18, False),
    ],
)
def test_age_and_minority_on_a_date(born: str, on: date, age: int, minor: bool) -> None:
    facts = id_facts(f"440605{born}0010")  # the check character is not read here
    assert facts.age_on(on) == age
    assert facts.is_minor_on(on) is minor


def test_a_birth_date_that_does_not_exist_is_an_error() -> None:
    with pytest.raises(ValueError):
        id_facts("440605199002300010")
