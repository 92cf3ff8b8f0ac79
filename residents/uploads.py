"""Checking an uploaded document: size, real type from the content, images decoded.

Pillow is asked for JPEG and PNG only (``formats=``), so no other decoder of its dozens
(GIF, BMP, TIFF, PSD, ...) ever sees a resident's bytes, whatever the file is named. An
image of more than ``RESIDENTS_MAX_IMAGE_PIXELS`` is refused from its header, before a
pixel is decoded (Pillow alone only warns up to twice its limit), and Pillow's own bomb
warning is an error. Then every pixel is decoded inside the same guard, so that a truncated
or forged image fails here and not in an officer's browser. Per application, at most
``RESIDENTS_MAX_DOCUMENTS_PER_APPLICATION`` documents of ``RESIDENTS_MAX_APPLICATION_BYTES``
in all are kept (``check_application_room``).
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, QuerySet, Sum
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from nanhai_portal.errors import DomainError
from residents.models import Application, Document

DEFAULT_MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# 8,192 x 6,144: a 50 MP phone photo (8,160 x 6,144) fits; decoded, it is 150 MB of RGB.
DEFAULT_MAX_IMAGE_PIXELS = 8192 * 6144
# Seven kinds of document, a few pages each; a resident replaces nothing, so some room to retry.
DEFAULT_MAX_DOCUMENTS_PER_APPLICATION = 20
DEFAULT_MAX_APPLICATION_BYTES = 100 * 1024 * 1024
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


def max_document_bytes() -> int:
    return int(getattr(settings, "RESIDENTS_MAX_DOCUMENT_BYTES", DEFAULT_MAX_DOCUMENT_BYTES))


def max_image_pixels() -> int:
    return int(getattr(settings, "RESIDENTS_MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS))


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
    return check_file(upload, photo=kind == Document.Kind.PHOTO)


def check_file(upload: UploadedFile, *, photo: bool) -> CheckedUpload:
    """The checks of ``check_upload`` for any app's files: a JPEG or PNG (``photo``), or also a
    PDF (a document); within the size limits, every image decoded."""
    limit_bytes = max_document_bytes()
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
        if photo:
            raise BadUpload(
                _("The photo must be a JPEG or PNG image."),
                code="wrong_file_type",
                fields={"file": [_("JPEG or PNG.")]},
            )
        return CheckedUpload("application/pdf", size, digest.hexdigest())
    image_format = _decoded_image_format(upload, photo=photo)
    return CheckedUpload(IMAGE_TYPES[image_format], size, digest.hexdigest())


def _decoded_image_format(upload: UploadedFile, *, photo: bool) -> str:
    """ "JPEG" or "PNG" once every pixel has decoded; BadUpload for anything else or too many pixels."""
    limit = max_image_pixels()
    allowed = _("JPEG or PNG.") if photo else _("JPEG, PNG or PDF.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=list(IMAGE_TYPES)) as image:
                if image.width * image.height > limit:
                    raise BadUpload(
                        _("The image has %(pixels)s megapixels; at most %(limit)s are accepted.")
                        % {"pixels": f"{image.width * image.height / 1e6:.1f}", "limit": f"{limit / 1e6:.1f}"},
                        code="image_too_large",
                        fields={"file": [_("At most %(limit)s megapixels.") % {"limit": f"{limit / 1e6:.1f}"}]},
                    )
                image_format = str(image.format)
                if image_format == "JPEG":
                    # Decode at an eighth of the size: every byte of the file is still read and
                    # checked, in a sixty-fourth of the memory.
                    image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
                image.load()  # decodes every pixel: a truncated or fake image fails here
    except (
        UnidentifiedImageError,
        OSError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        SyntaxError,
        ValueError,
    ):
        raise BadUpload(
            _("The file is not a readable image or PDF."), code="wrong_file_type", fields={"file": [allowed]}
        ) from None
    finally:
        upload.seek(0)
    return image_format


def check_application_room(*, application: Application, size: int) -> None:
    """Refuse a document that would take ``application`` past its count or total size.

    Call with the application locked, so that two uploads at once cannot both take the last room.
    """
    check_room(application.documents.all(), size=size)


def check_room(documents: QuerySet[Any], *, size: int) -> None:
    """Refuse one more file of ``size`` bytes when ``documents`` (any app's application
    documents, rows with a ``size``) would pass the count or total size an application may
    hold. Call with the holder locked."""
    count_limit = int(
        getattr(settings, "RESIDENTS_MAX_DOCUMENTS_PER_APPLICATION", DEFAULT_MAX_DOCUMENTS_PER_APPLICATION)
    )
    bytes_limit = int(getattr(settings, "RESIDENTS_MAX_APPLICATION_BYTES", DEFAULT_MAX_APPLICATION_BYTES))
    held = documents.aggregate(count=Count("pk"), total=Sum("size"))
    if held["count"] + 1 > count_limit:
        message = _("An application holds at most %(limit)d documents.") % {"limit": count_limit}
        raise BadUpload(message, code="too_many_documents", fields={"file": [message]})
    if (held["total"] or 0) + size > bytes_limit:
        message = _("The documents of an application may take at most %(limit)s in all.") % {
            "limit": filesizeformat(bytes_limit)
        }
        raise BadUpload(message, code="documents_too_large", fields={"file": [message]})
