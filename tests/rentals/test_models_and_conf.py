"""The rentals tables hold their invariants, the checklist is data, and policy is settings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings

from nanhai_portal.tenancy import town_context
from rentals import conf
from rentals.models import HazardCategory, Tenancy
from tests.factories import ResidentFactory
from tests.rentals.factories import AT, RentalHouseFactory

pytestmark = pytest.mark.django_db


def test_the_migration_loads_the_16_categories_in_both_languages() -> None:
    categories = list(HazardCategory.objects.all())
    assert len(categories) == 16
    names = {category.name_zh for category in categories}
    assert {"电动自行车违规停放充电", "灭火器", "独立式烟感报警器", "防盗网逃生窗", "三合一场所"} <= names
    for category in categories:
        assert category.name_zh and category.name_en and category.ok_zh and category.ok_en
        assert category.default_severity in ("major", "general")
        assert category.retired_at is None


def test_a_tenancy_ends_after_it_begins() -> None:
    house = RentalHouseFactory()
    resident = ResidentFactory()
    with town_context("guicheng"), pytest.raises(IntegrityError), transaction.atomic():
        Tenancy.objects.create(
            town_id="guicheng", house=house, resident=resident, from_date=date(2025, 3, 1), to_date=date(2025, 3, 1)
        )


def test_a_tenancy_cannot_join_a_house_of_another_town() -> None:
    house = RentalHouseFactory(town_id="guicheng")
    resident = ResidentFactory(town_id="jiujiang")
    with town_context("guicheng"), pytest.raises(IntegrityError), transaction.atomic():
        Tenancy.objects.create(town_id="guicheng", house=house, resident=resident, from_date=date(2025, 3, 1))
        with transaction.get_connection().cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_risk_class_rule_defaults() -> None:
    assert conf.assign_risk_class(tenants=0, building_type="self_built") == "ordinary"
    assert conf.assign_risk_class(tenants=10, building_type="self_built") == "key"
    assert conf.assign_risk_class(tenants=1, building_type="mixed_use") == "key"
    assert conf.inspection_interval("key") == timedelta(days=30)
    assert conf.inspection_interval("ordinary") == timedelta(days=90)


@override_settings(
    RENTALS_RISK_CLASSES={"high": {"inspect_every_days": 7}, "low": {"inspect_every_days": 180}},
    RENTALS_RISK_RULES=[{"risk_class": "high", "min_tenants": 3}, {"risk_class": "low"}],
)
def test_the_risk_class_rule_comes_from_settings() -> None:
    assert conf.assign_risk_class(tenants=3, building_type="self_built") == "high"
    assert conf.assign_risk_class(tenants=2, building_type="mixed_use") == "low"
    assert conf.inspection_interval("high") == timedelta(days=7)


def test_deadlines_by_severity_across_a_month_end() -> None:
    # 2025-01-31 10:00: a major hazard is due the next day, a general one a week later in February.
    assert conf.hazard_due_at("major", opened_at=AT) == AT.replace(month=2, day=1)
    assert conf.hazard_due_at("general", opened_at=AT) == AT.replace(month=2, day=7)


@override_settings(RENTALS_HAZARD_DEADLINES={"major": {"hours": 4}, "general": {"days": 30}})
def test_deadlines_come_from_settings() -> None:
    assert conf.hazard_due_at("major", opened_at=AT) == AT + timedelta(hours=4)
    assert conf.hazard_due_at("general", opened_at=AT) == AT.replace(month=3, day=2)
