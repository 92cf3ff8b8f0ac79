"""The upload form of the jobs page (the checks of the file itself are in ``files``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from nanhai_portal.jobs.importers import importer_choices


class ImportJobForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=())
    file = forms.FileField(
        label=_("File (.csv or .xlsx)"),
        allow_empty_file=True,
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind: Any = self.fields["kind"]
        kind.choices = importer_choices()
