"""No screen shows enough of an ID number to complete it (finding 4).

An 18-digit ID number is region (6) + birth date (8) + sequence (3) + check (1); the check
character follows from the other 17 and the sex is the parity of the 17th digit. So a mask is
only as good as what is shown beside it: ``440605********1234`` next to the birth date is
the whole number. This walks every page, API answer, export and back-office screen (list and
change view of every registered model) that can show a resident, as each role that may see
them, and counts the digits of the first 17 that the answer gives away, from the masked
number and from the birth date in any format the portal writes it. At least
``MIN_HIDDEN_DIGITS`` must stay hidden: 10⁴ combinations, of which about 900 pass the check
character.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import formats, translation

from nanhai_portal.accounts.models import User
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.pii import mask_id_number
from nanhai_portal.pii.services import pii_reveal
from nanhai_portal.tenancy import district_context, town_context
from residents.models import Application, Document, Resident

pytestmark = pytest.mark.django_db

TOWN = "guicheng"
ROLES = ("admin", "official", "townadmin.guicheng", "officer.guicheng")
MIN_HIDDEN_DIGITS = 4
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")
MASKED = re.compile(r"(?<![0-9A-Za-z*])[0-9*]{17}[0-9Xx*](?![0-9A-Za-z*])")
# Never walked: they change something (sign-out, language) or are not about anyone.
SKIPPED = re.compile(r"^(logout/|i18n/|api/schema/|api/docs/|healthz|livez|api/auth/token/)")


def birth_date_texts(birth: date) -> set[str]:
    """Every way a page, export or answer may write this birth date."""
    texts = {birth.strftime("%Y%m%d"), birth.isoformat(), birth.strftime("%Y/%m/%d")}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for name in ("DATE_FORMAT", "SHORT_DATE_FORMAT"):
                texts.add(formats.date_format(birth, name))
    return texts


def revealed_positions(text: str, number: str, birth: date) -> set[int]:
    """Which of the first 17 characters of ``number`` ``text`` gives away."""
    if number in text:
        return set(range(17))
    known: set[int] = set()
    for match in MASKED.finditer(text):
        shown = match.group(0)
        if "*" in shown and all(c == "*" or c.upper() == n for c, n in zip(shown, number, strict=True)):
            known |= {index for index, character in enumerate(shown[:17]) if character != "*"}
    if known and any(written in text for written in birth_date_texts(birth)):
        known |= set(range(6, 14))
    return known


def body_of(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def concrete_paths(route: str, values: dict[str, list[str]]) -> Iterator[str]:
    """``route`` with its parameters filled from ``values`` (by parameter name), as paths.

    A route with a parameter that names nothing about a resident (a job, a notification) is
    left out: it cannot show one.
    """
    route = route.lstrip("^").replace("\\.", ".").replace("$", "").replace("^", "")
    names = [a or b for a, b in PARAMETER.findall(route)]
    if "format" in names or not all(name in values for name in names):
        return
    combinations: list[list[str]] = [[]]
    for name in names:
        combinations = [[*chosen, value] for chosen in combinations for value in values[name]]
    for chosen in combinations:
        filled = iter(chosen)
        yield "/" + PARAMETER.sub(lambda _match, filled=filled: next(filled), route)


def related_objects(resident: Resident) -> list[Any]:
    """The resident and every back-office object that points at them."""
    user = resident.person.user
    found: list[Any] = [resident, user] if user else [resident]
    for model in admin.site._registry:
        manager: Any = model._default_manager
        queryset = manager.for_all_towns() if hasattr(manager, "for_all_towns") else manager.all()
        names = {field.name for field in model._meta.get_fields()}
        if "resident" in names:
            found += list(queryset.filter(resident=resident)[:3])
        if "application" in names:
            found += list(queryset.filter(application__resident=resident)[:3])
        if "object_id" in names:
            found += list(queryset.filter(object_id=str(resident.pk))[:3])
    return found


def signed_in(username: str) -> Client:
    browser = Client()
    browser.force_login(User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend")
    return browser


@pytest.fixture
def residents_shown() -> list[Resident]:
    """One resident in the officers' queue and one who signs in (``resident.3``, with a permit),
    each revealed once by an officer so that the audit trail holds an event about them."""
    officer = User.objects.get(username="officer.guicheng")
    with town_context(TOWN):
        queued = Application.objects.exclude(status="draft").select_related("resident__person").first().resident
        own = Resident.objects.select_related("person__user").get(person__user__username="resident.3")
        for resident in (queued, own):
            pii_reveal(actor=officer, object_type="residents.resident", object_id=str(resident.pk), field="id_number")
    return [queued, own]


def paths_about(resident: Resident) -> tuple[list[str], list[str]]:
    """(who may look, paths that may show ``resident``): pages, API, exports and the back office."""
    with district_context():
        objects = related_objects(resident)
        events = list(AuditEvent.objects.filter(object_id=str(resident.pk)).values_list("pk", flat=True))
    values = {
        "pk": sorted({str(item.pk) for item in objects} | {str(pk) for pk in events}),
        "document_id": [str(item.pk) for item in objects if isinstance(item, Document)],
    }
    paths = {path for route in routes(get_resolver().url_patterns) for path in concrete_paths(route, values)}
    paths |= {reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in admin.site._registry}
    paths |= {
        reverse(f"admin:{item._meta.app_label}_{item._meta.model_name}_change", args=[item.pk])
        for item in objects
        if type(item) in admin.site._registry
    }
    paths.add(reverse("admin:residents_resident_changelist") + f"?q={resident.person.name}")
    callers = list(ROLES) + ([resident.person.user.username] if resident.person.user else [])
    return callers, sorted(path for path in paths if not SKIPPED.match(path.lstrip("/")))


def test_no_answer_shows_enough_of_an_id_number_to_complete_it(residents_shown: list[Resident]) -> None:
    asked: dict[str, set[str]] = {}
    for resident in residents_shown:
        callers, paths = paths_about(resident)
        for username in callers:
            asked.setdefault(username, set()).update(paths)
    masked_somewhere = set()
    for username, paths in asked.items():
        browser = signed_in(username)
        for path in sorted(paths):
            response = browser.get(path)
            if response.status_code != 200:
                continue
            body = body_of(response)
            for resident in residents_shown:
                known = revealed_positions(body, resident.person.id_number, resident.person.birth_date)
                if known:
                    masked_somewhere.add(path)
                assert 17 - len(known) >= MIN_HIDDEN_DIGITS, (
                    f"{path} as {username} shows {len(known)} of the first 17 digits of {resident.pk}'s ID number"
                )
    # The walk reached the screens that show a masked number: the review page and the admin.
    assert any(path.startswith("/residents/queue/") for path in masked_somewhere), masked_somewhere
    assert any(path.startswith("/admin/residents/resident/") for path in masked_somewhere), masked_somewhere


def test_the_mask_keeps_the_province_and_the_last_two_characters() -> None:
    assert mask_id_number("44060519900307123X") == "44**************3X"
    assert mask_id_number("") == "" and mask_id_number("12345") == "*****"
