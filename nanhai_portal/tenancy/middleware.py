"""Runs each signed-in request in its town's transaction.

Bearer tokens are authenticated by ``accounts.tokens.BearerTokenMiddleware`` before this
runs, so ``request.user`` is already the token's user here: DRF authenticating inside the
view would be too late to choose the town.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from nanhai_portal.tenancy.context import district_context, town_context
from nanhai_portal.tenancy.scope import scope_for_user


class TownMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scope = scope_for_user(request.user)
        if scope.all_towns:
            with district_context():
                return self.get_response(request)
        if scope.town is not None:
            with town_context(scope.town):
                return self.get_response(request)
        return self.get_response(request)
