"""Demo data: each app may add a ``demo.py`` that registers a seeder here.

``manage.py seed_demo`` imports every installed app's ``demo`` module and runs the
seeders in order. Seeders are idempotent, so a second run adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps

DEMO_PASSWORD = "Nanhai-2026"  # noqa: S105 - the published demo password, refused in production


@dataclass
class DemoReport:
    """What the seeders made, for the command to print."""

    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # username, role code, town
    lines: list[str] = field(default_factory=list)


Seeder = Callable[[DemoReport, str], None]
_SEEDERS: list[tuple[int, str, Seeder]] = []


def demo_seeder(order: int) -> Callable[[Seeder], Seeder]:
    """Register ``fn(report, scale)``; lower ``order`` runs first (areas before accounts)."""

    def register(fn: Seeder) -> Seeder:
        key = f"{fn.__module__}.{fn.__qualname__}"
        if all(existing != key for _order, existing, _fn in _SEEDERS):
            _SEEDERS.append((order, key, fn))
        return fn

    return register


def seeders() -> list[Seeder]:
    """The installed apps' seeders, in their order."""
    ordered = sorted(_SEEDERS, key=lambda item: (item[0], item[1]))
    return [fn for _order, _key, fn in ordered if apps.get_containing_app_config(fn.__module__) is not None]
