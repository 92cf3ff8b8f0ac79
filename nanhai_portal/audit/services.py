"""Writing the audit trail. Call ``audit_record`` inside the transaction of the change."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.pii import scrub
from nanhai_portal.requestid import current_client_ip, current_request_id
from nanhai_portal.tenancy import get_current_town, town_context

_UNSET: Any = object()


def _masked(value: Any) -> Any:
    """Personal data masked wherever it hides in a JSON-able value."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {str(key): _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return scrub(str(value))


def _town_of(actor: Any, target: models.Model | None) -> str | None:
    town = get_current_town()
    if town:
        return town
    if target is not None and getattr(target, "town_id", None):
        return str(target.town_id)  # type: ignore[attr-defined]
    return getattr(actor, "town_id", None)


def _event(
    *,
    action: str,
    actor: Any = None,
    target: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    town: str | None = _UNSET,
    object_repr: str | None = None,
) -> AuditEvent:
    """The unsaved event ``audit_record`` appends (see there): the one place its fields are made."""
    if town is _UNSET:
        town = _town_of(actor, target)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent(
        town_id=town,
        actor=actor if authenticated else None,
        actor_username=getattr(actor, "username", "") if authenticated else "",
        actor_role=getattr(actor, "role", "") if authenticated else "",
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=scrub(object_repr if object_repr is not None else str(target) if target is not None else "")[:200],
        changes=_masked(changes or {}),
        ip_address=current_client_ip.get(),
        request_id=current_request_id.get() or "",
    )


def audit_record(
    *,
    action: str,
    actor: Any = None,
    target: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    town: str | None = _UNSET,
    object_repr: str | None = None,
) -> AuditEvent:
    """Append one event. ``action`` is ``"<area>.<verb>"`` (``"auth.login"``).

    ``changes`` is ``{field: [before, after]}`` or any JSON-able detail; ID numbers and mobile
    numbers in it are masked. The town defaults to the current town, then the target's, then
    the actor's; district-level events have none. Client IP and request id come from the
    request being served, if any.
    """
    event = _event(action=action, actor=actor, target=target, changes=changes, town=town, object_repr=object_repr)
    if event.town_id is not None and event.town_id != get_current_town():
        with town_context(event.town_id):  # the row-level security policy wants the event's own town
            event.save()
    else:
        event.save()
    return event


def audit_record_many(events: Iterable[Mapping[str, Any]]) -> list[AuditEvent]:
    """Append many events at once (a batch's): each mapping holds ``audit_record``'s keyword
    arguments, and gives exactly the row ``audit_record`` would; one INSERT per town, in order."""
    built = [_event(**event) for event in events]
    by_town: dict[str | None, list[AuditEvent]] = {}
    for event in built:
        by_town.setdefault(event.town_id, []).append(event)
    for town, rows in by_town.items():
        if town is not None and town != get_current_town():
            with town_context(town):  # the row-level security policy wants the events' own town
                AuditEvent.objects.bulk_create(rows)
        else:
            AuditEvent.objects.bulk_create(rows)
    return built
