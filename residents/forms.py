"""Forms of the residents pages. They parse and check the shape of the input; the services
decide everything else, and ``add_service_errors`` puts their refusals next to the fields."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from nanhai_portal.areas.models import Community, Town
from nanhai_portal.errors import DomainError
from nanhai_portal.tenancy import district_context
from nanhai_portal.validators import validate_free_text, validate_multiline_text, validate_person_name
from residents.models import Application, Document
from residents.selectors import QUEUE_ALL, QUEUE_FINISHED

Kind = Application.Kind
Status = Application.Status

PHOTO_TYPES = "image/jpeg,image/png"
DOCUMENT_TYPES = "image/jpeg,image/png,application/pdf"


def add_service_errors(form: forms.Form, error: ValidationError | DomainError) -> None:
    """Put a service's refusal on ``form``: each field's messages next to that field, the rest
    (and a DomainError's message) at the top of the form."""
    if isinstance(error, DomainError):
        form.add_error(None, error.message)
        by_field: dict[str, list[str]] = error.fields
    elif hasattr(error, "error_dict"):
        by_field = error.message_dict
    else:
        form.add_error(None, error.messages)
        return
    for field, messages in by_field.items():
        form.add_error(field if field in form.fields else None, messages)


# --- Sign-up ------------------------------------------------------------------------


@dataclass(frozen=True)
class TownCommunities:
    code: str
    name: str
    communities: list[tuple[str, str]]  # (id, name)


def signup_towns() -> list[TownCommunities]:
    """Every town with its villages and communities, for the sign-up page.

    The person signing up has no town yet, so this reads across towns (a district scope,
    read-only); the names of villages and communities are public.
    """
    english = (get_language() or "").startswith("en")
    towns = {
        town.code: TownCommunities(town.code, town.name_en if english else town.name, []) for town in Town.objects.all()
    }
    with district_context():
        rows = Community.objects.for_all_towns().order_by("town_id", "code").values_list("town_id", "id", "name")
        for town_code, community_id, name in rows:
            if town_code in towns:
                towns[town_code].communities.append((str(community_id), name))
    return list(towns.values())


def _new_password_field(label: Any, *, required: Any, help_text: Any = "") -> forms.CharField:
    """A new password, typed as is (not stripped); kept in the field when the form comes back
    with an error (the sign-up pages are ``no-store``)."""
    return forms.CharField(
        label=label,
        help_text=help_text,
        strip=False,
        max_length=128,
        error_messages={
            "required": required,
            "max_length": _("A password has at most %(limit_value)d characters."),
        },
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=True),
    )


class SignupForm(forms.Form):
    """The sign-up page. Each field says in its own words what is missing or wrong; the
    passwords are given back after an error (the page is ``no-store``), never after success."""

    name = forms.CharField(
        label=_("Name (as on your ID card)"),
        max_length=32,
        validators=[validate_person_name],
        error_messages={
            "required": _("Enter your name."),
            "max_length": _("A name has at most %(limit_value)d characters."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("ID number"),
        help_text=_("18 characters, as on your ID card; the last may be X."),
        max_length=24,
        error_messages={
            "required": _("Enter your ID number."),
            "max_length": _("An ID number has 18 characters; this one is longer."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    mobile = forms.CharField(
        label=_("Mobile number"),
        help_text=_("We text a six-digit code to it. You can sign in with it later."),
        max_length=20,
        error_messages={
            "required": _("Enter your mobile number."),
            "max_length": _("A mobile number has 11 digits and starts with 13 to 19."),
        },
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    password = _new_password_field(
        _("Password"), required=_("Choose a password."), help_text=_("At least 8 characters, not only digits.")
    )
    password_again = _new_password_field(_("Password again"), required=_("Type the password again."))
    town = forms.ChoiceField(
        label=_("Town or street"),
        error_messages={
            "required": _("Choose your town or street."),
            "invalid_choice": _("Choose your town or street from the list."),
        },
    )
    community = forms.ChoiceField(
        label=_("Village or community"),
        error_messages={
            "required": _("Choose your village or community."),
            "invalid_choice": _("Choose your village or community from the list."),
        },
    )
    consent = forms.BooleanField(
        label=_("I have read and agree to the rules for processing personal information."),
        error_messages={"required": _("Read and agree to the rules for processing your personal information.")},
    )

    def __init__(self, *args: Any, towns: list[TownCommunities], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.towns = towns
        cast(forms.ChoiceField, self.fields["town"]).choices = [
            ("", _("Choose your town or street")),
            *((t.code, t.name) for t in towns),
        ]
        cast(forms.ChoiceField, self.fields["community"]).choices = [
            ("", _("Choose your village or community")),
            *((t.name, t.communities) for t in towns),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password") and cleaned.get("password_again") not in (None, cleaned["password"]):
            self.add_error("password_again", _("The two passwords are not the same."))
        return cleaned


class SignupVerifyForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\d{6}$",
        label=_("Code from the SMS"),
        help_text=_("Six digits, valid for 10 minutes."),
        max_length=6,
        error_messages={
            "required": _("Enter the code from the SMS."),
            "invalid": _("Enter the six digits of the code."),
            "max_length": _("Enter the six digits of the code."),
        },
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}", "maxlength": "6"}
        ),
    )


# --- Applying -----------------------------------------------------------------------


class ApplicationDetailsForm(forms.Form):
    """Basis and delivery: chosen when applying, changed while a draft or returned."""

    basis = forms.ChoiceField(
        label=_("You live in Nanhai because of"),
        choices=Application.Basis.choices,
        initial=Application.Basis.JOB,
        widget=forms.RadioSelect,
    )
    delivery = forms.ChoiceField(
        label=_("How you get the result"),
        choices=Application.Delivery.choices,
        initial=Application.Delivery.PICKUP,
        widget=forms.RadioSelect,
    )
    postal_address = forms.CharField(
        label=_("Postal address"),
        help_text=_("Only for postal delivery: the card is posted to you, no visit needed."),
        required=False,
        max_length=200,
        validators=[validate_free_text],
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    # "Postal delivery needs an address" has one home, the model (and its database constraint):
    # the service's refusal is shown next to the field by ``add_service_errors``.


class ApplyForm(ApplicationDetailsForm):
    """Step 1 of applying. The basis is asked, never preselected: it decides which proof the
    resident uploads, so a guess would send them for the wrong paper."""

    kind = forms.ChoiceField(
        label=_("What do you apply for?"),
        choices=Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you apply for.")},
    )
    basis = forms.ChoiceField(
        label=_("You live in Nanhai because of"),
        help_text=_("Asked for a residence permit: it decides which proof you upload."),
        choices=Application.Basis.choices,
        required=False,  # required for a permit only (``clean``)
        widget=forms.RadioSelect,
    )

    field_order = ["kind", "basis", "delivery", "postal_address"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("basis"):
            if cleaned.get("kind") == Kind.PERMIT_ISSUE:
                self.add_error("basis", _("Choose why you live in Nanhai: a job, a home or study."))
            else:
                cleaned.pop("basis", None)  # not asked for other kinds: the service's default stands
        return cleaned


class EndorseForm(forms.Form):
    """How the endorsed permit comes back: asked on the permit page before the draft is made,
    with no answer chosen in advance (a visit is not the default)."""

    delivery = forms.ChoiceField(
        label=_("How you get the result"),
        choices=Application.Delivery.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how you get the endorsed permit: at the service centre or by post."),
            "invalid_choice": _("Choose how you get the endorsed permit: at the service centre or by post."),
        },
    )
    postal_address = forms.CharField(
        label=_("Postal address"),
        help_text=_("Only for postal delivery: the card is posted to you, no visit needed."),
        required=False,
        max_length=200,
        validators=[validate_free_text],
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
        error_messages={"max_length": _("The postal address is too long: at most %(limit_value)d characters.")},
    )
    # As in ApplicationDetailsForm, "post needs an address" is the model's to refuse.


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of document"),
        choices=[("", _("Choose the kind of document")), *Document.Kind.choices],
        error_messages={"required": _("Choose the kind of document.")},
    )
    # Empty files, sizes and types are the service's to refuse, with its own words.
    file = forms.FileField(
        label=_("File"), allow_empty_file=True, error_messages={"required": _("Choose a file to upload.")}
    )


# --- Reviewing ----------------------------------------------------------------------


class ReturnForm(forms.Form):
    reasons = forms.CharField(
        label=_("What should the resident correct? One reason per line."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_reasons(self) -> list[str]:
        reasons = [line.strip() for line in self.cleaned_data["reasons"].splitlines() if line.strip()]
        for reason in reasons:
            validate_free_text(reason)
        return reasons


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        required=False,
        max_length=500,
        validators=[validate_multiline_text],
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DeliverForm(forms.Form):
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        help_text=_("Needed when the result goes by post."),
        required=False,
        max_length=40,
        validators=[validate_free_text],
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class QueueFilterForm(forms.Form):
    """The queue's filters. Without a state it shows the work to do (``selectors.OFFICER_WORK``);
    finished applications only when asked for."""

    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Kind.choices])
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("To do")),
            *((value, label) for value, label in Status.choices if value != Status.DRAFT),
            (QUEUE_FINISHED, _("Finished (delivered or rejected)")),
            (QUEUE_ALL, _("All states")),
        ],
    )
    overdue = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[("", _("All")), ("yes", _("Overdue only")), ("no", _("Not overdue"))],
    )


class UUIDListField(forms.Field):
    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[uuid.UUID]:
        if not value:
            return []
        try:
            return [uuid.UUID(str(item)) for item in value]
        except ValueError:
            raise ValidationError(_("Choose applications from the list."), code="invalid") from None


class BulkApproveForm(forms.Form):
    ids = UUIDListField(error_messages={"required": _("Choose at least one application.")})
