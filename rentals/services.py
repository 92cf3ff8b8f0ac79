"""Writes for rentals: houses and tenancies, inspections, and each hazard to its fix.

Every write is one function, keyword-only, in one transaction: it checks who may (``access``),
locks what it changes, writes, records the audit event and notifies (inbox and outbox, sent
after the commit). A hazard's transitions follow ``HAZARD_ACTIONS_FROM``, the one table of
which action starts from which state that the services check and the pages will offer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, prefetch_related_objects
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from nanhai_portal.accounts.models import User
from nanhai_portal.areas.models import Grid
from nanhai_portal.audit.services import audit_record, audit_record_many
from nanhai_portal.errors import DomainError, InvalidTransition
from nanhai_portal.notifications.services import Notice, notify, notify_many
from rentals import access, conf, selectors
from rentals.models import (
    Hazard,
    HazardCategory,
    Inspection,
    Photo,
    RentalHouse,
    Result,
    Tenancy,
)
from residents.models import Document, Person, Resident
from residents.services import person_find_or_create
from residents.uploads import BadUpload, check_upload

State = Hazard.State
RESULTS = frozenset(Result.values)  # (``Result.values`` makes a new list at each use)

# The states each hazard action starts from: the services check it, the pages offer it.
HAZARD_ACTIONS_FROM: dict[str, set[str]] = {
    "rectify": {State.OPEN, State.REOPENED},
    "verify": {State.RECTIFICATION_SUBMITTED},
    "reopen": {State.RECTIFICATION_SUBMITTED},
}
# Who takes each action, as an action on the hazard's house (``rentals.access``).
HAZARD_ACTION_BY: dict[str, str] = {"rectify": access.RECTIFY, "verify": access.INSPECT, "reopen": access.INSPECT}


class Conflict(DomainError):
    """The client's copy is older than the server's (HTTP 409): ``current_version`` says which
    version to merge against; or a client id reused for different content."""

    status = 409
    code = "conflict"


class ItemRefused(DomainError):
    """An inspection item the checklist does not accept; ``code`` names why, ``index`` which."""


@dataclass(frozen=True)
class RecordedInspection:
    """What ``inspection_record`` did: the inspection, and whether this call made it (False
    for a replay of the same client id and content)."""

    inspection: Inspection
    created: bool


def hazard_actions(hazard: Hazard, by: User) -> list[str]:
    """The actions ``by`` may take on ``hazard`` now, in workflow order."""
    return [
        action
        for action, states in HAZARD_ACTIONS_FROM.items()
        if hazard.state in states and access.may(by, HAZARD_ACTION_BY[action], hazard.house)
    ]


# --- Houses and tenancies -----------------------------------------------------------


def _current_tenants(house: RentalHouse) -> int:
    return Tenancy.objects.filter(house=house, to_date=None).count()


def _reassess_risk_class(house: RentalHouse) -> None:
    house.risk_class = conf.assign_risk_class(tenants=_current_tenants(house), building_type=house.building_type)


@transaction.atomic
def house_register(
    *,
    by: User,
    grid: Grid,
    address: str,
    building_type: str,
    floors: int,
    rooms: int,
    landlord_id_number: str | None = None,
    landlord_name: str = "",
    landlord_mobile: str | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> RentalHouse:
    """Register a rental house (出租屋登记) in ``grid``, of the current town.

    A landlord registers their own house (the landlord is the signed-in person; another
    person's ID number is refused); the grid worker of the grid or a town officer registers
    it for a landlord named by ID number (the person is found or made, district-wide). The
    risk class comes from the configured rule (``rentals.conf``).
    """
    by = access.acting_user(by)
    if not Grid.objects.filter(pk=grid.pk).exists():  # another town's grid: not there
        raise Http404
    staff = access.is_town_manager(by) or (
        access.is_grid_worker(by) and access.grids_served_by(by).filter(pk=grid.pk).exists()
    )
    if staff:
        if not landlord_id_number:
            raise DomainError(_("Enter the landlord's ID number."), code="landlord_required")
        landlord = person_find_or_create(id_number=landlord_id_number, name=landlord_name, mobile=landlord_mobile)
    else:
        own = Person.objects.filter(user=by).first()
        if own is None or access.is_grid_worker(by):
            raise PermissionDenied(
                _("Only the landlord, the grid's worker or the town's officers may register a house.")
            )
        if landlord_id_number and person_find_or_create(id_number=landlord_id_number, name=landlord_name).pk != own.pk:
            raise PermissionDenied(_("You may register only your own house."))
        landlord = own
    house = RentalHouse(
        town_id=grid.town_id,
        community_id=grid.community_id,
        grid=grid,
        address=address.strip(),
        building_type=building_type,
        floors=floors,
        rooms=rooms,
        landlord=landlord,
        latitude=latitude,
        longitude=longitude,
        risk_class=conf.assign_risk_class(tenants=0, building_type=building_type),
    )
    house.full_clean()
    house.save(force_insert=True)
    audit_record(
        action="rentals.house_registered",
        actor=by,
        target=house,
        changes={"address": house.address, "risk_class": house.risk_class},
    )
    return house


def _lock_house(house: RentalHouse) -> RentalHouse:
    return RentalHouse.objects.select_for_update().get(pk=house.pk)


@transaction.atomic
def tenancy_add(*, house: RentalHouse, resident: Resident, from_date: date, by: User) -> Tenancy:
    """A resident of the town rents ``house`` from ``from_date``; the risk class follows the
    number of tenants."""
    house = _lock_house(access.get_house_for(by, house.pk, action=access.MANAGE))
    if resident.town_id != house.town_id:
        raise DomainError(_("The tenant must be registered in the house's town."), code="other_town")
    if Tenancy.objects.filter(house=house, resident=resident, to_date=None).exists():
        raise DomainError(_("This resident already rents this house."), code="already_tenant")
    tenancy = Tenancy(town_id=house.town_id, house=house, resident=resident, from_date=from_date)
    tenancy.full_clean()
    tenancy.save(force_insert=True)
    _reassess_risk_class(house)
    house.version += 1
    house.save(update_fields=["risk_class", "version", "updated_at"])
    audit_record(
        action="rentals.tenancy_added",
        actor=by,
        target=house,
        changes={"from": from_date.isoformat(), "risk_class": house.risk_class},
    )
    return tenancy


@transaction.atomic
def tenancy_end(*, tenancy: Tenancy, to_date: date, by: User) -> Tenancy:
    """The tenancy ends on ``to_date`` (after its first day); the risk class follows."""
    house = _lock_house(access.get_house_for(by, tenancy.house_id, action=access.MANAGE))
    tenancy = Tenancy.objects.select_for_update().get(pk=tenancy.pk, house=house)
    if tenancy.to_date is not None:
        raise InvalidTransition(_("This tenancy has ended already."), code="tenancy_ended")
    if to_date <= tenancy.from_date:
        raise DomainError(_("A tenancy ends after the day it began."), code="to_before_from")
    tenancy.to_date = to_date
    tenancy.save(update_fields=["to_date"])
    _reassess_risk_class(house)
    house.version += 1
    house.save(update_fields=["risk_class", "version", "updated_at"])
    audit_record(
        action="rentals.tenancy_ended",
        actor=by,
        target=house,
        changes={"to": to_date.isoformat(), "risk_class": house.risk_class},
    )
    return tenancy


# --- Inspections --------------------------------------------------------------------


def _clean_items(
    items: Sequence[Mapping[str, Any]], categories: Mapping[str, HazardCategory] | None = None
) -> list[tuple[HazardCategory, str, str]]:
    """Each item as (category, result, note), or ``ItemRefused`` naming the first bad one.
    ``categories`` (``selectors.categories_by_code()``) when the caller has read them already (a batch)."""
    if categories is None:
        categories = selectors.categories_by_code()
    cleaned: list[tuple[HazardCategory, str, str]] = []
    seen: set[str] = set()
    if not items:
        raise ItemRefused(_("An inspection answers at least one category."), code="no_items")
    for index, item in enumerate(items):
        code = str(item.get("category", ""))
        result = item.get("result")
        field = f"items[{index}]"
        category = categories.get(code)
        if category is None:
            raise ItemRefused(
                _("Unknown category “%(code)s”.") % {"code": code},
                code="unknown_category",
                index=index,
                fields={field: [_("Unknown category.")]},
            )
        if category.retired_at is not None:
            raise ItemRefused(
                _("The category “%(name)s” is no longer inspected.") % {"name": category.name_zh},
                code="retired_category",
                index=index,
                fields={field: [_("Retired category.")]},
            )
        if result not in RESULTS:
            raise ItemRefused(
                _("The result must be ok, hazard or na."),
                code="invalid_result",
                index=index,
                fields={field: [_("The result must be ok, hazard or na.")]},
            )
        if code in seen:
            raise ItemRefused(
                _("The category “%(name)s” is answered twice.") % {"name": category.name_zh},
                code="duplicate_category",
                index=index,
                fields={field: [_("Answered twice.")]},
            )
        seen.add(code)
        cleaned.append((category, str(result), str(item.get("note", "")).strip()))
    return cleaned


def _content(house_id: Any, items: Iterable[tuple[str, str, str]], note: str) -> tuple[Any, ...]:
    return (str(house_id), sorted(items), note)


def _wanted_content(house_id: Any, cleaned: Iterable[tuple[HazardCategory, str, str]], note: str) -> tuple[Any, ...]:
    """What an inspection sent with these cleaned items and note holds (``_stored_content``'s shape)."""
    return _content(house_id, [(category.code, result, text) for category, result, text in cleaned], note)


def _stored_content(inspection: Inspection) -> tuple[Any, ...]:
    """What the stored inspection holds."""
    notes = inspection.answer_notes
    items = [(code, result, notes.get(code, "")) for code, result in inspection.answers.items()]
    return _content(inspection.house_id, items, inspection.note)


def _conflict(existing: Inspection) -> Conflict:
    """The client id was sent before with other content: the server's copy is ``existing``."""
    return Conflict(
        _("This inspection was already sent with other answers."),
        current_version=existing.version,
        inspection=str(existing.pk),
    )


@dataclass
class _NewInspection:
    """An inspection's rows before they are written: the inspection (its answers in it) and its hazards."""

    inspection: Inspection
    hazards: list[Hazard]


def _inspection_rows(
    *,
    house: RentalHouse,
    client_id: UUID,
    cleaned: Sequence[tuple[HazardCategory, str, str]],
    by: User,
    inspected_at: datetime,
    location: tuple[Decimal, Decimal] | None,
    note: str,
) -> _NewInspection:
    """The rows one inspection writes (unsaved): each "hazard" answer opens a ``Hazard`` due by
    its category's severity (``conf.hazard_due_at``, from ``inspected_at``)."""
    inspection = Inspection(
        town_id=house.town_id,
        client_id=client_id,
        house=house,
        inspector=by,
        inspected_at=inspected_at,
        latitude=location[0] if location else None,
        longitude=location[1] if location else None,
        note=note,
        answers={category.code: result for category, result, _text in cleaned},
        answer_notes={category.code: text for category, _result, text in cleaned if text},
    )
    rows = _NewInspection(inspection, [])
    for category, result, _text in cleaned:
        if result != Result.HAZARD:
            continue
        rows.hazards.append(
            Hazard(
                town_id=house.town_id,
                house=house,
                inspection=inspection,
                category=category,
                severity=category.default_severity,
                opened_at=inspected_at,
                due_at=conf.hazard_due_at(category.default_severity, opened_at=inspected_at),
            )
        )
    return rows


def _rows_insert(new: Sequence[_NewInspection], *, inspections: bool = True) -> None:
    """Write ``new``: the inspections with their answers (unless written already:
    ``inspections`` False) and their hazards, one INSERT per table."""
    if inspections:
        Inspection.objects.bulk_create([rows.inspection for rows in new])
    Hazard.objects.bulk_create([hazard for rows in new for hazard in rows.hazards])


def _hazard_opened_notices(hazards: Iterable[Hazard]) -> list[Notice]:
    """The landlord's notice of each opened hazard (none for a landlord without an account)."""
    return [
        notice
        for hazard in hazards
        if (
            notice := _landlord_notice(
                hazard, "rentals.hazard_opened", due=timezone.localtime(hazard.due_at).strftime("%Y-%m-%d %H:%M")
            )
        )
        is not None
    ]


def _inspection_audit(rows: _NewInspection, by: User) -> dict[str, Any]:
    """``audit_record``'s arguments for a recorded inspection."""
    return {
        "action": "rentals.inspection_recorded",
        "actor": by,
        "target": rows.inspection,
        "changes": {"client_id": str(rows.inspection.client_id), "hazards": len(rows.hazards)},
    }


def _landlord_notice(hazard: Hazard, event: str, **context: Any) -> Notice | None:
    user = hazard.house.landlord.user
    if user is None:
        return None  # a landlord without an account hears from the grid worker in person
    return Notice(
        user=user,
        event=event,
        context={"address": hazard.house.address, "category": hazard.category.code, **context},
        target=hazard,
    )


def _notify_landlord(hazard: Hazard, event: str, **context: Any) -> None:
    notice = _landlord_notice(hazard, event, **context)
    if notice is not None:
        notify(user=notice.user, event=notice.event, context=notice.context, target=notice.target)


@transaction.atomic
def inspection_record(
    *,
    house: RentalHouse,
    client_id: UUID,
    items: Sequence[Mapping[str, Any]],
    by: User,
    inspected_at: datetime,
    location: tuple[Decimal, Decimal] | None = None,
    note: str = "",
) -> RecordedInspection:
    """Record a grid worker's inspection of ``house``, once per ``client_id`` (the phone's).

    Sent again with the same content, the inspection recorded the first time is returned
    and nothing is created (``created`` False); the same client id with other content is a
    ``Conflict``. Each item is ``{"category", "result": ok|hazard|na, "note"}``; an unknown or
    retired category, a result outside the three or a category answered twice is refused
    (``ItemRefused``, its code and the item's index). Each "hazard" answer opens a ``Hazard``
    due by its category's severity (``conf.hazard_due_at``, from ``inspected_at``), and the
    landlord is told. Only the grid worker of the house's grid (Http404 for a house outside it).
    """
    house = _lock_house(access.get_house_for(by, house.pk, action=access.INSPECT))
    cleaned = _clean_items(items)
    note = note.strip()
    existing = Inspection.objects.filter(client_id=client_id).first()
    if existing is not None:
        if _stored_content(existing) != _wanted_content(house.pk, cleaned, note):
            raise _conflict(existing)
        return RecordedInspection(existing, created=False)
    rows = _inspection_rows(
        house=house,
        client_id=client_id,
        cleaned=cleaned,
        by=by,
        inspected_at=inspected_at,
        location=location,
        note=note,
    )
    inspection = rows.inspection
    try:
        with transaction.atomic():
            inspection.save(force_insert=True)
    except IntegrityError:  # the house lock makes this rare: the same id for another house
        raise Conflict(_("This inspection was already sent with other answers."), current_version=1) from None
    _rows_insert([rows], inspections=False)
    for notice in _hazard_opened_notices(rows.hazards):
        notify(user=notice.user, event=notice.event, context=notice.context, target=notice.target)
    if house.last_inspected_at is None or inspected_at > house.last_inspected_at:
        house.last_inspected_at = inspected_at
        house.save(update_fields=["last_inspected_at", "updated_at"])
    audit_record(**_inspection_audit(rows, by))
    return RecordedInspection(inspection, created=True)


@transaction.atomic
def inspection_update(
    *,
    inspection: Inspection,
    base_version: int,
    by: User,
    note: str | None = None,
    location: tuple[Decimal, Decimal] | None = None,
) -> Inspection:
    """Change an inspection's note or location, made against ``base_version``.

    An edit made against an older version than the server's is a ``Conflict`` (HTTP 409)
    carrying ``current_version``, so that the phone can merge and send again.
    """
    access.get_house_for(by, inspection.house_id, action=access.INSPECT)
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if base_version != inspection.version:
        raise Conflict(
            _("This inspection was changed since you opened it (version %(version)s).")
            % {"version": inspection.version},
            current_version=inspection.version,
        )
    changes: dict[str, Any] = {}
    if note is not None and note.strip() != inspection.note:
        changes["note"] = [inspection.note, note.strip()]
        inspection.note = note.strip()
    if location is not None:
        changes["location"] = [
            [str(inspection.latitude), str(inspection.longitude)],
            [str(location[0]), str(location[1])],
        ]
        inspection.latitude, inspection.longitude = location
    if not changes:
        return inspection
    inspection.version += 1
    inspection.save(update_fields=["note", "latitude", "longitude", "version"])
    audit_record(action="rentals.inspection_changed", actor=by, target=inspection, changes=changes)
    return inspection


# --- Hazards ------------------------------------------------------------------------


def _lock_hazard(hazard: Hazard, by: User, action: str) -> Hazard:
    """The hazard, locked, for ``action`` by ``by``: Http404 when its house is not visible to
    them, PermissionDenied when the action is not theirs."""
    access.get_hazard_for(by, hazard.pk, action=HAZARD_ACTION_BY[action])
    return (
        Hazard.objects.select_related("house__landlord", "category", "inspection__inspector")
        .select_for_update(of=("self",))
        .get(pk=hazard.pk)
    )


def _require_state(hazard: Hazard, action: str) -> None:
    if hazard.state not in HAZARD_ACTIONS_FROM[action]:
        raise InvalidTransition(
            _("This hazard is %(state)s: it cannot be done now.") % {"state": hazard.get_state_display()},
            status=hazard.state,
        )


def _move(hazard: Hazard, *, to: str) -> dict[str, list[str]]:
    """Save the new state; the change, for the caller's audit event (each service names its
    action literally, so that the audit trail's names are checked against the source)."""
    before = hazard.state
    hazard.state = to
    hazard.save()
    return {"state": [before, to]}


def _required_text(text: str, message: str, code: str) -> str:
    text = text.strip()
    if not text:
        raise DomainError(message, code=code, fields={code.removesuffix("_required"): [message]})
    return text


@transaction.atomic
def hazard_rectify(
    *,
    hazard: Hazard,
    note: str,
    by: User,
    photos: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> Hazard:
    """The landlord says the hazard is fixed (整改), with a note and photos of the fix; the grid
    worker who found it is told, to verify it on a return visit. A photo that is not a JPEG or
    PNG, or too large, refuses the whole rectification (``BadUpload``) and nothing is kept."""
    hazard = _lock_hazard(hazard, by, "rectify")
    _require_state(hazard, "rectify")
    hazard.rectification_note = _required_text(note, _("Say what was done."), "note_required")
    if len(photos) > conf.max_photos():
        message = _("At most %(limit)d photos at a time.") % {"limit": conf.max_photos()}
        raise BadUpload(message, code="too_many_photos", fields={"photos": [message]})
    for upload in photos:
        _photo_save(Photo(town_id=hazard.town_id, hazard=hazard, uploaded_by=by), upload)
    hazard.rectified_at = now or timezone.now()
    changes = _move(hazard, to=State.RECTIFICATION_SUBMITTED)
    audit_record(
        action="rentals.hazard_rectification_submitted",
        actor=by,
        target=hazard,
        changes={**changes, "note": hazard.rectification_note},
    )
    notify(
        user=hazard.inspection.inspector,
        event="rentals.hazard_rectified",
        context={"address": hazard.house.address, "category": hazard.category.code},
        target=hazard,
    )
    return hazard


@transaction.atomic
def hazard_verify(*, hazard: Hazard, by: User, now: datetime | None = None) -> Hazard:
    """The grid worker of the house's grid saw the fix on a return visit: the hazard is closed."""
    hazard = _lock_hazard(hazard, by, "verify")
    _require_state(hazard, "verify")
    hazard.verified_at = now or timezone.now()
    changes = _move(hazard, to=State.VERIFIED)
    audit_record(action="rentals.hazard_verified", actor=by, target=hazard, changes=changes)
    return hazard


@transaction.atomic
def hazard_reopen(*, hazard: Hazard, reason: str, by: User, now: datetime | None = None) -> Hazard:
    """The fix was not enough: the hazard is open again, with the reason and a new deadline
    by its severity from ``now``; its escalation starts again from level 0 (``_escalation_reset``);
    the landlord is told."""
    hazard = _lock_hazard(hazard, by, "reopen")
    _require_state(hazard, "reopen")
    hazard.reopen_reason = _required_text(reason, _("Give the reason for reopening."), "reason_required")
    hazard.due_at = conf.hazard_due_at(hazard.severity, opened_at=now or timezone.now())
    _escalation_reset(hazard)
    changes = _move(hazard, to=State.REOPENED)
    audit_record(
        action="rentals.hazard_reopened", actor=by, target=hazard, changes={**changes, "reason": hazard.reopen_reason}
    )
    _notify_landlord(
        hazard,
        "rentals.hazard_reopened",
        reason=hazard.reopen_reason,
        due=timezone.localtime(hazard.due_at).strftime("%Y-%m-%d %H:%M"),
    )
    return hazard


# --- Photos ---------------------------------------------------------------------------


def _photo_save(photo: Photo, upload: UploadedFile) -> Photo:
    """Check ``upload`` (a JPEG or PNG, within the size limits: ``residents.uploads``), store the
    file privately and save ``photo``; the file goes again if the row cannot be saved."""
    checked = check_upload(Document.Kind.PHOTO, upload)
    photo.content_type, photo.size, photo.sha256 = checked.content_type, checked.size, checked.sha256
    photo.file.save("upload", upload, save=False)
    try:
        with transaction.atomic():
            photo.save(force_insert=True)
    except Exception:
        photo.file.storage.delete(str(photo.file.name))
        raise
    return photo


@dataclass(frozen=True)
class AddedPhoto:
    photo: Photo
    created: bool


@transaction.atomic
def inspection_add_photo(
    *,
    inspection: Inspection,
    upload: UploadedFile,
    by: User,
    client_id: UUID | None = None,
    category: str | None = None,
) -> AddedPhoto:
    """A photo taken in ``inspection`` (of one ``category``'s answer, if given), by the grid
    worker of the house's grid. Sent again with the same ``client_id`` (the phone's offline
    queue replaying), the photo stored the first time is returned and nothing is written."""
    access.get_house_for(by, inspection.house_id, action=access.INSPECT)
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if client_id is not None:
        existing = Photo.objects.filter(client_id=client_id).first()
        if existing is not None:
            if existing.inspection_id != inspection.pk:
                raise Conflict(_("This photo was already sent for another inspection."), current_version=1)
            return AddedPhoto(existing, created=False)
    chosen = None
    if category:
        chosen = HazardCategory.objects.filter(code=category).first()
        if chosen is None:
            raise ItemRefused(
                _("Unknown category “%(code)s”.") % {"code": category},
                code="unknown_category",
                fields={"category": [_("Unknown category.")]},
            )
    if inspection.photos.count() >= conf.max_photos_per_inspection():
        message = _("An inspection holds at most %(limit)d photos.") % {"limit": conf.max_photos_per_inspection()}
        raise BadUpload(message, code="too_many_photos", fields={"file": [message]})
    photo = Photo(town_id=inspection.town_id, inspection=inspection, category=chosen, uploaded_by=by)
    if client_id is not None:
        photo.client_id = client_id
    _photo_save(photo, upload)
    audit_record(
        action="rentals.inspection_photo_added",
        actor=by,
        target=inspection,
        changes={"client_id": str(photo.client_id)},
    )
    return AddedPhoto(photo, created=True)


# --- The offline queue's batch --------------------------------------------------------


@dataclass(frozen=True)
class SyncResult:
    """One batch item's outcome: ``created``, ``duplicate``, ``conflict`` or ``refused`` (with
    ``code`` and ``message``); ``inspection`` when one exists for the item's client id."""

    index: int
    client_id: str
    result: str
    inspection: Inspection | None = None
    code: str = ""
    message: str = ""
    current_version: int | None = None


class BatchTooLarge(DomainError):
    status = 413
    code = "batch_too_large"


def sync_batch_require_size(count: int) -> None:
    """Refuse a batch of ``count`` inspections, whole, when it is over ``conf.max_sync_batch()``
    (``BatchTooLarge``, 413, with the limit); the API checks it before each item's shape."""
    limit = conf.max_sync_batch()
    if count > limit:
        raise BatchTooLarge(
            _("A batch holds at most %(limit)d inspections; this one has %(count)d.")
            % {"limit": limit, "count": count},
            limit=limit,
        )


def inspections_sync(*, batch: Sequence[Mapping[str, Any]], by: User) -> list[SyncResult]:
    """Record a batch of inspections from a phone's offline queue, each in its own transaction.

    Each item is what ``inspection_record`` takes (``client_id``, ``house``, ``items``,
    ``inspected_at``, optional ``latitude``/``longitude`` and ``note``). A replayed item is a
    ``duplicate`` and changes nothing; the same client id with other answers is a ``conflict``
    with the server's version; a bad item is ``refused`` with a code, and the rest of the batch
    is kept. A batch of more than ``conf.max_sync_batch()`` items is refused whole.

    Set-based (``_sync_bulk``): every item is checked first with a constant number of queries,
    then the new rows are written in one INSERT per table; the answers are those of recording
    the items one by one (``_sync_each``), which is also the way taken when the bulk write
    meets a race (the same client id sent twice at once: ``IntegrityError``).
    """
    sync_batch_require_size(len(batch))
    try:
        with transaction.atomic():
            return _sync_bulk(batch, by)
    except IntegrityError:
        return _sync_each(batch, by)


def _sync_refusal(index: int, client_id: str, error: Exception) -> SyncResult:
    """The answer for an item refused with ``error`` (one home for both ways of syncing)."""
    if isinstance(error, Conflict):
        return SyncResult(
            index,
            client_id,
            "conflict",
            inspection=Inspection.objects.filter(client_id=client_id).first(),
            code=error.code,
            message=error.message,
            current_version=error.extra.get("current_version"),
        )
    if isinstance(error, Http404):
        return SyncResult(
            index, client_id, "refused", code="house_not_found", message=_("No such house in your grids.")
        )
    if isinstance(error, KeyError | TypeError | ValueError):
        return SyncResult(
            index,
            client_id,
            "refused",
            code="invalid_item",
            message=_("Each inspection needs a client id, a house, its time and its items."),
        )
    if isinstance(error, PermissionDenied):
        return SyncResult(index, client_id, "refused", code="permission_denied", message=str(error))
    if isinstance(error, DomainError):
        return SyncResult(index, client_id, "refused", code=error.code, message=error.message)
    raise error


def _sync_location(item: Mapping[str, Any]) -> tuple[Decimal, Decimal] | None:
    if item.get("latitude") is not None and item.get("longitude") is not None:
        return (Decimal(str(item["latitude"])), Decimal(str(item["longitude"])))
    return None


def _sync_bulk(batch: Sequence[Mapping[str, Any]], by: User) -> list[SyncResult]:
    """``inspections_sync`` in a constant number of queries (see there); inside its transaction."""
    categories = selectors.categories_by_code()
    houses = access.get_houses_for(
        by, [item["house"] for item in batch if isinstance(item.get("house"), str | UUID)], action=access.INSPECT
    )
    results: list[SyncResult | None] = [None] * len(batch)
    checked: list[tuple[int, str, RentalHouse, UUID, dict[str, Any]]] = []
    for index, item in enumerate(batch):  # the checks of ``_sync_each``, in its order
        client_id = str(item.get("client_id", ""))
        try:
            key = item["house"]
            house = houses.get(key, Http404()) if isinstance(key, str | UUID) else Http404()
            if isinstance(house, Exception):
                raise house
            record = {
                "location": _sync_location(item),
                "client_id": UUID(client_id),
                "items": item.get("items") or [],
                "inspected_at": item["inspected_at"],
                "note": str(item.get("note", "")),
            }
            record["cleaned"] = _clean_items(record["items"], categories)
            record["note"] = record["note"].strip()
        except (Http404, KeyError, TypeError, ValueError, PermissionDenied, DomainError) as error:
            results[index] = _sync_refusal(index, client_id, error)
            continue
        checked.append((index, client_id, house, record["client_id"], record))
    # The houses are locked (in pk order) and their last visit read under the lock; the rest of
    # each house is as ``get_houses_for`` read it (what a visit changes is its last visit only).
    locked: dict[Any, RentalHouse] = {house.pk: house for _i, _c, house, _u, _r in checked}
    for pk, last_inspected_at in (
        RentalHouse.objects.select_for_update()
        .filter(pk__in=list(locked))
        .order_by("pk")
        .values_list("pk", "last_inspected_at")
    ):
        locked[pk].last_inspected_at = last_inspected_at
    existing = {
        inspection.client_id: inspection
        for inspection in Inspection.objects.filter(client_id__in={uid for _i, _c, _h, uid, _r in checked}).order_by(
            "pk"
        )
    }
    new: dict[UUID, _NewInspection] = {}
    for index, client_id, house, uid, record in checked:
        house = locked[house.pk]
        wanted = _wanted_content(house.pk, record["cleaned"], record["note"])
        earlier = existing.get(uid)
        pending = new.get(uid)
        if earlier is not None:
            stored, content = earlier, _stored_content(earlier)
        elif pending is not None:  # sent twice in this batch: the first is the stored one
            stored, content = pending.inspection, _stored_content(pending.inspection)
        if earlier is not None or pending is not None:
            if content != wanted:
                conflict = _conflict(stored)
                results[index] = SyncResult(
                    index,
                    client_id,
                    "conflict",
                    inspection=stored,
                    code=conflict.code,
                    message=conflict.message,
                    current_version=conflict.extra.get("current_version"),
                )
            else:
                results[index] = SyncResult(index, client_id, "duplicate", inspection=stored)
            continue
        rows = _inspection_rows(
            house=house,
            client_id=uid,
            cleaned=record["cleaned"],
            by=by,
            inspected_at=record["inspected_at"],
            location=record["location"],
            note=record["note"],
        )
        new[uid] = rows
        results[index] = SyncResult(index, client_id, "created", inspection=rows.inspection)
    if new:
        _rows_insert(list(new.values()))
        _houses_inspected(new.values(), locked)
        found = [hazard for rows in new.values() for hazard in rows.hazards]
        # Only the landlords of houses with a new hazard are read (and their numbers decrypted).
        prefetch_related_objects([hazard.house for hazard in found], "landlord__user")
        notify_many(_hazard_opened_notices(found))
        audit_record_many(_inspection_audit(rows, by) for rows in new.values())
    return [result for result in results if result is not None]


HOUSES_INSPECTED_SQL = """
    UPDATE rentals_rentalhouse AS house SET last_inspected_at = moved.at, updated_at = %s
    FROM unnest(%s::uuid[], %s::timestamptz[]) AS moved (id, at) WHERE house.id = moved.id
"""


def _houses_inspected(inspections: Iterable[_NewInspection], locked: Mapping[Any, RentalHouse]) -> None:
    """Each house's ``last_inspected_at`` moves to its newest new inspection (never back), in one UPDATE."""
    newest: dict[Any, datetime] = {}
    for rows in inspections:
        at, house_id = rows.inspection.inspected_at, rows.inspection.house_id
        if house_id not in newest or at > newest[house_id]:
            newest[house_id] = at
    moved = {
        house_id: at
        for house_id, at in newest.items()
        if locked[house_id].last_inspected_at is None or at > locked[house_id].last_inspected_at  # type: ignore[operator]
    }
    if not moved:
        return
    with connection.cursor() as cursor:  # one statement, not a CASE of 50 branches built by the ORM
        cursor.execute(HOUSES_INSPECTED_SQL, [timezone.now(), [str(pk) for pk in moved], list(moved.values())])
    for house_id, at in moved.items():
        locked[house_id].last_inspected_at = at


def _sync_each(batch: Sequence[Mapping[str, Any]], by: User) -> list[SyncResult]:
    """``inspections_sync`` one item at a time, each in its own transaction (``inspection_record``)."""
    results: list[SyncResult] = []
    for index, item in enumerate(batch):
        client_id = str(item.get("client_id", ""))
        try:
            house = access.get_house_for(by, item["house"], action=access.INSPECT)
            location = _sync_location(item)
            recorded = inspection_record(
                house=house,
                client_id=UUID(client_id),
                items=item.get("items") or [],
                by=by,
                inspected_at=item["inspected_at"],
                location=location,
                note=str(item.get("note", "")),
            )
        except (Conflict, Http404, KeyError, TypeError, ValueError, PermissionDenied, DomainError) as error:
            results.append(_sync_refusal(index, client_id, error))
        else:
            outcome = "created" if recorded.created else "duplicate"
            results.append(SyncResult(index, client_id, outcome, inspection=recorded.inspection))
    return results


# --- The inspection page's plain form (without JavaScript) ----------------------------


@transaction.atomic
def inspection_submit(
    *,
    house: RentalHouse,
    client_id: UUID,
    items: Sequence[Mapping[str, Any]],
    photos: Sequence[UploadedFile],
    by: User,
    inspected_at: datetime,
    location: tuple[Decimal, Decimal] | None = None,
    note: str = "",
) -> RecordedInspection:
    """An inspection and its photos in one go, all or nothing (the page's form posted without
    the offline queue): ``inspection_record``, then ``inspection_add_photo`` for each photo.
    A photo refused (not an image, too large) refuses the whole inspection. Sent again with
    the same ``client_id``, nothing more is written."""
    recorded = inspection_record(
        house=house, client_id=client_id, items=items, by=by, inspected_at=inspected_at, location=location, note=note
    )
    if recorded.created:
        for upload in photos:
            inspection_add_photo(inspection=recorded.inspection, upload=upload, by=by)
    return recorded


# --- Escalation (区镇联动): overdue hazards to the town's queue, then the district's list -----

# ``Hazard.escalated_level``: 0 with the landlord only, 1 in the town officers' queue, 2 on
# the district's list. A hazard is in a queue while it still waits for the landlord's fix
# (the states "rectify" starts from); a rectification takes it out, a verification keeps it
# out, and a reopening starts it again from 0 with its new deadline (``_escalation_reset``).
ESCALATED_TO_TOWN = 1
ESCALATED_TO_DISTRICT = 2
ESCALATION_LEVEL_CODES = {ESCALATED_TO_TOWN: "town", ESCALATED_TO_DISTRICT: "district"}


def awaiting_fix_states() -> set[str]:
    """The states in which a hazard waits for the landlord's fix, and so can be escalated."""
    return HAZARD_ACTIONS_FROM["rectify"]


def escalation_level_at(due_at: datetime, now: datetime) -> int:
    """The level an unfixed hazard due at ``due_at`` has reached at ``now``: the town's queue
    from its deadline on, the district's list ``conf.second_deadline()`` after it."""
    if now >= due_at + conf.second_deadline():
        return ESCALATED_TO_DISTRICT
    if now >= due_at:
        return ESCALATED_TO_TOWN
    return 0


def _escalation_reset(hazard: Hazard) -> None:
    """A reopened hazard leaves the queues: its new deadline counts anew, from level 0.

    The one place ``escalated_level`` goes down; the earlier escalation stays in the audit trail.
    """
    hazard.escalated_level = 0
    hazard.escalated_at = None


@dataclass(frozen=True)
class Escalation:
    """One hazard moved up by ``hazards_escalate_overdue``: from ``before`` to ``level``."""

    hazard_id: UUID
    before: int
    level: int


def _notify_escalation(hazard: Hazard, level: int) -> int:
    """Tell the landlord (when they have an account) and the grid's workers; how many were told.

    A landlord without an account is not told: the kernel's notifications need a user (the
    inbox entry belongs to one), and the grid worker told here visits them."""
    from nanhai_portal.areas.selectors import workers_serving

    recipients: dict[int, User] = {}
    landlord = hazard.house.landlord.user
    if landlord is not None:
        recipients[landlord.pk] = landlord
    for worker in workers_serving(hazard.house.grid):
        recipients.setdefault(worker.pk, worker)
    for user in recipients.values():
        notify(
            user=user,
            event="rentals.hazard_escalated",
            context={
                "address": hazard.house.address,
                "category": hazard.category_id,
                "level": ESCALATION_LEVEL_CODES[level],
                "due": timezone.localtime(hazard.due_at).strftime("%Y-%m-%d %H:%M"),
            },
            target=hazard,
        )
    return len(recipients)


@transaction.atomic
def hazards_escalate_overdue(*, now: datetime) -> list[Escalation]:
    """Escalate the current town's hazards that wait for a fix past their deadline (区镇联动).

    Past its deadline a hazard goes to the town officers' queue (level 1); past the deadline
    plus ``conf.second_deadline()`` to the district's list (level 2); a hazard found past both
    goes to level 2 in one step. Each step is audited (``rentals.hazard_escalated``) and told
    once to the landlord and the grid's workers. Safe to run twice, and side by side: the rows
    are locked (in pk order) and re-read, so a second run finds nothing left to move. Needs the
    current town (the beat task's); ``now`` comes from the caller, never from here.
    """
    town_deadline = now
    district_deadline = now - conf.second_deadline()
    candidates = (
        Hazard.objects.filter(state__in=awaiting_fix_states(), due_at__lte=town_deadline)
        .filter(
            Q(escalated_level__lt=ESCALATED_TO_TOWN)
            | Q(escalated_level__lt=ESCALATED_TO_DISTRICT, due_at__lte=district_deadline)
        )
        .select_related("house__landlord__user", "house__grid", "category")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    done: list[Escalation] = []
    for hazard in candidates:
        level = escalation_level_at(hazard.due_at, now)
        if level <= hazard.escalated_level:
            continue
        before = hazard.escalated_level
        hazard.escalated_level, hazard.escalated_at = level, now
        hazard.save(update_fields=["escalated_level", "escalated_at"])
        audit_record(
            action="rentals.hazard_escalated",
            target=hazard,
            changes={"escalated_level": [before, level], "due": hazard.due_at.isoformat()},
        )
        _notify_escalation(hazard, level)
        done.append(Escalation(hazard.pk, before, level))
    return done
