"""Each demo account signs in through the page and lands on its own home page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from nanhai_portal.accounts.models import User
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.demo import DEMO_PASSWORD
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("username", "role_label", "says"),
    [
        ("admin", "区级系统管理员", "管理后台"),
        ("official", "区级工作人员", "全区"),
        ("officer.guicheng", "镇街受理员", "桂城街道"),
        ("townadmin.dali", "镇街管理员", "大沥镇"),
        ("grid.xiqiao", "网格员", "西樵镇"),
        ("resident.1", "新市民", "居住证"),
    ],
)
def test_each_demo_account_lands_on_its_own_home_page(username: str, role_label: str, says: str) -> None:
    browser = Client()
    response = browser.post("/login/", {"username": username, "password": DEMO_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    page = response.content.decode()
    assert role_label in page
    assert says in page
    assert '<html lang="zh-hans">' in page


def test_a_wrong_password_on_the_page_says_so_and_keeps_the_username() -> None:
    response = Client().post("/login/", {"username": "resident.1", "password": "nope"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "用户名、手机号或密码不正确" in page
    assert 'value="resident.1"' in page


def test_an_anonymous_visitor_is_sent_to_sign_in() -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_english_is_one_switch_away() -> None:
    browser = Client()
    browser.post("/login/", {"username": "resident.1", "password": DEMO_PASSWORD})
    browser.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = browser.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "My residence permit" in page


def test_signing_out_ends_the_session() -> None:
    browser = Client()
    browser.post("/login/", {"username": "resident.1", "password": DEMO_PASSWORD})
    browser.post("/logout/")
    assert browser.get("/").status_code == 302


def test_a_town_admin_sees_only_their_towns_communities_in_the_back_office() -> None:
    browser = Client()
    browser.post("/login/", {"username": "townadmin.dali", "password": DEMO_PASSWORD})
    page = browser.get("/admin/areas/community/?all=").content.decode()
    listed = set(re.findall(r'href="/admin/areas/community/([0-9a-f-]{36})/change/', page))
    assert len(listed) == 43, "Dali's 43 communities, all on one page"
    assert "440605125" in page and "440605011" not in page


def test_a_district_admin_sees_every_town_in_the_back_office() -> None:
    browser = Client()
    browser.post("/login/", {"username": "admin", "password": DEMO_PASSWORD})
    page = browser.get("/admin/areas/community/?all=").content.decode()
    assert "440605125" in page and "440605011" in page


def test_an_unknown_page_is_a_friendly_404_and_an_unknown_api_path_is_json() -> None:
    assert Client().get("/no-such-page/").status_code == 404
    response = Client().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_town_admin_assigns_grid_workers_of_their_own_town_only() -> None:
    from nanhai_portal.areas.models import Grid
    from nanhai_portal.areas.selectors import workers_serving
    from nanhai_portal.tenancy import town_context

    browser = Client()
    browser.post("/login/", {"username": "townadmin.dali", "password": DEMO_PASSWORD})
    with town_context("dali"):
        grid = Grid.objects.order_by("code").last()
    worker, stranger = User.objects.get(username="grid.dali"), User.objects.get(username="grid.guicheng")
    form = browser.get(f"/admin/areas/grid/{grid.pk}/change/").content.decode()
    offered = re.findall(r'name="workers" value="(\d+)"', form)
    dalis = User.objects.filter(role="grid_worker", town_id="dali").values_list("pk", flat=True)
    assert sorted(offered) == sorted(str(pk) for pk in dalis) and str(worker.pk) in offered
    assert str(stranger.pk) not in offered and "桂城街道网格员" not in form
    response = browser.post(
        f"/admin/areas/grid/{grid.pk}/change/",
        {"community": str(grid.community_id), "code": grid.code, "name": grid.name, "workers": [worker.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with town_context("dali"):
        assert list(workers_serving(grid)) == [worker]


def test_a_town_admin_cannot_see_other_towns_accounts_or_grant_district_roles() -> None:
    browser = Client()
    browser.post("/login/", {"username": "townadmin.dali", "password": DEMO_PASSWORD})
    page = browser.get("/admin/accounts/user/").content.decode()
    assert "officer.dali" in page and "officer.guicheng" not in page
    add_form = browser.get("/admin/accounts/user/add/").content.decode()
    assert 'value="district_admin"' not in add_form and 'value="town_officer"' in add_form

    # A district role sent anyway is refused on the form, and no account is made.
    raised = {"username": "raised.dali", "password1": "Shui-Jing-2026", "password2": "Shui-Jing-2026"}
    with nothing_changes(rows(User), rows(AuditEvent, action="accounts.role_changed")):
        response = browser.post("/admin/accounts/user/add/", {**raised, "name": "x", "role": "district_admin"})
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()


def signed_in(username: str) -> Client:
    browser = Client()
    browser.post("/login/", {"username": username, "password": DEMO_PASSWORD})
    return browser


def test_an_officer_pages_through_their_towns_communities() -> None:
    page = signed_in("officer.jiujiang").get("/communities/").content.decode()
    assert "第 1 页，共 2 页" in page
    assert "440605121001" in page and "440605011001" not in page


def test_a_district_official_picks_a_town_on_the_communities_page() -> None:
    page = signed_in("official").get("/communities/", {"town": "lishui"}).content.decode()
    assert "440605126001" in page and "440605121001" not in page
    assert "里水镇" in page


def test_a_grid_worker_sees_their_grids_and_a_resident_no_community_list() -> None:
    page = signed_in("grid.danzao").get("/my-grids/").content.decode()
    assert page.count('class="tile"') == 2
    assert signed_in("resident.1").get("/communities/").status_code == 403
