"""The officers' pages: the town's hazards with their counts and filters, the escalation queue
(the town's, and the district's list across towns), the houses list, and the tiles.

Pages are read at a fixed moment (``time_machine``), so that "overdue" and "days overdue" do
not depend on today.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.areas.models import Grid
from nanhai_portal.tenancy import town_context
from rentals import services
from rentals.models import Hazard, RentalHouse
from tests.factories import ResidentFactory, UserFactory
from tests.rentals.factories import AT, SHANGHAI, GridFactory, RentalHouseFactory, grid_worker_of
from tests.unchanged import Rows, nothing_changes

pytestmark = pytest.mark.django_db
TOWN, OTHER = "guicheng", "dali"
# Read the pages on 2025-02-10 12:00: ten days after AT's major hazards fell due (2025-02-01 10:00)
READ_AT = datetime(2025, 2, 10, 12, 0, tzinfo=SHANGHAI)


def inspect(house: RentalHouse, worker: Any, answers: dict[str, str], at: datetime = AT) -> dict[str, Hazard]:
    with town_context(house.town_id):
        recorded = services.inspection_record(
            house=house,
            client_id=uuid.uuid4(),
            items=[{"category": code, "result": result} for code, result in answers.items()],
            by=worker,
            inspected_at=at,
        )
        return {hazard.category_id: hazard for hazard in Hazard.objects.filter(inspection=recorded.inspection)}


@pytest.fixture
def town() -> dict[str, Any]:
    return build_town()


def build_town() -> dict[str, Any]:
    """Two grids of guicheng with a house each, and one of dali: hazards in several states.

    - house A (grid 1): escape window (major, due 2025-02-01 10:00) open, escalated to the town;
      extinguisher (general, due 2025-02-07 10:00) rectification submitted;
    - house B (grid 2, another community): gas (major, found an hour later, due 2025-02-01
      11:00) open, escalated to the district; smoke
      alarm (general) found 2025-02-09, due 2025-02-16: open, not overdue;
    - dali: one open, escalated to the district.
    """
    grid_a, grid_b = GridFactory(town_id=TOWN), GridFactory(town_id=TOWN)
    house_a = RentalHouseFactory(town_id=TOWN, grid=grid_a, address="甲巷1号", risk_class="key")
    house_b = RentalHouseFactory(town_id=TOWN, grid=grid_b, address="乙巷2号")
    worker_a, worker_b = grid_worker_of(grid_a), grid_worker_of(grid_b)
    found = inspect(house_a, worker_a, {"escape_window": "hazard", "extinguisher": "hazard"})
    window, extinguisher = found["escape_window"], found["extinguisher"]
    gas = inspect(house_b, worker_b, {"gas": "hazard", "fire_door": "ok"}, at=AT + timedelta(hours=1))["gas"]
    smoke = inspect(house_b, worker_b, {"smoke_alarm": "hazard"}, at=datetime(2025, 2, 9, 10, tzinfo=SHANGHAI))[
        "smoke_alarm"
    ]
    with town_context(TOWN):
        services.hazard_rectify(
            hazard=extinguisher, note="已更换", by=house_a.landlord.user, now=AT + timedelta(days=1)
        )
        services.hazards_escalate_overdue(now=READ_AT - timedelta(days=8))  # window and gas: the town's
        Hazard.objects.filter(pk=gas.pk).update(escalated_level=2)  # gas: the district's
    dali_house = RentalHouseFactory(town_id=OTHER, address="丙巷3号")
    dali = inspect(dali_house, grid_worker_of(dali_house.grid), {"electrical_wiring": "hazard"})["electrical_wiring"]
    with town_context(OTHER):
        services.hazards_escalate_overdue(now=READ_AT)
    return {
        "grids": (grid_a, grid_b),
        "houses": (house_a, house_b, dali_house),
        "workers": (worker_a, worker_b),
        "hazards": {"window": window, "extinguisher": extinguisher, "gas": gas, "smoke": smoke, "dali": dali},
    }


def browser(user: User | str, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(User.objects.get(username=user) if isinstance(user, str) else user)
    return client


def get(client: Client, path: str, **query: str) -> Any:
    with time_machine.travel(READ_AT, tick=False):
        return client.get(path, query)


def listed(page: str, table: str, among: Any = None) -> list[str]:
    """The ids of the rows of ``table`` on the page, in order; only those ``among`` the given
    objects, when given (the demo's own houses and hazards are in the same town)."""
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    found = re.findall(r'<tr[^>]* data-id="([0-9a-f-]{36})"', body)
    if among is None:
        return found
    wanted = {str(getattr(item, "pk", item)) for item in among}
    return [pk for pk in found if pk in wanted]


def mine(town: dict[str, Any]) -> list[Any]:
    return [*town["hazards"].values(), *town["houses"]]


def bars(page: str, chart: str) -> dict[str, int]:
    body = page.split(f'id="{chart}"', 1)[1].split("</table>", 1)[0]
    return {code: int(count) for code, count in re.findall(r'data-code="([^"]+)">.*?<td class="num">(\d+)</td>', body)}


def ids(*hazards: Hazard) -> list[str]:
    return [str(hazard.pk) for hazard in hazards]


# --- The town's hazards -----------------------------------------------------------------------


def test_the_officer_sees_the_towns_hazards_nearest_deadline_first_with_counts(db: None) -> None:
    officer = browser("officer.guicheng")
    before = get(officer, "/rentals/hazards/").content.decode()
    town = build_town()
    h = town["hazards"]
    page = get(officer, "/rentals/hazards/").content.decode()
    assert listed(page, "hazards", mine(town)) == ids(h["window"], h["gas"], h["extinguisher"], h["smoke"])
    added = {"open": 3, "rectification_submitted": 1}
    assert bars(page, "by-state") == {
        code: bars(before, "by-state").get(code, 0) + added.get(code, 0) for code in bars(page, "by-state")
    }
    assert set(bars(page, "by-state")) >= set(added)
    by_category = bars(page, "by-category")
    for code in ("escape_window", "extinguisher", "gas", "smoke_alarm"):
        assert by_category[code] == bars(before, "by-category").get(code, 0) + 1
    assert str(h["dali"].pk) not in page
    assert "overdue 9 days" in page.split(str(h["window"].pk), 1)[1].split("</tr>", 1)[0]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "open"}, ["window", "gas", "smoke"]),
        ({"state": "rectification_submitted"}, ["extinguisher"]),
        ({"category": "gas"}, ["gas"]),
        ({"overdue": "yes"}, ["window", "gas"]),
        ({"overdue": "no"}, ["extinguisher", "smoke"]),
        ({"state": "open", "overdue": "no"}, ["smoke"]),
    ],
)
def test_the_hazards_filter_by_state_category_and_overdue(
    town: dict[str, Any], query: dict[str, str], expected: list[str]
) -> None:
    page = get(browser("officer.guicheng"), "/rentals/hazards/", **query).content.decode()
    assert listed(page, "hazards", mine(town)) == ids(*(town["hazards"][name] for name in expected))


def test_the_hazards_filter_by_grid_and_community_and_the_counts_follow(town: dict[str, Any]) -> None:
    grid_a, grid_b = town["grids"]
    h = town["hazards"]
    officer = browser("officer.guicheng")
    by_grid = get(officer, "/rentals/hazards/", grid=str(grid_b.pk)).content.decode()
    assert listed(by_grid, "hazards") == ids(h["gas"], h["smoke"])
    assert bars(by_grid, "by-state") == {"open": 2}
    by_community = get(officer, "/rentals/hazards/", community=str(grid_a.community_id)).content.decode()
    assert listed(by_community, "hazards") == ids(h["window"], h["extinguisher"])
    # The state count leaves out the state filter, so that the other states stay in view
    both = {"grid": str(grid_b.pk)}
    by_state = get(officer, "/rentals/hazards/", state="rectification_submitted", **both).content.decode()
    assert listed(by_state, "hazards") == []
    assert bars(by_state, "by-state") == {"open": 2}
    assert bars(by_state, "by-category") == {}


@pytest.mark.parametrize(
    "query",
    [
        {"grid": "not-a-uuid"},
        {"grid": str(uuid.uuid4())},
        {"state": "closed' OR 1=1 --"},
        {"category": "<script>alert(1)</script>"},
        {"overdue": "maybe"},
        {"page": "99999"},
        {"page": "-1"},
        {"community": "x" * 5000},
    ],
)
def test_wrong_or_hostile_filters_are_ignored_and_said(town: dict[str, Any], query: dict[str, str]) -> None:
    response = get(browser("officer.guicheng"), "/rentals/hazards/", **query)
    page = response.content.decode()
    assert response.status_code == 200
    assert len(listed(page, "hazards", mine(town))) in (4, 0)  # all of them, or a page past the end: the last
    assert "<script>alert(1)</script>" not in page
    if "page" not in query:
        assert 'class="field-error"' in page


def test_another_towns_grid_is_not_a_filter_of_this_town(town: dict[str, Any]) -> None:
    (dali_house,) = town["houses"][2:]
    page = get(browser("officer.guicheng"), "/rentals/hazards/", grid=str(dali_house.grid_id)).content.decode()
    assert 'class="field-error"' in page and str(town["hazards"]["dali"].pk) not in page


def test_the_pages_are_in_chinese_by_default(town: dict[str, Any]) -> None:
    page = get(browser("officer.guicheng", language="zh-hans"), "/rentals/hazards/").content.decode()
    assert "消防安全隐患" in page and "按状态" in page and "防盗网逃生窗" in page and "逾期 9 天" in page


# --- The escalation queues --------------------------------------------------------------------


def test_the_towns_escalation_queue_oldest_deadline_first_with_days_overdue_house_and_worker(
    town: dict[str, Any],
) -> None:
    h = town["hazards"]
    worker_a, worker_b = town["workers"]
    page = get(browser("officer.guicheng"), "/rentals/escalations/").content.decode()
    assert listed(page, "escalations", mine(town)) == ids(h["window"], h["gas"])
    for hazard in (h["window"], h["gas"]):
        row = page.split(str(hazard.pk), 1)[1].split("</tr>", 1)[0]
        assert 'class="num days-overdue">9 days<' in row
    assert "甲巷1号" in page and worker_a.name in page and worker_b.name in page
    assert "the district" in page  # gas is on the district's list too


def test_the_district_reads_its_list_across_towns(town: dict[str, Any]) -> None:
    h = town["hazards"]
    official = UserFactory(role=Role.DISTRICT_OFFICIAL)
    page = get(browser(official), "/rentals/escalations/").content.decode()
    assert sorted(listed(page, "escalations", mine(town))) == sorted(ids(h["gas"], h["dali"]))
    assert "桂城街道" in page and "大沥镇" in page


def test_another_towns_officer_sees_their_own_towns_queue_only(town: dict[str, Any]) -> None:
    page = get(browser("officer.dali"), "/rentals/escalations/").content.decode()
    assert listed(page, "escalations", mine(town)) == ids(town["hazards"]["dali"])


# --- The houses ---------------------------------------------------------------------------------


def test_the_houses_list_filters_by_risk_class_and_due(town: dict[str, Any]) -> None:
    house_a, house_b, _dali = town["houses"]
    with town_context(TOWN):
        extra = RentalHouseFactory(town_id=TOWN, grid=Grid.objects.get(pk=house_b.grid_id), address="丁巷4号")
    officer = browser("officer.guicheng")
    keys = get(officer, "/rentals/houses/", risk_class="key").content.decode()
    assert listed(keys, "houses", [*mine(town), extra]) == [str(house_a.pk)]
    # B was inspected on 2025-02-09 (ordinary: every 90 days); the new house never: due
    due = get(officer, "/rentals/houses/", due="yes", grid=str(house_b.grid_id)).content.decode()
    assert listed(due, "houses") == [str(extra.pk)]
    not_due = get(officer, "/rentals/houses/", due="no", grid=str(house_b.grid_id)).content.decode()
    assert listed(not_due, "houses") == [str(house_b.pk)]


def test_the_district_filters_houses_by_town_then_by_grid(town: dict[str, Any]) -> None:
    _house_a, _house_b, dali_house = town["houses"]
    official = browser(UserFactory(role=Role.DISTRICT_OFFICIAL))
    every = get(official, "/rentals/houses/").content.decode()
    assert 'name="grid"' not in every and "Choose a town to filter by community and grid." in every
    dali = get(official, "/rentals/houses/", town=OTHER).content.decode()
    assert listed(dali, "houses", mine(town)) == [str(dali_house.pk)]
    assert 'name="grid"' in dali


# --- Who may look -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/rentals/hazards/", "/rentals/escalations/", "/rentals/houses/"])
def test_a_grid_worker_a_landlord_and_a_tenant_are_refused(town: dict[str, Any], path: str) -> None:
    house_a = town["houses"][0]
    tenant = ResidentFactory(town_id=TOWN, account=True).person.user
    for user in (town["workers"][0], house_a.landlord.user, tenant):
        with nothing_changes(Rows(Hazard), Rows(RentalHouse)):
            assert get(browser(user), path).status_code == 403
    assert get(Client(), path).status_code == 302  # signed out: to the sign-in page
    with nothing_changes(Rows(Hazard)):
        assert browser("officer.guicheng").post(path).status_code == 405


# --- The tiles ---------------------------------------------------------------------------------


def tile(page: str, title: str) -> tuple[int, str]:
    """The count on the tile titled ``title``, and its text."""
    text = page.split(title, 1)[1].split("</a>", 1)[0]
    found = re.search(r'<span class="tile-count">(\d+)</span>', text)
    return (int(found.group(1)) if found else 0), text


def test_the_officers_home_page_counts_open_overdue_and_escalated_hazards(db: None) -> None:
    officer = browser("officer.guicheng")
    before = get(officer, "/").content.decode()
    build_town()
    page = get(officer, "/").content.decode()
    # window, gas and smoke wait for a fix; window and gas are overdue and escalated
    assert tile(page, "Fire-safety hazards")[0] == tile(before, "Fire-safety hazards")[0] + 3
    overdue_before = re.search(r"(\d+) overdue", tile(before, "Fire-safety hazards")[1])
    overdue_now = re.search(r"(\d+) overdue", tile(page, "Fire-safety hazards")[1])
    assert overdue_now is not None, tile(page, "Fire-safety hazards")[1]
    assert int(overdue_now.group(1)) == (int(overdue_before.group(1)) if overdue_before else 0) + 2
    assert tile(page, "Escalation queue")[0] == tile(before, "Escalation queue")[0] + 2


def test_the_district_officials_home_page_counts_the_districts_list(db: None) -> None:
    official = browser(UserFactory(role=Role.DISTRICT_OFFICIAL))
    title = "Overdue hazards: the district&#x27;s list"
    before = get(official, "/").content.decode()
    build_town()
    assert tile(get(official, "/").content.decode(), title)[0] == tile(before, title)[0] + 2  # gas and dali
