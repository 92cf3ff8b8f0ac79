"""Forms of the landlord's pages: registering a house, its tenants, a hazard's actions.

They parse and check the shape of the input; the services decide everything else (who may,
which grid, which state), and ``residents.forms.add_service_errors`` puts their refusals next
to the fields.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from nanhai_portal.areas.models import Grid
from nanhai_portal.validators import validate_free_text, validate_multiline_text, validate_person_name
from rentals import conf
from rentals.models import MAX_FLOORS, MAX_ROOMS, RentalHouse

PHOTO_TYPES = "image/jpeg,image/png"


class HouseRegisterForm(forms.Form):
    """出租屋登记. The landlord's own fields (name, ID and mobile numbers) are asked only of
    staff registering for a landlord (``for_landlord``); a landlord registers as themself."""

    grid = forms.ModelChoiceField(
        label=_("Grid"),
        queryset=Grid.objects.none(),
        empty_label=_("Choose the grid"),
        error_messages={
            "required": _("Choose the grid the house is in."),
            "invalid_choice": _("Choose the grid from the list."),
        },
    )
    address = forms.CharField(
        label=_("Address"),
        help_text=_("Road, number and building, as on the door."),
        max_length=200,
        validators=[validate_free_text],
        error_messages={
            "required": _("Enter the house's address."),
            "max_length": _("An address has at most %(limit_value)d characters."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    building_type = forms.ChoiceField(
        label=_("Building type"),
        choices=RentalHouse.BuildingType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the building type."), "invalid_choice": _("Choose the building type.")},
    )
    floors = forms.IntegerField(
        label=_("Floors"),
        min_value=1,
        max_value=MAX_FLOORS,
        error_messages={
            "required": _("Enter the number of floors."),
            "invalid": _("Enter the number of floors as a whole number."),
            "min_value": _("A house has at least one floor."),
            "max_value": _("At most %(limit_value)s floors."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    rooms = forms.IntegerField(
        label=_("Rooms let"),
        min_value=1,
        max_value=MAX_ROOMS,
        error_messages={
            "required": _("Enter the number of rooms."),
            "invalid": _("Enter the number of rooms as a whole number."),
            "min_value": _("At least one room."),
            "max_value": _("At most %(limit_value)s rooms."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    landlord_name = forms.CharField(
        label=_("Landlord's name"),
        max_length=32,
        required=False,
        validators=[validate_person_name],
        error_messages={"max_length": _("A name has at most %(limit_value)d characters.")},
    )
    landlord_id_number = forms.CharField(
        label=_("Landlord's ID number"),
        help_text=_("18 characters, as on the ID card; the last may be X."),
        max_length=24,
        required=False,
        error_messages={"max_length": _("An ID number has 18 characters; this one is longer.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    landlord_mobile = forms.CharField(
        label=_("Landlord's mobile number"),
        help_text=_("For the notices about hazards."),
        max_length=20,
        required=False,
        error_messages={"max_length": _("A mobile number has 11 digits and starts with 13 to 19.")},
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, grids: QuerySet[Grid], for_landlord: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["grid"]).queryset = grids
        self.for_landlord = for_landlord
        if not for_landlord:
            for name in ("landlord_name", "landlord_id_number", "landlord_mobile"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.for_landlord:
            if not cleaned.get("landlord_name") and "landlord_name" not in self.errors:
                self.add_error("landlord_name", _("Enter the landlord's name."))
            if not cleaned.get("landlord_id_number") and "landlord_id_number" not in self.errors:
                self.add_error("landlord_id_number", _("Enter the landlord's ID number."))
        return cleaned


class TenancyAddForm(forms.Form):
    """A tenant: a resident registered in the town, found by ID number, from a day."""

    id_number = forms.CharField(
        label=_("Tenant's ID number"),
        help_text=_("The tenant must be registered as a resident of this town."),
        max_length=24,
        error_messages={
            "required": _("Enter the tenant's ID number."),
            "max_length": _("An ID number has 18 characters; this one is longer."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    from_date = forms.DateField(
        label=_("Renting from"),
        error_messages={"required": _("Enter the first day of the tenancy."), "invalid": _("Enter a date.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class TenancyEndForm(forms.Form):
    tenancy = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose the tenancy to end."), "invalid": _("Choose the tenancy to end.")},
    )
    to_date = forms.DateField(
        label=_("Last day"),
        error_messages={"required": _("Enter the last day of the tenancy."), "invalid": _("Enter a date.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one field (Django's documented pattern); an empty list when none."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(item, initial) for item in files]


class RectifyForm(forms.Form):
    """The landlord's rectification (整改): what was done, with photos of the fix."""

    note = forms.CharField(
        label=_("What was done"),
        max_length=1000,
        validators=[validate_multiline_text],
        error_messages={
            "required": _("Say what was done."),
            "max_length": _("At most %(limit_value)d characters."),
        },
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Types, sizes and the number of photos are the service's to refuse, in its own words.
    photos = PhotosField(
        label=_("Photos of the fix"),
        required=False,
        allow_empty_file=True,
        widget=MultipleFileInput(attrs={"accept": PHOTO_TYPES, "capture": "environment", "multiple": True}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = _("JPEG or PNG, up to %(count)d photos.") % {"count": conf.max_photos()}


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the fix is not enough"),
        max_length=1000,
        validators=[validate_multiline_text],
        error_messages={
            "required": _("Give the reason for reopening."),
            "max_length": _("At most %(limit_value)d characters."),
        },
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VerifyForm(forms.Form):
    """Verifying takes no input: the grid worker saw the fix."""


HAZARD_FORMS: dict[str, type[forms.Form]] = {"rectify": RectifyForm, "verify": VerifyForm, "reopen": ReopenForm}
