"""The names of audit actions (审计操作名称): what people read instead of ``auth.login``.

An action is recorded as a code (``"<area>.<verb>"``, see ``services.audit_record``); the
page and the CSV export show its name in the reader's language. Each installed app names the
codes it records, from its ``AppConfig.ready()``, as it does its role permissions::

    register_actions(self, {"libraries.loan_created": pgettext_lazy("audit action", "Lent a book")})

``details`` names the keys of ``changes`` that are not fields of the event's object (a model
field's own ``verbose_name`` is used otherwise); ``Detail(label, is_town=True)`` shows a town
code as the town's name, ``Detail(label, choices=...)`` a code as its label. A key written
``"<action code>:<key>"`` holds for that action only, before the object's field of that name. A code nobody named shows as itself; ``tests/audit`` fails when a code
the source records has no name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import AppConfig, apps

CODE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\Z")


@dataclass(frozen=True)
class Detail:
    """A key of ``changes`` that is not a model field, and how to show its value."""

    label: Any  # a (lazy) string
    is_town: bool = False  # the value is a town's code: show the town's name
    choices: tuple[tuple[str, Any], ...] = ()  # the value is one of these codes: show its label


@dataclass(frozen=True)
class _Registered:
    group: Any  # a (lazy) string: the heading of these actions in the filter
    actions: dict[str, Any]
    details: dict[str, Detail]


_ADDED: dict[str, _Registered] = {}  # app name -> what it registered


def register_actions(
    app: AppConfig,
    actions: Mapping[str, Any],
    *,
    group: Any = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Name the action codes that ``app`` records (``{code: label}``, labels lazily translated).

    ``group`` heads them in the page's action filter (the app's ``verbose_name`` if not given).
    Called once from ``ready()``; calling it again replaces what the app named. A code named by
    two apps is an error, so that one code has one name.
    """
    for code in actions:
        if not CODE.match(code):
            raise ValueError(f"{app.name}: an audit action is '<area>.<verb>', not {code!r}.")
        for other, registered in _ADDED.items():
            if other != app.name and code in registered.actions:
                raise ValueError(f"{app.name}: the audit action {code!r} is already named by {other}.")
    _ADDED[app.name] = _Registered(
        group=group if group is not None else app.verbose_name,
        actions=dict(actions),
        details={key: value if isinstance(value, Detail) else Detail(value) for key, value in (details or {}).items()},
    )


def _installed() -> list[_Registered]:
    """What each installed app registered, in ``INSTALLED_APPS`` order."""
    return [_ADDED[config.name] for config in apps.get_app_configs() if config.name in _ADDED]


def registered_actions() -> dict[str, Any]:
    """Every named code and its (lazy) label."""
    return {code: label for registered in _installed() for code, label in registered.actions.items()}


def action_label(code: str) -> str:
    """The name of ``code`` in the active language, or the code itself if nobody named it."""
    label = registered_actions().get(code)
    return str(label) if label is not None else code


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The named actions for a select, grouped (by app), each group sorted by name."""
    return [
        (
            str(registered.group),
            sorted(((code, str(label)) for code, label in registered.actions.items()), key=_by_name),
        )
        for registered in _installed()
        if registered.actions
    ]


def _by_name(choice: tuple[str, str]) -> str:
    return choice[1]


def detail(key: str) -> Detail | None:
    """How to show the ``changes`` key ``key`` when it is not a field of the event's object."""
    for registered in _installed():
        if key in registered.details:
            return registered.details[key]
    return None


def detail_for_action(key: str, action: str) -> Detail | None:
    """The detail named for ``key`` of ``action`` only, which comes before the object's field."""
    for registered in _installed():
        if f"{action}:{key}" in registered.details:
            return registered.details[f"{action}:{key}"]
    return None
