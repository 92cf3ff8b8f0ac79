"""The permit page and the home tile, as a resident reads them in Chinese: the endorsement is
"due" (待签注) with its window's dates, its delivery is asked, an open endorsement shows its
state; without a permit, the day from which the resident may apply.

Dates count from the server's today (``timezone.localdate()``), so each case holds on any day.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from nanhai_portal.periods import months_after, years_after
from nanhai_portal.tenancy import town_context
from residents import permit_calendar
from residents.models import Application, Permit, Resident
from tests.factories import PermitFactory, ResidentFactory

pytestmark = pytest.mark.django_db

TOWN = "lishui"


def a_resident(registered_since: date | None) -> Resident:
    mobile = f"139{random.SystemRandom().randrange(10**8):08d}"
    return ResidentFactory(town_id=TOWN, account=True, registered_since=registered_since, person__user__mobile=mobile)


def permit_due_now() -> Permit:
    """A permit whose anniversary is ten days away: its endorsement window is open today."""
    today = timezone.localdate()
    resident = a_resident(years_after(today, -2))
    return PermitFactory(town_id=TOWN, resident=resident, valid_from=years_after(today + timedelta(days=10), -1))


def signed_in(resident: Resident) -> Client:
    client = Client()
    client.force_login(resident.person.user)
    return client


def html(response: Any) -> str:
    return response.content.decode()


def endorsements(resident: Resident) -> list[Application]:
    with town_context(TOWN):
        return list(resident.applications.filter(kind=Application.Kind.PERMIT_ENDORSEMENT))


def window(permit: Permit) -> tuple[str, str]:
    pending = permit_calendar.calendar(
        continuous_since=permit.continuous_since, last_endorsed_on=None, today=timezone.localdate()
    )
    return pending.window_opens.isoformat(), pending.endorse_by.isoformat()


def test_the_endorsement_is_due_not_expired_on_the_page_and_the_home_tile() -> None:
    permit = permit_due_now()
    client = signed_in(permit.resident)
    opens, endorse_by = window(permit)

    page = html(client.get("/residents/permit/"))
    assert 'data-status="endorsement_due"' in page and ">待签注<" in page
    assert f"您的居住证待签注：签注办理期为 {opens} 至 {endorse_by}" in re.sub(r"<[^>]+>", "", page)
    assert "已到期" not in page

    home = html(client.get("/"))
    assert f'<p class="tile-status">居住证待签注：{opens} 至 {endorse_by}</p>' in home


def test_the_endorsement_asks_how_the_permit_comes_back_with_specific_errors() -> None:
    permit = permit_due_now()
    client = signed_in(permit.resident)
    page = html(client.get("/residents/permit/"))
    radios = re.findall(r'<input type="radio" name="delivery"[^>]*>', page)
    assert len(radios) == 2 and not any("checked" in radio for radio in radios), "asked, not chosen in advance"

    # Nothing chosen: asked again, and no draft
    refused = client.post("/residents/permit/endorse/", {})
    assert refused.status_code == 400
    assert "请选择签注后证件的领取方式：到镇（街道）服务中心领取或邮寄。" in html(refused)
    # Post without an address: the address is asked for, next to its field
    refused = client.post("/residents/permit/endorse/", {"delivery": "post", "postal_address": " "})
    assert refused.status_code == 400
    assert re.search(r'id="endorse-postal_address_error"><p>选择邮政速递时，须填写证件的邮寄地址。</p>', html(refused))
    assert endorsements(permit.resident) == []

    started = client.post("/residents/permit/endorse/", {"delivery": "post", "postal_address": "桂城街道南海大道1号"})
    assert started.status_code == 302
    (draft,) = endorsements(permit.resident)
    assert (draft.status, draft.delivery, draft.postal_address) == ("draft", "post", "桂城街道南海大道1号")
    assert started["Location"] == f"/residents/applications/{draft.pk}/"


def test_pickup_keeps_no_postal_address() -> None:
    permit = permit_due_now()
    signed_in(permit.resident).post("/residents/permit/endorse/", {"delivery": "pickup", "postal_address": "某路1号"})
    (draft,) = endorsements(permit.resident)
    assert (draft.delivery, draft.postal_address) == ("pickup", "")


def test_an_open_endorsement_shows_its_state_and_continue_only_while_it_is_the_residents_to_edit() -> None:
    permit = permit_due_now()
    client = signed_in(permit.resident)
    client.post("/residents/permit/endorse/", {"delivery": "pickup"})
    (draft,) = endorsements(permit.resident)

    page = html(client.get("/residents/permit/"))
    assert "继续办理签注申请" in page and 'action="/residents/permit/endorse/"' not in page

    for status in ("submitted", "accepted", "approved", "issued"):
        with town_context(TOWN):
            Application.objects.filter(pk=draft.pk).update(
                status=status, submitted_at=timezone.now(), due_at=timezone.now() + timedelta(days=15)
            )
        page = html(client.get("/residents/permit/"))
        assert "继续办理签注申请" not in page and 'action="/residents/permit/endorse/"' not in page, status
        assert f'data-endorsement-status="{status}"' in page and f'data-status="{status}"' in page
        assert f'href="/residents/applications/{draft.pk}/">查看签注申请进度</a>' in page
        assert "<dt>提交时间</dt>" in page and "<dt>预计办结日期</dt>" in page

    with town_context(TOWN):
        Application.objects.filter(pk=draft.pk).update(status="returned")
    page = html(client.get("/residents/permit/"))
    assert "继续办理签注申请" in page and "退回补正" in page


def test_the_home_tile_follows_a_submitted_endorsement() -> None:
    permit = permit_due_now()
    client = signed_in(permit.resident)
    client.post("/residents/permit/endorse/", {"delivery": "pickup"})
    with town_context(TOWN):
        Application.objects.filter(resident=permit.resident).update(status="submitted", submitted_at=timezone.now())
    assert '<p class="tile-status">签注申请：已提交</p>' in html(client.get("/"))


def test_a_resident_not_yet_eligible_sees_the_day_and_no_apply_button() -> None:
    today = timezone.localdate()
    registered = months_after(today, -3)
    resident = a_resident(registered)
    eligible = permit_calendar.eligible_from(registered).isoformat()
    client = signed_in(resident)

    page = html(client.get("/residents/permit/"))
    assert f"可于 {eligible} 起申请居住证" in page
    assert 'data-eligibility="waiting"' in page and "申请居住证</a>" not in page
    assert f'<p class="tile-status">可于 {eligible} 起申请居住证</p>' in html(client.get("/"))


def test_an_eligible_resident_may_apply_and_an_unregistered_one_registers_first() -> None:
    eligible = signed_in(a_resident(years_after(timezone.localdate(), -1)))
    page = html(eligible.get("/residents/permit/"))
    assert 'data-eligibility="eligible"' in page and 'href="/residents/apply/">申请居住证</a>' in page
    assert 'class="tile-status"' not in html(eligible.get("/"))

    unregistered = signed_in(a_resident(None))
    page = html(unregistered.get("/residents/permit/"))
    assert 'data-eligibility="unregistered"' in page and "请先办理居住登记" in page
    assert "申请居住证</a>" not in page
