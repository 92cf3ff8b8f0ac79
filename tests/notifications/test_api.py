"""The inbox and fan-out API: your own notifications only; fan-outs by permission, in your town."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.notifications import fanouts
from nanhai_portal.notifications.models import FanOut, Notification
from nanhai_portal.notifications.services import notify
from nanhai_portal.tenancy import district_context, town_context
from tests.factories import UserFactory
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db

Api = Callable[[str], APIClient]
BROADCAST: dict[str, Any] = {
    "segment": "town_residents",
    "event": "broadcast.message",
    "context": {"text": "请注意防范台风。"},
}


def grant(person: User, *codenames: str) -> None:
    person.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="notifications", codename__in=codenames)
    )


def inbox_ids(response: Any) -> set[str]:
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def alice_and_bob(user: Callable[[str], User], recorded_deliveries: list[str]) -> tuple[User, User]:
    """Two residents with two and one unread notifications of their own (and the demo's welcome)."""
    alice, bob = user("resident.1"), user("resident.2")
    for person, count in ((alice, 2), (bob, 1)):
        for n in range(count):
            notify(user=person, event="broadcast.message", context={"text": f"{person.username} #{n}"})
    return alice, bob


# --- The inbox ----------------------------------------------------------------------------


def test_the_inbox_lists_only_the_callers_notifications_newest_first(
    api: Api, alice_and_bob: tuple[User, User]
) -> None:
    alice, bob = alice_and_bob

    response = api("resident.1").get("/api/v1/notifications/")

    assert response.status_code == 200
    body = response.json()
    assert inbox_ids(response) == {
        str(pk) for pk in Notification.objects.filter(recipient=alice).values_list("pk", flat=True)
    }
    assert not inbox_ids(response) & {
        str(pk) for pk in Notification.objects.filter(recipient=bob).values_list("pk", flat=True)
    }
    assert body["results"][0]["body"] == "resident.1 #1", "newest first"
    assert set(body["results"][0]) == {"id", "event", "title", "body", "url", "read_at", "created_at"}
    assert body["unread_count"] == Notification.objects.filter(recipient=alice, read_at__isnull=True).count()


def test_another_persons_notification_is_not_found_and_stays_unread(api: Api, alice_and_bob: tuple[User, User]) -> None:
    alice, _bob = alice_and_bob
    hers = Notification.objects.filter(recipient=alice).first()
    assert hers is not None
    bob = api("resident.2")

    assert bob.get(f"/api/v1/notifications/{hers.pk}/").status_code == 404
    response = bob.post(f"/api/v1/notifications/{hers.pk}/read/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    hers.refresh_from_db()
    assert hers.read_at is None


def test_marking_one_read_lowers_the_unread_count(api: Api, alice_and_bob: tuple[User, User]) -> None:
    alice, _bob = alice_and_bob
    client = api("resident.1")
    before = client.get("/api/v1/notifications/unread-count/").json()["unread_count"]
    newest = Notification.objects.filter(recipient=alice).order_by("-created_at").first()
    assert newest is not None

    response = client.post(f"/api/v1/notifications/{newest.pk}/read/")

    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert client.get("/api/v1/notifications/unread-count/").json()["unread_count"] == before - 1
    again = client.post(f"/api/v1/notifications/{newest.pk}/read/")
    assert again.json()["read_at"] == response.json()["read_at"], "marking twice keeps the first time"


def test_mark_all_read_touches_only_the_callers_inbox(api: Api, alice_and_bob: tuple[User, User]) -> None:
    alice, bob = alice_and_bob
    alices_unread = Notification.objects.filter(recipient=alice, read_at__isnull=True).count()

    with nothing_changes(rows(Notification, recipient=bob)):
        response = api("resident.1").post("/api/v1/notifications/read-all/")

    assert response.status_code == 200
    assert response.json() == {"unread_count": 0, "marked": alices_unread}
    assert alices_unread >= 2, "the two of the fixture, at least"
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()


def test_the_inbox_needs_a_signed_in_caller(alice_and_bob: tuple[User, User]) -> None:
    response = APIClient().get("/api/v1/notifications/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


# --- Fan-outs -----------------------------------------------------------------------------


def test_an_officer_with_the_permission_starts_a_fanout_and_follows_its_progress(
    api: Api, user: Callable[[str], User], recorded_deliveries: list[str]
) -> None:
    grant(user("officer.guicheng"), "add_fanout")
    newcomers = UserFactory.create_batch(2, role=Role.RESIDENT, town_id="guicheng")
    elsewhere = UserFactory(role=Role.RESIDENT, town_id="dali")
    client = api("officer.guicheng")

    response = client.post("/api/v1/fanouts/", BROADCAST, format="json")

    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["town"], created["status"], created["percent"], created["created_by"]) == (
        "guicheng",
        "pending",
        0,
        "officer.guicheng",
    )
    with town_context("guicheng"):
        for chunk_id in fanouts.fanout_plan(fanout_id=created["id"]):
            fanouts.fanout_process_chunk(chunk_id=chunk_id)
    progress = client.get(f"/api/v1/fanouts/{created['id']}/").json()
    assert (progress["status"], progress["percent"]) == ("finished", 100)
    reached = set(Notification.objects.filter(fanout_id=created["id"]).values_list("recipient__username", flat=True))
    assert progress["total"] == progress["processed"] == len(reached)
    assert {"resident.1", "resident.2", "resident.3", *(person.username for person in newcomers)} <= reached
    assert elsewhere.username not in reached and "officer.guicheng" not in reached


def test_a_resident_may_not_start_a_fanout(api: Api) -> None:
    with nothing_changes(rows(FanOut), rows(Notification, event=BROADCAST["event"])):
        response = api("resident.1").post("/api/v1/fanouts/", BROADCAST, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_district_official_reads_every_towns_fanouts_but_starts_none(api: Api, user: Callable[[str], User]) -> None:
    official = user("official")
    grant(official, "view_fanout", "add_fanout")
    client = api("official")
    with town_context("dali"):
        dalis = FanOut.objects.first()
    assert dalis is not None

    assert client.get(f"/api/v1/fanouts/{dalis.pk}/").status_code == 200
    listed = client.get("/api/v1/fanouts/", {"page_size": 100}).json()["results"]
    with district_context():
        every = {str(pk): town for pk, town in FanOut.objects.for_all_towns().values_list("pk", "town_id")}
    assert {row["id"]: row["town"] for row in listed} == every
    assert {"dali", "guicheng"} <= set(every.values())
    with nothing_changes(rows(FanOut), rows(Notification, event=BROADCAST["event"])):
        response = client.post("/api/v1/fanouts/", BROADCAST, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_another_towns_fanout_is_not_found_even_with_the_permission(api: Api, user: Callable[[str], User]) -> None:
    grant(user("officer.guicheng"), "view_fanout", "add_fanout")
    with town_context("dali"):
        dalis = FanOut.objects.first()
    assert dalis is not None

    with nothing_changes(rows(FanOut, pk=dalis.pk)):
        response = api("officer.guicheng").get(f"/api/v1/fanouts/{dalis.pk}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_without_view_permission_staff_see_only_the_fanouts_they_started(api: Api, user: Callable[[str], User]) -> None:
    with town_context("guicheng"):
        theirs = fanouts.fanout_start(
            created_by=user("townadmin.guicheng"),
            segment="town_staff",
            event="broadcast.message",
            context={"text": "x"},
        )
    user("officer.guicheng").groups.clear()  # an officer whose role grants no view_fanout
    client = api("officer.guicheng")

    assert client.get(f"/api/v1/fanouts/{theirs.pk}/").status_code == 404
    assert str(theirs.pk) not in {row["id"] for row in client.get("/api/v1/fanouts/").json()["results"]}
    grant(user("officer.guicheng"), "view_fanout")
    assert api("officer.guicheng").get(f"/api/v1/fanouts/{theirs.pk}/").status_code == 200


def test_a_bad_fanout_request_says_which_fields_are_wrong(api: Api, user: Callable[[str], User]) -> None:
    grant(user("officer.guicheng"), "add_fanout")

    with nothing_changes(rows(FanOut)):
        response = api("officer.guicheng").post(
            "/api/v1/fanouts/", {"segment": "everyone", "event": "broadcast.message", "context": {}}, format="json"
        )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"segment", "context.text"}
