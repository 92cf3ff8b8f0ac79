"""Fixtures of the notifications tests: people with addresses and preferences, clean caches."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.notifications import selectors
from nanhai_portal.notifications.models import NotificationPreference

_numbers = itertools.count(int(time.time()) % 10_000_000)


@pytest.fixture(autouse=True)
def unread_counts_of_this_test_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache namespace per test: a count cached inside a test's rolled-back transaction
    must not be read by the next test (in production the after-commit delete covers it)."""
    namespace = uuid.uuid4().hex[:8]
    real_key = selectors.unread_cache_key
    monkeypatch.setattr(selectors, "unread_cache_key", lambda user_id: f"{real_key(user_id)}:{namespace}")


def unique_mobile() -> str:
    return f"139{next(_numbers) % 100_000_000:08d}"


def _has_mobile_field() -> bool:
    return any(field.name == "mobile" for field in User._meta.concrete_fields)


@pytest.fixture
def give_mobile(monkeypatch: pytest.MonkeyPatch) -> Callable[[User], str]:
    """``give_mobile(user)``: a mobile number for ``user``, stored as the account model stores it.

    Before ``User.mobile`` existed, the number was lent through a class attribute instead.
    """
    lent: dict[int, str] = {}
    if not _has_mobile_field():
        monkeypatch.setattr(User, "mobile", property(lambda self: lent.get(self.pk)), raising=False)

    def give(user: User, number: str | None = None) -> str:
        number = number or unique_mobile()
        if _has_mobile_field():
            from nanhai_portal.accounts.services import user_set_mobile

            user_set_mobile(user=user, mobile=number)
        else:
            lent[user.pk] = number
        return number

    return give


def make_resident(town: str = "guicheng", *, email: str = "", **preferences: Any) -> User:
    """A new resident of ``town`` (no mobile number), with preferences when any are given."""
    name = f"nt-{uuid.uuid4().hex[:10]}"
    user = User.objects.create(username=name, name=name, role=Role.RESIDENT, town_id=town, email=email)
    if preferences:
        NotificationPreference.objects.create(user=user, **preferences)
    return user


@pytest.fixture
def resident(db: None) -> Callable[..., User]:
    return make_resident


def wait_for(condition: Callable[[], Any], *, timeout: float = 30, what: str = "the worker") -> Any:
    """Poll ``condition`` until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def recorded_deliveries(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Delivery tasks that would have been sent to the broker, by outbox id (nothing is sent)."""
    from nanhai_portal.notifications import tasks

    sent: list[str] = []
    monkeypatch.setattr(tasks.deliver_outbox, "delay", lambda outbox_id: sent.append(outbox_id))
    monkeypatch.setattr(tasks.deliver_outbox_batch, "delay", lambda ids: sent.extend(ids))
    yield sent
