"""Runs each signed-in request in its town's transaction, and rolls it back on an error answer.

Bearer tokens are authenticated by ``accounts.tokens.BearerTokenMiddleware`` before this
runs, so ``request.user`` is already the token's user here: DRF authenticating inside the
view would be too late to choose the town.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from nanhai_portal.tenancy.context import district_context, town_context
from nanhai_portal.tenancy.scope import scope_for_user

View = TypeVar("View", bound=Callable[..., Any])
KEEPS_WRITES_ON_REFUSAL = "keeps_writes_on_refusal"


def keeps_writes_on_refusal(view: View) -> View:
    """Mark a view whose refusals are records that must outlive the request.

    Sign-in and sign-up count failed attempts (django-axes' lockout, the SMS code's five
    tries, the audit trail's ``auth.login_failed``) in the request that is refused. A caller
    who sends a bearer token of their own runs in a town transaction even there; rolling
    that back on the 401 would wipe the count and leave the lockout unreachable.
    """
    setattr(view, KEEPS_WRITES_ON_REFUSAL, True)
    return view


def is_error(response: HttpResponse) -> bool:
    return response.status_code >= 400


class TownMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scope = scope_for_user(request.user)
        if scope.all_towns:
            with district_context():
                return self._respond(request)
        if scope.town is not None:
            with town_context(scope.town):
                return self._respond(request)
        return self.get_response(request)

    def _respond(self, request: HttpRequest) -> HttpResponse:
        """The view's answer; an error answer (4xx, 5xx) takes back what the request wrote.

        Inside the town's atomic block, which is where the request's writes live: a view or
        service that wrote and then refused (or failed, and Django answered 500) leaves
        nothing behind. Services' own atomic blocks are savepoints below this one.
        """
        response = self.get_response(request)
        if is_error(response) and not _keeps_writes(request):
            transaction.set_rollback(True)
        return response


def _keeps_writes(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match is not None and getattr(match.func, KEEPS_WRITES_ON_REFUSAL, False))
