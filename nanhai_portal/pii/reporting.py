"""Keeping personal data out of logs and error reports."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter

from nanhai_portal.pii.logs import ScrubPIIFilter
from nanhai_portal.pii.masking import scrub

__all__ = ["PIIScrubbingExceptionReporterFilter", "ScrubPIIFilter"]


class PIIScrubbingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's error reports, with personal data masked in request data and frame variables."""

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        parameters = super().get_post_parameters(request)
        if request is None:
            return parameters
        if not hasattr(parameters, "getlist"):
            return {key: scrub(value) for key, value in parameters.items()}
        cleaned: Any = parameters.copy()
        for key in cleaned:
            cleaned.setlist(key, [scrub(value) for value in cleaned.getlist(key)])
        return cleaned

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        # isinstance() is true of a lazy string (gettext_lazy, django-axes' lazy settings) too:
        # scrub() takes it as it is.
        cleansed = super().cleanse_setting(key, value)
        return scrub(cleansed) if isinstance(cleansed, str | bytes) else cleansed

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        return [(name, scrub(value)) for name, value in super().get_traceback_frame_variables(request, tb_frame)]
