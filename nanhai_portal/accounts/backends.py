"""Sign-in by mobile number, through the blind index (the number itself is never queried)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from nanhai_portal.accounts.models import User
from nanhai_portal.pii import validate_id_number, validate_mobile
from nanhai_portal.pii.fields import lookup_index


def user_by_mobile(typed: str) -> User | None:
    try:
        mobile = validate_mobile(typed)
    except ValidationError:
        return None
    return User.objects.filter(mobile_index=lookup_index("mobile", mobile)).first()


class MobileNumberBackend(ModelBackend):
    """Accepts a mainland mobile number where the form asks for a username."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or password is None:
            return None
        user = user_by_mobile(username)
        if user is None:
            User().set_password(password)  # the same work as a wrong password, so timing tells nothing
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def canonical_username(request: HttpRequest, credentials: dict[str, Any]) -> str:
    """django-axes counts failures per account: a mobile number counts as its account's username.

    What axes stores (its attempt and failure tables keep this value) must not be personal data
    in clear: a mobile or ID number that is no account's is kept as its blind index, which
    still counts repeated tries of one number together.
    """
    typed = str(credentials.get("username", ""))
    user = user_by_mobile(typed) if typed else None
    if user is not None:
        return user.username
    for kind, validate in (("mobile", validate_mobile), ("id_number", validate_id_number)):
        try:
            return f"{kind}#{lookup_index(kind, validate(typed))[:24]}"
        except ValidationError:
            continue
    return typed
