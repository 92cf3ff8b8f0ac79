"""Points schemes as data: the pure engine's ``points.Scheme`` from a scheme's rows, a scheme
made from one (the demo, tests), a new version, and freezing a version once points are out."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from education import access, points
from education.models import PointsScheme, SchemeGroup, SchemeItem
from education.selectors import scheme_spec
from nanhai_portal.accounts.models import Caller
from nanhai_portal.audit.services import audit_record
from nanhai_portal.errors import DomainError


class SchemeInvalid(DomainError):
    code = "scheme_invalid"


class SchemeFrozen(DomainError):
    code = "scheme_frozen"
    status = 409


def scheme_problems_of(scheme: PointsScheme) -> list[str]:
    """Why the scheme cannot be used (empty when it can)."""
    spec = scheme_spec(scheme)
    problems = list(points.scheme_problems(spec))
    if not spec.items:
        problems.append(_("The scheme has no items."))
    return problems


@transaction.atomic
def scheme_create_from(*, town: str, name: str, spec: points.Scheme, version: int = 1) -> PointsScheme:
    """A town's scheme with ``spec``'s items and groups (the demo's Foshan scheme, tests).

    Names are kept in both languages: each item's English name and its Chinese translation."""
    scheme = PointsScheme.objects.create(town_id=town, name=name, version=version)
    groups: dict[str, SchemeGroup] = {}
    for group in spec.groups:
        zh, en = _both_languages(group.name)
        groups[group.code] = SchemeGroup.objects.create(
            town_id=town, scheme=scheme, code=group.code, name_zh=zh, name_en=en, cap=group.cap
        )
    for order, item in enumerate(spec.items):
        zh, en = _both_languages(item.name)
        SchemeItem.objects.create(
            town_id=town,
            scheme=scheme,
            code=item.code,
            name_zh=zh,
            name_en=en,
            kind=str(item.kind),
            unit=item.unit,
            points_per_unit=item.points_per_unit,
            cap=item.cap,
            group=groups[item.group] if item.group else None,
            exclusive_set=item.exclusive_set or "",
            source=str(item.source),
            documents=[str(document) for document in item.documents],
            sort_order=order,
        )
    return scheme


def _both_languages(name: object) -> tuple[str, str]:
    with translation.override("zh-hans"):
        zh = str(name)
    with translation.override("en"):
        en = str(name)
    return zh[:64], en[:96]


@transaction.atomic
def scheme_new_version(*, by: Caller, scheme: PointsScheme) -> PointsScheme:
    """A copy of ``scheme`` as its next version, not frozen, for the town to change."""
    if not access.is_round_manager(by):
        raise PermissionDenied(_("Only the town's admins may change a points scheme."))
    latest = PointsScheme.objects.filter(name=scheme.name).order_by("-version").first()
    copy = PointsScheme.objects.create(
        town_id=scheme.town_id, name=scheme.name, version=(latest.version if latest else scheme.version) + 1
    )
    groups: dict[int, SchemeGroup] = {}
    for group in SchemeGroup.objects.filter(scheme=scheme):
        old = group.pk
        group.pk, group.scheme = None, copy
        group.save(force_insert=True)
        groups[old] = group
    for item in SchemeItem.objects.filter(scheme=scheme):
        item.pk, item.scheme = None, copy
        item.group = groups[item.group_id] if item.group_id else None
        item.save(force_insert=True)
    audit_record(action="education.scheme_versioned", actor=by, target=copy, changes={"from": scheme.label})
    return copy


def scheme_freeze(scheme: PointsScheme, *, at: datetime) -> None:
    """Freeze ``scheme``: points have been published with it. Needs the caller's transaction."""
    if scheme.frozen_at is None:
        PointsScheme.objects.filter(pk=scheme.pk, frozen_at__isnull=True).update(frozen_at=at)
        scheme.frozen_at = at


def require_not_frozen(scheme: PointsScheme) -> None:
    """A frozen scheme is not changed (points were published with it): make a new version."""
    if scheme.frozen_at is not None:
        raise SchemeFrozen(_("Points were published with this scheme; make a new version to change it."))
