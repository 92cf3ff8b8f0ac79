"""The audit trail as people read it: names instead of codes, changes as "field: old → new".

Only what the event stored is shown: values are relabelled (a status code as its label, a
boolean as 是/否, a town code as the town's name), never looked up on the live object, so
personal data stays as masked as it was when recorded (``services.audit_record``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import get_language, pgettext

from nanhai_portal.accounts.roles import Role
from nanhai_portal.areas.models import Town
from nanhai_portal.audit.actions import Detail, action_label, detail, detail_for_action
from nanhai_portal.audit.models import AuditEvent

ARROW = "→"
NOTHING = "—"


@dataclass(frozen=True)
class ChangeLine:
    """One line of an event's changes: ``label: before → after``, or ``label: value`` for a detail."""

    label: str
    value: str
    before: str | None = None  # set when the line is a change from one value to another

    @property
    def is_change(self) -> bool:
        return self.before is not None

    def __str__(self) -> str:
        if self.before is not None:
            return f"{self.label}: {self.before} {ARROW} {self.value}"
        return f"{self.label}: {self.value}"


@dataclass(frozen=True)
class ReadableEvent:
    event: AuditEvent
    action_label: str
    role_label: str
    object_type_label: str
    changes: list[ChangeLine]

    @property
    def changes_text(self) -> str:
        """The changes on one line (the CSV export)."""
        return "; ".join(str(line) for line in self.changes)


def role_label(role: str) -> str:
    """A role's display name (``accounts.roles``), or the stored text if it is no role."""
    return str(Role(role).label) if role in Role.values else role


def _model(object_type: str) -> type[models.Model] | None:
    if not object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, key: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


class Reader:
    """Makes events readable in the active language; reads the towns' names once."""

    def __init__(self) -> None:
        self._towns: dict[str, str] | None = None

    def town_name(self, code: str) -> str:
        if self._towns is None:
            english = (get_language() or "").startswith("en")
            self._towns = {
                town.code: (town.name_en if english and town.name_en else town.name) for town in Town.objects.all()
            }
        return self._towns.get(code, code)

    def read(self, event: AuditEvent) -> ReadableEvent:
        model = _model(event.object_type)
        return ReadableEvent(
            event=event,
            action_label=action_label(event.action),
            role_label=role_label(event.actor_role),
            object_type_label=str(model._meta.verbose_name) if model is not None else event.object_type,
            changes=self.change_lines(event.changes, model, action=event.action),
        )

    def read_all(self, events: Iterable[AuditEvent]) -> list[ReadableEvent]:
        return [self.read(event) for event in events]

    def change_lines(self, changes: Any, model: type[models.Model] | None, *, action: str = "") -> list[ChangeLine]:
        """``{field: [before, after]}`` as change lines; any other key as a ``label: value`` line."""
        if not isinstance(changes, dict):
            return [ChangeLine(pgettext("audit detail", "details"), self.value(changes))] if changes else []
        lines = []
        for key, stored in changes.items():
            named = detail_for_action(key, action)
            field = _field(model, key) if named is None else None
            if named is None and field is None:
                named = detail(key)
            label = str(field.verbose_name) if field is not None else str(named.label) if named else key
            if _is_pair(stored, field):
                before, after = (self.value(item, field, model, named=named) for item in stored)
                lines.append(ChangeLine(label, after, before=before))
            else:
                lines.append(ChangeLine(label, self.value(stored, field, model, named=named, key=key)))
        return lines

    def value(
        self,
        stored: Any,
        field: models.Field[Any, Any] | None = None,
        model: type[models.Model] | None = None,
        *,
        named: Detail | None = None,
        key: str = "",
    ) -> str:
        """One stored value as people read it."""
        if stored is None or stored == "" or stored == []:
            return NOTHING
        if isinstance(stored, bool):
            return pgettext("audit value", "yes") if stored else pgettext("audit value", "no")
        if isinstance(stored, list | tuple):
            separator = pgettext("audit value list separator", ", ")
            return separator.join(self.value(item, field, model, named=named) for item in stored)
        if isinstance(stored, dict):
            return "; ".join(f"{name}: {self.value(item)}" for name, item in stored.items())
        text = str(stored)
        if field is not None:
            if field.choices:
                return str(dict(field.flatchoices).get(text, text))
            if field.is_relation and field.related_model is Town:
                return self.town_name(text)
            if field.many_to_many and text in Role.values:  # a user's groups are named after the roles
                return role_label(text)
        if named is not None and named.is_town:
            return self.town_name(text)
        if named is not None and named.choices:
            return str(dict(named.choices).get(text, text))
        if key == "field" and (revealed := _field(model, text)) is not None:  # which field was revealed
            return str(revealed.verbose_name)
        return text


def _is_pair(stored: Any, field: models.Field[Any, Any] | None) -> bool:
    """``[before, after]``; for a many-valued field (a user's groups) both are lists themselves."""
    if not (isinstance(stored, list) and len(stored) == 2):
        return False
    if field is not None and field.many_to_many:
        return all(isinstance(item, list) for item in stored)
    return True


def readable(events: Iterable[AuditEvent]) -> list[ReadableEvent]:
    """``events`` with names and change lines in the active language."""
    return Reader().read_all(events)
