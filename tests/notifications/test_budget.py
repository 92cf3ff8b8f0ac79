"""The daily budget per channel: what notify() may write in a day, for the whole district."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from nanhai_portal.accounts.models import User
from nanhai_portal.notifications import messages
from nanhai_portal.notifications.budget import ChannelBudgetSpent, budget_spent_today
from nanhai_portal.notifications.models import Notification, OutboxMessage
from nanhai_portal.notifications.services import notify
from tests.notifications.conftest import make_resident

pytestmark = pytest.mark.django_db
NANHAI = ZoneInfo("Asia/Shanghai")


def test_a_spent_channel_refuses_a_message_that_needs_it_and_drops_it_from_others(
    settings: Any, give_mobile: Callable[[User], str]
) -> None:
    settings.NOTIFICATION_DAILY_BUDGETS = {"sms": 2}
    person = make_resident()
    give_mobile(person)
    with time_machine.travel(datetime(2026, 5, 4, 23, 0, tzinfo=NANHAI), tick=False):
        notify(user=person, event="account.welcome", context={})
        notify(user=person, event="account.welcome", context={})
        assert budget_spent_today("sms") == 2
        # A message that may go without SMS keeps its inbox entry and loses the SMS.
        inbox_only = notify(user=person, event="account.welcome", context={})
        assert not OutboxMessage.objects.filter(notification=inbox_only).exists()
        # A code cannot go without it: refused, with nothing written.
        with pytest.raises(ChannelBudgetSpent):
            notify(user=person, event="account.verify_mobile", context={"code": "123456"})
        assert not Notification.objects.filter(event="account.verify_mobile").exists()
    # A new day (Beijing time) is a new budget.
    with time_machine.travel(datetime(2026, 5, 5, 0, 1, tzinfo=NANHAI), tick=False):
        assert OutboxMessage.objects.filter(
            notification=notify(user=person, event="account.verify_mobile", context={"code": "123456"})
        ).exists()


def test_the_sign_up_code_is_an_event_that_cannot_go_without_sms() -> None:
    assert "sms" in messages.event_named("account.verify_mobile").always
    assert "sms" in messages.event_named("account.signup_attempted").always
