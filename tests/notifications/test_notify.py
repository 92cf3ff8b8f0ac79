"""notify(): an inbox entry and outbox rows in the caller's transaction, in the person's
language, on the channels they accept; nothing sent unless the transaction commits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import TemplateDoesNotExist, engines

from nanhai_portal.accounts.models import User
from nanhai_portal.notifications import messages
from nanhai_portal.notifications.models import Notification, OutboxMessage, SentMessage
from nanhai_portal.notifications.services import notify, preference_set
from tests.notifications.conftest import make_resident

pytestmark = pytest.mark.django_db


def channels_of(notification: Notification) -> set[str]:
    return set(OutboxMessage.objects.filter(notification=notification).values_list("channel", flat=True))


def test_a_notification_in_a_transaction_that_rolls_back_is_never_sent(
    give_mobile: Callable[[User], str],
    recorded_deliveries: list[str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Given a resident who gets SMS
    person = make_resident()
    give_mobile(person)

    # When the change that notifies them rolls back
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(user=person, event="account.welcome", context={})
            raise RuntimeError("the change failed")

    # Then nothing is left to send, nothing was recorded as sent, and nothing was enqueued
    assert not Notification.objects.filter(recipient=person).exists()
    assert not OutboxMessage.objects.filter(recipient=person).exists()
    assert not SentMessage.objects.filter(user=person).exists()
    assert callbacks == []
    assert recorded_deliveries == []


def test_a_committed_notification_is_enqueued_once_per_channel_after_the_commit(
    give_mobile: Callable[[User], str],
    recorded_deliveries: list[str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    person = make_resident(email="li.ming@example.com")
    preference_set(user=person, email=True)
    give_mobile(person)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = notify(user=person, event="account.welcome", context={"name": "李明"})
        assert recorded_deliveries == [], "nothing is enqueued before the commit"
    for callback in callbacks:
        callback()  # the commit

    outbox = OutboxMessage.objects.filter(notification=notification)
    assert sorted(recorded_deliveries) == sorted(str(pk) for pk in outbox.values_list("pk", flat=True))
    assert channels_of(notification) == {"sms", "email"}
    assert set(outbox.values_list("status", flat=True)) == {"pending"}


def test_the_message_is_in_the_persons_language() -> None:
    chinese = make_resident()
    english = make_resident(language="en")

    zh = notify(user=chinese, event="account.welcome", context={"name": "王芳"})
    en = notify(user=english, event="account.welcome", context={"name": "Wang Fang"})

    assert zh.title == "欢迎使用南海区新市民服务平台" and zh.language == "zh-hans"
    assert zh.body.startswith("王芳，您好！")
    assert en.title == "Welcome to the Nanhai new-resident portal" and en.language == "en"
    assert en.body.startswith("Hello, Wang Fang!")


def test_no_mobile_number_means_no_sms_and_an_opted_out_channel_gets_nothing(
    give_mobile: Callable[[User], str],
) -> None:
    # Given three residents who all keep the default (in-app and SMS)...
    without_number = make_resident()
    with_number = make_resident()
    give_mobile(with_number)
    opted_out = make_resident(sms=False)
    give_mobile(opted_out)

    # When each is welcomed
    people = (without_number, with_number, opted_out)
    results = {person: notify(user=person, event="account.welcome", context={}) for person in people}

    # Then every one has the message in their inbox, and only the one with a number who wants SMS gets an SMS
    assert channels_of(results[without_number]) == set()
    assert channels_of(results[with_number]) == {"sms"}
    assert channels_of(results[opted_out]) == set()
    assert Notification.objects.filter(pk__in=[n.pk for n in results.values()]).count() == 3


def test_an_event_only_goes_out_on_the_channels_it_allows(give_mobile: Callable[[User], str]) -> None:
    # jobs.import_finished is in-app and email only: no SMS for an import report
    person = make_resident(email="officer@example.com")
    preference_set(user=person, email=True)
    give_mobile(person)

    notification = notify(
        user=person,
        event="jobs.import_finished",
        context={"job_id": "0b9e", "kind": "residents", "imported": 1200, "failed": 3},
    )

    assert channels_of(notification) == {"email"}
    assert "成功 1200 行，失败 3 行" in notification.body


def test_every_registered_event_has_a_message_in_both_languages() -> None:
    engine = engines["django"].engine  # type: ignore[attr-defined]
    for event in messages.registered_events().values():
        for language in ("zh-hans", "en"):
            engine.get_template(messages.template_name(event.name, language))  # the file exists
            rendered = messages.render(event.name, event.example, language=language)
            assert rendered.subject and rendered.body, (event.name, language)


def test_messages_are_plain_text_not_html() -> None:
    rendered = messages.render("broadcast.message", {"text": "A & B <today>"}, language="en")
    assert rendered.body == "A & B <today>"
    assert rendered.subject == "Notice from your town"


def test_a_missing_detail_or_an_unknown_event_is_refused() -> None:
    person = make_resident()
    with pytest.raises(ValidationError) as missing:
        notify(user=person, event="jobs.import_finished", context={"job_id": "1"})
    assert set(missing.value.message_dict) == {"context.kind", "context.imported", "context.failed"}
    with pytest.raises(ValidationError) as unknown:
        notify(user=person, event="no.such_event", context={})
    assert "event" in unknown.value.message_dict
    assert not Notification.objects.filter(recipient=person).exists()


def test_a_target_gives_the_notification_its_link() -> None:
    person = make_resident()
    notification = notify(user=person, event="account.welcome", context={}, target=person)
    assert notification.target_type == "accounts.user"
    assert notification.target_id == str(person.pk)


def test_a_channel_an_event_always_uses_ignores_the_opt_out(give_mobile: Callable[[User], str]) -> None:
    # Given the welcome message made one that must reach people by SMS (like a sign-in code)
    original = messages.event_named("account.welcome")
    messages.register_event("account.welcome", channels=["sms", "email"], always=["sms"])
    try:
        opted_out = make_resident(sms=False)
        give_mobile(opted_out)
        without_number = make_resident(sms=False)
        # Then it reaches by SMS whoever has a number, opted out or not
        assert channels_of(notify(user=opted_out, event="account.welcome", context={})) == {"sms"}
        assert channels_of(notify(user=without_number, event="account.welcome", context={})) == set()
    finally:
        messages._EVENTS["account.welcome"] = original
    with pytest.raises(ValueError, match="always"):
        messages.register_event("test.bad", channels=["email"], always=["sms"])


def test_a_link_to_another_site_is_dropped_not_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    person = make_resident()
    monkeypatch.setattr(User, "get_absolute_url", lambda self: "//evil.example.com/", raising=False)
    notification = notify(user=person, event="account.welcome", context={}, target=person)
    assert notification.url == "" and notification.target_id == str(person.pk)
    monkeypatch.setattr(User, "get_absolute_url", lambda self: f"/people/{self.pk}/", raising=False)
    assert notify(user=person, event="account.welcome", context={}, target=person).url == f"/people/{person.pk}/"


def test_adding_an_event_is_a_registration_and_two_templates() -> None:
    event = messages.register_event("test.hello", channels=["sms"], required=["who"], example={"who": "x"})
    try:
        assert messages.event_named("test.hello") is event
        with pytest.raises(TemplateDoesNotExist, match=r"test\.hello"):
            messages.render("test.hello", {"who": "x"}, language="en")  # no template files yet
    finally:
        messages._EVENTS.pop("test.hello")
