"""What the governance pages share: how a service's refusal lands on a form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from nanhai_portal.errors import DomainError


def error_status(error: ValidationError | DomainError) -> int:
    return error.status if isinstance(error, DomainError) else 400


def add_service_errors(form: forms.Form, error: ValidationError | DomainError) -> None:
    """A service's refusal on ``form``: a field's messages next to it, the rest at the top."""
    if isinstance(error, DomainError):
        form.add_error(None, error.message)
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)
