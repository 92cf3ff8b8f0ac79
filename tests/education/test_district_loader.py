"""The district's points admission, loaded small: counts that add up, the engine's points, once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from education import points
from education.district_loader import DISTRICT_APPLICATIONS, DISTRICT_PLACES, _split, seed_district_admissions
from education.models import AdmissionApplication, AdmissionRound, Fact, RoundSchool
from education.selectors import scheme_spec
from nanhai_portal.tenancy import district_context, town_context

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 6, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_shares_add_up_exactly() -> None:
    assert sum(_split(DISTRICT_APPLICATIONS, [0.2, 0.2, 0.18, 0.12, 0.1, 0.1, 0.1])) == 11_210
    assert sum(_split(DISTRICT_PLACES, [1, 2, 3])) == 5_581 and _split(7, [1, 1]) in ([4, 3], [3, 4])


def test_a_small_district_round_loads_once_with_the_engines_points() -> None:
    loaded = seed_district_admissions(year=2025, scale=0.01, now=NOW, report=lambda line: None)
    assert (loaded.rounds, loaded.schools) == (7, 60)
    assert loaded.applications == 112 and loaded.places == 56
    with district_context():
        rounds = AdmissionRound.objects.for_all_towns().filter(year=2025, name__contains="全区规模")
        assert rounds.count() == 7 and set(rounds.values_list("phase", flat=True)) == {"allocation"}
        assert all(len(seed) == 32 for seed in rounds.values_list("seed", flat=True))
        applications = AdmissionApplication.objects.for_all_towns().filter(round__in=rounds)
        assert applications.count() == 112
        assert sum(RoundSchool.objects.for_all_towns().filter(round__in=rounds).values_list("places", flat=True)) == 56
    with town_context("guicheng"):
        round_ = AdmissionRound.objects.get(year=2025, name__contains="全区规模")
        spec = scheme_spec(round_.scheme)
        for application in AdmissionApplication.objects.filter(round=round_):
            facts = {fact.item_code: fact.verified for fact in Fact.objects.filter(application=application)}
            result = points.points_compute(spec, facts)
            assert application.points == result.total and application.breakdown["total"] == str(result.total)
            assert 2 <= application.choices.count() <= 5
    again = seed_district_admissions(year=2025, scale=0.01, now=NOW, report=lambda line: None)
    assert again.applications == 0
