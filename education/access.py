"""Who may see and do what in education: schools, rounds, schemes, applications and objections.

The one place these rules are written; the API, the pages, the downloads and the services ask
here.

- schools, rounds and their schemes: anyone signed in, of the town (the families choose among
  them; the district reads every town's);
- a guardian (the person of the application's guardian registration signs in as them): their
  own applications in every state, with the facts, documents, points, objections and offer;
- a town's verifying officers (town officers and admins, ``education.verify_admissionapplication``):
  the town's applications once submitted (a draft is the family's own business); they decide
  facts and answer objections, never on their own application;
- a town's admins (``education.manage_admissionround``): configure rounds and schools, run
  the allocation;
- district roles: every town's rounds and submitted applications, read only;
- anyone else: nothing. An application one may not see is a 404, like one that does not exist.

The child's data is a minor's (sensitive personal information): masked for everyone; revealed
in full only on the verifying officer's page, and every reveal is audited (``pii_reveal``).
"""

from __future__ import annotations

from typing import TypeGuard, TypeVar
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from education.models import (
    AdmissionApplication,
    AdmissionRound,
    ApplicationDocument,
    Objection,
    RoundSchool,
    School,
)
from nanhai_portal.accounts.models import Caller, User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.errors import DomainError
from nanhai_portal.pii.services import REVEAL_PERMISSION
from nanhai_portal.tenancy import is_district_scope

M = TypeVar("M", bound=Model)

VERIFY_PERMISSION = "education.verify_admissionapplication"
MANAGE_PERMISSION = "education.manage_admissionround"

# Actions on one application (the ``action=`` of ``get_application_for``).
VIEW = "view"  # read it
APPLY = "apply"  # the guardian's own: documents, submit, object, accept, decline, withdraw
VERIFY = "verify"  # the officer's: decide facts, answer objections, reveal the child's number


def _signed_in(user: Caller) -> TypeGuard[User]:
    return isinstance(user, User) and user.is_authenticated


def acting_user(user: Caller) -> User:
    """The signed-in user a service acts for (PermissionDenied for nobody)."""
    if not _signed_in(user):
        raise PermissionDenied(_("Sign in first."))
    return user


def is_district_reader(user: Caller) -> bool:
    return _signed_in(user) and is_district_scope() and user.role in (Role.DISTRICT_OFFICIAL, Role.DISTRICT_ADMIN)


def is_verifier(user: Caller) -> bool:
    """A town's officer or admin who verifies applications (district roles only read)."""
    return _signed_in(user) and not is_district_scope() and user.has_perm(VERIFY_PERMISSION)


def is_round_manager(user: Caller) -> bool:
    """A town's admin: configures rounds and schools, runs the allocation."""
    return _signed_in(user) and not is_district_scope() and user.has_perm(MANAGE_PERMISSION)


def is_guardian(user: Caller, application: AdmissionApplication) -> bool:
    """``user`` is the person of the application's guardian registration."""
    return (
        _signed_in(user)
        and AdmissionApplication.objects.in_current_scope()
        .filter(pk=application.pk, guardian__person__user=user)
        .exists()
    )


def may_reveal_child(user: Caller, application: AdmissionApplication) -> bool:
    """The verifying officer may see the child's ID number in full (audited), nobody else."""
    return is_verifier(user) and user.has_perm(REVEAL_PERMISSION) and not is_guardian(user, application)


# --- Schools and rounds ---------------------------------------------------------------


def schools_visible_to(user: Caller) -> QuerySet[School]:
    if not _signed_in(user):
        return School.objects.none()
    return School.objects.in_current_scope()


def rounds_visible_to(user: Caller) -> QuerySet[AdmissionRound]:
    """Rounds: anyone signed in, of the town. A round in preparation: its town's managers and
    verifiers only (the families meet it when applications open)."""
    if not _signed_in(user):
        return AdmissionRound.objects.none()
    rounds = AdmissionRound.objects.in_current_scope()
    if is_district_reader(user) or is_round_manager(user) or is_verifier(user):
        return rounds
    return rounds.exclude(phase=AdmissionRound.Phase.DRAFT)


def require_round_manager(user: Caller) -> User:
    """``user``, a town admin who configures rounds and schools (PermissionDenied otherwise)."""
    if not is_round_manager(user):
        raise PermissionDenied(_("Only the town's admins may configure rounds and schools."))
    return acting_user(user)


def get_round_for(user: Caller, round_id: UUID | str, *, manage: bool = False) -> AdmissionRound:
    """A round ``user`` may see (Http404 otherwise); with ``manage``, one they may configure
    (PermissionDenied when they may see it but not configure it)."""
    round_ = _get(rounds_visible_to(user), round_id)
    if manage:
        require_round_manager(user)
    return round_


def round_schools_of(round_: AdmissionRound) -> QuerySet[RoundSchool]:
    return RoundSchool.objects.in_current_scope().filter(round=round_).select_related("school")


class ResultsNotPublished(DomainError):
    code = "results_not_published"
    status = 409


# Phases in which a round's results are public to anyone of the town.
RESULTS_PUBLIC_IN = frozenset(
    {AdmissionRound.Phase.RESULTS_PUBLISHED, AdmissionRound.Phase.SECOND_ROUND, AdmissionRound.Phase.CLOSED}
)


def may_see_results(user: Caller, round_: AdmissionRound) -> bool:
    """A round's results (masked names, points, lottery, school): anyone who sees the round once
    they are published; its town's officers and the district always (the list holds only what
    an allocation that is done has placed or not placed, so it is empty before)."""
    if round_.phase in RESULTS_PUBLIC_IN:
        return True
    return is_verifier(user) or is_round_manager(user) or is_district_reader(user)


def get_results_round_for(user: Caller, round_id: UUID | str) -> AdmissionRound:
    """A round whose results ``user`` may read (Http404 when they may not see the round,
    ``ResultsNotPublished``, 409, when they may see it but its results are not out yet)."""
    round_ = get_round_for(user, round_id)
    if not may_see_results(user, round_):
        raise ResultsNotPublished(str(_("The results of this round are not published yet.")))
    return round_


# --- Applications ------------------------------------------------------------------------


def applications_visible_to(user: Caller) -> QuerySet[AdmissionApplication]:
    """The applications ``user`` may see (see the module's docstring)."""
    applications = AdmissionApplication.objects.in_current_scope()
    if not _signed_in(user):
        return applications.none()
    submitted = ~Q(status=AdmissionApplication.Status.DRAFT)
    if is_district_reader(user) or is_verifier(user):
        return applications.filter(submitted | Q(guardian__person__user=user))
    return applications.filter(guardian__person__user=user)


def own_applications(user: Caller) -> QuerySet[AdmissionApplication]:
    """``user``'s own applications as a guardian."""
    if not _signed_in(user):
        return AdmissionApplication.objects.none()
    return AdmissionApplication.objects.in_current_scope().filter(guardian__person__user=user)


def may(user: Caller, action: str, application: AdmissionApplication) -> bool:
    """``user`` may take ``action`` on ``application``, which they can see."""
    if action == VIEW:
        return True
    if action == APPLY:
        return is_guardian(user, application)
    if action == VERIFY:
        return is_verifier(user) and not is_guardian(user, application)
    raise ValueError(f"unknown action {action!r}")


def get_application_for(user: Caller, application_id: UUID | str, *, action: str = VIEW) -> AdmissionApplication:
    """The application, Http404 when ``user`` may not see it, PermissionDenied when they may see
    it but ``action`` is not theirs."""
    application = _get(
        applications_visible_to(user).select_related("round", "child", "guardian__person"), application_id
    )
    if not may(user, action, application):
        if action == VERIFY and is_guardian(user, application):
            raise PermissionDenied(_("You may not verify your own family's application: another officer must."))
        raise PermissionDenied(_("This is not yours to do."))
    return application


def get_objection_for(user: Caller, objection_id: UUID | str) -> Objection:
    """An objection of an application ``user`` verifies (Http404 when they may not see it,
    PermissionDenied when they may see it but do not verify it)."""
    objections = Objection.objects.in_current_scope().filter(application__in=applications_visible_to(user).values("pk"))
    objection = _get(objections.select_related("application"), objection_id)
    if not may(user, VERIFY, objection.application):
        raise PermissionDenied(_("Only the town's officers answer objections."))
    return objection


def get_document_for(user: Caller, document_id: UUID | str) -> ApplicationDocument:
    """A document of an application ``user`` may see: the guardian's own and the town's
    verifiers; district roles read applications but not their documents."""
    if is_district_reader(user):
        raise Http404
    visible = applications_visible_to(user)
    documents = ApplicationDocument.objects.in_current_scope().filter(application__in=visible.values("pk"))
    return _get(documents, document_id)


def _get(queryset: QuerySet[M], pk: UUID | str) -> M:
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, ValidationError):
        raise Http404 from None
