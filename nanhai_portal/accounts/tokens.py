"""Bearer tokens for the API: issued by ``POST /api/auth/token/``, valid for 12 hours.

Why not a library token: the error must say whether a token is malformed, unknown or
expired, and the user must be known before the view runs (the town middleware needs it).
A token is 32 random bytes; only its SHA-256 digest is stored, so a database dump
yields no usable token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from nanhai_portal.accounts.models import AccessToken, User
from nanhai_portal.api.errors import error_response

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
KEYWORD = "Bearer"


class TokenError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_issue(*, user: User) -> tuple[str, datetime]:
    """Create a token for ``user``; return it (shown once) and when it expires."""
    token = secrets.token_urlsafe(32)
    expires_at = timezone.now() + settings.API_TOKEN_TTL
    AccessToken.objects.create(digest=_digest(token), user=user, expires_at=expires_at)
    AccessToken.objects.filter(user=user, expires_at__lt=timezone.now()).delete()
    return token, expires_at


def token_sign_in(*, request: HttpRequest, user: User) -> tuple[str, datetime]:
    """Sign ``user`` in through the API, as ``django.contrib.auth.login`` does for a page:
    Django's ``user_logged_in`` signal (the audit trail's ``auth.login``, ``last_login``,
    django-axes clearing the failures), then a token. ``user`` comes from ``authenticate``."""
    user_logged_in.send(sender=type(user), request=request, user=user)
    return token_issue(user=user)


def token_revoke(*, token: str) -> None:
    AccessToken.objects.filter(digest=_digest(token)).delete()


def tokens_revoke_all(*, user: User) -> int:
    """Revoke every token of ``user`` (their password changed); returns how many there were."""
    revoked, _by_model = AccessToken.objects.filter(user=user).delete()
    return revoked


def user_for_authorization(header: str) -> tuple[User, str]:
    """The user of an ``Authorization: Bearer <token>`` header, or TokenError saying why not."""
    keyword, _space, token = header.partition(" ")
    if keyword != KEYWORD or not TOKEN_PATTERN.match(token.strip()):
        raise TokenError("token_malformed", _("The Authorization header must be 'Bearer <token>'."))
    token = token.strip()
    access = AccessToken.objects.select_related("user").filter(digest=_digest(token)).first()
    if access is None:
        raise TokenError("token_invalid", _("This token is not valid. Sign in again."))
    if access.expires_at <= timezone.now():
        access.delete()
        raise TokenError("token_expired", _("This token has expired. Sign in again."))
    if not access.user.is_active:
        raise TokenError("token_invalid", _("This token is not valid. Sign in again."))
    return access.user, token


class BearerTokenMiddleware:
    """Authenticates ``Authorization: Bearer`` requests before the view, for the town middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if header:
            try:
                request.user, request.auth = user_for_authorization(header)  # type: ignore[attr-defined]
            except TokenError as error:
                response = error_response(401, error.code, error.message)
                response["WWW-Authenticate"] = f'{KEYWORD} realm="api"'
                return response
        return self.get_response(request)


class BearerTokenAuthentication(BaseAuthentication):
    """DRF's side: hands over what BearerTokenMiddleware found."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        token = getattr(request._request, "auth", None)
        if token is None:
            return None
        return request._request.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'
