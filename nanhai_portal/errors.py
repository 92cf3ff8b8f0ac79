"""Refusals that services raise, and that the API turns into the one error shape.

Services know nothing of HTTP but say what kind of refusal it is: ``status`` is the HTTP
status a client should get, ``code`` a stable machine name, ``extra`` more detail that
goes into the error object (``{"error": {"code", "message", "fields", **extra}}``).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.fields = fields or {}
        self.extra = extra


class InvalidTransition(DomainError):
    """The object is not in a state that allows this action (HTTP 409)."""

    status = 409
    code = "invalid_transition"
