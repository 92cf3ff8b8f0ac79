"""200 concurrent acceptances for a school with 50 places leave at most 50 accepted.

Fifty families are offered the school's fifty places; each taps accept four times at once (a
double tap, a retry, two phones): two hundred calls on forty threads, each its own connection
and transaction. These tests commit (``live_db``) and remove the rows they made.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from education.models import AdmissionApplication, AdmissionRound, Allocation, Choice, Offer, RoundSchool, School
from education.services import allocation as allocation_services
from education.services import offers as services
from nanhai_portal.errors import InvalidTransition
from nanhai_portal.notifications.models import Notification, OutboxMessage
from nanhai_portal.tenancy import town_context
from tests.education.allocation_world import verified
from tests.education.factories import AT, guardian_in, round_in, school_in

TOWN = "lishui"
FAMILIES, TAPS, THREADS = 50, 4, 40


@pytest.fixture
def offered(live_db: None) -> Iterator[tuple[RoundSchool, list[tuple[Offer, Any]]]]:
    """A committed round of ``TOWN`` allocated: one school of 50 places, 50 families offered."""
    round_ = round_in(TOWN, phase=AdmissionRound.Phase.ALLOCATION)
    school = school_in(round_, places=FAMILIES)
    guardians = [guardian_in(TOWN) for _ in range(FAMILIES)]
    for number, guardian in enumerate(guardians):
        verified(round_, [school], str(100 + number), guardian=guardian)
    with town_context(TOWN):
        # Written directly rather than started: no task is sent to a queue that outlives the test.
        allocation = Allocation.objects.create(
            town_id=TOWN, round=round_, stage=1, seed=round_.seed, scheme_label=round_.scheme.label
        )
        allocation = allocation_services.allocation_run(allocation.pk)
        assert allocation.state == Allocation.State.DONE and allocation.placed == FAMILIES
        offers = list(Offer.objects.filter(allocation=allocation).select_related("application__guardian__person__user"))
    yield school, [(offer, offer.application.guardian.person.user) for offer in offers]
    users = [guardian.person.user for guardian in guardians]
    OutboxMessage.objects.filter(recipient__in=users).delete()
    Notification.objects.filter(recipient__in=users).delete()
    with town_context(TOWN):
        Offer.objects.filter(allocation=allocation).delete()
        Allocation.objects.filter(pk=allocation.pk).delete()
        Choice.objects.filter(application__round=round_).delete()
        AdmissionApplication.objects.filter(round=round_).delete()
        RoundSchool.objects.filter(round=round_).delete()
        School.objects.filter(pk=school.school_id).delete()
        AdmissionRound.objects.filter(pk=round_.pk).delete()


def test_two_hundred_concurrent_acceptances_for_fifty_places_accept_fifty(
    offered: tuple[RoundSchool, list[tuple[Offer, Any]]],
) -> None:
    school, offers = offered
    taps = [pair for pair in offers for _tap in range(TAPS)]
    random.Random(7).shuffle(taps)
    start = threading.Barrier(THREADS)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    now = AT + timedelta(days=41)

    def tap(index: int) -> None:
        try:
            start.wait(timeout=30)
            for offer, user in taps[index::THREADS]:
                try:
                    with town_context(TOWN):
                        services.offer_accept(by=user, offer=offer, now=now)
                    outcome = "accepted"
                except InvalidTransition as refusal:
                    outcome = refusal.code
                except Exception as error:  # noqa: BLE001 - anything else fails the test, with its name
                    outcome = f"{type(error).__name__}: {error}"
                with lock:
                    outcomes[outcome] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=tap, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert outcomes == {"accepted": FAMILIES, "invalid_transition": FAMILIES * (TAPS - 1)}, outcomes
    with town_context(TOWN):
        row = RoundSchool.objects.get(pk=school.pk)
        assert (row.places, row.held, row.accepted) == (FAMILIES, FAMILIES, FAMILIES)
        assert Offer.objects.filter(round_school=school, state=Offer.State.ACCEPTED).count() == FAMILIES
