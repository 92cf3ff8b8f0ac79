"""ID numbers by GB 11643, mobile numbers, and masking."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from nanhai_portal.pii import mask_id_number, mask_mobile, scrub, validate_id_number, validate_mobile
from nanhai_portal.pii.identity import id_facts
from nanhai_portal.pii.validators import id_check_character

# A Nanhai (440605) number born 1990-03-07; its check character is computed, not copied.
BASE17 = "44060519900307123"
VALID = BASE17 + id_check_character(BASE17)


def test_a_valid_number_passes_and_comes_back_normalised() -> None:
    assert validate_id_number(VALID) == VALID
    assert validate_id_number(f"  {VALID[:9]} {VALID[9:]} ") == VALID


def test_the_published_example_with_x_passes() -> None:
    # GB 11643's own example: 11010519491231002X.
    assert validate_id_number("11010519491231002X") == "11010519491231002X"


def test_a_lower_case_x_is_normalised_to_upper_case() -> None:
    assert validate_id_number("11010519491231002x") == "11010519491231002X"


def test_a_wrong_check_character_says_which_one_is_expected() -> None:
    wrong = VALID[:17] + ("0" if VALID[17] != "0" else "1")
    with pytest.raises(ValidationError) as error:
        validate_id_number(wrong)
    assert error.value.code == "id_check_character"
    assert VALID[17] in error.value.messages[0]


@pytest.mark.parametrize("birth", ["19900230", "19901301", "19900000", "20991231", "18991231"])
def test_an_impossible_or_future_birth_date_is_refused(birth: str) -> None:
    first17 = f"440605{birth}123"
    with pytest.raises(ValidationError) as error:
        validate_id_number(first17 + id_check_character(first17))
    assert error.value.code == "id_birth_date"


def test_an_unknown_province_is_refused() -> None:
    first17 = "99060519900307123"
    with pytest.raises(ValidationError) as error:
        validate_id_number(first17 + id_check_character(first17))
    assert error.value.code == "id_province"
    assert "99" in error.value.messages[0]


@pytest.mark.parametrize("value", ["4406051990030712", "4406051990030712345", ""])
def test_a_wrong_length_is_refused_with_the_length(value: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_id_number(value)
    assert error.value.code == "id_length"


def test_letters_inside_the_number_are_refused() -> None:
    with pytest.raises(ValidationError) as error:
        validate_id_number("44060519900A071234")
    assert error.value.code == "id_characters"


def test_birth_date_and_sex_come_from_the_number() -> None:
    assert id_facts(VALID).birth_date == date(1990, 3, 7)
    assert id_facts(VALID).sex == "M"  # 17th digit 3 is odd


@pytest.mark.parametrize("typed", ["13812345678", "138 1234 5678", "+86 138-1234-5678", "8613812345678"])
def test_mobile_numbers_are_normalised(typed: str) -> None:
    assert validate_mobile(typed) == "13812345678"


@pytest.mark.parametrize("typed", ["12812345678", "1381234567", "23812345678", "abc"])
def test_a_wrong_mobile_number_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError):
        validate_mobile(typed)


def test_masks_keep_just_enough_to_recognise() -> None:
    assert mask_id_number("44060519900307123X") == "44**************3X"
    assert mask_mobile("13812345678") == "138****5678"
    assert scrub(f"id {VALID} tel 13812345678.") == f"id {VALID[:2]}{'*' * 14}{VALID[16:]} tel 138****5678.", (
        "logs mask as screens do"
    )
