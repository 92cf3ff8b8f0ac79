"""Delivery channels (SMS, email, WeChat template message) and where each one reaches a user.

The in-app inbox is not a channel here: every notification is written to the inbox, and
the channels are the extra ways the same message goes out, each through an outbox row.

Addresses are read from the user at the moment they are needed and never stored in full:
the outbox keeps the user, and the development record keeps the masked address only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from nanhai_portal.pii import mask_mobile


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("email")
    WECHAT = "wechat", _("WeChat")


def address_of(user: Any, channel: str) -> str | None:
    """Where ``channel`` reaches ``user`` now, or None when the user has no such address.

    The mobile number is ``User.mobile`` (encrypted at rest) and the WeChat OpenID is
    ``User.wechat_openid``; both are read with ``getattr`` so that this works whether or not
    the account model has the field yet.
    """
    if channel == Channel.SMS:
        value = getattr(user, "mobile", None)
    elif channel == Channel.EMAIL:
        value = getattr(user, "email", None)
    elif channel == Channel.WECHAT:
        value = getattr(user, "wechat_openid", None)
    else:
        return None
    address = str(value).strip() if value else ""
    return address or None


def mask_email(value: str) -> str:
    """``zhang.san@example.com`` → ``z***@example.com``."""
    local, _at, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_address(channel: str, address: str | None) -> str:
    """What a screen or the development record may show of an address."""
    if not address:
        return ""
    if channel == Channel.SMS:
        return mask_mobile(address)
    if channel == Channel.EMAIL:
        return mask_email(address)
    return f"{address[:4]}…{address[-4:]}" if len(address) > 8 else "***"


def channels_for(user: Any, wanted: Iterable[str]) -> list[str]:
    """Of the ``wanted`` channels, those ``user`` has an address for, in a fixed order
    (SMS, email, WeChat). ``Event.wanted_channels`` says which are wanted."""
    wanted = set(wanted)
    return [channel for channel in Channel.values if channel in wanted and address_of(user, channel)]
