"""Checking an uploaded document: size, real type from the content, images decoded."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from nanhai_portal.errors import DomainError
from residents.models import Document

DEFAULT_MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
MAX_PIXELS = 40_000_000  # a phone photo is 12-50 MP; more is a decompression bomb


class BadUpload(DomainError):
    code = "bad_upload"


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str


def check_upload(kind: str, upload: UploadedFile) -> CheckedUpload:
    """Accept a JPEG or PNG photo, or for other documents also a PDF; refuse anything else."""
    if kind not in Document.Kind.values:
        raise BadUpload(
            _("Unknown document kind %(kind)s.") % {"kind": kind}, fields={"kind": [_("Choose a document kind.")]}
        )
    limit_bytes = getattr(settings, "RESIDENTS_MAX_DOCUMENT_BYTES", DEFAULT_MAX_DOCUMENT_BYTES)
    size = upload.size or 0
    if size == 0:
        raise BadUpload(_("The file is empty."), fields={"file": [_("The file is empty.")]})
    if size > limit_bytes:
        limit = max(1, limit_bytes // (1024 * 1024))
        raise BadUpload(
            _("The file is larger than %(limit)d MB.") % {"limit": limit},
            code="file_too_large",
            fields={"file": [_("At most %(limit)d MB.") % {"limit": limit}]},
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)

    if head.startswith(b"%PDF-"):
        if kind == Document.Kind.PHOTO:
            raise BadUpload(
                _("The photo must be a JPEG or PNG image."),
                code="wrong_file_type",
                fields={"file": [_("JPEG or PNG.")]},
            )
        return CheckedUpload("application/pdf", size, digest.hexdigest())
    try:
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        with Image.open(upload) as image:
            image_format = image.format
            image.load()  # decodes every pixel: a truncated or fake image fails here
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError):
        allowed = _("JPEG or PNG.") if kind == Document.Kind.PHOTO else _("JPEG, PNG or PDF.")
        raise BadUpload(
            _("The file is not a readable image or PDF."), code="wrong_file_type", fields={"file": [allowed]}
        ) from None
    finally:
        upload.seek(0)
    if image_format not in IMAGE_TYPES:
        raise BadUpload(
            _("Only JPEG and PNG images are accepted."), code="wrong_file_type", fields={"file": [_("JPEG or PNG.")]}
        )
    return CheckedUpload(IMAGE_TYPES[image_format], size, digest.hexdigest())
