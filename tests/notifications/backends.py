"""Backends for tests: one that fails a given number of times, one that is slow."""

from __future__ import annotations

import threading
import time
from typing import ClassVar

from nanhai_portal.notifications.backends import DeliveryError, OutgoingMessage, RecordingBackend


class FlakyBackend:
    """Fails ``failures_left`` times (naming the number it was sending to), then records."""

    failures_left: ClassVar[int] = 0
    calls: ClassVar[int] = 0

    def send(self, message: OutgoingMessage) -> str:
        FlakyBackend.calls += 1
        if FlakyBackend.failures_left > 0:
            FlakyBackend.failures_left -= 1
            raise DeliveryError(f"gateway timeout while sending to {message.address}")
        return RecordingBackend().send(message)


class SlowBackend:
    """Records, after a pause long enough for a second worker to arrive meanwhile."""

    sends: ClassVar[int] = 0
    lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> str:
        with SlowBackend.lock:
            SlowBackend.sends += 1
        time.sleep(0.5)
        return RecordingBackend().send(message)
