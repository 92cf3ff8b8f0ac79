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
from education.models import AdmissionRound, RoundSchool, SchemeItem, localized
from education.services.schemes import scheme_spec


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
    result = points.points_compute(scheme_spec(round_.scheme), facts)
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
