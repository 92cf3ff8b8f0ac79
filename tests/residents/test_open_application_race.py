"""One open application per kind, held by the database: ten creations at once make one.

These tests commit (``live_db``): each thread is its own connection and transaction, as
ten phones or ten retries would be. The test removes the application it made.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.tokens import token_issue
from nanhai_portal.tenancy import town_context
from residents.models import Application

RESIDENT, TOWN, KIND = "resident.1", "guicheng", Application.Kind.PERMIT_REISSUE
CALLERS = 10


@pytest.fixture
def tokens(live_db: None) -> Iterator[list[str]]:
    """Ten bearer tokens of a resident with no open reissue; their reissues removed afterwards."""
    user = User.objects.get(username=RESIDENT)
    with town_context(TOWN):
        assert not Application.objects.filter(resident__person__user=user, kind=KIND).exists()
    yield [token_issue(user=user)[0] for _caller in range(CALLERS)]
    with town_context(TOWN):
        Application.objects.filter(resident__person__user=user, kind=KIND).delete()


def test_ten_concurrent_creations_of_one_kind_make_one_application(tokens: list[str]) -> None:
    start = threading.Barrier(CALLERS)
    answers: list[Any] = [None] * CALLERS

    def create(index: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens[index]}")
        try:
            start.wait()
            answers[index] = client.post("/api/v1/applications/", {"kind": KIND}, format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(index,)) for index in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [400] * (CALLERS - 1), [answer.content for answer in answers]
    created = next(answer.json()["id"] for answer in answers if answer.status_code == 201)
    for answer in answers:
        if answer.status_code == 400:
            assert answer.json()["error"]["code"] == "already_open"
            assert answer.json()["error"]["application_id"] == created
    with town_context(TOWN):
        assert Application.objects.filter(resident__person__user__username=RESIDENT, kind=KIND).count() == 1
