"""Files a resident might upload, good and bad."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def png(name: str = "photo.png", size: tuple[int, int] = (64, 80)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 80), (20, 30, 200)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def pdf(name: str = "lease.pdf") -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def fake_png(name: str = "photo.png") -> SimpleUploadedFile:
    """PNG magic bytes, then nothing an image decoder can read."""
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"not really an image" * 20, content_type="image/png")


def truncated_png() -> SimpleUploadedFile:
    good = png().read()
    return SimpleUploadedFile("cut.png", good[: len(good) // 2], content_type="image/png")


def texted_code(**notification_filters: object) -> str:
    """The six-digit code of the latest sign-up SMS: from what the SMS channel sends, since the
    inbox keeps the message with the code masked."""
    import re

    from nanhai_portal.notifications.delivery import outgoing_message
    from nanhai_portal.notifications.models import OutboxMessage, SentMessage

    message = (
        OutboxMessage.objects.select_related("notification", "recipient")
        .filter(notification__event="account.verify_mobile", channel="sms", **notification_filters)
        .latest("created_at")
    )
    sent = SentMessage.objects.filter(outbox_id=message.pk).first()
    body = sent.body if sent is not None else outgoing_message(message).body
    return re.search(r"\d{6}", body).group(0)  # type: ignore[union-attr]


def a_new_identity(*, name: str, mobile_prefix: str, password: str) -> dict[str, str]:
    """A person nobody has registered yet: a valid, random ID number (Nanhai-born, 1970–1999)
    and mobile number, for tests that sign up through the pages."""
    import random

    from nanhai_portal.pii.validators import id_check_character

    rng = random.SystemRandom()
    first17 = f"440605{rng.randrange(1970, 2000)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}"
    return {
        "name": name,
        "id_number": first17 + id_check_character(first17),
        "mobile": f"{mobile_prefix}{rng.randrange(10**8):08d}",
        "password": password,
    }


def texted_code_to(mobile: str) -> str:
    """The code of the latest sign-up SMS to ``mobile``."""
    from nanhai_portal.pii.fields import lookup_index

    return texted_code(recipient__mobile_index=lookup_index("mobile", mobile))
