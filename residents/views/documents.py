"""The document viewer: one uploaded document in a page, with the way back to where it was opened.

Both audiences open documents: the applicant from their application page, the town's officers
from the review page. The raw file (``views.resident.document``) stays where it is; this page
shows it (an image inline, a PDF to download: pages may not be framed) with what it is.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from residents import access

# ``?from=review``: opened from the review page (an officer may be an applicant too).
FROM_REVIEW = "review"
FILE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "application/pdf": "PDF"}


@login_required
def document_page(request: HttpRequest, pk: UUID, document_id: UUID) -> HttpResponse:
    """A document in a page, for whoever may open its file (``access.get_document_for``); 404 for
    anyone else, as for the file itself."""
    document = access.get_document_for(request.user, pk, document_id)
    application = access.get_application_for(request.user, pk)
    from_review = request.GET.get("from") == FROM_REVIEW and access.may_review(request.user, application)
    if access.is_applicant(request.user, application) and not from_review:
        back_url, back_label = reverse("residents:application", kwargs={"pk": pk}), _("Back to your application")
    else:
        back_url, back_label = reverse("residents:review", kwargs={"pk": pk}), _("Back to the review")
    extension = FILE_TYPES.get(document.content_type, "").lower()
    context = {
        "document": document,
        "application": application,
        "person": application.resident.person,
        "file_url": reverse("residents:document", kwargs={"pk": pk, "document_id": document_id}),
        "file_type": FILE_TYPES.get(document.content_type, document.content_type),
        "file_name": f"{document.kind}.{extension}" if extension else document.kind,
        "is_image": document.content_type.startswith("image/"),
        "from_review": from_review,
        "back_url": back_url,
        "back_label": back_label,
    }
    response = render(request, "residents/document.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
