"""Accounts: one user model for residents and staff, with a role and a town."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, AnonymousUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from nanhai_portal.accounts.roles import DISTRICT_ROLES, Role
from nanhai_portal.pii import mask_mobile, validate_mobile
from nanhai_portal.pii.fields import BlindIndexField, EncryptedField


class User(AbstractUser):
    """A person who signs in: a resident (新市民), a grid worker (网格员) or an official.

    Users are district-wide rows, read before any town is known (at sign-in), so the
    account's town is stored in ``account_town_id`` and not in a ``town_id`` column: that
    name marks the tenant-owned tables that row-level security guards.
    """

    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    name = models.CharField(_("full name"), max_length=64, blank=True)
    role = models.CharField(_("role"), max_length=24, choices=Role.choices, default=Role.RESIDENT)
    # Encrypted at rest; found by its blind index (sign-in by mobile number); shown masked.
    mobile = EncryptedField(_("mobile number"), kind="mobile", normalizer=validate_mobile, null=True, blank=True)
    mobile_index = BlindIndexField(source="mobile", unique=True)
    town = models.ForeignKey(
        "areas.Town",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_column="account_town_id",
        related_name="users",
        verbose_name=_("town"),
        help_text=_("The town an officer, town admin or grid worker serves, or where a resident lives."),
    )

    objects: ClassVar[UserManager[User]] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [("reveal_pii", _("Reveal personal data in full"))]
        constraints = [
            # Town staff have a town; district roles have none.
            models.CheckConstraint(
                name="user_town_matches_role",
                condition=(
                    models.Q(role__in=["district_admin", "district_official"], town__isnull=True)
                    | models.Q(role__in=["grid_worker", "town_officer", "town_admin"], town__isnull=False)
                    | models.Q(role="resident")
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def mobile_masked(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def is_district_level(self) -> bool:
        return self.role in DISTRICT_ROLES

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name or self.username


class AccessToken(models.Model):
    """A bearer token for the API. Only its SHA-256 digest is stored."""

    digest = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} until {self.expires_at:%Y-%m-%d %H:%M}"


# The privacy notice (个人信息处理规则) a person agrees to when signing up: its text is
# templates/accounts/privacy_notice.html; change this version and date with it.
PRIVACY_NOTICE_VERSION = "1.0"
PRIVACY_NOTICE_DATE = date(2026, 11, 30)


class PrivacyConsent(models.Model):
    """A person's consent to the processing of their personal data (PIPL arts. 13, 14, 29):
    which version of the privacy notice, when, and from which address.

    Written once when the account is made (by the sign-up service), never changed:
    a trigger refuses UPDATE; a new version of the notice means a new row. The rows go with
    their account (an unconfirmed sign-up is purged after a day, PIPL art. 19); the audit
    trail keeps that consent was given.
    """

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="privacy_consents", verbose_name=_("user"))
    notice_version = models.CharField(_("notice version"), max_length=16)
    accepted_at = models.DateTimeField(_("accepted at"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-accepted_at"]
        verbose_name = _("privacy consent")
        verbose_name_plural = _("privacy consents")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.user_id} {self.notice_version} {self.accepted_at:%Y-%m-%d %H:%M}"


# Whoever asks: a signed-in user, or nobody yet (access rules answer both; services act for a User).
Caller = User | AnonymousUser
