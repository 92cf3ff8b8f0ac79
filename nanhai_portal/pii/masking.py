"""What people and logs see of personal data: enough to recognise it, not to use it."""

from __future__ import annotations

import re

_ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE_PATTERN = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_id_number(value: str | None) -> str:
    """``440605199001011234`` → ``44**************34``: the province and the last two characters.

    The one rule for every page, export, admin screen and API answer. What it hides cannot be
    worked out from what is shown beside it: the birth date (digits 7-14) and sex (the parity
    of digit 17) are on record, and the check character follows from the other 17, so a mask
    that keeps the six-digit region and the last four (``440605********1234``) gives the whole
    number away next to the birth date. Keeping only the province (which the place of origin
    shows anyway) and the last two leaves the county (digits 3-6) and two sequence digits
    (15-16) unknown: thousands of candidates even with the birth date and sex in view.
    """
    if not value:
        return ""
    value = str(value)
    if len(value) != 18:
        return "*" * len(value)
    return f"{value[:2]}{'*' * 14}{value[16:]}"


def mask_mobile(value: str | None) -> str:
    """``13812345678`` → ``138****5678``."""
    if not value:
        return ""
    value = str(value)
    if len(value) != 11:
        return "*" * len(value)
    return f"{value[:3]}****{value[7:]}"


def scrub(text: str) -> str:
    """Mask every ID number and mobile number inside free text (log lines, error reports)."""
    text = _ID_PATTERN.sub(lambda match: f"{match.group(1)}{'*' * 8}{match.group(2)}", text)
    return _MOBILE_PATTERN.sub(lambda match: f"{match.group(1)}****{match.group(2)}", text)
