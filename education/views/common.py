"""What the education pages share: how a service's refusal lands on a form and in the status."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import pgettext_lazy

from education.models import AdmissionApplication
from nanhai_portal.errors import DomainError


def error_status(error: ValidationError | DomainError) -> int:
    return error.status if isinstance(error, DomainError) else 400


def error_message(error: ValidationError | DomainError) -> str:
    return error.message if isinstance(error, DomainError) else " ".join(error.messages)


def add_service_errors(form: forms.Form, error: ValidationError | DomainError, *, aliases: dict[str, str]) -> None:
    """Put a service's refusal on ``form``: a field's messages next to it (``aliases`` maps the
    service's names to the form's: ``choices`` to the first choice, an item code to its
    quantity), the rest at the top."""
    if isinstance(error, DomainError):
        form.add_error(None, error.message)
        by_field = error.fields
    elif hasattr(error, "error_dict"):
        by_field = error.message_dict
    else:
        form.add_error(None, error.messages)
        return
    for field, messages in by_field.items():
        name = aliases.get(field, field)
        if name in form.fields and not (isinstance(error, DomainError) and name is None):
            form.add_error(name, messages)
        elif not isinstance(error, DomainError):
            form.add_error(None, messages)


# Labels the pages show where the models' words are shared with other apps' (in Chinese, the
# shared "accepted" is a residents' column and "verified" a re-check): the admission's own words.
APPLICATION_STATUS_LABELS = {"verified": pgettext_lazy("admission application", "verified")}
FACT_STATE_LABELS = {
    "claimed": pgettext_lazy("admission fact", "awaiting verification"),
    "accepted": pgettext_lazy("admission fact", "accepted"),
    "adjusted": pgettext_lazy("admission fact", "adjusted"),
    "rejected": pgettext_lazy("admission fact", "rejected"),
}


def status_label(application: AdmissionApplication) -> str:
    return str(APPLICATION_STATUS_LABELS.get(application.status, application.get_status_display()))


def with_state_labels(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``selectors.application_facts`` rows, each with its fact's state in the admission's words."""
    for row in rows:
        fact = row["fact"]
        row["state_label"] = str(FACT_STATE_LABELS.get(fact.state, fact.get_state_display()))
    return rows
