"""The education API: schools, admission rounds, the points calculator, admission applications
(documents, submission, verification, objections) and the documents' files.

Thin: each view parses with ``education.serializers``, asks ``education.access`` for the object
(404 when the caller may not see it, 403 when the action is not theirs) and calls a service or
a selector. District roles read every town and write none (``TenantViewSet``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from education import access, exports, selectors
from education.models import AdmissionApplication, AdmissionRound, Choice, Objection, Offer, PointsScheme, School
from education.serializers import (
    AdmissionApplicationCreateSerializer,
    AdmissionApplicationListSerializer,
    AdmissionApplicationSerializer,
    AdmissionApplicationUpdateSerializer,
    AdmissionDocumentSerializer,
    AdmissionDocumentUploadSerializer,
    AdmissionObjectionAnswerSerializer,
    AdmissionObjectionCreateSerializer,
    AdmissionObjectionSerializer,
    AdmissionResultSerializer,
    AdmissionRoundSerializer,
    AdmissionVerifySerializer,
    AllocationSerializer,
    PointsCalculateSerializer,
    RoundCreateSerializer,
    RoundPlacesSerializer,
    RoundSchoolSerializer,
    SchoolCreateSerializer,
    SchoolSerializer,
    SecondChoicesSerializer,
)
from education.services import allocation as allocation_services
from education.services import applications as application_services
from education.services import offers as offer_services
from education.services import rounds as round_services
from education.services.applications import FactDecision
from nanhai_portal.api.errors import ServiceError
from nanhai_portal.api.idempotency import idempotent
from nanhai_portal.api.schema import ERROR_RESPONSE
from nanhai_portal.api.viewsets import TenantViewSet
from nanhai_portal.bodylimit import accepts_upload
from residents.uploads import max_document_bytes


def _uuid_param(request: Request, name: str) -> uuid.UUID | None:
    value = request.query_params.get(name, "")
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ServiceError(
            "validation_error", _("Some fields are not valid."), fields={name: [_("Must be a valid UUID.")]}
        ) from None


def _decisions(data: list[dict[str, Any]]) -> list[FactDecision]:
    return [
        FactDecision(item_code=row["item"], decision=row["decision"], quantity=row["quantity"], reason=row["reason"])
        for row in data
    ]


XLSX = exports.XLSX


# --- Schools and rounds ---------------------------------------------------------------------


class SchoolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The town's public schools (公办学校); the town's admins add them."""

    model = School
    serializer_class = SchoolSerializer
    filter_backends: list[Any] = []

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return access.schools_visible_to(self.request.user).prefetch_related("catchment").order_by("stage", "name")

    @extend_schema(request=SchoolCreateSerializer, responses={201: SchoolSerializer, 403: ERROR_RESPONSE})
    @idempotent
    def create(self, request: Request) -> Response:
        access.require_round_manager(request.user)
        data = SchoolCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        school = round_services.school_create(by=access.acting_user(request.user), **data.validated_data)
        return Response(SchoolSerializer(school).data, status=status.HTTP_201_CREATED)


class AdmissionRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Admission rounds (招生批次): phase, dates, places per school; the lottery seed's digest
    once points are published and the seed once results are. Town admins create rounds, set
    places and move a round on."""

    model = AdmissionRound
    serializer_class = AdmissionRoundSerializer
    filter_backends: list[Any] = []

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        rounds = access.rounds_visible_to(self.request.user).select_related("scheme")
        if self.action == "retrieve":
            rounds = rounds.prefetch_related(
                Prefetch("schools", queryset=selectors.round_schools(), to_attr="offered_schools")
            )
        return rounds.order_by("-year", "name")

    @extend_schema(request=RoundCreateSerializer, responses={201: AdmissionRoundSerializer, 403: ERROR_RESPONSE})
    @idempotent
    def create(self, request: Request) -> Response:
        by = access.require_round_manager(request.user)
        data = RoundCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        scheme = PointsScheme.objects.filter(pk=fields.pop("scheme")).first()
        if scheme is None:
            raise ServiceError(
                "validation_error",
                _("Some fields are not valid."),
                fields={"scheme": [_("Choose a points scheme of your town.")]},
            )
        round_ = round_services.round_create(by=by, scheme=scheme, **fields)
        return Response(AdmissionRoundSerializer(round_).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RoundPlacesSerializer, responses={200: RoundSchoolSerializer, 404: ERROR_RESPONSE})
    @action(detail=True, methods=["post"])
    @idempotent
    def places(self, request: Request, pk: str) -> Response:
        """Set the places a school of the town offers in the round."""
        by = access.acting_user(request.user)
        round_ = access.get_round_for(by, pk, manage=True)
        data = RoundPlacesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        school = access.schools_visible_to(by).filter(pk=data.validated_data["school"]).first()
        if school is None:
            raise ServiceError(
                "validation_error",
                _("Some fields are not valid."),
                fields={"school": [_("Choose a school of your town.")]},
            )
        offered = round_services.round_school_set(
            by=by, round_=round_, school=school, places=data.validated_data["places"]
        )
        return Response(RoundSchoolSerializer(offered).data)

    @extend_schema(request=None, responses={200: AdmissionRoundSerializer, 409: ERROR_RESPONSE})
    @action(detail=True, methods=["post"])
    @idempotent
    def advance(self, request: Request, pk: str) -> Response:
        """Move the round to its next phase, when what must hold first holds (409 with the reason)."""
        by = access.acting_user(request.user)
        round_ = access.get_round_for(by, pk, manage=True)
        round_services.round_advance(by=by, round_=round_, now=timezone.now())
        return Response(AdmissionRoundSerializer(self.get_queryset().get(pk=round_.pk)).data)

    @extend_schema(
        request=None,
        responses={202: AllocationSerializer, 403: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
        description=(
            "Start the allocation of the round's current stage (town admin): the first once the round is in "
            "allocation, the second after the second round's choices close. Answers the queued allocation; poll "
            "`…/allocations/`. 409 `allocation_started` when this stage has one already (it runs once), 409 "
            "`invalid_transition` in another phase."
        ),
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def allocate(self, request: Request, pk: str) -> Response:
        by = access.acting_user(request.user)
        round_ = access.get_round_for(by, pk, manage=True)
        allocation = allocation_services.allocation_start(by=by, round_=round_, now=timezone.now())
        return Response(AllocationSerializer(allocation).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={200: AllocationSerializer(many=True), 403: ERROR_RESPONSE, 404: ERROR_RESPONSE},
        description="The round's allocations, the first stage first (the town's officers and the district).",
    )
    @action(detail=True, methods=["get"])
    def allocations(self, request: Request, pk: str) -> Response:
        round_ = access.get_round_for(request.user, pk)
        if not (access.is_verifier(request.user) or access.is_district_reader(request.user)):
            raise PermissionDenied(_("Only the town's officers follow the allocation."))
        page = self.paginate_queryset(selectors.allocations_of(round_))
        return self.get_paginated_response(AllocationSerializer(page, many=True).data)

    @extend_schema(
        request=None,
        responses={200: AdmissionRoundSerializer, 403: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
        description=(
            "Open the second round after the acceptance deadline (town admin): offers not accepted lapse; "
            "families not placed give new choices. 409 `window_closed` before the deadline."
        ),
    )
    @action(detail=True, methods=["post"], url_path="second-round")
    @idempotent
    def second_round(self, request: Request, pk: str) -> Response:
        by = access.acting_user(request.user)
        round_ = access.get_round_for(by, pk, manage=True)
        allocation_services.second_round_open(by=by, round_=round_, now=timezone.now())
        return Response(AdmissionRoundSerializer(self.get_queryset().get(pk=round_.pk)).data)

    @extend_schema(
        request=None,
        responses={200: AdmissionRoundSerializer, 403: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
        description="Close the round once the second allocation is done (town admin); unanswered offers lapse.",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def close(self, request: Request, pk: str) -> Response:
        by = access.acting_user(request.user)
        round_ = access.get_round_for(by, pk, manage=True)
        allocation_services.round_close(by=by, round_=round_, now=timezone.now())
        return Response(AdmissionRoundSerializer(self.get_queryset().get(pk=round_.pk)).data)

    @extend_schema(
        responses={200: AdmissionResultSerializer(many=True), 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
        description=(
            "The round's results: each allocated application with the child's name masked, points, lottery "
            "number, choices and the school allocated (or null), by points then lottery. Anyone of the town once "
            "published (409 `results_not_published` before); the town's officers and the district at any time "
            "(empty until an allocation is done)."
        ),
    )
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: str) -> Response:
        round_ = access.get_results_round_for(request.user, pk)
        page = self.paginate_queryset(selectors.round_results(round_))
        return self.get_paginated_response([selectors.results_row(application) for application in page or []])

    @extend_schema(
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR), 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
        description="The results as CSV (UTF-8 with BOM); every cell inert in a spreadsheet.",
    )
    @action(detail=True, methods=["get"], url_path="results.csv")
    def results_csv(self, request: Request, pk: str) -> HttpResponse:
        round_ = access.get_results_round_for(request.user, pk)
        return exports.download(exports.results_csv(round_), exports.CSV, round_, "csv")

    @extend_schema(
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY),
            404: ERROR_RESPONSE,
            409: ERROR_RESPONSE,
        },
        description="The results as an XLSX workbook; every cell inert in a spreadsheet.",
    )
    @action(detail=True, methods=["get"], url_path="results.xlsx")
    def results_xlsx(self, request: Request, pk: str) -> HttpResponse:
        round_ = access.get_results_round_for(request.user, pk)
        return exports.download(exports.results_xlsx(round_), XLSX, round_, "xlsx")


class PointsCalculateApi(APIView):
    """The points calculator (积分测算): a round's scheme on the facts given; nothing is stored."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=PointsCalculateSerializer,
        responses={200: OpenApiTypes.OBJECT, 400: ERROR_RESPONSE, 404: ERROR_RESPONSE},
        description=(
            "Facts in (`{item code: quantity}`: years, m², hours, 1 for a yes), the breakdown out: each line's "
            "quantity, points per unit, points before and after caps, and what applied (`item_cap`, "
            "`group_cap:<group>`, `excluded_by:<item>`, `no_fact`, …), the total, the catchment bonus, and the "
            "documents each item needs. Facts the portal reads from its records may be given to try them."
        ),
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = PointsCalculateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        round_ = access.get_round_for(request.user, data.validated_data["round"])
        return Response(selectors.points_estimate(round_, data.validated_data["facts"]))


# --- Applications ------------------------------------------------------------------------


APPLICATION_PARAMETERS = [
    OpenApiParameter("round", OpenApiTypes.UUID, description="Only the applications of this round."),
    OpenApiParameter("status", str, enum=AdmissionApplication.Status.values, description="Only those in this state."),
]


class AdmissionApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Admission applications (积分入学申请): a guardian's own, and the town's for its officers.

    The guardian creates one (a draft), uploads documents, submits; the officers verify each
    fact; the family sees the points with their breakdown and may object within the window.
    """

    model = AdmissionApplication
    serializer_class = AdmissionApplicationSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        applications = access.applications_visible_to(self.request.user).select_related("child", "round")
        if self.action == "list":
            round_id = _uuid_param(self.request, "round")
            if round_id is not None:
                applications = applications.filter(round_id=round_id)
            state = self.request.query_params.get("status", "")
            if state:
                if state not in AdmissionApplication.Status.values:
                    raise ServiceError(
                        "validation_error",
                        _("Some fields are not valid."),
                        fields={"status": [_("Not one of the choices.")]},
                    )
                applications = applications.filter(status=state)
            return applications.order_by("-created_at", "pk")
        return applications.prefetch_related(
            Prefetch("choices", queryset=Choice.objects.in_current_scope().select_related("round_school__school")),
            "facts",
            "documents",
            "objections",
        )

    def get_serializer_class(self) -> Any:
        return AdmissionApplicationListSerializer if self.action == "list" else AdmissionApplicationSerializer

    @extend_schema(parameters=APPLICATION_PARAMETERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def _reply(self, application: AdmissionApplication, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=application.pk)
        return Response(AdmissionApplicationSerializer(fresh).data, status=code)

    @extend_schema(
        request=AdmissionApplicationCreateSerializer,
        responses={201: AdmissionApplicationSerializer, 400: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
        description=(
            "Apply for a child (a draft until submitted). 400 `validation_error` for schools not of this round "
            "or grade, a school listed twice, more choices than the round allows, a child outside the grade's "
            "age range, no consent; 400 `not_eligible` for a guardian without a registration or the permit the "
            "round requires; 409 `already_applied` for a second application for the child in the round; 409 "
            "`window_closed` outside the application window."
        ),
    )
    @idempotent
    def create(self, request: Request) -> Response:
        by = access.acting_user(request.user)
        data = AdmissionApplicationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        round_ = access.get_round_for(by, fields.pop("round"))
        application = application_services.application_create(by=by, round_=round_, now=timezone.now(), **fields)
        return self._reply(application, status.HTTP_201_CREATED)

    @extend_schema(request=AdmissionApplicationUpdateSerializer, responses=AdmissionApplicationSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        by = access.acting_user(request.user)
        application = access.get_application_for(by, pk, action=access.APPLY)
        data = AdmissionApplicationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application_services.application_update(
            by=by, application=application, now=timezone.now(), **data.validated_data
        )
        return self._reply(application)

    @extend_schema(
        request={"multipart/form-data": AdmissionDocumentUploadSerializer},
        responses={201: AdmissionDocumentSerializer, 400: ERROR_RESPONSE, 413: ERROR_RESPONSE},
        description="A document (PDF, JPEG or PNG) for a scheme item (`item`), or for the open objection.",
    )
    @accepts_upload(max_document_bytes)
    @action(detail=True, methods=["post"])
    @idempotent
    def documents(self, request: Request, pk: str) -> Response:
        by = access.acting_user(request.user)
        application = access.get_application_for(by, pk, action=access.APPLY)
        data = AdmissionDocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objection = None
        if data.validated_data["objection"] is not None:
            objection = Objection.objects.filter(pk=data.validated_data["objection"], application=application).first()
            if objection is None:
                raise ServiceError(
                    "validation_error",
                    _("Some fields are not valid."),
                    fields={"objection": [_("Not an objection of this application.")]},
                )
        document = application_services.application_add_document(
            by=by,
            application=application,
            upload=data.validated_data["file"],
            item_code=data.validated_data["item"],
            objection=objection,
        )
        return Response(AdmissionDocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None, responses={200: AdmissionApplicationSerializer, 400: ERROR_RESPONSE, 409: ERROR_RESPONSE}
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request: Request, pk: str) -> Response:
        by = access.acting_user(request.user)
        application = access.get_application_for(by, pk, action=access.APPLY)
        application_services.application_submit(by=by, application=application, now=timezone.now())
        return self._reply(application)

    @extend_schema(
        request=AdmissionVerifySerializer,
        responses={200: AdmissionApplicationSerializer, 403: ERROR_RESPONSE, 409: ERROR_RESPONSE},
        description=(
            "An officer decides facts: `accept`, `adjust` (with `quantity` and `reason`) or `reject` (with "
            "`reason`). When none is left undecided the points are computed and the application is verified."
        ),
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def verify(self, request: Request, pk: str) -> Response:
        by = access.acting_user(request.user)
        application = access.get_application_for(by, pk, action=access.VERIFY)
        data = AdmissionVerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application_services.application_verify(
            by=by, application=application, decisions=_decisions(data.validated_data["decisions"]), now=timezone.now()
        )
        return self._reply(application)

    @extend_schema(responses=AdmissionObjectionSerializer(many=True), description="The application's objections.")
    @action(detail=True, methods=["get"])
    def objections(self, request: Request, pk: str) -> Response:
        application = access.get_application_for(request.user, pk)
        page = self.paginate_queryset(application.objections.order_by("created_at", "pk"))
        return self.get_paginated_response(AdmissionObjectionSerializer(page, many=True).data)

    @extend_schema(
        request=AdmissionObjectionCreateSerializer,
        responses={201: AdmissionObjectionSerializer, 409: ERROR_RESPONSE},
        description="Object to the published points within the round's window (409 `window_closed` after it).",
    )
    @objections.mapping.post
    @idempotent
    def objection_file(self, request: Request, pk: str) -> Response:
        by = access.acting_user(request.user)
        application = access.get_application_for(by, pk, action=access.APPLY)
        data = AdmissionObjectionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objection = application_services.objection_file(
            by=by, application=application, reason=data.validated_data["reason"], now=timezone.now()
        )
        return Response(AdmissionObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: AdmissionApplicationSerializer, 403: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
        description=(
            "The guardian accepts the place offered, before the deadline (409 `window_closed` after it, 409 "
            "`invalid_transition` for an offer already answered or none)."
        ),
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def accept(self, request: Request, pk: str) -> Response:
        by = access.acting_user(request.user)
        application = access.get_application_for(by, pk, action=access.APPLY)
        offer_services.offer_accept(by=by, offer=_offer_to_answer(application), now=timezone.now())
        return self._reply(application)

    @extend_schema(
        request=None,
        responses={200: AdmissionApplicationSerializer, 403: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
        description="The guardian declines the place offered, before the deadline: it goes to the second round.",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def decline(self, request: Request, pk: str) -> Response:
        by = access.acting_user(request.user)
        application = access.get_application_for(by, pk, action=access.APPLY)
        offer_services.offer_decline(by=by, offer=_offer_to_answer(application), now=timezone.now())
        return self._reply(application)

    @extend_schema(
        request=SecondChoicesSerializer,
        responses={
            200: AdmissionApplicationSerializer,
            400: ERROR_RESPONSE,
            403: ERROR_RESPONSE,
            404: ERROR_RESPONSE,
            409: ERROR_RESPONSE,
        },
        description=(
            "A family not placed gives new choices for the second round (round-school ids, best first), until "
            "the second round's choices close: schools of the round with places left, of the grade's stage, at "
            "most the round's number, none twice."
        ),
    )
    @action(detail=True, methods=["post"], url_path="second-choices")
    @idempotent
    def second_choices(self, request: Request, pk: str) -> Response:
        by = access.acting_user(request.user)
        application = access.get_application_for(by, pk, action=access.APPLY)
        data = SecondChoicesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        allocation_services.second_choices_set(
            by=by, application=application, choices=data.validated_data["choices"], now=timezone.now()
        )
        return self._reply(application)


def _offer_to_answer(application: AdmissionApplication) -> Offer:
    offer = offer_services.live_offer_of(application)
    if offer is None:
        raise ServiceError("invalid_transition", _("This application has no place to answer."), status_code=409)
    return offer


class ObjectionAnswerApi(APIView):
    """An officer answers an objection: upheld (the facts decided again, points recomputed) or
    dismissed, with the reason for the family."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=AdmissionObjectionAnswerSerializer, responses={200: AdmissionObjectionSerializer, 404: ERROR_RESPONSE}
    )
    @idempotent
    def post(self, request: Request, objection_id: str) -> Response:
        by = access.acting_user(request.user)
        objection = access.get_objection_for(by, objection_id)
        data = AdmissionObjectionAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answered = application_services.objection_answer(
            by=by,
            objection=objection,
            upheld=data.validated_data["upheld"],
            answer=data.validated_data["answer"],
            decisions=_decisions(data.validated_data["decisions"]),
            now=timezone.now(),
        )
        return Response(AdmissionObjectionSerializer(answered).data)


class DocumentFileApi(APIView):
    """A document's file, for the guardian and the town's verifying officers (404 otherwise)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={
            (200, "application/pdf", "image/jpeg", "image/png"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The document."
            )
        }
    )
    def get(self, request: Request, document_id: str) -> FileResponse:
        document = access.get_document_for(request.user, document_id)
        response = FileResponse(document.file.open("rb"), content_type=document.content_type)
        response["Content-Disposition"] = 'inline; filename="document"'
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
