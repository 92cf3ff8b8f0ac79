"""``me/``, ``towns/``, ``communities/`` and ``grids/`` for each role."""

from __future__ import annotations

import pytest

from nanhai_portal.areas.models import Community, Grid
from nanhai_portal.tenancy import town_context
from tests.factories import CommunityFactory
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db


def test_me_tells_an_officer_their_role_and_town(api: object) -> None:
    body = api("officer.guicheng").get("/api/v1/me/").json()
    assert body["role"] == "town_officer"
    assert body["town"] == "guicheng"
    assert body["grids"] == []


def test_me_tells_a_grid_worker_the_grids_they_serve(api: object) -> None:
    body = api("grid.dali").get("/api/v1/me/").json()
    assert body["role"] == "grid_worker"
    assert len(body["grids"]) == 2
    assert {grid["town"] for grid in body["grids"]} == {"dali"}


def test_the_seven_towns_are_listed_for_everyone(api: object) -> None:
    body = api("resident.1").get("/api/v1/towns/").json()
    assert [town["code"] for town in body] == ["guicheng", "jiujiang", "xiqiao", "danzao", "shishan", "dali", "lishui"]
    assert body[0]["name"] == "桂城街道"


def test_an_officer_lists_their_towns_communities_a_page_at_a_time(api: object) -> None:
    body = api("officer.shishan").get("/api/v1/communities/").json()
    assert body["count"] == 43
    assert len(body["results"]) == 20
    assert {row["town"] for row in body["results"]} == {"shishan"}


def test_a_district_official_reads_every_town_and_filters_by_town(api: object) -> None:
    client = api("official")
    assert client.get("/api/v1/communities/").json()["count"] == 301
    only_dali = client.get("/api/v1/communities/", {"town": "dali"}).json()
    assert only_dali["count"] == 43
    assert client.get("/api/v1/grids/", {"town": "dali", "page_size": 5}).json()["count"] == 172


def test_a_district_official_cannot_change_anything(api: object) -> None:
    # District roles write nothing anywhere: refused for the role (403), before the method is looked at.
    community = CommunityFactory(town_id="dali")
    url = f"/api/v1/communities/{community.pk}/"

    with nothing_changes(rows(Community, pk=community.pk)):
        for method in ("patch", "put", "delete"):
            response = getattr(api("official"), method)(url, {"name": "x"}, format="json")
            assert response.status_code == 403, method
            assert response.json()["error"]["code"] == "permission_denied"


def test_the_areas_api_is_read_only_even_for_a_town_admin(api: object) -> None:
    # A town admin may change communities (in the back office), but this API has no such method.
    community = CommunityFactory(town_id="dali")

    with nothing_changes(rows(Community, pk=community.pk)):
        response = api("townadmin.dali").patch(f"/api/v1/communities/{community.pk}/", {"name": "x"}, format="json")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_grid_worker_sees_only_the_grids_they_serve(api: object) -> None:
    client = api("grid.dali")
    served = client.get("/api/v1/grids/").json()
    assert served["count"] == 2
    with town_context("dali"):
        other = Grid.objects.exclude(pk__in=[row["id"] for row in served["results"]]).first()
    assert client.get(f"/api/v1/grids/{other.pk}/").status_code == 404


def test_a_resident_sees_no_grids(api: object) -> None:
    assert api("resident.1").get("/api/v1/grids/").json()["count"] == 0


def test_a_malformed_id_is_a_404_not_a_500(api: object) -> None:
    response = api("officer.guicheng").get("/api/v1/communities/not-a-uuid/")
    assert response.status_code == 404


def test_the_openapi_document_and_its_docs_are_served(api: object) -> None:
    client = api("officer.guicheng")
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/communities/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower()
