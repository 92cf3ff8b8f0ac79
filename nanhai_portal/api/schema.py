"""OpenAPI descriptions read by drf-spectacular: the project's authentication, and the error
answers every operation may give, so that the document lists every status code it answers.

Errors are answered in one shape (``nanhai_portal.api.errors``); which ones an operation can
give follows from what it is, so they are added here once rather than on each view:

- 406 to every operation (an ``Accept`` header that no answer satisfies);
- 400 to an operation that reads a body or query parameters, or is a POST (a malformed
  ``Idempotency-Key``), 415 to one with a body, 413 to one that takes a file;
- 401 where a bearer token is read (a wrong, expired or revoked one), 403 where a role may be
  refused, 422 to a signed-in POST (an ``Idempotency-Key`` reused for another request);
- 404 to an operation on an object (a path parameter) and to a paged list (a page past the
  end), 409 to a change of an object (its state does not allow it);
- 429 to a throttled operation and to the public entry points (throttles, sign-in lockout).

A view declares more with ``@extend_schema(responses={..., 404: ERROR_RESPONSE})``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import permissions, serializers


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "nanhai_portal.accounts.tokens.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from POST /api/auth/token/, valid for 12 hours.",
        }


ErrorSerializer = inline_serializer(
    "Error",
    {
        "error": inline_serializer(
            "ErrorDetail",
            {
                "code": serializers.CharField(help_text="A stable machine name, e.g. `not_found`."),
                "message": serializers.CharField(help_text="For people, in the request's language."),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()),
                    help_text="Messages by field name (`field.sub` for nested ones); empty when none.",
                ),
            },
        )
    },
)

ERROR_RESPONSE = OpenApiResponse(ErrorSerializer, description="Refused.")

_ERRORS = {
    400: "The request is not valid (`fields` says where).",
    401: "No valid bearer token, or wrong credentials.",
    403: "The caller's role may not do this.",
    404: "Not found, or not the caller's to see.",
    406: "No answer in a type that the `Accept` header allows.",
    409: "The object's state does not allow this now.",
    413: "The upload is too large.",
    415: "The body's content type is not accepted.",
    422: "The `Idempotency-Key` was used for another request.",
    429: "Too many requests: wait for `Retry-After` seconds.",
}


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's schema, with the error answers each operation may give."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code in sorted(self._error_statuses(operation)):
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(ERROR_RESPONSE, str(code))
                responses[str(code)]["description"] = _ERRORS[code]
        return operation

    def _error_statuses(self, operation: dict[str, Any]) -> set[int]:
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        in_path = any(parameter["in"] == "path" for parameter in parameters)
        in_query = any(parameter["in"] == "query" for parameter in parameters)
        public = all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())
        statuses: set[int] = {406}
        if has_body or in_query or self.method == "POST":
            statuses.add(400)
        if has_body:
            statuses.add(415)
        if has_body and self._takes_a_file():
            statuses.add(413)
        if self.view.get_authenticators():
            statuses.add(401)
        if not public:
            statuses.add(403)
            if self.method == "POST":
                statuses.add(422)
        if in_path or (self.method == "GET" and self._is_list_view() and self._get_paginator() is not None):
            statuses.add(404)
        if in_path and self.method != "GET":
            statuses.add(409)
        if self.view.get_throttles() or not operation.get("security"):
            statuses.add(429)
        return statuses

    def _takes_a_file(self) -> bool:
        serializer = self.get_request_serializer()
        if isinstance(serializer, dict):  # {media type: serializer}
            serializer = next(iter(serializer.values()), None)
        if isinstance(serializer, type) and issubclass(serializer, serializers.BaseSerializer):
            serializer = serializer()
        fields = getattr(serializer, "fields", {})
        return any(isinstance(field, serializers.FileField) for field in fields.values())
