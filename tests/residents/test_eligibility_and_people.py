"""The pre-check on real records, registering people, and the daily permit check."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils import timezone

from nanhai_portal.areas.models import Community
from nanhai_portal.notifications.models import Notification
from nanhai_portal.tenancy import town_context
from residents import services, synthetic
from residents.eligibility import precheck
from residents.models import Application, Document, Permit, Resident

pytestmark = pytest.mark.django_db


def a_permit_application(registered_since: Any) -> Application:
    import random

    community = Community.objects.first()
    resident = services.resident_register(
        name="测试",
        id_number=synthetic.id_number(random.Random(str(registered_since))),
        community=community,
        registered_since=registered_since,
    )
    application = Application.objects.create(town_id="jiujiang", resident=resident, kind="permit_issue")
    for kind in ("photo", "lease", "labour_contract"):
        Document.objects.create(
            town_id="jiujiang", application=application, kind=kind, content_type="image/png", size=1, sha256="0"
        )
    return application


@pytest.mark.parametrize(("months_ago", "days_more", "eligible"), [(6, 0, True), (6, -1, False), (7, 0, True)])
def test_six_months_of_registration_exactly_passes_and_a_day_less_fails(
    months_ago: int, days_more: int, eligible: bool
) -> None:
    today = timezone.localdate()
    registered = today - relativedelta(months=months_ago) - timedelta(days=days_more)
    with town_context("jiujiang"):
        missing = precheck(a_permit_application(registered), today=today)
    assert (missing == []) is eligible
    if not eligible:
        assert [item.code for item in missing] == ["residence_too_short"]


def test_a_person_is_registered_once_in_the_whole_district() -> None:
    number = synthetic.id_number(__import__("random").Random(7))
    with town_context("jiujiang"):
        services.resident_register(name="甲", id_number=number, community=Community.objects.first())
    with town_context("dali"), pytest.raises(services.AlreadyRegistered):
        services.resident_register(name="甲", id_number=number.lower(), community=Community.objects.first())


def test_a_wrong_id_number_is_a_clear_error_and_nothing_is_saved() -> None:
    with town_context("dali"):
        before = Resident.objects.count()
        with pytest.raises(ValidationError) as error:
            services.resident_register(name="乙", id_number="440605199003071230", community=Community.objects.first())
        assert "last character" in str(error.value) or "最后一位" in str(error.value)
        assert Resident.objects.count() == before


def test_sex_birth_date_and_origin_come_from_the_id_number() -> None:
    with town_context("dali"):
        resident = services.resident_register(
            name="丙", id_number="11010519491231002X", community=Community.objects.first()
        )
    assert (resident.sex, str(resident.birth_date), resident.origin) == ("F", "1949-12-31", "北京")
    assert resident.id_number_masked == "110105********002X"


def test_the_daily_check_reminds_once_and_suspends_on_the_anniversary() -> None:
    today = timezone.localdate()
    with town_context("guicheng"):
        permit = Permit.objects.get(resident__user__username="resident.3")  # due this month
        first = services.permits_refresh_town(today=today)
        second = services.permits_refresh_town(today=today)
        assert first["reminded"] >= 1 and second["reminded"] == 0
        permit.refresh_from_db()
        assert permit.status == "endorsement_due"
        assert (
            Notification.objects.filter(recipient__username="resident.3", event="permit.endorsement_due").count() == 1
        )

        anniversary = permit.continuous_since + relativedelta(years=1)
        services.permits_refresh_town(today=anniversary)
        permit.refresh_from_db()
        assert permit.status == "suspended"
        assert Notification.objects.filter(recipient__username="resident.3", event="permit.suspended").count() == 1

        services.permit_endorse(permit=permit, on=anniversary + timedelta(days=3), by=None)
        permit.refresh_from_db()
        assert permit.status == "valid" and permit.continuous_since == anniversary + timedelta(days=3)
