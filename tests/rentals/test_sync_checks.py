"""The offline batch checks its 800 answers in one plain pass (``plain_checklist_answers``),
not field by field through DRF: what the plain pass takes, it takes exactly as DRF would;
what it does not take goes to DRF, whose messages the phone shows (rentals perf)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from rest_framework import serializers

from rentals.serializers import (
    InspectionCreateSerializer,
    InspectionItemInputSerializer,
    inspections_checked,
    plain_checklist_answers,
)
from tests.rentals.factories import AT

ANSWERS: list[Any] = [
    [{"category": "gas", "result": "ok"}],
    [{"category": " gas ", "result": " hazard ", "note": "  楼道充电\n第二行 "}],
    [{"category": "gas", "result": "maybe", "note": ""}],  # the checklist's rule, not the shape's
    [{"category": "gas", "result": "ok", "note": "   "}],
    [{"category": "gas", "result": "ok", "extra": [1, 2]}],
    [{"category": "g" * 32, "result": "r" * 16, "note": "长" * 500}],
    [{"category": "g" * 33, "result": "ok"}],
    [{"category": "gas", "result": "r" * 17}],
    [{"category": "gas", "result": "ok", "note": "长" * 501}],
    [{"category": "gas", "result": "ok", "note": " " + "长" * 500 + " "}],
    [{"category": "gas"}],
    [{"result": "ok"}],
    [{"category": "", "result": "ok"}],
    [{"category": "  ", "result": "ok"}],
    [{"category": None, "result": "ok"}],
    [{"category": 7, "result": "ok"}],
    [{"category": 7.5, "result": "ok"}],
    [{"category": True, "result": "ok"}],
    [{"category": ["gas"], "result": "ok"}],
    [{"category": "gas", "result": "ok", "note": None}],
    [{"category": "gas", "result": "ok", "note": 12}],
    [{"category": "gas\x00", "result": "ok"}],
    [{"category": "gas", "result": "ok", "note": "\ud800"}],
    [{"category": "gas", "result": "ok", "note": "=SUM(A1)"}],
    [{"category": "gas", "result": "ok", "note": "好\n@danger"}],
    [{"category": "gas", "result": "ok", "note": "\u202eevil"}],
    [{"category": "gas", "result": "ok", "note": "tab\there"}],
    [{"category": "gas", "result": "ok"}, "not an object"],
    [{"category": "gas", "result": "ok"}, {"category": "smoke_alarm", "result": "na"}],
    [],
    "ok",
    {"category": "gas", "result": "ok"},
    None,
]


def drf_answers(answers: Any) -> list[dict[str, str]] | None:
    """What DRF's item serializer takes from ``answers``, or None when it refuses them."""
    checker = serializers.ListField(child=InspectionItemInputSerializer())
    try:
        return [dict(item) for item in checker.run_validation(answers)]
    except serializers.ValidationError:
        return None


@pytest.mark.parametrize("answers", ANSWERS)
def test_the_plain_pass_takes_only_what_drf_takes_and_exactly_as_drf_takes_it(answers: Any) -> None:
    """None (DRF then checks them) is always right; anything else must be DRF's own answer."""
    plain = plain_checklist_answers(answers)
    if plain is not None:
        assert plain == drf_answers(answers)


def test_typical_answers_take_the_plain_pass() -> None:
    """Ok, hazard and not applicable, with and without notes: no item goes through DRF."""
    answers = [
        {"category": "gas", "result": "ok", "note": ""},
        {"category": "smoke_alarm", "result": "hazard", "note": "未安装"},
        {"category": "extinguisher", "result": "na"},
    ]
    assert plain_checklist_answers(answers) == [
        {"category": "gas", "result": "ok", "note": ""},
        {"category": "smoke_alarm", "result": "hazard", "note": "未安装"},
        {"category": "extinguisher", "result": "na", "note": ""},
    ]


@pytest.mark.parametrize("answers", ANSWERS)
def test_a_batch_checks_each_inspection_as_the_single_post_does(answers: Any) -> None:
    """Given one inspection, when a batch checks it, then it is taken with the same data or
    refused with the same errors as by ``InspectionCreateSerializer`` alone (the single POST)."""
    raw = {"client_id": str(uuid.uuid4()), "house": str(uuid.uuid4()), "items": answers,
           "inspected_at": AT.isoformat()}  # fmt: skip
    alone = InspectionCreateSerializer(data=raw)
    [(fields, errors)] = list(inspections_checked([raw]))
    if alone.is_valid():
        assert fields == dict(alone.validated_data) and errors is None
    else:
        assert fields is None and errors == alone.errors


def test_a_batch_checks_each_inspection_on_its_own() -> None:
    good = {"client_id": str(uuid.uuid4()), "house": str(uuid.uuid4()), "inspected_at": AT.isoformat(),
            "items": [{"category": "gas", "result": "ok"}]}  # fmt: skip
    bad = [{**good, "items": [{"category": "gas"}]}, {**good, "client_id": "x"}, "not an object", None, []]
    checked = list(inspections_checked([good, *bad, good]))
    assert [fields is not None for fields, _errors in checked] == [True, False, False, False, False, False, True]
    assert set(checked[1][1]) == {"items"}
    assert set(checked[2][1]) == {"client_id"}
