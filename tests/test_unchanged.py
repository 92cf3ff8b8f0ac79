"""The refusal helper notices a change, across towns, whatever scope the test is in."""

from __future__ import annotations

import pytest

from nanhai_portal.accounts.models import User
from nanhai_portal.tenancy import town_context
from residents import services
from residents.models import Application
from tests.factories import ApplicationFactory
from tests.unchanged import about_application, nothing_changes

pytestmark = pytest.mark.django_db


def test_a_transition_inside_the_block_fails_it() -> None:
    submitted = ApplicationFactory(town_id="dali", status=Application.Status.SUBMITTED)
    officer = User.objects.get(username="officer.dali")

    with pytest.raises(AssertionError, match="Application"), nothing_changes(*about_application(submitted)):
        with town_context("dali"):
            services.application_accept(application=submitted, by=officer)


def test_the_snapshot_reads_rows_of_every_town() -> None:
    submitted = ApplicationFactory(town_id="lishui", status=Application.Status.SUBMITTED)
    application, steps, *_rest = about_application(submitted)
    assert [row["status"] for row in application.read()] == ["submitted"]
    assert [row["status"] for row in steps.read()] == ["submitted"]
