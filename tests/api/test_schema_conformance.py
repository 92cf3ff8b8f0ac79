"""The API document is true: every operation, called as each role, answers as the document says.

Schemathesis reads the OpenAPI document from the application itself (``/api/schema/``) and
generates requests for every operation, valid and invalid, sent in-process through the WSGI
application with a real bearer token of a demo account. Each response is checked: no server
error, a status code the document lists for the operation, a content type it lists for that
status, and a body that matches the schema it lists. All failures of the run are collected
and reported together, one line per distinct failure, with a curl command to reproduce it.

Each of six roles sends up to 15 cases to each of the 45 operations (positive and negative
generation, path parameters of an object the role can see, a few chosen bodies): about 660
requests a role, 4,000 in all, some 75 seconds on two cores. Each role is its own test, so a
failure names the role, and each stays well inside the 300-second timeout.

Requests run in the test's transaction (the caller's token included), so whatever generated
data creates is rolled back, and work queued on commit (fan-outs, imports) never leaves the
test process; uploads go to a temporary folder. Generation is derandomized: every run sends
the same requests.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.tokens import token_issue
from nanhai_portal.demo import DEMO_PASSWORD
from nanhai_portal.wsgi import application
from residents.services.applications import REVIEW_ACTIONS_FROM

pytestmark = pytest.mark.django_db

ROLES = {  # role: the demo account that calls as it
    "resident": "resident.1",
    "town_officer": "officer.guicheng",
    "town_admin": "townadmin.guicheng",
    "grid_worker": "grid.guicheng",
    "district_official": "official",
    "district_admin": "admin",
}
# How many operations must answer 2xx at least once to each role, so that the run cannot pass
# by being refused everywhere (measured: see the printed counts; a little below them).
MINIMUM_SUCCEEDED = {
    "resident": 20,
    "town_officer": 28,
    "town_admin": 30,
    "grid_worker": 15,
    "district_official": 20,
    "district_admin": 22,
}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 15
# Bodies that random data hardly ever hits: a success of each, so that its answer is checked
# too, and the bodies that once crashed the server (an unknown field to reveal: a 500).
CHOSEN_BODIES: dict[str, Callable[[str], list[dict[str, Any]]]] = {
    "POST /api/auth/token/": lambda username: [{"username": username, "password": DEMO_PASSWORD}],
    "POST /api/v1/pii/reveal/": lambda username: [
        {"object_type": "accounts.user", "object_id": str(User.objects.get(username="resident.1").pk), "field": field}
        for field in ("mobile", "no_such_field")
    ],
    "POST /api/v1/fanouts/": lambda username: [
        {"segment": "town_staff", "event": "broadcast.message", "context": {"title": "Test", "text": "Conformance"}}
    ],
}
PARAMETER = re.compile(r"([^{]*)\{([^}]+)\}")
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


def in_test_transaction(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The portal's WSGI application on the test's database connection, as Django's test client
    runs it: ``close_old_connections`` would close the connection, and with it the test's
    transaction, at each request's start and end."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, start_response)
        try:
            return list(response)
        finally:
            response.close()  # sends request_finished
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def bearer(username: str) -> dict[str, str]:
    token, _expires = token_issue(user=User.objects.get(username=username))
    return {"Authorization": f"Bearer {token}"}


def visible_object(path: str, headers: dict[str, str]) -> dict[str, str] | None:
    """Path parameters naming an object the caller can see, found through the API itself: the
    first row of the list route above the path (``/applications/`` for ``/applications/{id}/``),
    and for a second parameter the first item of the detail's list of that name
    (``documents`` for ``/applications/{id}/documents/{document_id}/``). A review action gets an
    application in a state it starts from (``accept``: a submitted one)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=headers["Authorization"])
    found: dict[str, str] = {}
    above = ""  # the path so far, up to the last parameter filled in
    action = path.rstrip("/").rsplit("/", 1)[-1]
    query = {"status": sorted(REVIEW_ACTIONS_FROM[action])[0]} if action in REVIEW_ACTIONS_FROM else {}
    for text, name in PARAMETER.findall(path):
        if not above:
            answer = client.get(text, query)
            rows = answer.json() if answer.status_code == 200 else []
            rows = rows.get("results", []) if isinstance(rows, dict) else rows
        else:
            answer = client.get(above + "/")
            rows = answer.json().get(text.strip("/"), []) if answer.status_code == 200 else []
        if not rows:
            return None
        found[name] = str(rows[0]["code" if name == "code" else "id"])
        above += text + found[name]
    return found


@dataclass
class Run:
    """What the run sent and found: answers by operation, distinct failures with a reproduction."""

    answers: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    failures: dict[str, str] = field(default_factory=dict)

    def exercise(self, operation: Any, role: str, username: str) -> None:
        headers = bearer(username)  # a fresh token each time: DELETE /api/auth/token/ revokes it
        strategies = [operation.as_strategy(generation_mode=mode) for mode in MODES]
        if "{" in operation.path and (known := visible_object(operation.path, headers)):
            strategies.append(operation.as_strategy(path_parameters=known))
        for body in CHOSEN_BODIES.get(operation.label, lambda username: [])(username):
            strategies.append(operation.as_strategy(body=body, media_type="application/json"))

        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,  # the same requests on every run
            database=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: failures are collected, not raised
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
        @given(case=st.one_of(*strategies))
        def send(case: Any) -> None:
            response = case.call(headers=headers)
            self.answers[operation.label][response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as group:
                curl = case.as_curl_command(headers={"Authorization": f"Bearer <token of {username}>"})
                for failure in group.exceptions:
                    first_line = (failure.message or "").strip().splitlines()[:1]
                    title = f"[{role}] {operation.label}: {failure.title}: {''.join(first_line)}"
                    self.failures.setdefault(title[:300], curl)

        send()


@pytest.fixture(scope="module")
def operations() -> list[Any]:
    """Every operation of the document the application serves (it needs no database)."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/", in_test_transaction)
    results = list(schema.get_all_operations())
    assert [result.err() for result in results if not isinstance(result, Ok)] == []
    found = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(found) >= 40, "the document lists too few operations to be the real one"
    return found


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_the_document_says(
    role: str, operations: list[Any], settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"  # uploads that generated data makes
    run = Run()
    started = time.monotonic()
    for operation in operations:
        run.exercise(operation, role, ROLES[role])
    sent = sum(sum(counts.values()) for counts in run.answers.values())
    print(f"\n{role}: {len(operations)} operations, {sent} requests in {time.monotonic() - started:.0f}s")
    for label, counts in sorted(run.answers.items()):
        print(f"  {label}: {dict(sorted(counts.items()))}")

    assert not run.failures, f"{len(run.failures)} failures:\n" + "\n".join(
        f"{title}\n    {curl}" for title, curl in run.failures.items()
    )
    answered = {label for label, counts in run.answers.items() if any(200 <= code < 300 for code in counts)}
    assert len(answered) >= MINIMUM_SUCCEEDED[role], (
        f"{role}: only {len(answered)} operations ever succeeded, the run tested mostly refusals; "
        f"never: {sorted(set(run.answers) - answered)}"
    )


def test_the_run_finds_a_status_code_the_document_does_not_list() -> None:
    """The harness itself: the same run against a document that forgets one answer fails."""
    document = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    del document["paths"]["/api/v1/towns/{code}/"]["get"]["responses"]["404"]
    schema = schemathesis.openapi.from_dict(document)
    schema.app = in_test_transaction
    operation = schema["/api/v1/towns/{code}/"]["GET"]
    run = Run()
    run.exercise(operation, "town_officer", ROLES["town_officer"])
    assert run.answers[operation.label][404] > 0
    assert any("Undocumented status code: Received: 404" in title for title in run.failures), run.failures
