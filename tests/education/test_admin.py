"""The back office of points admission: a town admin changes their town's scheme without code,
until points are published with it; another town's scheme is not theirs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from education.models import PointsScheme, SchemeItem
from nanhai_portal.accounts.roles import Role
from nanhai_portal.tenancy import town_context
from tests.education.factories import round_in, scheme_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
FROZEN = datetime(2026, 6, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def back_office(town: str = "guicheng") -> Client:
    client = Client()
    client.force_login(UserFactory(role=Role.TOWN_ADMIN, town_id=town))
    return client


def test_a_town_admin_changes_an_item_of_their_scheme_until_it_is_frozen() -> None:
    scheme = scheme_in("guicheng")
    client = back_office()
    url = f"/admin/education/pointsscheme/{scheme.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "residence_permit" in page.content.decode()
    assert client.get("/admin/education/pointsscheme/").status_code == 200
    assert client.get("/admin/education/admissionround/").status_code == 200
    round_ = round_in("guicheng")
    round_page = client.get(f"/admin/education/admissionround/{round_.pk}/change/").content.decode()
    assert round_.seed not in round_page and round_.seed_digest in round_page  # the seed stays secret
    with town_context("guicheng"):
        PointsScheme.objects.filter(pk=scheme.pk).update(frozen_at=FROZEN)
        cap = SchemeItem.objects.get(scheme=scheme, code="residence_permit").cap
    frozen = client.post(url, {"name": "改了", "_save": "1"})
    assert frozen.status_code == 403
    with town_context("guicheng"):
        assert PointsScheme.objects.get(pk=scheme.pk).name != "改了"
        assert SchemeItem.objects.get(scheme=scheme, code="residence_permit").cap == cap


def test_another_towns_scheme_is_not_found() -> None:
    scheme = scheme_in("dali")
    answer = back_office("guicheng").get(f"/admin/education/pointsscheme/{scheme.pk}/change/")
    assert answer.status_code == 302  # the admin sends an unknown object back to the list
