"""Refusals change nothing: snapshot the rows a request could touch, then compare.

    with nothing_changes(*about_application(application)):
        response = stranger.post(url + "accept/")
    assert response.status_code == 404

Rows are read across every town (``district_context``), whatever the caller's scope, so a
snapshot cannot come out empty because of the town it was taken in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.notifications.models import Notification
from nanhai_portal.tenancy import district_context
from residents.models import Application, ApplicationStep, Document, Permit


@dataclass(frozen=True)
class Rows:
    """The rows of ``model`` that match ``filters``: what a snapshot reads."""

    model: type[models.Model]
    filters: dict[str, Any] = field(default_factory=dict)

    def read(self) -> list[dict[str, Any]]:
        manager: Any = self.model._default_manager
        with district_context():
            queryset = manager.for_all_towns() if hasattr(manager, "for_all_towns") else manager.all()
            return list(queryset.filter(**self.filters).order_by("pk").values())

    def __str__(self) -> str:
        return f"{self.model.__name__}({self.filters})"


def rows(model: type[models.Model], **filters: Any) -> Rows:
    return Rows(model, filters)


@contextmanager
def nothing_changes(*watched: Rows) -> Iterator[None]:
    """Fails if any of the ``watched`` rows were added, removed or changed inside the block."""
    before = [item.read() for item in watched]
    yield
    for item, rows_before in zip(watched, before, strict=True):
        assert item.read() == rows_before, f"{item} changed"


def about_application(application: Application | str) -> list[Rows]:
    """Everything a workflow action writes: the application, its timeline, documents, permits,
    the audit trail and every notification of its town's people."""
    pk = str(getattr(application, "pk", application))
    return [
        rows(Application, pk=pk),
        rows(ApplicationStep, application_id=pk),
        rows(Document, application_id=pk),
        rows(AuditEvent, object_id=pk),
        rows(Permit),
        rows(Notification, target_id=pk),
    ]
