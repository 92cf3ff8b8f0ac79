"""Pages of the residents journey, one module per audience (urls.py mounts them)."""

from residents.views.documents import document_page
from residents.views.officer import queue, queue_approve, review, review_action, review_reveal
from residents.views.resident import (
    application_change,
    application_detail,
    application_submit,
    application_upload,
    apply,
    document,
    my_applications,
    my_permit,
    permit_endorse,
    signup_resend,
    signup_start,
    signup_verify,
)

__all__ = [
    "application_change",
    "application_detail",
    "application_submit",
    "application_upload",
    "apply",
    "document",
    "document_page",
    "my_applications",
    "my_permit",
    "permit_endorse",
    "queue",
    "queue_approve",
    "review",
    "review_action",
    "review_reveal",
    "signup_resend",
    "signup_start",
    "signup_verify",
]
