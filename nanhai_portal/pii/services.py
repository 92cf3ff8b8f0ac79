"""Revealing personal data in full: an explicit, permitted, audited action."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from nanhai_portal.audit.services import audit_record
from nanhai_portal.pii.fields import EncryptedField
from nanhai_portal.pii.masking import mask_id_number, mask_mobile
from nanhai_portal.tenancy import get_current_town, is_district_scope

REVEAL_PERMISSION = "accounts.reveal_pii"


def masked(kind: str, value: str | None) -> str:
    """A stored value as a screen shows it by default."""
    return mask_id_number(value) if kind == "id_number" else mask_mobile(value) if kind == "mobile" else "****"


def _visible(model: type[models.Model], object_id: str, actor: Any) -> models.Model:
    """The object, if the actor may see it at all; otherwise ObjectDoesNotExist (a 404)."""
    manager: Any = model._default_manager
    if hasattr(manager, "for_all_towns"):  # tenant-owned: the caller's town (or district scope)
        queryset = manager.for_all_towns() if is_district_scope() else manager.all()
    elif model is apps.get_model("accounts", "User"):  # accounts: the same town, or the district
        queryset = manager.all() if is_district_scope() else manager.filter(town_id=get_current_town())
    else:
        raise ObjectDoesNotExist
    try:
        return queryset.get(pk=object_id)
    except (ValueError, ValidationError):
        raise ObjectDoesNotExist from None


@transaction.atomic
def pii_reveal(*, actor: Any, object_type: str, object_id: str, field: str) -> str:
    """The full value of an encrypted field, for a role that needs it. Writes an audit event.

    Raises ObjectDoesNotExist when the model or field is unknown (checked first, so that no
    caller meets an unexpected error), PermissionDenied when the actor's role may not reveal
    personal data (whatever the object), and ObjectDoesNotExist when the object is not there
    or not the actor's to see.
    """
    try:
        model = apps.get_model(object_type)
        # A town-scoped record may keep its personal data on a district-wide holder (a
        # registration's person): the record decides who sees it, the holder has the field.
        holder_path: str | None = getattr(model, "personal_data_from", None)
        holder_model = model._meta.get_field(holder_path).related_model if holder_path else model
        model_field = holder_model._meta.get_field(field)
    except (LookupError, ValueError, FieldDoesNotExist):
        raise ObjectDoesNotExist from None
    if not actor.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied(_("Your role may not see personal data in full."))
    if not isinstance(model_field, EncryptedField):
        raise ObjectDoesNotExist
    target = _visible(model, object_id, actor)
    value = getattr(getattr(target, holder_path) if holder_path else target, field)
    audit_record(
        action="pii.revealed",
        actor=actor,
        target=target,
        changes={"field": field, "value": masked(model_field.kind, value)},
    )
    return value or ""
