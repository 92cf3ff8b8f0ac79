"""Forms of the governance pages: they parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from governance.models import Candidate, Post, Voter

COUNT_LIMIT = 1_000_000


class VoterDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("approve")), ("0", _("refuse"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason (when refusing)"), max_length=1000, required=False)


class NominateForm(forms.Form):
    voter = forms.ModelChoiceField(label=_("Voter"), queryset=Voter.objects.none())
    post = forms.ChoiceField(
        label=_("Post"), choices=[(p.value, p.label) for p in (Post.DIRECTOR, Post.DEPUTY, Post.MEMBER)]
    )

    def __init__(self, *args: Any, voters: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if voters is not None:
            self.fields["voter"].queryset = voters  # type: ignore[attr-defined]


class StationForm(forms.Form):
    name = forms.CharField(label=_("Station name"), max_length=100)
    ballots_issued = forms.IntegerField(label=_("Ballots issued"), min_value=0, max_value=COUNT_LIMIT)


class CountForm(forms.Form):
    """A station's figures, one number field per candidate (``votes_<id>``), phone keypads."""

    ballots_cast = forms.IntegerField(label=_("Ballots cast"), min_value=0, max_value=COUNT_LIMIT)
    invalid_ballots = forms.IntegerField(label=_("Invalid ballots"), min_value=0, max_value=COUNT_LIMIT)

    def __init__(self, *args: Any, candidates: list[Candidate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        for candidate in candidates:
            self.fields[f"votes_{candidate.pk}"] = forms.IntegerField(
                label=f"{candidate.voter.person.name} ({candidate.get_post_display()})",
                min_value=0,
                max_value=COUNT_LIMIT,
                initial=0,
            )
        for field in self.fields.values():
            field.widget.attrs.update({"inputmode": "numeric"})

    def votes(self) -> dict[str, int]:
        return {str(c.pk): self.cleaned_data[f"votes_{c.pk}"] for c in self.candidates}
