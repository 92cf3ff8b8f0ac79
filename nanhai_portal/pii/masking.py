"""What people and logs see of personal data: enough to recognise it, not to use it."""

from __future__ import annotations

import re

_ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE_PATTERN = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_id_number(value: str | None) -> str:
    """``440605199001011234`` → ``440605********1234``: region kept, birth date hidden."""
    if not value:
        return ""
    value = str(value)
    if len(value) != 18:
        return "*" * len(value)
    return f"{value[:6]}{'*' * 8}{value[14:]}"


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
