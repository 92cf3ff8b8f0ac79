"""Writes for residents, one module per concern; import them from here.

- ``people``: a person (one per ID number in the whole district), found or made, and
  their residence registration in a town;
- ``applications``: the workflow, each transition one locked, audited, notified service;
- ``permits``: permit numbers, issue, endorsement and the nightly check.
"""

from residents.services.applications import (
    DEFAULT_DUE_DAYS,
    EDITABLE,
    FINAL,
    REVIEW_ACTIONS_FROM,
    REVIEW_PERMISSION,
    NotEligible,
    application_accept,
    application_add_document,
    application_approve,
    application_create,
    application_deliver,
    application_issue,
    application_number,
    application_precheck,
    application_reject,
    application_return,
    application_submit,
    application_update,
    applications_approve_many,
    due_days,
    expected_by,
    review_actions,
)
from residents.services.people import (
    CLAIM_SQL,
    PERSON_INSERT_SQL,
    AlreadyRegistered,
    is_registered,
    person_find_or_create,
    resident_move,
    resident_register,
)
from residents.services.permits import (
    PERMIT_VALIDITY_YEARS,
    next_permit_number,
    permit_create,
    permit_endorse,
    permit_status,
    permits_refresh_town,
)

__all__ = [
    "CLAIM_SQL",
    "DEFAULT_DUE_DAYS",
    "EDITABLE",
    "FINAL",
    "PERMIT_VALIDITY_YEARS",
    "PERSON_INSERT_SQL",
    "REVIEW_ACTIONS_FROM",
    "REVIEW_PERMISSION",
    "AlreadyRegistered",
    "NotEligible",
    "application_accept",
    "application_add_document",
    "application_approve",
    "application_create",
    "application_deliver",
    "application_issue",
    "application_number",
    "application_precheck",
    "application_reject",
    "application_return",
    "application_submit",
    "application_update",
    "applications_approve_many",
    "due_days",
    "expected_by",
    "is_registered",
    "next_permit_number",
    "permit_create",
    "permit_endorse",
    "permit_status",
    "permits_refresh_town",
    "person_find_or_create",
    "resident_move",
    "resident_register",
    "review_actions",
]
