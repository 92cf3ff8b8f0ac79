from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from nanhai_portal.areas.models import Grid
from nanhai_portal.areas.selectors import workers_serving
from nanhai_portal.tenancy import get_current_town


class GridAdminForm(forms.ModelForm):
    """The grid, and the grid workers of its town who serve it."""

    workers = forms.ModelMultipleChoiceField(
        label=_("grid workers"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Grid workers of this town who walk this grid."),
    )

    class Meta:
        model = Grid
        fields = ["town", "community", "code", "name"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The grid's own town; for a new grid, the admin's town (a district admin picks one).
        town_code = self.instance.town_id if self.instance.pk else get_current_town()
        workers: Any = self.fields["workers"]
        workers.queryset = get_user_model().objects.filter(role="grid_worker", town_id=town_code, is_active=True)
        if self.instance.pk:
            workers.initial = list(workers_serving(self.instance))
