"""Walk every route of the API as an officer of one town, against another town's objects.

Routes come from the OpenAPI document, so a later feature's endpoints are probed without a
line of new code here. For each route with a path parameter, the probe finds a row of the
route's model in the other town (from the demo data) and expects 404 for every method; for
each list route it expects only the caller's town in the answer.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from nanhai_portal.tenancy import district_context
from nanhai_portal.tenancy.models import TenantModel
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

CALLER, CALLER_TOWN, OTHER_TOWN = "officer.guicheng", "guicheng", "dali"
PARAMETER = re.compile(r"\{([^}]+)\}")
BODIES: dict[str, Any] = {"post": {}, "put": {}, "patch": {}}


def api_routes() -> list[tuple[str, list[str]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    routes = [
        (path, [m for m in operations if m in ("get", "post", "put", "patch", "delete")])
        for path, operations in schema["paths"].items()
    ]
    assert len(routes) >= 5, "the OpenAPI document lists too few routes to be the real one"
    return routes


def route_view(path: str) -> Any:
    """The view class behind an OpenAPI path, found by resolving it with a dummy parameter."""
    concrete = PARAMETER.sub(lambda _match: str(uuid.uuid4()), path)
    match = resolve(concrete)
    return getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)


def route_model(view: Any) -> type | None:
    model = getattr(view, "model", None) or getattr(getattr(view, "queryset", None), "model", None)
    return model if isinstance(model, type) and issubclass(model, TenantModel) else None


def other_towns_object(model: type) -> Any:
    with district_context():
        found = model.objects.for_all_towns().filter(town_id=OTHER_TOWN).first()
    assert found is not None, (
        f"No {model.__name__} of {OTHER_TOWN} to probe with: add some to the demo data (seed_demo)."
    )
    return found


def fill(path: str, value: object) -> str:
    return PARAMETER.sub(str(value), path)


def results(body: Any) -> list[dict[str, Any]]:
    return body["results"] if isinstance(body, dict) and "results" in body else body


def test_every_route_answers_404_for_another_towns_objects_and_lists_only_the_callers_town() -> None:
    client = bearer_client(CALLER)
    probed_details, probed_lists = 0, 0
    for path, methods in api_routes():
        view = route_view(path)
        model = route_model(view)
        parameters = PARAMETER.findall(path)
        if parameters:
            if model is None:
                continue  # not tenant-owned (the seven towns): public by design
            target = other_towns_object(model)
            lookup = getattr(view, "lookup_field", "pk")
            concrete = fill(path, getattr(target, lookup))
            for method in methods:
                response = getattr(client, method)(concrete, BODIES.get(method), format="json")
                assert response.status_code == 404, f"{method.upper()} {concrete} answered {response.status_code}"
                assert response.json()["error"]["code"] == "not_found"
                probed_details += 1
        elif "get" in methods and model is not None:
            response = client.get(path, {"page_size": 100})
            assert response.status_code == 200, f"GET {path} answered {response.status_code}"
            towns = {row.get("town") for row in results(response.json())}
            assert towns <= {CALLER_TOWN}, f"GET {path} showed rows of {towns - {CALLER_TOWN}}"
            # And asking for the other town by filter changes nothing.
            response = client.get(path, {"town": OTHER_TOWN})
            assert {row.get("town") for row in results(response.json())} <= {CALLER_TOWN}
            probed_lists += 1
    assert probed_details >= 2 and probed_lists >= 2


def test_the_same_object_is_found_by_an_officer_of_its_own_town() -> None:
    """The probe's 404s mean "not yours", not "broken route"."""
    client = bearer_client(f"officer.{OTHER_TOWN}")
    for path, methods in api_routes():
        view = route_view(path)
        model = route_model(view)
        if PARAMETER.search(path) and model is not None and "get" in methods:
            target = other_towns_object(model)
            concrete = fill(path, getattr(target, getattr(view, "lookup_field", "pk")))
            assert client.get(concrete).status_code == 200, concrete
