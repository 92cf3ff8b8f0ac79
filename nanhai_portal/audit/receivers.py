"""Sign-in events, from Django's authentication signals (its extension points)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ValidationError
from django.dispatch import receiver

from nanhai_portal.audit.services import audit_record
from nanhai_portal.pii import mask_id_number, mask_mobile, scrub, validate_id_number, validate_mobile


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(action="auth.login", actor=user, target=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action="auth.logout", actor=user, target=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # Axes locks the account; the trail keeps the attempt, in the account's town when the
    # name is an account's. Only the name typed is kept, masked if it is a mobile or ID number.
    typed = str(credentials.get("username", ""))[:150]
    account = get_user_model().objects.filter(username=typed).only("town_id").first()
    audit_record(
        action="auth.login_failed",
        changes={"username": _masked_username(typed)},
        town=getattr(account, "town_id", None),
    )


def _masked_username(typed: str) -> str:
    """A typed mobile or ID number in any form the validators accept, as screens show it."""
    try:
        return mask_mobile(validate_mobile(typed))
    except ValidationError:
        pass
    try:
        return mask_id_number(validate_id_number(typed))
    except ValidationError:
        return scrub(typed)
