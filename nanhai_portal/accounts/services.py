"""Writes to accounts: creating users and giving them a role."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import STAFF_SITE_ROLES, Role


@transaction.atomic
def user_set_role(*, user: User, role: Role, town_code: str | None) -> User:
    """Give ``user`` one role (and so one role group) and the town that role serves in."""
    user.role = role
    user.town_id = town_code
    user.is_staff = role in STAFF_SITE_ROLES
    user.full_clean(exclude=["password"])
    user.save()
    role_groups = Group.objects.filter(name__in=Role.values)
    user.groups.remove(*role_groups.exclude(name=role))
    user.groups.add(Group.objects.get(name=role))
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
) -> User:
    """Create an active account with ``role``. ``password=None`` leaves it unusable."""
    user = User(username=username, name=name, email=email)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    return user_set_role(user=user, role=role, town_code=town_code)
