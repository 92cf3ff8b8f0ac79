"""The residents API: applications with their workflow actions, documents, permits."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from nanhai_portal.accounts.models import PRIVACY_NOTICE_DATE, PRIVACY_NOTICE_VERSION
from nanhai_portal.accounts.serializers import TokenSerializer
from nanhai_portal.accounts.tokens import token_issue
from nanhai_portal.api.errors import ServiceError
from nanhai_portal.api.idempotency import idempotent
from nanhai_portal.api.viewsets import TenantViewSet
from nanhai_portal.bodylimit import accepts_upload
from nanhai_portal.throttling import address_throttle, global_throttle, mobile_throttle
from residents import access, selectors, services, signup
from residents.models import Application, Permit
from residents.serializers import (
    ApplicationCreateSerializer,
    ApplicationListSerializer,
    ApplicationSerializer,
    ApplicationUpdateSerializer,
    BulkApproveSerializer,
    DeliverSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    PermitSerializer,
    PrecheckSerializer,
    PrivacyNoticeSerializer,
    RejectSerializer,
    ReturnSerializer,
    SignupResentSerializer,
    SignupSerializer,
    SignupStartedSerializer,
    SignupVerifySerializer,
)
from residents.uploads import max_document_bytes

SIGNUP_THROTTLES = [
    address_throttle("signup.address"),
    mobile_throttle("signup.mobile"),
    global_throttle("signup.global"),
]


QUEUE_PARAMETERS = [
    OpenApiParameter("kind", str, enum=Application.Kind.values, description="Only applications of this kind."),
    OpenApiParameter(
        "status",
        str,
        enum=[*(value for value in Application.Status.values if value != "draft"), "finished", "all"],
        description=(
            "Which applications. Without it, an officer gets the work to do (submitted, accepted, approved and "
            "issued: overdue first, then the nearest deadline, then the oldest submission) and a resident "
            "their own applications, newest first. `finished`: delivered and rejected, the most recently "
            "decided first; `all`: every state but draft; a state: only that state."
        ),
    ),
    OpenApiParameter("overdue", bool, description="`true`: only those past their deadline; `false`: the others."),
]


class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Applications: a resident's own, or the officer's town's queue.

    The officer's list is the work to do (``selectors.review_queue``, as on the queue page):
    submitted, accepted, approved and issued applications, overdue first, then the nearest
    deadline, then the oldest submission. Finished ones only with ``status=finished`` (or
    ``delivered``, ``rejected``, ``all``). Filters: ``kind``, ``status``, ``overdue=true|false``.
    """

    model = Application
    serializer_class = ApplicationSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filter_backends: list[Any] = []

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        user = self.request.user
        if self.action != "list":
            return access.applications_visible_to(user).prefetch_related("documents", "steps__actor")
        params = self.request.query_params
        if not access.is_reviewer(user) and not params.get("status"):
            return access.applications_visible_to(user).order_by("-created_at")  # a resident sees drafts too
        return selectors.review_queue(
            user=user,
            kind=params.get("kind") or None,
            status=params.get("status") or None,
            overdue={"true": True, "false": False}.get(params.get("overdue", "")),
        )

    def _application(self, action: str) -> Application:
        """The application of the URL for ``action``: 404 when not visible, 403 when not allowed."""
        return access.get_application_for(self.request.user, self.kwargs["pk"], action=action)

    @extend_schema(
        parameters=QUEUE_PARAMETERS,
        description=(
            "A resident's own applications, or an officer's queue. The officer's default is the work to do "
            "(submitted, accepted, approved, issued): overdue first, then the nearest deadline, then the "
            "oldest submission. Finished applications (delivered, rejected) only with `status=finished`, "
            "their own state or `all`."
        ),
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def get_serializer_class(self) -> Any:
        return ApplicationListSerializer if self.action == "list" else ApplicationSerializer

    def _reply(self, application: Application, code: int = status.HTTP_200_OK) -> Response:
        fresh = access.get_application_for(self.request.user, application.pk)
        return Response(ApplicationSerializer(fresh).data, status=code)

    @extend_schema(request=ApplicationCreateSerializer, responses={201: ApplicationSerializer})
    @idempotent
    def create(self, request: Request) -> Response:
        data = ApplicationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        resident = access.resident_of(request.user)
        if resident is None:
            raise ServiceError(
                "no_resident_record", _("Sign up as a resident before applying."), status.HTTP_400_BAD_REQUEST
            )
        application = services.application_create(
            resident=resident, by=access.acting_user(request.user), **data.validated_data
        )
        return self._reply(application, status.HTTP_201_CREATED)

    @extend_schema(request=ApplicationUpdateSerializer, responses=ApplicationSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        application = self._application(access.APPLY)
        data = ApplicationUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        return self._reply(
            services.application_update(
                application=application, by=access.acting_user(request.user), **data.validated_data
            )
        )

    @extend_schema(request={"multipart/form-data": DocumentUploadSerializer}, responses={201: DocumentSerializer})
    @accepts_upload(max_document_bytes)
    @action(detail=True, methods=["post"])
    @idempotent
    def documents(self, request: Request, pk: str) -> Response:
        application = self._application(access.APPLY)
        data = DocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.application_add_document(
            application=application,
            kind=data.validated_data["kind"],
            upload=data.validated_data["file"],
            by=access.acting_user(request.user),
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (200, "image/jpeg", "image/png", "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file as uploaded: a photo or a PDF."
            )
        }
    )
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>[0-9a-f-]{36})", url_name="document")
    def document(self, request: Request, pk: str, document_id: str) -> FileResponse:
        """The file, for the applicant and the reviewing town's staff only."""
        found = access.get_document_for(request.user, pk, document_id)
        response = FileResponse(found.file.open("rb"), content_type=found.content_type)
        response["Content-Disposition"] = f'inline; filename="{found.kind}"'
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(responses=PrecheckSerializer)
    @action(detail=True, methods=["get"])
    def precheck(self, request: Request, pk: str) -> Response:
        missing = services.application_precheck(self._application(access.VIEW))
        return Response({"eligible": not missing, "missing": [item.as_dict() for item in missing]})

    def _transition(self, request: Request, service: Any, action: str, serializer: Any = None) -> Response:
        application = self._application(action)
        extra: dict[str, Any] = {}
        if serializer is not None:
            data = serializer(data=request.data)
            data.is_valid(raise_exception=True)
            extra = dict(data.validated_data)
        return self._reply(service(application=application, by=access.acting_user(request.user), **extra))

    @extend_schema(request=None, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request: Request, pk: str) -> Response:
        return self._transition(request, services.application_submit, access.APPLY)

    @extend_schema(request=None, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def accept(self, request: Request, pk: str) -> Response:
        return self._transition(request, services.application_accept, access.REVIEW)

    @extend_schema(request=ReturnSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    @idempotent
    def return_(self, request: Request, pk: str) -> Response:
        return self._transition(request, services.application_return, access.REVIEW, ReturnSerializer)

    @extend_schema(request=None, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request: Request, pk: str) -> Response:
        return self._transition(request, services.application_approve, access.REVIEW)

    @extend_schema(request=RejectSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def reject(self, request: Request, pk: str) -> Response:
        return self._transition(request, services.application_reject, access.REVIEW, RejectSerializer)

    @extend_schema(request=None, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def issue(self, request: Request, pk: str) -> Response:
        return self._transition(request, services.application_issue, access.REVIEW)

    @extend_schema(request=DeliverSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def deliver(self, request: Request, pk: str) -> Response:
        return self._transition(request, services.application_deliver, access.REVIEW, DeliverSerializer)

    @extend_schema(request=BulkApproveSerializer, responses=None)
    @action(detail=False, methods=["post"], url_path="bulk-approve")
    @idempotent
    def bulk_approve(self, request: Request) -> Response:
        access.require_reviewer(request.user)
        data = BulkApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        found = list(
            selectors.review_queue(user=request.user, status=selectors.QUEUE_ALL).filter(
                pk__in=data.validated_data["ids"]
            )
        )
        approved, refused = services.applications_approve_many(applications=found, by=access.acting_user(request.user))
        missing = {str(i) for i in data.validated_data["ids"]} - {str(a.pk) for a in found}
        refused += [{"id": pk, "message": _("Not found.")} for pk in sorted(missing)]
        return Response({"approved": [str(a.pk) for a in approved], "refused": refused})


class PermitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Residence permits: the resident's own, or the officer's town's."""

    model = Permit
    serializer_class = PermitSerializer
    filter_backends: list[Any] = []

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return access.permits_visible_to(self.request.user).order_by("-valid_from")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        views = [selectors.permit_view(permit) for permit in (page if page is not None else self.get_queryset())]
        data = PermitSerializer(views, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(parameters=[OpenApiParameter("id", str, OpenApiParameter.PATH)])
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(PermitSerializer(selectors.permit_view(self.get_object())).data)


class SignupStartApi(APIView):
    """Sign up as a resident: a six-digit code is texted to the mobile number.

    The answer is the same whether or not the number or the ID number is registered already.
    ``consent`` must be true and ``consent_version`` the privacy notice's current version
    (``GET /api/v1/signup/privacy-notice/``); the consent is recorded with that version.
    Limited per client address, per mobile number and overall (``THROTTLE_RATES``): 429 with
    ``Retry-After``.
    """

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = SIGNUP_THROTTLES

    @extend_schema(request=SignupSerializer, responses={201: SignupStartedSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        data = SignupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        agreed = fields.pop("consent")
        fields["consent_version"] = fields["consent_version"] if agreed else None
        started = signup.signup_start(**fields)
        body = {
            "signup_id": started.verification.pk,
            "expires": started.expires_at,
            "mobile": started.mobile_masked,
        }
        return Response(SignupStartedSerializer(body).data, status=status.HTTP_201_CREATED)


class SignupVerifyApi(APIView):
    """Confirm the code; the answer is a bearer token, as from ``POST /api/auth/token/``."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [address_throttle("signup_verify.address")]

    @extend_schema(request=SignupVerifySerializer, responses={201: TokenSerializer}, auth=[])
    def post(self, request: Request, signup_id: str) -> Response:
        data = SignupVerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = signup.signup_verify(verification_id=signup_id, code=data.validated_data["code"])
        token, expires = token_issue(user=user)
        return Response(TokenSerializer({"token": token, "expires": expires}).data, status=status.HTTP_201_CREATED)


class SignupResendApi(APIView):
    """A new code for the sign-up: the old one stops working and the 10 minutes start again.

    At most one a minute and five per sign-up (429 with ``Retry-After`` when too soon), on the
    sign-up limits per client address, per mobile number and overall. The wrong-code tries
    are per sign-up, not per code. The answer is the same whether or not the number had an
    account (the holder of a registered number is texted once per sign-up, not per resend).
    """

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [address_throttle("signup.address"), global_throttle("signup.global")]

    @extend_schema(request=None, responses={200: SignupResentSerializer}, auth=[])
    def post(self, request: Request, signup_id: str) -> Response:
        try:
            resent = signup.signup_resend(verification_id=signup_id)
        except signup.ResendTooSoon as error:
            raise exceptions.Throttled(wait=error.wait, detail=error.message) from None
        body = {
            "signup_id": resent.verification.pk,
            "expires": resent.expires_at,
            "resend_after": resent.resend_wait,
            "resends_left": resent.resends_left,
        }
        return Response(SignupResentSerializer(body).data)


class PrivacyNoticeApi(APIView):
    """The privacy notice (个人信息处理规则) a sign-up agrees to: its version, date and page."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=PrivacyNoticeSerializer, auth=[])
    def get(self, request: Request) -> Response:
        body = {
            "version": PRIVACY_NOTICE_VERSION,
            "date": PRIVACY_NOTICE_DATE,
            "url": request.build_absolute_uri(reverse("privacy")),
        }
        return Response(PrivacyNoticeSerializer(body).data)
