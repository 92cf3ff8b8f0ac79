"""Self sign-up: name, ID number, mobile number and password; the number confirmed by SMS.

1. ``signup_start`` checks everything, makes an inactive account and texts a six-digit
   code through the notification kernel's SMS channel (the development backend shows it).
2. ``signup_verify`` checks the code (10 minutes, 5 tries), activates the account and
   records the resident in their town.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.accounts.services import user_create
from nanhai_portal.areas.models import Community, Town
from nanhai_portal.audit.services import audit_record
from nanhai_portal.errors import DomainError
from nanhai_portal.notifications.services import notify
from nanhai_portal.pii import validate_id_number, validate_mobile
from nanhai_portal.pii.fields import lookup_index
from nanhai_portal.tenancy import town_context
from residents.models import Resident, SignupVerification
from residents.realname import verify_real_name
from residents.services import is_registered, resident_register

CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
SENDS_PER_HOUR = 5


class SignupError(DomainError):
    code = "signup_failed"


def _digest(verification_id: uuid.UUID, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{verification_id}:{code}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Started:
    verification: SignupVerification
    expires_at: Any


@transaction.atomic
def signup_start(*, name: str, id_number: str, mobile: str, password: str, town: str, community: str) -> Started:
    """Check the sign-up, make an inactive account, and text the code. Raises ValidationError."""
    errors: dict[str, list[str]] = {}
    try:
        verify_real_name(name, id_number)
        id_number = validate_id_number(id_number)
    except ValidationError as error:
        errors.update(error.message_dict if hasattr(error, "error_dict") else {"id_number": error.messages})
    try:
        mobile = validate_mobile(mobile)
    except ValidationError as error:
        errors["mobile"] = error.messages
    try:
        validate_password(password)
    except ValidationError as error:
        errors["password"] = error.messages
    if not Town.objects.filter(code=town).exists():
        errors["town"] = [_("Choose your town or street.")]
    if errors:
        raise ValidationError(errors)

    with town_context(town):
        found = Community.objects.filter(pk=community).first() if _is_uuid(community) else None
    if found is None:
        raise ValidationError({"community": [_("Choose your village or community in that town.")]})
    if is_registered(id_number):
        raise SignupError(
            _("A person with this ID number has an account already. Sign in, or ask the town service centre."),
            code="already_registered",
            fields={"id_number": [_("Already registered.")]},
        )
    holder = User.objects.filter(mobile_index=lookup_index("mobile", mobile)).first()
    if holder is not None:
        if holder.is_active or not hasattr(holder, "signup"):
            raise SignupError(
                _("This mobile number belongs to another account."),
                code="mobile_taken",
                fields={"mobile": [_("Already used.")]},
            )
        holder.delete()  # an earlier sign-up that was never confirmed
    counter = f"signup-sends:{lookup_index('mobile', mobile)}"
    cache.add(counter, 0, 3600)
    if cache.incr(counter) > SENDS_PER_HOUR:
        raise SignupError(_("Too many codes sent to this number. Try again in an hour."), code="too_many_codes")

    user = user_create(
        username=f"r{secrets.token_hex(6)}",
        password=password,
        role=Role.RESIDENT,
        town_code=town,
        name=name.strip(),
        mobile=mobile,
    )
    user.is_active = False
    user.save(update_fields=["is_active"])
    code = f"{secrets.randbelow(10**6):06d}"
    verification = SignupVerification(
        user=user,
        town_code=town,
        community_id=found.pk,
        name=name.strip(),
        id_number=id_number,
        expires_at=timezone.now() + CODE_LIFETIME,
    )
    verification.code_digest = _digest(verification.id, code)
    verification.save()
    notify(user=user, event="account.verify_mobile", context={"code": code, "minutes": 10})
    return Started(verification, verification.expires_at)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def signup_verify(*, verification_id: str, code: str) -> User:
    """Confirm the code: activate the account and record the resident in their town.

    A wrong code counts against the sign-up even though the request fails: the count is
    committed on its own before the refusal.
    """
    verification = SignupVerification.objects.filter(pk=verification_id).first() if _is_uuid(verification_id) else None
    if verification is None or verification.expires_at < timezone.now():
        raise SignupError(_("This sign-up has expired. Start again."), code="signup_expired")
    if not _code_matches(verification, str(code).strip()):
        verification.refresh_from_db()
        if verification.attempts >= MAX_ATTEMPTS:
            raise SignupError(_("Too many wrong codes. Start again."), code="too_many_attempts")
        left = MAX_ATTEMPTS - verification.attempts
        raise WrongCode(
            _("The code is not right. %(left)d tries left.") % {"left": left}, fields={"code": [_("Wrong code.")]}
        )
    return _activate(verification)


@transaction.atomic
def _code_matches(verification: SignupVerification, code: str) -> bool:
    locked = SignupVerification.objects.select_for_update().get(pk=verification.pk)
    if locked.attempts >= MAX_ATTEMPTS:
        return False
    if hmac.compare_digest(locked.code_digest, _digest(locked.id, code)):
        return True
    locked.attempts += 1
    locked.save(update_fields=["attempts"])
    return False


@transaction.atomic
def _activate(verification: SignupVerification) -> User:
    verification = SignupVerification.objects.select_for_update().select_related("user").get(pk=verification.pk)
    user = verification.user
    user.is_active = True
    user.save(update_fields=["is_active"])
    with town_context(verification.town_code):
        community = Community.objects.get(pk=verification.community_id)
        resident: Resident = resident_register(
            name=verification.name,
            id_number=verification.id_number,
            community=community,
            mobile=user.mobile,
            user=user,
            by=user,
        )
    verification.delete()
    audit_record(action="accounts.signed_up", actor=user, target=user, town=resident.town_id)
    notify(user=user, event="account.welcome", context={"name": user.name})
    return user


class WrongCode(SignupError):
    code = "wrong_code"
