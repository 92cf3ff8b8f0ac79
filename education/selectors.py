"""Reads for education: a round's schools, the points calculator, the officer's queue.

Who may see which rows is ``education.access``; the reads here start from it or from an object
it gave.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from education import points
from education.models import AdmissionRound, PointsScheme, RoundSchool, SchemeGroup, SchemeItem, localized


def round_schools() -> QuerySet[RoundSchool]:
    """The schools of rounds with their places, in the town, by name."""
    return RoundSchool.objects.in_current_scope().select_related("school").order_by("school__name")


def points_estimate(round_: AdmissionRound, facts: Mapping[str, Decimal]) -> dict[str, Any]:
    """What a family would score in ``round_`` with ``facts`` (nothing stored), line by line,
    with each item's name in the reader's language and the documents it needs."""
    items = {item.code: item for item in SchemeItem.objects.filter(scheme_id=round_.scheme_id)}
    unknown = sorted(code for code in facts if code not in items)
    if unknown:
        raise ValidationError({code: [_("Not an item of this round's points scheme.")] for code in unknown})
    result = computed(round_, facts)
    return {
        "scheme": round_.scheme.label,
        "total": str(result.total),
        "catchment_points": str(result.catchment_points),
        "disqualified": result.disqualified,
        "lines": [
            {
                "item": line.code,
                "name": localized(items[line.code].name_zh, items[line.code].name_en),
                "kind": items[line.code].kind,
                "source": items[line.code].source,
                "documents": list(items[line.code].documents),
                "quantity": None if line.quantity is None else str(line.quantity),
                "points_per_unit": str(line.points_per_unit),
                "raw": str(line.raw),
                "points": str(line.points),
                "notes": list(line.notes),
            }
            for line in result.lines
        ],
    }


def scheme_spec(scheme: PointsScheme) -> points.Scheme:
    """The scheme's rows as the engine takes them (read in the current town)."""
    groups = list(SchemeGroup.objects.filter(scheme=scheme).order_by("code"))
    codes = {group.pk: group.code for group in groups}
    items = SchemeItem.objects.filter(scheme=scheme).order_by("sort_order", "code")
    return points.Scheme(
        version=scheme.label,
        items=tuple(
            points.SchemeItem(
                code=item.code,
                name=item.name_zh,
                kind=points.ItemKind(item.kind),
                unit=points.Unit(item.unit),
                points_per_unit=item.points_per_unit,
                cap=item.cap,
                group=codes.get(item.group_id) if item.group_id else None,
                exclusive_set=item.exclusive_set or None,
                source=points.FactSource(item.source),
                documents=tuple(item.documents),
            )
            for item in items
        ),
        groups=tuple(points.CapGroup(code=group.code, name=group.name_zh, cap=group.cap) for group in groups),
    )


def computed(round_: AdmissionRound, facts: Mapping[str, Decimal]) -> points.Result:
    """The engine on ``facts`` under the round's scheme; facts it refuses (a fraction of a year,
    a flag other than 0 or 1) are a ValidationError naming each."""
    try:
        return points.points_compute(scheme_spec(round_.scheme), facts)
    except points.FactsInvalid as error:
        raise ValidationError({code: [message] for code, message in error.errors.items()}) from None
