"""The filters that keep personal data out of log lines and error reports never raise, and every
handler of the process carries the log filter."""

from __future__ import annotations

import io
import logging
import sys

import pytest
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy

from nanhai_portal.pii.logs import ScrubPIIFilter
from nanhai_portal.pii.reporting import PIIScrubbingExceptionReporterFilter

MOBILE = "13812345678"


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text")

    def __repr__(self) -> str:
        raise RuntimeError("no repr either")


def written(msg: object, args: object = None, exc_info: bool = False) -> str:
    """What a handler with the filter writes for one record; fails if logging reports an error."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ScrubPIIFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    errors: list[logging.LogRecord] = []
    handler.handleError = errors.append  # type: ignore[method-assign]
    try:
        raise ValueError(f"no account for {MOBILE}")
    except ValueError:
        exception = sys.exc_info() if exc_info else None
    record = logging.LogRecord("probe", logging.WARNING, __file__, 1, msg, args, exception)  # type: ignore[arg-type]
    handler.handle(record)
    assert errors == [], "the handler could not write the record"
    return stream.getvalue()


@pytest.mark.parametrize(
    ("msg", "args", "expected"),
    [
        ("lookup %s for %s", ("44060519900307123X", MOBILE), "WARNING lookup 44**************3X for 138****5678\n"),
        ("%(tel)s called", ({"tel": f"+86 {MOBILE}"},), "WARNING +86 138****5678 called\n"),
        (gettext_lazy("Mobile %s"), (MOBILE,), "WARNING Mobile 138****5678\n"),
        (SimpleLazyObject(lambda: f"tel {MOBILE}"), None, "WARNING tel 138****5678\n"),
        (MOBILE.encode(), None, "WARNING b'138****5678'\n"),
        (None, None, "WARNING None\n"),
        ({"mobile": MOBILE}, None, "WARNING {'mobile': '138****5678'}\n"),
        ([MOBILE], None, "WARNING ['138****5678']\n"),
        (ValueError(f"no account for {MOBILE}"), None, "WARNING no account for 138****5678\n"),
        ("100% of %s", (MOBILE,), "WARNING 100% of %s (arguments: ('138****5678',))\n"),
        ("%s and %s", (MOBILE,), "WARNING %s and %s (arguments: ('138****5678',))\n"),
        ("%(missing)s", ({"tel": MOBILE},), "WARNING %(missing)s (arguments: {'tel': '138****5678'})\n"),
        ("no arguments %s", None, "WARNING no arguments %s\n"),
        (Unprintable(), None, "WARNING <unprintable Unprintable>\n"),
        ("tel %s", (Unprintable(),), "WARNING tel %s (arguments: <unprintable tuple>)\n"),
    ],
)
def test_the_log_filter_writes_one_masked_line_whatever_the_record_holds(
    msg: object, args: object, expected: str
) -> None:
    assert written(msg, args) == expected


def test_the_log_filter_masks_the_traceback() -> None:
    line = written("failed for %s", (MOBILE,), exc_info=True)
    assert "failed for 138****5678" in line and "ValueError: no account for 138****5678" in line
    assert MOBILE not in line


def test_the_log_filter_masks_the_stack() -> None:
    record = logging.LogRecord("probe", logging.INFO, __file__, 1, "x", None, None, sinfo=f"Stack: tel {MOBILE}")
    ScrubPIIFilter().filter(record)
    assert record.stack_info == "Stack: tel 138****5678"


def test_error_reports_survive_lazy_settings_and_mask_them(settings: object) -> None:
    """The technical error pages read every setting: django-axes keeps some lazy (the 404 crash)."""
    settings.PORTAL_HOTLINE = SimpleLazyObject(lambda: f"+86 {MOBILE}")  # type: ignore[attr-defined]
    settings.PORTAL_HOTLINE_LABEL = gettext_lazy("Hotline")  # type: ignore[attr-defined]
    settings.PORTAL_CONTACTS = {"office": [f"tel {MOBILE}", None, b"x"]}  # type: ignore[attr-defined]

    safe = PIIScrubbingExceptionReporterFilter().get_safe_settings()

    assert safe["AXES_USERNAME_FORM_FIELD"] == "username"
    assert safe["PORTAL_HOTLINE"] == "+86 138****5678"
    assert safe["PORTAL_HOTLINE_LABEL"] in ("Hotline", "热线")
    assert safe["PORTAL_CONTACTS"] == {"office": ["tel 138****5678", None, "b'x'"]}


def test_error_reports_mask_request_data_and_frame_variables() -> None:
    request = RequestFactory().post("/login/", {"username": "+86 138-1234-5678", "note": "ok"})
    cleaned = PIIScrubbingExceptionReporterFilter().get_post_parameters(request)
    assert cleaned["username"] == "+86 138****5678" and cleaned["note"] == "ok"

    def failing(tel: object, lazy: object, unprintable: object) -> None:
        raise ValueError

    try:
        failing(MOBILE, SimpleLazyObject(lambda: f"tel {MOBILE}"), Unprintable())
    except ValueError:
        frame = sys.exc_info()[2].tb_next.tb_frame  # type: ignore[union-attr]
    variables = dict(PIIScrubbingExceptionReporterFilter().get_traceback_frame_variables(request, frame))
    assert variables == {"tel": "138****5678", "lazy": "tel 138****5678", "unprintable": "<unprintable Unprintable>"}


def test_every_handler_in_the_process_carries_the_filter(settings: object) -> None:
    """Django's defaults put a console handler of their own on "django"; none may be left."""
    assert settings.LOGGING["root"]["handlers"] == ["console"]  # type: ignore[attr-defined]
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in list(logging.Logger.manager.loggerDict))]
    handlers = {
        (handler, logger.name)
        for logger in loggers
        for handler in logger.handlers
        # pytest's capture, and handlers that write nothing, are no way out
        if not type(handler).__module__.startswith("_pytest") and not isinstance(handler, logging.NullHandler)
    }
    assert handlers, "the root logger has no handler"
    for handler, name in handlers:
        assert any(isinstance(f, ScrubPIIFilter) for f in handler.filters), (name, handler)
    for name in ("django", "django.server", "celery", "gunicorn.access", "gunicorn.error", "axes", "push_response"):
        logger = logging.getLogger(name)
        assert logger.handlers == [] and logger.propagate, f"{name} writes through a handler of its own"
