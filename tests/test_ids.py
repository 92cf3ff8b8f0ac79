"""Time-ordered keys (``nanhai_portal.ids``): RFC 9562's version 7, in order of time, unique."""

from __future__ import annotations

import uuid

import time_machine

from nanhai_portal.ids import time_ordered_uuid


def test_a_key_is_a_version_7_uuid_that_starts_with_the_time_in_milliseconds() -> None:
    with time_machine.travel("2027-01-31 23:59:59.123 +0000", tick=False):
        key = time_ordered_uuid()
    assert key.version == 7 and key.variant == uuid.RFC_4122
    assert key.int >> 80 == 1_801_439_999_123  # 2027-01-31T23:59:59.123Z in Unix milliseconds


def test_keys_of_later_milliseconds_sort_after_earlier_ones_and_none_repeats() -> None:
    keys = []
    for millisecond in range(50):
        with time_machine.travel(f"2028-02-29 12:00:00.{millisecond:03d} +0000", tick=False):
            keys.extend(time_ordered_uuid() for _ in range(200))
    assert len(set(keys)) == len(keys)
    by_time = [key.int >> 80 for key in keys]
    assert by_time == sorted(by_time) and len(set(by_time)) == 50
    assert sorted(keys, key=lambda key: key.int >> 80) == keys
