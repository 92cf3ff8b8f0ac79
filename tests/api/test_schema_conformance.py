"""The API document is true: every operation, called as each role, answers as the document says.

Schemathesis reads the OpenAPI document from the application itself (``/api/schema/``) and
generates requests for every operation, valid and invalid, sent in-process through the WSGI
application with a real bearer token of a demo account. Each response is checked: no server
error, a status code the document lists for the operation, a content type it lists for that
status, and a body that matches the schema it lists. All failures of the run are collected
and reported together, one line per distinct failure, with a curl command to reproduce it.

Requests run in the test's transaction (the caller's token included), so whatever generated
data creates is rolled back, and work queued on commit (fan-outs, imports) never leaves the
test process. Generation is derandomized: every run sends the same requests.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.tokens import token_issue
from nanhai_portal.wsgi import application

pytestmark = pytest.mark.django_db

ROLES = {
    "resident": "resident.1",
    "town officer": "officer.guicheng",
    "town admin": "townadmin.guicheng",
    "district official": "official",
    "district admin": "admin",
}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 12
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
    (``documents`` for ``/applications/{id}/documents/{document_id}/``)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=headers["Authorization"])
    found: dict[str, str] = {}
    above = ""  # the path so far, up to the last parameter filled in
    for text, name in PARAMETER.findall(path):
        if not above:
            answer = client.get(text)
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


def failures_of(operation: Any, headers: dict[str, str]) -> dict[str, str]:
    """Distinct failures of one operation: ``{"check title (status)": "curl to reproduce"}``."""
    found: dict[str, str] = {}
    strategies = [operation.as_strategy(generation_mode=mode) for mode in MODES]
    if "{" in operation.path and (known := visible_object(operation.path, headers)):
        strategies.append(operation.as_strategy(path_parameters=known))
    strategy = st.one_of(*strategies)

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                key = f"{failure.title}: {failure.message.splitlines()[0] if failure.message else ''}"
                found.setdefault(key[:300], case.as_curl_command(headers=headers))

    run()
    return found


def test_every_operation_answers_as_the_document_says_for_every_role() -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/", in_test_transaction)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40, "the document lists too few operations to be the real one"
    report: list[str] = []
    started = time.monotonic()
    for role, username in ROLES.items():
        for operation in operations:
            headers = bearer(username)  # a fresh token each time: DELETE /api/auth/token/ revokes it
            for title, curl in failures_of(operation, headers).items():
                report.append(f"[{role}] {operation.label}: {title}\n    {curl}")
    elapsed = time.monotonic() - started
    print(f"{len(operations)} operations x {len(ROLES)} roles in {elapsed:.0f}s")
    assert not report, f"{len(report)} failures:\n" + "\n".join(report)
