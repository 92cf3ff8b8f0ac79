"""Forms of the education pages: they parse what the family or the officer typed; every rule is
the services' (``education.services``), whose refusals the views put back on the form."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from education.models import AdmissionApplication, Grade, RoundSchool, SchemeItem, localized
from education.services.applications import DECISIONS

DECISION_LABELS = {"accept": _("accept"), "adjust": _("adjust"), "reject": _("reject")}


def _item_label(item: SchemeItem) -> str:
    return localized(item.name_zh, item.name_en)


def _quantity_field(item: SchemeItem) -> forms.DecimalField:
    documents = "、".join(str(document) for document in item.documents)
    return forms.DecimalField(
        label=f"{_item_label(item)} ({item.get_unit_display()})",
        required=False,
        min_value=Decimal(0),
        max_digits=9,
        decimal_places=2,
        help_text=_("Documents: %(documents)s") % {"documents": documents} if documents else "",
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )


class ClaimsMixin:
    """One optional quantity per scheme item, named ``item_<code>``; ``claims()`` gives the
    filled ones by code."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def add_items(self, items: Iterable[SchemeItem]) -> None:
        self.item_fields: list[str] = []
        for item in items:
            name = f"item_{item.code}"
            self.fields[name] = _quantity_field(item)
            self.item_fields.append(name)

    def claims(self) -> dict[str, Decimal]:
        return {
            name.removeprefix("item_"): self.cleaned_data[name]
            for name in self.item_fields
            if self.cleaned_data.get(name) not in (None, Decimal(0))
        }

    def item_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.item_fields]  # type: ignore[index]


class CalculatorForm(ClaimsMixin, forms.Form):
    """The calculator ("how many points would I have"): the quantities of a round's items (nothing is stored)."""

    def __init__(self, *args: Any, items: Iterable[SchemeItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_items(items)


class ApplyForm(ClaimsMixin, forms.Form):
    """One page to apply: the child, the guardian's consent, the grade, the ordered school
    choices (a select per rank, up to the round's limit) and the family's claims."""

    child_name = forms.CharField(label=_("Child's name"), max_length=50)
    child_id_number = forms.CharField(
        label=_("Child's ID number"), max_length=18, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    relationship = forms.ChoiceField(
        label=_("Your relationship to the child"),
        choices=AdmissionApplication.Relationship.choices,
        widget=forms.RadioSelect,
    )
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices, widget=forms.RadioSelect)
    consent = forms.BooleanField(
        label=_("I am the child's guardian and consent to the use of the child's data for this application."),
        required=False,
        help_text=_(
            "A child's ID number and name are sensitive personal information: they are used only to decide "
            "this application, stored encrypted, and shown masked to everyone but the officer who verifies it."
        ),
    )

    def __init__(
        self, *args: Any, schools: Iterable[RoundSchool], max_choices: int, items: Iterable[SchemeItem], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        options = [("", _("— none —"))] + [(str(school.pk), school.school.name) for school in schools]
        self.choice_fields: list[str] = []
        for rank in range(1, max_choices + 1):
            name = f"choice_{rank}"
            self.fields[name] = forms.ChoiceField(
                label=_("Choice %(rank)d") % {"rank": rank}, choices=options, required=False
            )
            self.choice_fields.append(name)
        self.add_items(items)

    def choices_in_order(self) -> list[str]:
        return [self.cleaned_data[name] for name in self.choice_fields if self.cleaned_data.get(name)]

    def choice_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.choice_fields]


class DocumentForm(forms.Form):
    """A document for one claimed item."""

    item = forms.ChoiceField(label=_("For the item"))
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))

    def __init__(self, *args: Any, items: Iterable[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        item_field = self.fields["item"]
        assert isinstance(item_field, forms.ChoiceField)
        item_field.choices = list(items)


class ObjectionForm(forms.Form):
    reason = forms.CharField(label=_("What is wrong with your points"), widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("A document that shows it (optional)"), required=False)


class FactDecisionForm(forms.Form):
    """An officer's decision on one fact (prefixed by the fact's item code)."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(value, DECISION_LABELS[value]) for value in DECISIONS],
        widget=forms.RadioSelect,
    )
    quantity = forms.DecimalField(
        label=_("Verified quantity (to adjust)"), required=False, min_value=Decimal(0), max_digits=9, decimal_places=2
    )
    reason = forms.CharField(label=_("Reason (to adjust or reject)"), required=False, max_length=500)


class ObjectionAnswerForm(forms.Form):
    """The answer to an objection: upheld with one fact decided again, or dismissed; a reason."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("dismissed", _("dismissed")), ("upheld", _("upheld: decide a fact again"))],
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(label=_("Answer and its reason"), widget=forms.Textarea(attrs={"rows": 3}))
    item = forms.ChoiceField(label=_("Fact decided again"), required=False)
    decision = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=[("", "—")] + [(value, DECISION_LABELS[value]) for value in DECISIONS],
    )
    quantity = forms.DecimalField(
        label=_("Verified quantity (to adjust)"), required=False, min_value=Decimal(0), max_digits=9, decimal_places=2
    )

    def __init__(self, *args: Any, items: Iterable[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        item_field = self.fields["item"]
        assert isinstance(item_field, forms.ChoiceField)
        item_field.choices = [("", "—"), *items]


class DeclineForm(forms.Form):
    """Declining a place is final: the family ticks that it understands."""

    confirm = forms.BooleanField(
        label=_("I understand that the place goes to another child and cannot be taken back."),
        required=True,
        error_messages={"required": _("Tick the box to confirm that you decline the place.")},
    )


class SecondChoicesForm(forms.Form):
    """The second round's new choices: a select per rank among the schools with places left."""

    def __init__(self, *args: Any, schools: Iterable[RoundSchool], max_choices: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options: list[tuple[str, Any]] = [("", _("— none —"))]
        for school in schools:
            free: int = getattr(school, "free", school.places - school.held)
            label = ngettext("%(name)s (%(free)d place left)", "%(name)s (%(free)d places left)", free)
            options.append((str(school.pk), label % {"name": school.school.name, "free": free}))
        self.choice_fields: list[str] = []
        for rank in range(1, max_choices + 1):
            name = f"choice_{rank}"
            self.fields[name] = forms.ChoiceField(
                label=_("Choice %(rank)d") % {"rank": rank}, choices=options, required=False
            )
            self.choice_fields.append(name)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        extra = [
            name
            for name, value in self.data.items()
            if name.startswith("choice_") and name not in self.choice_fields and value
        ]
        if extra:
            raise forms.ValidationError(
                _("Choose at most %(limit)d schools.") % {"limit": len(self.choice_fields)}, code="too_many"
            )
        return cleaned

    def choices_in_order(self) -> list[str]:
        return [self.cleaned_data[name] for name in self.choice_fields if self.cleaned_data.get(name)]

    def choice_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.choice_fields]
