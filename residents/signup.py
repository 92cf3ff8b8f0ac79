"""Self sign-up: name, ID number, mobile number and password; the number confirmed by SMS.

1. ``signup_start`` checks everything, makes an inactive account and texts a six-digit
   code through the notification kernel's SMS channel (the development backend shows it).
2. ``signup_resend`` texts a new code when the first did not come: at most every minute and
   five times per sign-up; the new code replaces the old and the 10 minutes start again.
   The 5 wrong tries are per sign-up, not per code, so a resend gives no more guesses.
3. ``signup_verify`` checks the code (10 minutes, 5 tries), activates the account and
   records the resident in their town.

The person agrees to the privacy notice (个人信息处理规则, PIPL arts. 13, 14, 29) to sign up;
the consent is recorded with the notice's version (``accounts.PrivacyConsent``) when the
account is made.

Sign-up tells a stranger nothing about who is registered (ASVS 5.0 V6.3, PIPL art. 51): a
well-formed sign-up always gets "a code has been sent" and a sign-up id, with the same work
done. When the mobile number already has an account, no account is made: the number's
holder is texted that someone tried to register it (``account.signup_attempted``), and the
sign-up id is a stand-in whose code nobody knows, so the verify step answers as for any
wrong code. An ID number already registered is told only to whoever proves the mobile
number, at the verify step, and settled at the town service centre. Limits per address, per
number and overall sit in front of this (the API's throttles, the page's same limiter), and
the SMS channel's daily budget behind it (``notifications/budget.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nanhai_portal.accounts.models import PRIVACY_NOTICE_VERSION, PrivacyConsent, User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.accounts.services import user_create
from nanhai_portal.areas.models import Community, Town
from nanhai_portal.audit.services import audit_record
from nanhai_portal.errors import DomainError
from nanhai_portal.notifications.services import notify
from nanhai_portal.pii import mask_mobile, validate_id_number, validate_mobile
from nanhai_portal.pii.fields import lookup_index
from nanhai_portal.requestid import current_client_ip
from nanhai_portal.tenancy import town_context
from nanhai_portal.throttling import hit, wait_message
from residents.models import Resident, SignupVerification
from residents.realname import verify_real_name
from residents.services import is_registered, resident_register

CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
UNCONFIRMED_KEPT = timedelta(days=1)
RESEND_AFTER = timedelta(seconds=60)
MAX_RESENDS = 5


class SignupError(DomainError):
    code = "signup_failed"


class ResendTooSoon(SignupError):
    """A new code was asked for too soon: ``wait`` seconds until the next may be sent."""

    code = "resend_too_soon"
    status = 429

    def __init__(self, message: str, *, wait: int) -> None:
        super().__init__(message)
        self.wait = wait


def _digest(verification_id: uuid.UUID, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{verification_id}:{code}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Started:
    """What every well-formed sign-up is told, whoever the person is."""

    verification: SignupVerification
    expires_at: Any
    mobile_masked: str


@transaction.atomic
def signup_start(
    *,
    name: str,
    id_number: str,
    mobile: str,
    password: str,
    town: str,
    community: str,
    consent_version: str | None,
) -> Started:
    """Check the sign-up, make an inactive account, and text the code. Raises ValidationError.

    ``consent_version`` is the version of the privacy notice the person agreed to (None when
    they did not tick the box): it must be the current one.
    """
    errors: dict[str, list[str]] = {}
    if not consent_version:
        errors["consent"] = [_("Read and agree to the rules for processing your personal information.")]
    elif consent_version != PRIVACY_NOTICE_VERSION:
        errors["consent_version"] = [
            _("The rules for processing your personal information have changed: read them again and agree.")
        ]
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

    holder = User.objects.filter(mobile_index=lookup_index("mobile", mobile)).first()
    if holder is not None and not holder.is_active and hasattr(holder, "signup"):
        holder.delete()  # an earlier sign-up that was never confirmed: this one replaces it
        holder = None
    code = f"{secrets.randbelow(10**6):06d}"
    verification = SignupVerification(
        town_code=town,
        community_id=found.pk,
        name=name.strip(),
        id_number=id_number,
        expires_at=timezone.now() + CODE_LIFETIME,
    )
    if holder is None:
        verification.user = user_create(
            username=f"r{secrets.token_hex(6)}",
            password=password,
            role=Role.RESIDENT,
            town_code=town,
            name=name.strip(),
            mobile=mobile,
        )
        verification.user.is_active = False
        verification.user.save(update_fields=["is_active"])
        _consent_record(verification.user, consent_version)
        recipient, event, context = verification.user, "account.verify_mobile", {"code": code, "minutes": 10}
    else:
        # The number has an account: a stand-in sign-up, the same hashing work, no account,
        # and the number's holder told. The code below is never sent to anyone.
        make_password(password)
        verification.name = ""
        recipient, event, context = holder, "account.signup_attempted", {}
    verification.code_digest = _digest(verification.id, code)
    verification.save()
    notify(user=recipient, event=event, context=context)
    # What a resend needs and the row does not hold (a stand-in has no account to read the
    # number from): the number's throttle key, never the number. Kept as long as the sign-up.
    cache.set(_resend_key(verification.id), {"mobile_key": lookup_index("mobile", mobile), "resends": 0}, _KEPT)
    return Started(verification, verification.expires_at, mask_mobile(mobile))


_KEPT = int(UNCONFIRMED_KEPT.total_seconds())


def _resend_key(verification_id: uuid.UUID) -> str:
    return f"signup:resend:{verification_id}"


def _consent_record(user: User, version: str | None) -> PrivacyConsent:
    """The person agreed to the notice of ``version`` now, from the request's address."""
    assert version == PRIVACY_NOTICE_VERSION  # checked with the other fields
    consent = PrivacyConsent.objects.create(
        user=user, notice_version=version, accepted_at=timezone.now(), ip_address=current_client_ip.get()
    )
    audit_record(
        action="accounts.privacy_consented",
        target=user,
        town=user.town_id,
        changes={"notice_version": version},
    )
    return consent


@dataclass(frozen=True)
class Resent:
    """What every resend is told, whoever the person is."""

    verification: SignupVerification
    expires_at: datetime
    resend_wait: int  # seconds until the next resend may be asked
    resends_left: int


def resend_wait(verification_id: str, *, now: datetime | None = None) -> int:
    """Seconds until a new code may be asked for this sign-up (0: now, or it does not exist).

    The last code went out when its 10 minutes started (``expires_at - CODE_LIFETIME``).
    """
    verification = SignupVerification.objects.filter(pk=verification_id).first() if _is_uuid(verification_id) else None
    return _wait(verification, now or timezone.now()) if verification is not None else 0


def _wait(verification: SignupVerification, now: datetime) -> int:
    sent_at = verification.expires_at - CODE_LIFETIME
    return max(0, int((sent_at + RESEND_AFTER - now).total_seconds() + 0.999))


@transaction.atomic
def signup_resend(*, verification_id: str) -> Resent:
    """Text a new code for the sign-up: the old one stops working and the 10 minutes restart.

    Refused (SignupError) when the sign-up is gone or spent its five tries, when the last code
    went out less than a minute ago (``ResendTooSoon``, with the wait), after five resends, and
    by the number's hourly limit (``signup.mobile``, shared with ``signup_start``: counted
    here because only the sign-up knows its number). A stand-in is answered the same and its
    code is replaced the same, but nobody is texted: its number's holder was told once.
    Holds the sign-up's row lock, so two resends at once send one code.
    """
    now = timezone.now()
    verification = (
        SignupVerification.objects.select_for_update().filter(pk=verification_id).first()
        if _is_uuid(verification_id)
        else None
    )
    state = cache.get(_resend_key(verification.pk)) if verification is not None else None
    if verification is None or state is None:
        raise SignupError(_("This sign-up has expired. Start again."), code="signup_expired")
    if verification.attempts >= MAX_ATTEMPTS:
        raise SignupError(_("Too many wrong codes. Start again."), code="too_many_attempts")
    wait = _wait(verification, now)
    if wait:
        raise ResendTooSoon(_("Wait %(seconds)d seconds before asking for a new code.") % {"seconds": wait}, wait=wait)
    if state["resends"] >= MAX_RESENDS:
        raise SignupError(_("No more codes can be sent for this sign-up. Start again."), code="too_many_resends")
    number_wait = hit("signup.mobile", state["mobile_key"])
    if number_wait:
        raise ResendTooSoon(wait_message(number_wait), wait=int(number_wait))
    cache.set(_resend_key(verification.pk), {**state, "resends": state["resends"] + 1}, _KEPT)
    code = f"{secrets.randbelow(10**6):06d}"
    verification.code_digest = _digest(verification.id, code)
    verification.expires_at = now + CODE_LIFETIME
    verification.save(update_fields=["code_digest", "expires_at"])
    if verification.user_id is not None:
        notify(user=verification.user, event="account.verify_mobile", context={"code": code, "minutes": 10})
    return Resent(
        verification,
        verification.expires_at,
        resend_wait=int(RESEND_AFTER.total_seconds()),
        resends_left=MAX_RESENDS - state["resends"] - 1,
    )


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
    if verification.user_id is None:  # a stand-in: unreachable without its code, refused all the same
        raise SignupError(_("This sign-up has expired. Start again."), code="signup_expired")
    if is_registered(verification.id_number):
        _drop(verification)
        raise SignupError(
            _(
                "This ID number is already registered on the portal, so no second account can be made. "
                "Bring your ID card to your town's service centre and they will settle it with you."
            ),
            code="id_number_registered",
            fields={"id_number": [_("Already registered: settle it at the town service centre.")]},
        )
    return _activate(verification)


@transaction.atomic
def _drop(verification: SignupVerification) -> None:
    """Forget a sign-up that cannot go on, and its inactive account (the number is free again)."""
    audit_record(
        action="residents.signup_id_number_registered",
        target=verification.user,
        town=verification.town_code,
        changes={"id_number": verification.id_number},
    )
    if verification.user is not None and not verification.user.is_active:
        verification.user.delete()
    verification.delete()


@transaction.atomic
def signups_purge(*, now: datetime) -> int:
    """Remove sign-ups older than a day whose code was never confirmed, with their inactive
    accounts (PIPL art. 19: kept no longer than needed). Returns how many. Safe to run twice."""
    stale = SignupVerification.objects.filter(created_at__lt=now - UNCONFIRMED_KEPT)
    users = User.objects.filter(signup__in=stale, is_active=False)
    removed = stale.count()
    users.delete()  # their sign-ups go with them
    stale.delete()  # stand-ins, which have no account
    return removed


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
    verification = (
        SignupVerification.objects.select_for_update(of=("self",)).select_related("user").get(pk=verification.pk)
    )
    user = verification.user
    assert user is not None  # signup_verify refuses a stand-in before this
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
