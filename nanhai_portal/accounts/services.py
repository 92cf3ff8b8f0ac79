"""Writes to accounts: creating users and giving them a role."""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import STAFF_SITE_ROLES, Role
from nanhai_portal.audit.services import audit_record
from nanhai_portal.pii import validate_mobile
from nanhai_portal.pii.fields import lookup_index


@transaction.atomic
def user_set_role(*, user: User, role: Role, town_code: str | None, by: User | None = None) -> User:
    """Give ``user`` one role (and so one role group) and the town that role serves in.

    A change of role or town is a permission change: it is audited.
    """
    before = {"role": user.role, "town": user.town_id} if user.pk else {"role": None, "town": None}
    user.role = role
    user.town_id = town_code
    user.is_staff = role in STAFF_SITE_ROLES
    user.full_clean(exclude=["password"])
    user.save()
    role_groups = Group.objects.filter(name__in=Role.values)
    user.groups.remove(*role_groups.exclude(name=role))
    user.groups.add(Group.objects.get(name=role))
    after = {"role": str(role), "town": town_code}
    if before != after:
        audit_record(
            action="accounts.role_changed",
            actor=by,
            target=user,
            town=town_code or before["town"],
            changes={key: [before[key], after[key]] for key in after if before[key] != after[key]},
        )
    return user


@transaction.atomic
def user_set_mobile(*, user: User, mobile: str | None, by: User | None = None) -> User:
    """Give ``user`` a mobile number (validated, encrypted, indexed), or take it away."""
    before = user.mobile_masked
    user.mobile = validate_mobile(mobile) if mobile else None
    if (
        user.mobile
        and User.objects.filter(mobile_index=lookup_index("mobile", user.mobile)).exclude(pk=user.pk).exists()
    ):
        raise ValidationError({"mobile": _("This mobile number belongs to another account.")})
    user.full_clean(exclude=["password"])
    user.save(update_fields=["mobile", "mobile_index"])
    audit_record(
        action="accounts.mobile_changed",
        actor=by or user,
        target=user,
        changes={"mobile": [before, user.mobile_masked]},
    )
    return user


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    role: Role,
    town_code: str | None = None,
    name: str = "",
    email: str = "",
    mobile: str | None = None,
    by: User | None = None,
) -> User:
    """Create an active account with ``role``. ``password=None`` leaves it unusable."""
    user = User(username=username, name=name, email=email)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user = user_set_role(user=user, role=role, town_code=town_code, by=by)
    if mobile:
        user_set_mobile(user=user, mobile=mobile, by=by)
    return user


@transaction.atomic
def user_unlock_sign_in(*, user: User, by: User) -> int:
    """Clear ``user``'s failed sign-ins from every address (django-axes), so a locked-out
    officer or resident gets back in at once; audited. Returns how many records went.

    The caller has made sure ``by`` may manage ``user`` (the back office's town scope).
    """
    cleared = axes_reset(username=user.username)
    audit_record(action="accounts.sign_in_unlocked", actor=by, target=user, changes={"attempts_cleared": cleared})
    return cleared
