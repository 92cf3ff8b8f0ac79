"""What people and logs see of personal data: enough to recognise it, not to use it."""

from __future__ import annotations

import re

# What may stand between the digits of a number as people type it, and as a URL carries it:
# whitespace (full-width too), dashes, parentheses (ASCII and full-width), "+" (a space in a
# query string) and the percent-encoded space, "+", "(" and ")". ``validate_mobile`` removes
# whitespace, dashes and parentheses anywhere; ``validate_id_number`` removes whitespace.
_SEPARATORS = r"(?:[\s\-\u2010-\u2015\uff0d()\uff08\uff09+]|%2[089Bb])*+"
# An ID number stands apart from digits and Latin letters (a hex token is not one), or follows
# a percent escape; Chinese text may touch it.
_ID_START = r"(?:(?<![\dA-Za-z])|(?<=%2[089Bb]))"


def _digits(count: int) -> str:
    """``count`` digits (any script's: ``\\d``, as the validators accept), separators between."""
    return rf"\d(?:{_SEPARATORS}\d){{{count - 1}}}"


# 18 characters: 6 (region, kept), 8 (birth date, hidden), 3 digits and a digit or X (kept).
_ID_NUMBER = (
    rf"{_ID_START}(?P<id_head>{_digits(6)}){_SEPARATORS}{_digits(8)}{_SEPARATORS}"
    rf"(?P<id_tail>{_digits(3)}{_SEPARATORS}[\dXx])(?![\dA-Za-z])"
)
# 11 digits starting 13 to 19 (the first two in ASCII, as ``validate_mobile`` wants them),
# after an optional +86, 0086 or 86, which is kept as typed.
_MOBILE_NUMBER = (
    rf"(?:(?<!\d)|(?<=%2[089Bb]))(?P<prefix>(?:\+|%2[Bb]|00)?{_SEPARATORS}86{_SEPARATORS})?"
    rf"(?P<head>1{_SEPARATORS}[3-9]{_SEPARATORS}\d){_SEPARATORS}{_digits(4)}{_SEPARATORS}"
    rf"(?P<tail>{_digits(4)})(?!\d)"
)
# 138.1234.5678: dots only in this grouping, so that an IP address stays readable.
_DOTTED_MOBILE_NUMBER = r"(?<![\d.])(?P<dotted_head>1[3-9]\d)\.\d{4}\.(?P<dotted_tail>\d{4})(?!\.?\d)"
# One pass over the text; at each place an ID number is tried first (it is the longer).
_NUMBER_PATTERN = re.compile(f"{_ID_NUMBER}|{_MOBILE_NUMBER}|{_DOTTED_MOBILE_NUMBER}")
# Where a number may be: a stretch of digits and what may stand between them. Found by a
# pattern that starts with a character class, which the regex engine skips to quickly; the
# number pattern, slower to try at each place, then runs only over stretches with 11 digits.
_STRETCH = re.compile(r"(?:%2[089Bb]|[\d+(\uff08])(?:%2[089Bb]|[\d\s\-\u2010-\u2015\uff0d()\uff08\uff09+.Xx])*")
_DIGIT = re.compile(r"\d")
# What to drop of a matched number to keep its digits: separators, percent escapes first.
_NON_DIGIT = re.compile(r"%2[089Bb]|[^\dXx]")
_FEWEST_DIGITS = 11  # a mobile number; an ID number has 17 or 18


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


def mask_name(value: str | None) -> str:
    """``张小明`` → ``张*明``, ``王芳`` → ``王*``, ``欧阳小明`` → ``欧**明``: a name as a published
    list shows it (the first and, for three characters or more, the last; a star for each other)."""
    if not value:
        return ""
    value = str(value).strip()
    if len(value) <= 1:
        return "*"
    if len(value) == 2:
        return f"{value[0]}*"
    return f"{value[0]}{'*' * (len(value) - 2)}{value[-1]}"


def mask_mobile(value: str | None) -> str:
    """``13812345678`` → ``138****5678``."""
    if not value:
        return ""
    value = str(value)
    if len(value) != 11:
        return "*" * len(value)
    return f"{value[:3]}****{value[7:]}"


def _masked(match: re.Match[str]) -> str:
    if match["id_head"] is not None:  # the same rule as mask_id_number: province and last two
        head, tail = _NON_DIGIT.sub("", match["id_head"]), _NON_DIGIT.sub("", match["id_tail"]).upper()
        return f"{head[:2]}{'*' * 14}{tail[-2:]}"
    if match["head"] is not None:
        head, tail = match["head"], match["tail"]
        return f"{match['prefix'] or ''}{_NON_DIGIT.sub('', head)}****{_NON_DIGIT.sub('', tail)}"
    return f"{match['dotted_head']}****{match['dotted_tail']}"


def _as_text(value: object) -> str:
    """``str(value)``, or failing that its ``repr``, or failing that a placeholder: never raises."""
    for convert in (str, repr):
        try:
            return convert(value)
        except Exception:  # noqa: BLE001, S112 - a log line must survive any object
            continue
    return f"<unprintable {type(value).__name__}>"


def scrub(text: object) -> str:
    """Mask every ID number and mobile number inside free text (log lines, error reports).

    Masks each form the validators accept (``+86 138-1234-5678``, ``440605 19900307 123x``,
    digits of any script), and the same inside a URL (``%2B86+138+1234+5678``). Takes any
    object, as a log record's message may be one: lazy strings, bytes, exceptions, ``None``
    are masked as ``str()`` shows them. Never raises. Fast when the text holds fewer than 11
    digits, as most log lines do.
    """
    if type(text) is not str:
        text = _as_text(text)
    if len(text) < _FEWEST_DIGITS or len(_DIGIT.findall(text)) < _FEWEST_DIGITS:
        return text
    pieces, done = [], 0
    for stretch in _STRETCH.finditer(text):
        start, end = stretch.span()
        if end - start < _FEWEST_DIGITS or len(_DIGIT.findall(text, start, end)) < _FEWEST_DIGITS:
            continue
        # The character after the stretch too: a letter there means it is no ID number.
        for match in _NUMBER_PATTERN.finditer(text, start, min(end + 1, len(text))):
            pieces += [text[done : match.start()], _masked(match)]
            done = match.end()
    return "".join([*pieces, text[done:]]) if pieces else text
