"""What the residents pages share: constants, access helpers, how a refusal is shown."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from nanhai_portal.accounts.models import User
from nanhai_portal.errors import DomainError
from residents import selectors, services
from residents.forms import (
    DeliverForm,
    RejectForm,
    ReturnForm,
)
from residents.models import Application, Permit

Status = Application.Status
REVIEW_PERMISSION = "residents.review_application"
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


# --- Access helpers -----------------------------------------------------------------


def _signed_in(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required
    return request.user


def _own_applications(user: User) -> QuerySet[Application]:
    """The signed-in person's own applications (an officer's town's are on the queue)."""
    return selectors.applications_of(user)


def _get_own_application(request: HttpRequest, pk: UUID) -> Application:
    return get_object_or_404(_own_applications(_signed_in(request)).prefetch_related("documents", "steps"), pk=pk)


def _get_reviewed_application(request: HttpRequest, pk: UUID) -> Application:
    """One of the officer's town's applications; a draft, or another town's, is a 404."""
    return get_object_or_404(selectors.review_queue(user=request.user).prefetch_related("documents", "steps"), pk=pk)
