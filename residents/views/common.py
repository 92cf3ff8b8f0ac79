"""What the residents pages share: constants, the signed-in person, how a refusal is shown."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from nanhai_portal.accounts.models import User
from nanhai_portal.errors import DomainError
from residents import access, services
from residents.forms import (
    DeliverForm,
    RejectForm,
    ReturnForm,
)
from residents.models import Application, Permit

Status = Application.Status
REVIEW_PERMISSION = access.REVIEW_PERMISSION
QUEUE_PAGE_SIZE = 25
APPLICATIONS_PAGE_SIZE = 25
ENDORSABLE = (Permit.Status.ENDORSEMENT_DUE, Permit.Status.SUSPENDED)
REVIEW_FORMS: dict[str, type[ReturnForm | RejectForm | DeliverForm]] = {
    "return": ReturnForm,
    "reject": RejectForm,
    "deliver": DeliverForm,
}
REVIEW_SERVICES: dict[str, Callable[..., Application]] = {
    "accept": services.application_accept,
    "return": services.application_return,
    "approve": services.application_approve,
    "reject": services.application_reject,
    "issue": services.application_issue,
    "deliver": services.application_deliver,
}


def _error_status(error: ValidationError | DomainError) -> int:
    return error.status if isinstance(error, DomainError) else 400


def _error_message(error: ValidationError | DomainError) -> str:
    return error.message if isinstance(error, DomainError) else " ".join(error.messages)


# --- The signed-in person (who may see what is ``residents.access``) ----------------


def _signed_in(request: HttpRequest) -> User:
    return access.acting_user(request.user)  # behind login_required: always a user here
