"""Hostile documents: decoders other than JPEG and PNG never run, a pixel bomb is refused from
its header, and an application holds a bounded number and size of documents."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import BmpImagePlugin, GifImagePlugin, Image, ImageFile, TiffImagePlugin

from residents.models import Document
from tests.residents.helpers import jpeg, pdf, png

pytestmark = pytest.mark.django_db


def documents_url(resident: Any) -> str:
    created = resident.post("/api/v1/applications/", {"kind": "permit_issue"}, format="json")
    assert created.status_code == 201, created.content
    return f"/api/v1/applications/{created.json()['id']}/documents/"


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def refused(response: Any, code: str) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["fields"]["file"]
    return dict(error)


def image_bytes(kind: str, size: tuple[int, int] = (32, 32), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, 1 if mode == "1" else (10, 200, 10)).save(buffer, kind)
    return buffer.getvalue()


def test_a_79_megapixel_png_is_refused_before_a_pixel_is_decoded(
    api: Any, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = image_bytes("PNG", (8900, 8900), mode="1")  # 79.2 MP of one colour in a few kilobytes
    assert len(bomb) < 100_000
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("the pixels were decoded"))
    url = documents_url(api("resident.1"))

    error = refused(
        api("resident.1").post(url, {"kind": "photo", "file": SimpleUploadedFile("big.png", bomb)}), "image_too_large"
    )

    assert "79.2" in error["message"]
    assert Document.objects.for_all_towns().filter(application_id=url.split("/")[4]).count() == 0
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("kind", "decoder"),
    [
        ("GIF", GifImagePlugin.GifImageFile),
        ("BMP", BmpImagePlugin.BmpImageFile),
        ("TIFF", TiffImagePlugin.TiffImageFile),
    ],
)
def test_another_image_format_named_png_never_reaches_its_decoder(
    api: Any, media: Path, monkeypatch: pytest.MonkeyPatch, kind: str, decoder: Any
) -> None:
    renamed = SimpleUploadedFile("photo.png", image_bytes(kind), content_type="image/png")
    monkeypatch.setattr(decoder, "_open", lambda self: pytest.fail(f"the {kind} decoder ran"))
    url = documents_url(api("resident.1"))

    refused(api("resident.1").post(url, {"kind": "photo", "file": renamed}), "wrong_file_type")

    assert stored_files(media) == []


def test_jpeg_and_png_within_the_limits_are_still_accepted(api: Any) -> None:
    resident = api("resident.1")
    url = documents_url(resident)

    assert resident.post(url, {"kind": "photo", "file": png(size=(2000, 1500))}).status_code == 201
    assert resident.post(url, {"kind": "lease", "file": jpeg()}).status_code == 201


def test_an_application_holds_at_most_the_document_count(api: Any, media: Path, settings: Any) -> None:
    settings.RESIDENTS_MAX_DOCUMENTS_PER_APPLICATION = 2
    resident = api("resident.1")
    url = documents_url(resident)
    for _ in range(2):
        assert resident.post(url, {"kind": "lease", "file": pdf()}).status_code == 201
    kept = stored_files(media)

    error = refused(resident.post(url, {"kind": "lease", "file": pdf()}), "too_many_documents")

    assert error["fields"]["file"] == [error["message"]]
    assert len(resident.get(url.replace("documents/", "")).json()["documents"]) == 2
    assert stored_files(media) == kept


def test_an_application_holds_at_most_the_total_size(api: Any, media: Path, settings: Any) -> None:
    one = len(pdf().read())
    settings.RESIDENTS_MAX_APPLICATION_BYTES = one * 2 + one // 2
    resident = api("resident.1")
    url = documents_url(resident)
    for _ in range(2):
        assert resident.post(url, {"kind": "lease", "file": pdf()}).status_code == 201
    kept = stored_files(media)

    refused(resident.post(url, {"kind": "lease", "file": pdf()}), "documents_too_large")

    assert len(resident.get(url.replace("documents/", "")).json()["documents"]) == 2
    assert stored_files(media) == kept


def test_a_truncated_jpeg_is_refused_although_it_is_decoded_at_an_eighth(api: Any, media: Path) -> None:
    whole = image_bytes("JPEG", (1600, 1200))
    cut = SimpleUploadedFile("cut.jpg", whole[: len(whole) // 2], content_type="image/jpeg")
    url = documents_url(api("resident.1"))

    refused(api("resident.1").post(url, {"kind": "photo", "file": cut}), "wrong_file_type")

    assert stored_files(media) == []
