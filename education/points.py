"""The points of a school-place application (积分入学): a pure function of verified facts and a scheme.

No ORM and no clock: ``points_compute(scheme, facts)`` gives the same breakdown wherever and
whenever it runs, so a family, an officer or anyone reading a published result can check it.
The models keep a round's scheme as data and produce exactly these types; the verified facts
of an application are ``{item code: quantity}``.

The rules, in the order they apply (each step sees the result of the one before):

0. **The scheme is checked**: ``points_compute`` refuses a scheme with problems
   (``SchemeInvalid``, listing ``scheme_problems``).
1. **Facts are checked.** A fact for an item the scheme does not have, a negative
   quantity, a quantity that is not a ``Decimal`` or ``int`` (a float is inexact; NaN and
   infinity count nothing) or above ``MAX_QUANTITY``, a fraction of a whole unit (years, items)
   and a flag other than 0 or 1 raise ``FactsInvalid``, which lists every bad fact by code. The
   caller must not send them, and nothing is computed. Years are whole completed years,
   counted by the caller (``nanhai_portal.periods``); areas (m²) and hours may have fractions.
   A missing fact scores 0 with the note ``no_fact``; a fact of 0 scores 0 without a note.
2. **Raw points** = quantity × points per unit, computed exactly, then rounded once toward
   zero to 0.01 point: a fraction of a hundredth is never given nor taken (88.567 m² at 1 a
   m² is 88.56 points; 37.55 hours at 0.1 an hour is 3.75). Every line is in hundredths.
3. **Item cap**: an item's points are at most its cap (a deduction takes at most its cap).
   Note ``item_cap``.
4. **Exclusive sets**: of the items sharing an exclusive set, only the one with the most
   points (after its cap) counts; on a tie, the first in the scheme's order. The others
   count 0 with the note ``excluded_by:<code of the one that counts>``. The items of a set
   are of one kind and count towards the same cap group (or none): a cap group gives
   min(its cap, the sum of its items) whatever their order, so more of one fact never lowers
   the total (were the winner in a full group and the loser outside it, it could).
5. **Cap groups**, in the scheme's item order: each item counts what is left of its
   group's cap after the items before it, so a later item absorbs the cut. Note
   ``group_cap:<group code>``. (In the demo scheme the social-insurance items' own caps, 50
   and 100, add up to the group's 150, so the group cap never binds there; a town that
   lowers it sees it work.)
6. **Deductions** (kind DEDUCT, negative points per unit) are added to the total. The total
   may fall below 0: ranking still works, and the breakdown always adds up to the total.
7. **Disqualification**: any DISQUALIFY item with a quantity above 0 disqualifies the
   application (note ``disqualified``); its total is still computed and shown, but it has
   no priority at any school (``points_at_school`` refuses it).

**Catchment items** (kind CATCHMENT) go through steps 2–4 like the others but are not in
``total``: they add up in ``catchment_points``, which count only at a school whose catchment
(招生片区) the applicant lives in (``points_at_school``). Their fact says the applicant's
address in their community is verified; which schools' catchment that community lies in is
the caller's to decide, school by school.

A scheme a town edits is checked by ``scheme_problems`` (empty when valid) before it is saved.
``notes_explained`` puts a line's notes in words, so the API and the pages give one "why".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_DOWN, Context, Decimal, localcontext
from typing import TYPE_CHECKING

from django.db.models import TextChoices
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as Label
else:
    Label = str | Promise  # a name from the database, or the demo scheme's lazily translated one

HUNDREDTH = Decimal("0.01")
EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)  # a product is exact: no digit rounded away before ours
MAX_QUANTITY = Decimal(1_000_000)  # no fact in any scheme comes near it: a larger one is a typing error
CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]*")  # codes appear in notes after a colon, and in URLs


class ItemKind(TextChoices):
    ADD = "add", pgettext_lazy("points item kind", "basic item")
    BONUS = "bonus", pgettext_lazy("points item kind", "bonus item")
    DEDUCT = "deduct", pgettext_lazy("points item kind", "deduction")
    DISQUALIFY = "disqualify", pgettext_lazy("points item kind", "disqualifying item")
    CATCHMENT = "catchment", pgettext_lazy("points item kind", "catchment item")


class FactSource(TextChoices):
    RESIDENCE_PERMIT = "residence_permit", gettext_lazy("years of the residence permit, from the portal's records")
    RESIDENCE_REGISTRATION = "residence_registration", gettext_lazy("years of residence registration, from the portal")
    DOCUMENT = "document", gettext_lazy("from documents an officer verifies")


class Unit(TextChoices):
    YEAR = "year", pgettext_lazy("points unit", "year")
    SQUARE_METRE = "m2", pgettext_lazy("points unit", "m²")
    HOUR = "hour", pgettext_lazy("points unit", "hour")
    ITEM = "item", pgettext_lazy("points unit", "item")
    FLAG = "flag", pgettext_lazy("points unit", "yes or no")


KINDS, UNITS, SOURCES = frozenset(ItemKind), frozenset(Unit), frozenset(FactSource)
WHOLE_UNITS = frozenset({Unit.YEAR, Unit.ITEM, Unit.FLAG})
CAPPABLE_IN_GROUPS = frozenset({ItemKind.ADD, ItemKind.BONUS})
EXCLUSIVE_KINDS = frozenset({ItemKind.ADD, ItemKind.BONUS, ItemKind.CATCHMENT})
PORTAL_SOURCES = frozenset({FactSource.RESIDENCE_PERMIT, FactSource.RESIDENCE_REGISTRATION})


@dataclass(frozen=True)
class SchemeItem:
    code: str
    name: Label
    kind: ItemKind
    unit: Unit
    points_per_unit: Decimal  # below 0 for a deduction, 0 for a disqualifying item
    cap: Decimal | None  # the most the item counts (for a deduction: the most it takes)
    group: str | None  # the code of the cap group it counts towards
    exclusive_set: str | None  # items sharing it do not add up: only the highest counts
    source: FactSource
    documents: tuple[Label, ...] = ()  # what an applicant must bring


@dataclass(frozen=True)
class CapGroup:
    code: str
    name: Label
    cap: Decimal


@dataclass(frozen=True)
class Scheme:
    version: str
    items: tuple[SchemeItem, ...]
    groups: tuple[CapGroup, ...] = ()


Facts = Mapping[str, Decimal | int]  # item code -> quantity (years, m², hours, count; 1/0 for flags)


@dataclass(frozen=True)
class Line:
    """One line of the breakdown: an item of the scheme, its fact and what it counts."""

    code: str
    name: Label
    kind: ItemKind
    quantity: Decimal | None  # None: no fact was given
    points_per_unit: Decimal
    cap: Decimal | None
    raw: Decimal  # quantity × points per unit, rounded toward zero to 0.01
    points: Decimal  # what counts, after caps and exclusions
    notes: tuple[str, ...]  # no_fact, item_cap, excluded_by:<code>, group_cap:<code>, disqualified


@dataclass(frozen=True)
class Result:
    scheme_version: str
    total: Decimal  # the points at every school: the lines of every kind but CATCHMENT
    catchment_points: Decimal  # added only at a school whose catchment the applicant lives in
    disqualified: bool
    lines: tuple[Line, ...]  # in the scheme's item order


class FactsInvalid(ValueError):
    """Facts the caller must not send; ``errors`` maps each bad item code to why."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{code}: {message}" for code, message in self.errors.items()))


class SchemeInvalid(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def points_compute(scheme: Scheme, facts: Facts) -> Result:
    """The breakdown and total of ``facts`` under ``scheme``, by the rules of this module's docstring.

    Raises ``SchemeInvalid`` for a scheme with problems and ``FactsInvalid`` for bad facts.
    """
    problems = scheme_problems(scheme)
    if problems:
        raise SchemeInvalid(problems)
    quantities = _facts_checked(scheme, facts)
    with localcontext(EXACT):  # every product and sum exact: step 2's is the only rounding
        return _breakdown(scheme, quantities)


def _breakdown(scheme: Scheme, quantities: Mapping[str, Decimal]) -> Result:
    items = scheme.items
    raws = [_raw(item, quantities.get(item.code)) for item in items]
    points = list(raws)
    notes: list[list[str]] = [[] if item.code in quantities else ["no_fact"] for item in items]

    for index, item in enumerate(items):
        if item.kind == ItemKind.DISQUALIFY and quantities.get(item.code, 0) > 0:
            notes[index].append("disqualified")
        if item.cap is not None and points[index].copy_abs() > item.cap:
            points[index] = item.cap.copy_sign(points[index])
            notes[index].append("item_cap")

    members: defaultdict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        if item.exclusive_set is not None:
            members[item.exclusive_set].append(index)
    for indexes in members.values():
        counted = max(indexes, key=lambda index: (points[index], -index))
        for index in indexes:
            if index != counted and points[index] > 0:
                points[index] = Decimal(0)
                notes[index].append(f"excluded_by:{items[counted].code}")

    left = {group.code: group.cap for group in scheme.groups}
    for index, item in enumerate(items):
        if item.group is not None:
            if points[index] > left[item.group]:
                points[index] = left[item.group]
                notes[index].append(f"group_cap:{item.group}")
            left[item.group] -= points[index]

    lines = tuple(
        Line(
            code=item.code,
            name=item.name,
            kind=item.kind,
            quantity=quantities.get(item.code),
            points_per_unit=item.points_per_unit,
            cap=item.cap,
            raw=raws[index].quantize(HUNDREDTH),
            points=points[index].quantize(HUNDREDTH),
            notes=tuple(notes[index]),
        )
        for index, item in enumerate(items)
    )
    return Result(
        scheme_version=scheme.version,
        total=sum((line.points for line in lines if line.kind != ItemKind.CATCHMENT), Decimal(0)),
        catchment_points=sum((line.points for line in lines if line.kind == ItemKind.CATCHMENT), Decimal(0)),
        disqualified=any("disqualified" in line.notes for line in lines),
        lines=lines,
    )


def points_at_school(result: Result, *, in_catchment: bool) -> Decimal:
    """An applicant's priority points at one school: the total, plus the catchment points at a
    school whose catchment the applicant lives in. A disqualified applicant has no priority at
    any school: ValueError (leave them out of every priority list)."""
    if result.disqualified:
        raise ValueError("a disqualified application has no priority at any school")
    return result.total + result.catchment_points if in_catchment else result.total


def notes_explained(scheme: Scheme, line: Line) -> list[str]:
    """A line's notes in words, in the reader's language: what the family reads under "why"."""
    names = {item.code: item.name for item in scheme.items}
    groups = {group.code: group for group in scheme.groups}
    explained: list[str] = []
    for note in line.notes:
        kind, _colon, code = note.partition(":")
        if kind == "no_fact":
            explained.append(_("No verified fact: it counts 0."))
        elif kind == "item_cap":
            explained.append(_("Capped at this item's limit of %(cap)s.") % {"cap": _figure(line.cap)})
        elif kind == "excluded_by":
            explained.append(_("Not added: “%(name)s” counts instead.") % {"name": names[code]})
        elif kind == "group_cap":
            group = groups[code]
            explained.append(
                _("Capped: the items of “%(name)s” count %(cap)s at most together.")
                % {"name": group.name, "cap": _figure(group.cap)}
            )
        elif kind == "disqualified":
            explained.append(_("This disqualifies the application."))
    return explained


def _figure(points: Decimal | None) -> str:
    """120, 10.5 or 0.25: a cap as a person writes it, whether the scheme says 120 or 120.00."""
    return f"{(points or Decimal(0)).normalize():f}"


def _raw(item: SchemeItem, quantity: Decimal | None) -> Decimal:
    """quantity × points per unit, rounded toward zero to 0.01 (in the EXACT context)."""
    if quantity is None:
        return Decimal(0)
    raw = (quantity * item.points_per_unit).quantize(HUNDREDTH, rounding=ROUND_DOWN)
    return raw.copy_abs() if raw == 0 else raw  # 0 × −20 is 0.00, not −0.00


def _facts_checked(scheme: Scheme, facts: Facts) -> dict[str, Decimal]:
    """The facts as Decimals, or ``FactsInvalid`` naming every bad one."""
    units = {item.code: item.unit for item in scheme.items}
    errors: dict[str, str] = {}
    quantities: dict[str, Decimal] = {}
    for code, value in facts.items():
        if code not in units:
            errors[code] = _("The scheme %(version)s has no item “%(code)s”.") % {
                "version": scheme.version,
                "code": code,
            }
        elif isinstance(value, bool) or not isinstance(value, Decimal | int) or not Decimal(value).is_finite():
            errors[code] = _("A fact must be a decimal number.")
        elif value < 0:
            errors[code] = _("A fact cannot be negative.")
        elif value > MAX_QUANTITY:
            errors[code] = _("A fact cannot be more than %(limit)s.") % {"limit": f"{MAX_QUANTITY:,}"}
        elif units[code] == Unit.FLAG and value not in (0, 1):
            errors[code] = _("This fact is yes or no: 1 or 0.")
        elif units[code] in WHOLE_UNITS and value != int(value):
            errors[code] = _("This fact counts whole units: whole completed years, or whole items.")
        else:
            quantities[code] = Decimal(value).copy_abs()  # −0 is 0; copy_abs, unlike abs(), rounds no digit
    if errors:
        raise FactsInvalid(errors)
    return quantities


def scheme_problems(scheme: Scheme) -> list[str]:
    """Why a scheme (as a town edited it) cannot be used: an empty list when it can."""
    problems: list[str] = []
    if not scheme.version.strip():
        problems.append(_("The scheme has no version."))
    if not scheme.items:
        problems.append(_("The scheme has no items."))
    group_codes = {group.code for group in scheme.groups}
    seen: set[str] = set()
    for code in [item.code for item in scheme.items] + [group.code for group in scheme.groups]:
        if code in seen:
            problems.append(_("The code “%(code)s” is used more than once.") % {"code": code})
        if not CODE_PATTERN.fullmatch(code):
            problems.append(
                _("The code “%(code)s” is not valid: use small letters, digits and _, starting with a letter.")
                % {"code": code}
            )
        seen.add(code)
    for item in scheme.items:
        problems.extend(_item_problems(item, group_codes))
    for group in scheme.groups:
        if not _is_points(group.cap) or group.cap < 0:
            problems.append(
                _("The cap of group “%(code)s” must be a number of points of at least 0.") % {"code": group.code}
            )
        if not any(item.group == group.code for item in scheme.items):
            problems.append(_("The cap group “%(code)s” has no items.") % {"code": group.code})
    sets: defaultdict[str, list[SchemeItem]] = defaultdict(list)
    for item in scheme.items:
        if item.exclusive_set is not None:
            sets[item.exclusive_set].append(item)
    for name, members in sets.items():
        if len(members) == 1:
            problems.append(_("The exclusive set “%(set)s” has one item: it excludes nothing.") % {"set": name})
        if len({item.kind for item in members}) > 1:
            problems.append(_("The exclusive set “%(set)s” mixes kinds of item.") % {"set": name})
        if len({item.group for item in members}) > 1:  # else more of one fact could lower the total
            problems.append(
                _("The items of the exclusive set “%(set)s” must count towards one cap group.") % {"set": name}
            )
    return problems


def _item_problems(item: SchemeItem, group_codes: set[str]) -> list[str]:
    code = {"code": item.code}
    if item.kind not in KINDS or item.unit not in UNITS or item.source not in SOURCES:
        return [_("The item “%(code)s” has an unknown kind, unit or source.") % code]
    problems: list[str] = []
    if isinstance(item.name, str) and not item.name.strip():  # a lazy name is the code's own
        problems.append(_("The item “%(code)s” has no name.") % code)
    if not isinstance(item.points_per_unit, Decimal) or not item.points_per_unit.is_finite():
        problems.append(_("The points per unit of item “%(code)s” must be a number.") % code)
    elif item.kind == ItemKind.DEDUCT and item.points_per_unit >= 0:
        problems.append(_("The deduction “%(code)s” must take points: its points per unit below 0.") % code)
    elif item.kind == ItemKind.DISQUALIFY and item.points_per_unit != 0:
        problems.append(_("The disqualifying item “%(code)s” scores no points: its points per unit are 0.") % code)
    elif item.kind not in (ItemKind.DEDUCT, ItemKind.DISQUALIFY) and item.points_per_unit <= 0:
        problems.append(_("The item “%(code)s” must give points: its points per unit above 0.") % code)
    if item.cap is not None and (not _is_points(item.cap) or item.cap < 0):
        problems.append(_("The cap of item “%(code)s” must be a number of points of at least 0.") % code)
    if item.group is not None and item.group not in group_codes:
        problems.append(
            _("The item “%(code)s” counts towards the group “%(group)s”, which the scheme does not have.")
            % {"code": item.code, "group": item.group}
        )
    if item.group is not None and item.kind not in CAPPABLE_IN_GROUPS:
        problems.append(_("The item “%(code)s” cannot be in a cap group: only basic and bonus items can.") % code)
    if item.exclusive_set is not None and item.kind not in EXCLUSIVE_KINDS:
        problems.append(
            _("The item “%(code)s” cannot be in an exclusive set: deductions and disqualifying items add up.") % code
        )
    if item.kind == ItemKind.DISQUALIFY and item.cap is not None:
        problems.append(_("The disqualifying item “%(code)s” scores no points, so it has no cap.") % code)
    if item.source in PORTAL_SOURCES and item.unit != Unit.YEAR:
        problems.append(_("The item “%(code)s” comes from the portal's records, which count years.") % code)
    return problems


def _is_points(value: object) -> bool:
    """A finite Decimal in hundredths of a point, the precision of every line."""
    if not isinstance(value, Decimal) or not value.is_finite():
        return False
    with localcontext(EXACT):  # 1E+40 is a (silly) number of points, not an error of Python's 28 digits
        return value == value.quantize(HUNDREDTH)


def foshan_demo_scheme(version: str = "foshan-demo/2026") -> Scheme:
    """The demo scheme: the Foshan items of DESIGN.md (Chancheng 2023 style), plus plausible extras.

    The residence-registration item, the volunteer hours and the model-worker honour are
    plausible extras, not figures from a published scheme. The deduction is for a record on
    the credit blacklist (失信联合惩戒) only: since the 2021 decision on the birth policy,
    school admission may no longer depend on family planning (入学与个人生育情况全面脱钩).
    """

    def item(
        code: str,
        name: Label,
        kind: ItemKind,
        unit: Unit,
        per_unit: str,
        cap: str | None,
        source: FactSource = FactSource.DOCUMENT,
        documents: tuple[Label, ...] = (),
        *,
        group: str | None = None,
        exclusive_set: str | None = None,
    ) -> SchemeItem:
        return SchemeItem(
            code=code,
            name=name,
            kind=kind,
            unit=unit,
            points_per_unit=Decimal(per_unit),
            cap=None if cap is None else Decimal(cap),
            group=group,
            exclusive_set=exclusive_set,
            source=source,
            documents=documents,
        )

    _ = gettext_lazy  # the names are translated when shown, in the reader's language
    add, bonus, deduct = ItemKind.ADD, ItemKind.BONUS, ItemKind.DEDUCT
    disqualify, catchment = ItemKind.DISQUALIFY, ItemKind.CATCHMENT
    year, m2, hour, count, flag = Unit.YEAR, Unit.SQUARE_METRE, Unit.HOUR, Unit.ITEM, Unit.FLAG
    permit, registration = FactSource.RESIDENCE_PERMIT, FactSource.RESIDENCE_REGISTRATION
    insurance_record, graduation = _("social insurance payment record"), _("graduation certificate")
    # fmt: off
    return Scheme(
        version=version,
        items=(
            item("residence_permit", _("Years holding a residence permit"), add, year, "10", "120", permit),
            item("residence_registration", _("Years of residence registration"), add, year, "2", "20", registration),
            item("owned_home", _("Area of an owned home"), add, m2, "1", "144",
                 documents=(_("property certificate"),), exclusive_set="housing"),
            item("registered_rental", _("Years in a registered rental"), add, year, "5", "30",
                 documents=(_("lease"), _("rental registration certificate")), exclusive_set="housing"),
            item("social_insurance_guangdong", _("Years of social insurance in Guangdong"), add, year, "5", "50",
                 documents=(insurance_record,), group="social_insurance"),
            item("social_insurance_foshan", _("Years of social insurance in Foshan"), add, year, "10", "100",
                 documents=(insurance_record,), group="social_insurance"),
            item("bachelor_degree", _("Bachelor's degree"), add, flag, "20", None,
                 documents=(_("degree certificate"), graduation), exclusive_set="education"),
            item("college_diploma", _("College diploma"), add, flag, "10", None,
                 documents=(graduation,), exclusive_set="education"),
            item("volunteer_service", _("Hours of volunteer service"), bonus, hour, "0.1", "10",
                 documents=(_("certificate of volunteer service hours"),)),
            item("model_worker", _("Municipal model worker"), bonus, flag, "20", None,
                 documents=(_("model worker certificate"),)),
            item("credit_blacklist", _("Record on the credit blacklist"), deduct, count, "-20", None),
            item("false_documents", _("False documents"), disqualify, flag, "0", None),
            item("catchment_community", _("Lives in the school's catchment community"), catchment, flag, "30", None,
                 documents=(_("proof of address in the community"),)),
        ),
        groups=(CapGroup(code="social_insurance", name=_("Social insurance"), cap=Decimal(150)),),
    )
    # fmt: on
