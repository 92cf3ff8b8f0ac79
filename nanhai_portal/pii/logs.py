"""The log filter that keeps personal data out of every log line.

It imports nothing of Django, so that processes which set up logging before Django (gunicorn's
master, Celery's worker and beat) can load it.
"""

from __future__ import annotations

import logging

from nanhai_portal.pii.masking import scrub


def _message(record: logging.LogRecord) -> str:
    """The record's message with its arguments merged in, masked; both shown if they do not fit."""
    if not record.args:
        return scrub(record.msg)
    try:
        return scrub(record.getMessage())
    except Exception:  # noqa: BLE001 - "%s %s" with one argument must not lose the line
        return f"{scrub(record.msg)} (arguments: {scrub(record.args)})"


class ScrubPIIFilter(logging.Filter):
    """Masks ID numbers and mobile numbers in a record: the message with its arguments, the
    exception and the stack. Put it on handlers (a logger's filter misses propagated records).

    Never raises and never drops a record: whatever the message is (a lazy string, bytes,
    ``None``, a dict, an exception) or however its ``%`` arguments misfit, one line comes out.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.msg = _message(record)
            record.args = None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = scrub(record.exc_text)
            if record.stack_info:
                record.stack_info = scrub(record.stack_info)
        except Exception:  # noqa: BLE001 - unmasked text must not get out by another way
            record.msg, record.args = "[log record withheld: it could not be masked]", None
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True
