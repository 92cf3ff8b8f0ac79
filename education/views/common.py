"""What the education pages share: how a service's refusal lands on a form and in the status."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

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
