"""Celery tasks that carry their town (see nanhai_portal.celery for the app)."""

from __future__ import annotations

from typing import Any

from celery import Task
from django.db import transaction

from nanhai_portal.tenancy.context import get_current_town, town_context


class TenantTask(Task):
    """A task that runs inside ``town_context(town)``.

    Every call names its town as the keyword argument ``town``; the worker enters that
    town before the task touches data. Enqueue with ``enqueue_on_commit`` so that the task
    never runs before the transaction that asked for it has committed.
    """

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        town = kwargs.get("town")
        if not town:
            raise ValueError(f"{self.name} needs the keyword argument town.")
        with town_context(town):
            return super().__call__(*args, **kwargs)

    def apply_async(self, args: Any = None, kwargs: Any = None, **options: Any) -> Any:  # type: ignore[override]
        kwargs = dict(kwargs or {})
        kwargs.setdefault("town", get_current_town())
        if not kwargs["town"]:
            raise ValueError(f"{self.name} must be enqueued for a town (town=...).")
        return super().apply_async(args, kwargs, **options)


def enqueue_on_commit(task: Task, **kwargs: Any) -> None:
    """Send ``task`` with ``kwargs`` once the current transaction commits (now, outside one)."""
    kwargs.setdefault("town", get_current_town())
    transaction.on_commit(lambda: task.apply_async(kwargs=kwargs))


def enqueue_in_each_town(task: Task) -> list[str]:
    """Enqueue ``task`` once per town (``town=`` its code), for a beat task that runs town by
    town side by side on the workers; the towns, in order."""
    from nanhai_portal.areas.selectors import town_list

    towns = list(town_list().values_list("code", flat=True))
    for town in towns:
        task.apply_async(kwargs={"town": town})
    return towns
