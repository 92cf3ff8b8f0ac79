"""Refusing a request body that is too large from its ``Content-Length``, before reading it.

Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not count uploaded files, and its upload
handlers spool any size to disk; so a 2 GB POST to any URL would be read (and written)
in full before a view could refuse it. This middleware answers 413 at once when the
declared length exceeds what the URL accepts: a view that takes an upload says how much
with ``@accepts_upload(limit)`` (on a function view, or on a DRF viewset's action or
``create``); every other URL takes ``DATA_UPLOAD_MAX_MEMORY_SIZE``. Both get
``MULTIPART_OVERHEAD`` on top for the multipart framing and the form's other fields.

A body without ``Content-Length`` (chunked) is read by Django as empty, so it needs no
check here; the front proxy's own limit (``client_max_body_size``) should match the
largest upload.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from nanhai_portal.api.errors import error_response

MULTIPART_OVERHEAD = 64 * 1024
_DEFAULT_DATA_BYTES = 2_621_440  # Django's default DATA_UPLOAD_MAX_MEMORY_SIZE

View = TypeVar("View", bound=Callable[..., Any])


def accepts_upload(limit: Callable[[], int]) -> Callable[[View], View]:
    """Mark a view (or a DRF action) as taking a file of up to ``limit()`` bytes.

    ``limit`` is called per request, so that settings changed at run time (tests) apply.
    ``functools.wraps`` in later decorators carries the mark to the outer function.
    """

    def mark(view: View) -> View:
        view.accepts_upload_bytes = limit  # type: ignore[attr-defined]
        return view

    return mark


def default_limit() -> int:
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or _DEFAULT_DATA_BYTES) + MULTIPART_OVERHEAD


def limit_for(request: HttpRequest) -> int:
    """The largest body ``request``'s URL and method accept."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return default_limit()
    view: Any = match.func
    marked = getattr(view, "accepts_upload_bytes", None)
    view_class = getattr(view, "cls", None)
    if marked is None and view_class is not None:
        method = (request.method or "").lower()
        handler_name = (getattr(view, "actions", None) or {}).get(method, method)  # a viewset, or an APIView
        marked = getattr(getattr(view_class, handler_name, None), "accepts_upload_bytes", None)
    if marked is None:
        return default_limit()
    return max(int(marked()) + MULTIPART_OVERHEAD, default_limit())


class RequestBodyLimitMiddleware:
    """413 before the body is read when ``Content-Length`` is over the URL's limit.

    Place it before anything that may read the body (CSRF, the views); it reads only headers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django reads a malformed length as no body at all
        if declared > default_limit():
            limit = limit_for(request)
            if declared > limit:
                return too_large(request, declared=declared, limit=limit)
        return self.get_response(request)


def too_large(request: HttpRequest, *, declared: int, limit: int) -> HttpResponse:
    message = _("The request is %(size)s; this address accepts at most %(limit)s.") % {
        "size": filesizeformat(declared),
        "limit": filesizeformat(limit),
    }
    if request.path_info.startswith("/api/"):
        response: HttpResponse = error_response(413, "request_too_large", message)
    else:
        response = render(request, "413.html", {"message": message}, status=413)
    response["Connection"] = "close"  # the unread body must not be taken for the next request
    return response
