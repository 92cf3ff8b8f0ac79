"""Keeping personal data out of logs and error reports."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter

from nanhai_portal.pii.masking import scrub


class ScrubPIIFilter(logging.Filter):
    """Masks ID numbers and mobile numbers in every log record, arguments included."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = scrub(str(record.msg))
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


class PIIScrubbingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's error reports, with personal data masked in request data and frame variables."""

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        parameters = super().get_post_parameters(request)
        if request is None:
            return parameters
        cleaned: Any = parameters.copy()
        for key in cleaned:
            cleaned.setlist(key, [scrub(str(value)) for value in cleaned.getlist(key)])
        return cleaned

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleansed = super().cleanse_setting(key, value)
        return scrub(cleansed) if isinstance(cleansed, str) else cleansed

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        return [(name, scrub(str(value))) for name, value in super().get_traceback_frame_variables(request, tb_frame)]
