"""Walk every route of the API as staff of one town, against another town's objects.

Routes come from the OpenAPI document, so a later feature's endpoints are probed without a
line of new code here. For each route with a path parameter whose view serves a town-owned
model (a ``town`` foreign key in column ``town_id``), the probe finds a row of that model in
the other town (from the demo data) and expects 404 for every method. A 403 is accepted only
where the caller's role is refused the same route for its own town's object too (a refusal
that says nothing about the other town). Every such route must answer 404 to at least one of
the callers, so the probe cannot pass by being refused everywhere. For each list route, the
answer holds only the caller's town, even when asked for the other town by filter.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.db import models
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from nanhai_portal.tenancy import district_context
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

CALLERS = ("officer.guicheng", "townadmin.guicheng")
CALLER_TOWN, OTHER_TOWN = "guicheng", "dali"
PARAMETER = re.compile(r"\{([^}]+)\}")
BODIES: dict[str, Any] = {"post": {}, "put": {}, "patch": {}}


def api_routes() -> list[tuple[str, list[str]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    routes = [
        (path, [method for method in operations if method in ("get", "post", "put", "patch", "delete")])
        for path, operations in schema["paths"].items()
    ]
    assert len(routes) >= 5, "the OpenAPI document lists too few routes to be the real one"
    return routes


def route_view(path: str) -> Any:
    """The view class behind an OpenAPI path, found by resolving it with a dummy parameter."""
    match = resolve(fill(path, uuid.uuid4()))
    return getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)


def town_owned(model: Any) -> bool:
    if not (isinstance(model, type) and issubclass(model, models.Model)):
        return False
    field = next((f for f in model._meta.concrete_fields if f.name == "town"), None)
    return field is not None and field.column == "town_id"


def route_model(view: Any) -> type | None:
    model = getattr(view, "model", None) or getattr(getattr(view, "queryset", None), "model", None)
    return model if town_owned(model) else None


def object_of(model: Any, town: str) -> Any:
    with district_context():
        found = model.objects.for_all_towns().filter(town_id=town).first()
    assert found is not None, f"No {model.__name__} of {town} to probe with: add some to the demo data (seed_demo)."
    return found


def fill(path: str, value: object) -> str:
    return PARAMETER.sub(str(value), path)


def results(body: Any) -> list[dict[str, Any]]:
    return body["results"] if isinstance(body, dict) and "results" in body else body


def call(client: Any, method: str, path: str) -> Any:
    return getattr(client, method)(path, BODIES.get(method), format="json")


def test_every_route_hides_another_towns_objects_and_lists_only_the_callers_town() -> None:
    clients = {username: bearer_client(username) for username in CALLERS}
    probed_details, probed_lists = 0, 0
    for path, methods in api_routes():
        view = route_view(path)
        model = route_model(view)
        if model is None:
            continue  # not town-owned (the seven towns, the caller's own inbox): covered by their own tests
        lookup = getattr(view, "lookup_field", "pk")
        if PARAMETER.search(path):
            theirs = fill(path, getattr(object_of(model, OTHER_TOWN), lookup))
            ours = fill(path, getattr(object_of(model, CALLER_TOWN), lookup))
            for method in methods:
                answers = {}
                for username, client in clients.items():
                    response = call(client, method, theirs)
                    answers[username] = response.status_code
                    if response.status_code == 403:
                        own = call(client, method, ours).status_code
                        assert own == 403, f"{username}: {method.upper()} {theirs} is 403 but their own town's is {own}"
                    else:
                        assert response.status_code == 404, (
                            f"{username}: {method.upper()} {theirs} → {response.status_code}"
                        )
                        assert response.json()["error"]["code"] == "not_found"
                assert 404 in answers.values(), f"{method.upper()} {path}: every caller was refused, nothing probed"
                probed_details += 1
        elif "get" in methods:
            for username, client in clients.items():
                for query in ({"page_size": 100}, {"town": OTHER_TOWN}):
                    response = client.get(path, query)
                    if response.status_code == 403:
                        continue
                    assert response.status_code == 200, f"{username}: GET {path} → {response.status_code}"
                    towns = {row.get("town") for row in results(response.json())}
                    assert towns <= {CALLER_TOWN}, f"{username}: GET {path}?{query} showed {towns - {CALLER_TOWN}}"
            probed_lists += 1
    assert probed_details >= 3 and probed_lists >= 3


def test_the_same_objects_are_found_by_staff_of_their_own_town() -> None:
    """The probe's 404s mean "not yours", not "broken route"."""
    clients = [bearer_client(username.replace(CALLER_TOWN, OTHER_TOWN)) for username in CALLERS]
    found = 0
    for path, methods in api_routes():
        view = route_view(path)
        model = route_model(view)
        if len(PARAMETER.findall(path)) == 1 and model is not None and "get" in methods:
            target = fill(path, getattr(object_of(model, OTHER_TOWN), getattr(view, "lookup_field", "pk")))
            assert 200 in {client.get(target).status_code for client in clients}, target
            found += 1
    assert found >= 3, "too few detail routes to show the probe's 404s mean anything"
