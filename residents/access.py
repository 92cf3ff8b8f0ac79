"""Who may see and do what in residents: people, registrations, applications, documents, permits.

The one place these rules are written. The API, the pages, the file downloads and the
services all ask here, so that a page and the API cannot answer differently for the same
person and object:

- ``*_visible_to(user)``: the rows ``user`` may see at all, built on the scoped manager (the
  current town, or every town in a district scope). Anything else is a 404, the same answer
  as for an object that does not exist.
- ``get_application_for(user, pk, action=...)`` / ``get_document_for(...)``: one object, a
  404 when it is not visible, a ``PermissionDenied`` (403) only when it is visible but the
  action is not the user's to take.

Who sees what:
- a person (``Person``, district-wide, no town) only through a town-scoped record about them
  that the caller may see: today their residence registration (``people_visible_to``); a
  later app adds its own records (a landlord's, a school application's) to that function;
- the applicant: their own applications in every state, with their documents and permits;
- a town's reviewers (officers and town admins, ``residents.review_application``): their
  town's applications once submitted (a draft is the resident's own business), with the
  documents, and the town's permits and residents;
- district roles: every town's submitted applications and permits, read-only; not the
  documents (whole ID cards and leases are for the reviewing town only);
- anyone else (grid workers, other residents, another town's staff): nothing.

Which action is allowed from which *state* stays with the services (``REVIEW_ACTIONS_FROM``).
"""

from __future__ import annotations

from typing import Any, TypeGuard
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from nanhai_portal.accounts.models import Caller, User
from nanhai_portal.pii.services import REVEAL_PERMISSION
from nanhai_portal.tenancy import is_district_scope
from residents.models import Application, Document, Permit, Person, Resident

REVIEW_PERMISSION = "residents.review_application"
Status = Application.Status

# Actions on one application (the ``action=`` of ``get_application_for``).
VIEW = "view"  # read it: the API's detail, its pre-check
APPLY = "apply"  # the applicant's own page and their changes: edit, upload, submit
REVIEW = "review"  # the review page and the officer's actions: accept ... deliver, reveal


def _signed_in(user: Caller) -> TypeGuard[User]:
    return isinstance(user, User) and user.is_authenticated


def acting_user(user: Caller) -> User:
    """The signed-in user a service acts for; nobody signed in may not act (PermissionDenied).

    Pages and API views are behind sign-in already: this types the actor, and says no again."""
    if not _signed_in(user):
        raise PermissionDenied(_("Sign in first."))
    return user


# --- Roles --------------------------------------------------------------------------


def is_reviewer(user: Caller) -> bool:
    """A town's officer or admin: works the town's queue (district roles read, never review)."""
    return _signed_in(user) and user.has_perm(REVIEW_PERMISSION)


def reads_town_records(user: Caller) -> bool:
    """Reviewers read their town's records; district roles every town's (read-only)."""
    return is_reviewer(user) or (_signed_in(user) and is_district_scope())


def is_applicant(user: Caller, application: Application) -> bool:
    """``user`` is the person the application is for (their registration's person signs in as them)."""
    user_id = application.resident.person.user_id
    return user_id is not None and user_id == getattr(user, "pk", None)


def may_review(user: Caller, application: Application) -> bool:
    """``user`` may review ``application`` (it is visible to them): a reviewer, and not a draft."""
    return is_reviewer(user) and application.status != Status.DRAFT


def may_decide(user: Caller, application: Application) -> bool:
    """``user`` may take the officer's actions on ``application``: a reviewer, and never the
    applicant (a conflict of interest: another officer decides it)."""
    return may_review(user, application) and not is_applicant(user, application)


def may_reveal(user: Caller, application: Application) -> bool:
    """``user`` may reveal the applicant's full ID or mobile number on the review page."""
    return may_review(user, application) and user.has_perm(REVEAL_PERMISSION)


_MAY: dict[str, Any] = {
    VIEW: lambda user, application: True,
    APPLY: is_applicant,
    REVIEW: may_review,
}
_REFUSALS = {
    APPLY: _("Only the applicant may do this."),
    REVIEW: _("Only the town's officers may do this."),
}


def require_reviewer(user: Caller) -> None:
    """Raise ``PermissionDenied`` unless ``user`` reviews applications (for pages and calls
    about many applications at once: the queue, bulk approval)."""
    if not is_reviewer(user):
        raise PermissionDenied(str(_REFUSALS[REVIEW]))


def require(user: Caller, action: str, application: Application) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may take ``action`` on a visible ``application``."""
    if not _MAY[action](user, application):
        raise PermissionDenied(str(_REFUSALS[action]))


# --- People -------------------------------------------------------------------------


def resident_of(user: Caller) -> Resident | None:
    """The signed-in person's current registration in their (the current) town, or None."""
    if not _signed_in(user):
        return None
    return Resident.objects.select_related("person").filter(person__user=user, moved_out_on=None).first()


def residents_visible_to(user: Caller) -> QuerySet[Resident]:
    """Registrations ``user`` may see: their own; a reviewer's or district role's town(s)'."""
    residents = Resident.objects.in_current_scope()
    if not _signed_in(user):
        return residents.none()
    return residents if reads_town_records(user) else residents.filter(person__user=user)


def people_visible_to(user: Caller) -> QuerySet[Person]:
    """The people ``user`` may see: only through a town-scoped record about them that ``user``
    sees (a registration, for now). Never ``Person.objects.all()``: a person has no town, so no
    row-level security stands behind this rule; it is the one fence."""
    return Person.objects.filter(pk__in=residents_visible_to(user).values("person_id"))


# --- Applications -------------------------------------------------------------------


def _applications() -> QuerySet[Application]:
    # The person's numbers are not decrypted for a list that shows only the name.
    return (
        Application.objects.in_current_scope()
        .select_related("resident__person", "permit")
        .defer("resident__person__id_number", "resident__person__mobile")
    )


def own_applications(user: Caller) -> QuerySet[Application]:
    """The person's own applications, in every state, whatever their role."""
    if not _signed_in(user):
        return _applications().none()
    return _applications().filter(resident__person__user=user)


def applications_in_review(user: Caller) -> QuerySet[Application]:
    """The submitted (not draft) applications ``user`` may see: the reviewer's town's, every
    town's for district roles, a resident's own. The base of the queue."""
    if reads_town_records(user):
        return _applications().exclude(status=Status.DRAFT)
    return own_applications(user).exclude(status=Status.DRAFT)


def applications_visible_to(user: Caller) -> QuerySet[Application]:
    """Every application ``user`` may see: their own (drafts too) and, for reviewers and
    district roles, the submitted ones of their town(s)."""
    if not _signed_in(user):
        return _applications().none()
    own = Q(resident__person__user=user)
    if reads_town_records(user):
        return _applications().filter(own | ~Q(status=Status.DRAFT))
    return _applications().filter(own)


def get_application_for(user: Caller, pk: UUID | str, *, action: str = VIEW) -> Application:
    """The application ``pk`` for ``action``: Http404 when ``user`` may not see it (or it is
    not there), PermissionDenied when they see it but ``action`` is not theirs to take."""
    try:
        application = applications_visible_to(user).prefetch_related("documents", "steps__actor").get(pk=pk)
    except (Application.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    require(user, action, application)
    return application


# --- Documents ----------------------------------------------------------------------


def documents_visible_to(user: Caller) -> QuerySet[Document]:
    """The documents ``user`` may open: those of their own applications and, for a town's
    reviewers, those of the town's submitted applications. District roles open none."""
    documents = Document.objects.in_current_scope().select_related("application")
    if not _signed_in(user):
        return documents.none()
    own = Q(application__resident__person__user=user)
    if is_reviewer(user):
        return documents.filter(own | ~Q(application__status=Status.DRAFT))
    return documents.filter(own)


def get_document_for(user: Caller, application_pk: UUID | str, document_pk: UUID | str) -> Document:
    """A document of application ``application_pk`` that ``user`` may open, or Http404."""
    application = get_application_for(user, application_pk, action=VIEW)
    try:
        return documents_visible_to(user).get(pk=document_pk, application_id=application.pk)
    except (Document.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


# --- Permits ------------------------------------------------------------------------


def permits_visible_to(user: Caller) -> QuerySet[Permit]:
    """Permits ``user`` may see: their own; a reviewer's town's; every town's for district roles."""
    permits = Permit.objects.in_current_scope().select_related("resident__person")
    if not _signed_in(user):
        return permits.none()
    return permits if reads_town_records(user) else permits.filter(resident__person__user=user)


def own_permits(user: Caller) -> QuerySet[Permit]:
    """The person's own permits, newest first."""
    if not _signed_in(user):
        return Permit.objects.none()
    return Permit.objects.in_current_scope().filter(resident__person__user=user).order_by("-valid_from")
