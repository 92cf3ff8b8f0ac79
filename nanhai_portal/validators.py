"""What a person's name, a place's name and free text may hold, for forms, the API and imports.

Names are validated for what they are: a person's name (姓名) is letters, Chinese or Latin,
with the middle dot of minority and foreign names (``阿卜杜·热合曼``) and, between Latin
letters, spaces, hyphens and apostrophes; a village, community or grid name is letters and
digits with a few marks (``灯湖社区（东）第3网格``). Free text (addresses, reasons) may hold
anything printable but may not start like a spreadsheet formula (``= + - @`` and their
full-width forms) or hold control or bidirectional-override characters. Exports escape
formulas anyway (``nanhai_portal.exports``); this refuses them where they come in.

Each validator raises ``ValidationError`` with one of the codes in ``MESSAGES``, so that the
import error report (which stores codes) says the same as a form.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from nanhai_portal.exports import FORMULA_STARTS

MESSAGES: dict[str, Promise] = {
    "invalid_person_name": _(
        "A name is Chinese or Latin letters, with a middle dot (·) or, between Latin letters, a space, "
        "hyphen or apostrophe."
    ),
    "invalid_place_name": _("A name is letters and digits, with spaces, a middle dot, brackets, - # / or 、."),
    "formula_start": _("The text may not start with =, +, - or @."),
    "control_characters": _("The text holds invisible control characters; type it again."),
}

# Chinese characters: the unified ideographs, extension A, the compatibility block and the
# supplementary planes (rare characters in names, 生僻字), and 〇.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f\u3007"
_LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_DOTS = "\u00b7\u30fb\u2022\u2027\uff0e"  # · ・ • ‧ ．: the middle dots people type
_PERSON_NAME = re.compile(rf"[{_HAN}{_LATIN}]+(?:[{_DOTS}][{_HAN}{_LATIN}]+|[ '\u2019-][{_LATIN}]+)*")
_PLACE_NAME = re.compile(rf"[{_HAN}{_LATIN}0-9\uff10-\uff19][{_HAN}{_LATIN}0-9\uff10-\uff19{_DOTS} ()（）\-—#＃/、]*")
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def _reject(code: str) -> ValidationError:
    return ValidationError(str(MESSAGES[code]), code=code)  # in the language active now


def validate_person_name(value: str) -> None:
    """A person's name as on an ID card or passport; refuses digits, marks, formulas."""
    if value and not _PERSON_NAME.fullmatch(value.strip()):
        raise _reject("invalid_person_name")


def validate_place_name(value: str) -> None:
    """A village, community or grid name."""
    if value and not _PLACE_NAME.fullmatch(value.strip()):
        raise _reject("invalid_place_name")


def validate_free_text(value: str, *, multiline: bool = False) -> None:
    """Printable text that does not start like a formula; line breaks only if ``multiline``."""
    if not value:
        return
    allowed = {"\n", "\r"} if multiline else set()
    for character in value:
        if character in _BIDI or (unicodedata.category(character) == "Cc" and character not in allowed):
            raise _reject("control_characters")
    lines = value.splitlines() if multiline else [value]
    if any(line.strip().startswith(FORMULA_STARTS) for line in lines):
        raise _reject("formula_start")


def validate_multiline_text(value: str) -> None:
    validate_free_text(value, multiline=True)
