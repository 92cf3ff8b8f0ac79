"""The portal's own 404 in development too: a page in the reader's language, JSON under /api/.

With ``DEBUG`` on, Django answers an unknown URL, and an ``Http404`` a view raises, with its
technical page, which walks every setting through the exception reporter filter: slow, in
English only, and not what production shows (``handler404``). Browsers ask for pages that do
not exist all the time (``/apple-touch-icon.png``), so that page must be cheap.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from nanhai_portal.views import not_found


class NotFoundMiddleware:
    """Answers with ``handler404``'s response where Django would show its technical 404.

    Placed after ``CommonMiddleware`` (whose slash redirect needs the 404 to come back through
    it) and inside ``TownMiddleware`` (the page's header reads the signed-in person's town).
    Without ``DEBUG`` only ``process_exception`` acts, and it answers what ``handler404`` would.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DEBUG:
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as error:
                return not_found(request, error)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return not_found(request, exception) if isinstance(exception, Http404) else None
