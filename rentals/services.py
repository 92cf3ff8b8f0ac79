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
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from nanhai_portal.accounts.models import User
from nanhai_portal.areas.models import Grid
from nanhai_portal.audit.services import audit_record
from nanhai_portal.errors import DomainError, InvalidTransition
from nanhai_portal.notifications.services import notify
from rentals import access, conf
from rentals.models import Hazard, HazardCategory, Inspection, InspectionItem, Photo, RentalHouse, Tenancy
from residents.models import Document, Person, Resident
from residents.services import person_find_or_create
from residents.uploads import BadUpload, check_upload

State = Hazard.State
Result = InspectionItem.Result

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


def _clean_items(items: Sequence[Mapping[str, Any]]) -> list[tuple[HazardCategory, str, str]]:
    """Each item as (category, result, note), or ``ItemRefused`` naming the first bad one."""
    categories = {category.code: category for category in HazardCategory.objects.all()}
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
        if result not in Result.values:
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


def _stored_content(inspection: Inspection) -> tuple[Any, ...]:
    items = inspection.items.values_list("category_id", "result", "note")
    return _content(inspection.house_id, [(code, result, note) for code, result, note in items], inspection.note)


def _notify_landlord(hazard: Hazard, event: str, **context: Any) -> None:
    user = hazard.house.landlord.user
    if user is None:
        return  # a landlord without an account hears from the grid worker in person
    notify(
        user=user,
        event=event,
        context={"address": hazard.house.address, "category": hazard.category.code, **context},
        target=hazard,
    )


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
    wanted = _content(house.pk, [(category.code, result, text) for category, result, text in cleaned], note)
    existing = Inspection.objects.filter(client_id=client_id).first()
    if existing is not None:
        if _stored_content(existing) != wanted:
            raise Conflict(
                _("This inspection was already sent with other answers."),
                current_version=existing.version,
                inspection=str(existing.pk),
            )
        return RecordedInspection(existing, created=False)
    inspection = Inspection(
        town_id=house.town_id,
        client_id=client_id,
        house=house,
        inspector=by,
        inspected_at=inspected_at,
        latitude=location[0] if location else None,
        longitude=location[1] if location else None,
        note=note,
    )
    try:
        with transaction.atomic():
            inspection.save(force_insert=True)
    except IntegrityError:  # the house lock makes this rare: the same id for another house
        raise Conflict(_("This inspection was already sent with other answers."), current_version=1) from None
    hazards = 0
    for category, result, text in cleaned:
        item = InspectionItem.objects.create(
            town_id=house.town_id, inspection=inspection, category=category, result=result, note=text
        )
        if result != Result.HAZARD:
            continue
        hazard = Hazard.objects.create(
            town_id=house.town_id,
            house=house,
            item=item,
            category=category,
            severity=category.default_severity,
            opened_at=inspected_at,
            due_at=conf.hazard_due_at(category.default_severity, opened_at=inspected_at),
        )
        hazards += 1
        _notify_landlord(
            hazard, "rentals.hazard_opened", due=timezone.localtime(hazard.due_at).strftime("%Y-%m-%d %H:%M")
        )
    if house.last_inspected_at is None or inspected_at > house.last_inspected_at:
        house.last_inspected_at = inspected_at
        house.save(update_fields=["last_inspected_at", "updated_at"])
    audit_record(
        action="rentals.inspection_recorded",
        actor=by,
        target=inspection,
        changes={"client_id": str(client_id), "hazards": hazards},
    )
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
        Hazard.objects.select_related("house__landlord", "category", "item__inspection__inspector")
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
        user=hazard.item.inspection.inspector,
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
    by its severity from ``now``; the landlord is told."""
    hazard = _lock_hazard(hazard, by, "reopen")
    _require_state(hazard, "reopen")
    hazard.reopen_reason = _required_text(reason, _("Give the reason for reopening."), "reason_required")
    hazard.due_at = conf.hazard_due_at(hazard.severity, opened_at=now or timezone.now())
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
    """
    sync_batch_require_size(len(batch))
    results: list[SyncResult] = []
    for index, item in enumerate(batch):
        client_id = str(item.get("client_id", ""))
        try:
            house = access.get_house_for(by, item["house"], action=access.INSPECT)
            location = None
            if item.get("latitude") is not None and item.get("longitude") is not None:
                location = (Decimal(str(item["latitude"])), Decimal(str(item["longitude"])))
            recorded = inspection_record(
                house=house,
                client_id=UUID(client_id),
                items=item.get("items") or [],
                by=by,
                inspected_at=item["inspected_at"],
                location=location,
                note=str(item.get("note", "")),
            )
        except Conflict as conflict:
            results.append(
                SyncResult(
                    index,
                    client_id,
                    "conflict",
                    inspection=Inspection.objects.filter(client_id=client_id).first(),
                    code=conflict.code,
                    message=conflict.message,
                    current_version=conflict.extra.get("current_version"),
                )
            )
        except Http404:
            results.append(
                SyncResult(
                    index, client_id, "refused", code="house_not_found", message=_("No such house in your grids.")
                )
            )
        except (KeyError, TypeError, ValueError):
            results.append(
                SyncResult(
                    index,
                    client_id,
                    "refused",
                    code="invalid_item",
                    message=_("Each inspection needs a client id, a house, its time and its items."),
                )
            )
        except PermissionDenied as denied:
            results.append(SyncResult(index, client_id, "refused", code="permission_denied", message=str(denied)))
        except DomainError as refused:
            results.append(SyncResult(index, client_id, "refused", code=refused.code, message=refused.message))
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
