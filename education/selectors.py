"""Reads for education: a round's schools, the points calculator, the officer's queue.

Who may see which rows is ``education.access``; the reads here start from it or from an object
it gave.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Prefetch, QuerySet
from django.utils.translation import gettext as _

from education import points
from education.models import (
    FAMILY_CLAIMS,
    GRADE_STAGE,
    AdmissionApplication,
    AdmissionRound,
    Allocation,
    ApplicationDocument,
    Choice,
    Fact,
    Grade,
    Objection,
    Offer,
    PointsScheme,
    RoundSchool,
    SchemeGroup,
    SchemeItem,
    localized,
)
from nanhai_portal.pii.masking import mask_name


def round_schools() -> QuerySet[RoundSchool]:
    """The schools of rounds with their places, in the town, by name."""
    return RoundSchool.objects.in_current_scope().select_related("school").order_by("school__name")


def points_estimate(round_: AdmissionRound, facts: Mapping[str, Decimal]) -> dict[str, Any]:
    """What a family would score in ``round_`` with ``facts`` (nothing stored), line by line,
    with each item's name in the reader's language and the documents it needs."""
    items = {item.code: item for item in SchemeItem.objects.filter(scheme_id=round_.scheme_id)}
    unknown = sorted(code for code in facts if code not in items)
    if unknown:
        raise ValidationError({code: [_("Not an item of this round's points scheme.")] for code in unknown})
    result = computed(round_, facts)
    return {
        "scheme": round_.scheme.label,
        "total": str(result.total),
        "catchment_points": str(result.catchment_points),
        "disqualified": result.disqualified,
        "lines": [
            {
                "item": line.code,
                "name": localized(items[line.code].name_zh, items[line.code].name_en),
                "kind": items[line.code].kind,
                "source": items[line.code].source,
                "documents": list(items[line.code].documents),
                "quantity": None if line.quantity is None else str(line.quantity),
                "points_per_unit": str(line.points_per_unit),
                "raw": str(line.raw),
                "points": str(line.points),
                "notes": list(line.notes),
            }
            for line in result.lines
        ],
    }


def scheme_spec(scheme: PointsScheme) -> points.Scheme:
    """The scheme's rows as the engine takes them (read in the current town)."""
    groups = list(SchemeGroup.objects.filter(scheme=scheme).order_by("code"))
    codes = {group.pk: group.code for group in groups}
    items = SchemeItem.objects.filter(scheme=scheme).order_by("sort_order", "code")
    return points.Scheme(
        version=scheme.label,
        items=tuple(
            points.SchemeItem(
                code=item.code,
                name=item.name_zh,
                kind=points.ItemKind(item.kind),
                unit=points.Unit(item.unit),
                points_per_unit=item.points_per_unit,
                cap=item.cap,
                group=codes.get(item.group_id) if item.group_id else None,
                exclusive_set=item.exclusive_set or None,
                source=points.FactSource(item.source),
                documents=tuple(item.documents),
            )
            for item in items
        ),
        groups=tuple(points.CapGroup(code=group.code, name=group.name_zh, cap=group.cap) for group in groups),
    )


def computed(round_: AdmissionRound, facts: Mapping[str, Decimal]) -> points.Result:
    """The engine on ``facts`` under the round's scheme; facts it refuses (a fraction of a year,
    a flag other than 0 or 1) are a ValidationError naming each."""
    try:
        return points.points_compute(scheme_spec(round_.scheme), facts)
    except points.FactsInvalid as error:
        raise ValidationError({code: [message] for code, message in error.errors.items()}) from None


# --- The allocation's results ---------------------------------------------------------------

# The statuses of an application the allocation has placed or not placed.
ALLOCATED = (
    AdmissionApplication.Status.OFFERED,
    AdmissionApplication.Status.ACCEPTED,
    AdmissionApplication.Status.DECLINED,
    AdmissionApplication.Status.NOT_PLACED,
)


def allocations_of(round_: AdmissionRound) -> QuerySet[Allocation]:
    """The round's allocations, the first stage first."""
    return Allocation.objects.filter(round=round_).order_by("stage")


def round_results(round_: AdmissionRound) -> QuerySet[AdmissionApplication]:
    """The round's allocated applications as the published list orders them: points from most
    to fewest, then lottery number; with their choices and offers (``results_row`` reads them)."""
    return (
        AdmissionApplication.objects.filter(round=round_, status__in=ALLOCATED)
        .select_related("child")
        .prefetch_related(
            Prefetch(
                "choices",
                queryset=Choice.objects.select_related("round_school__school").order_by("stage", "rank"),
                to_attr="ordered_choices",
            ),
            Prefetch(
                "offers",
                queryset=Offer.objects.select_related("round_school__school", "allocation").order_by(
                    "-allocation__stage"
                ),
                to_attr="ordered_offers",
            ),
        )
        .order_by("-points", "lottery", "pk")
    )


def round_results_at(round_: AdmissionRound, school: str = "") -> QuerySet[AdmissionApplication]:
    """``round_results`` of one school: the applications offered a place at the round's school
    ``school`` (a round-school id, in either allocation), ``"none"`` for those never offered
    one, all for ``""``. The caller checks ``school`` is one of ``result_school_options``."""
    results = round_results(round_)
    if school == "none":
        return results.filter(offers__isnull=True)
    if school:
        return results.filter(offers__round_school__pk=school).distinct()
    return results


def result_school_options(round_: AdmissionRound) -> list[tuple[str, str]]:
    """The round's schools as the results page filters them: (round-school id, name)."""
    return [(str(pk), name) for pk, name in round_schools().filter(round=round_).values_list("pk", "school__name")]


RESULT_COLUMNS = ["application", "child_name", "points", "lottery", "choices", "school", "stage", "offer_state"]


def results_table(round_: AdmissionRound, school: str = "") -> list[list[Any]]:
    """The published results as rows of cells, a header first (the CSV and XLSX downloads):
    the choices joined in order, a missing value empty."""
    table: list[list[Any]] = [RESULT_COLUMNS]
    for application in round_results_at(round_, school).iterator(chunk_size=2000):
        row = results_row(application)
        row["choices"] = " > ".join(choice["school"] for choice in row["choices"])
        table.append([row[column] if row[column] is not None else "" for column in RESULT_COLUMNS])
    return table


def results_row(application: AdmissionApplication) -> dict[str, Any]:
    """One published line: the child's name masked (张*明), points, lottery number, the choices
    in order (the second round's after the first's) and the school allocated, or none."""
    choices: list[Choice] = getattr(application, "ordered_choices", None) or list(
        application.choices.select_related("round_school__school").order_by("stage", "rank")
    )
    offers: list[Offer] = getattr(application, "ordered_offers", None) or list(
        application.offers.select_related("round_school__school", "allocation").order_by("-allocation__stage")
    )
    offer = offers[0] if offers else None
    return {
        "application": str(application.pk),
        "child_name": mask_name(application.child.name),
        "points": None if application.points is None else str(application.points),
        "lottery": application.lottery,
        "choices": [
            {"stage": choice.stage, "rank": choice.rank, "school": choice.round_school.school.name}
            for choice in choices
        ],
        "school": offer.round_school.school.name if offer else None,
        "round_school": str(offer.round_school_id) if offer else None,
        "stage": offer.allocation.stage if offer else None,
        "offer_state": offer.state if offer else None,
    }


def latest_offer(application: AdmissionApplication) -> Offer | None:
    """The application's offer of the latest allocation that made one (with its school), if any."""
    return (
        Offer.objects.filter(application=application)
        .select_related("round_school__school", "allocation")
        .order_by("-allocation__stage")
        .first()
    )


def offer_shown(application: AdmissionApplication) -> dict[str, Any] | None:
    """The application's latest offer as the family sees it: school, state, when answered, and
    by when (the acceptance deadline for a first-round offer; none for a second-round one, which
    is answered while the second round lasts)."""
    offer = (
        Offer.objects.filter(application=application)
        .select_related("round_school__school", "allocation")
        .order_by("-allocation__stage")
        .first()
    )
    if offer is None:
        return None
    first_stage = offer.allocation.stage == 1
    return {
        "id": str(offer.pk),
        "school": offer.round_school.school.name,
        "round_school": str(offer.round_school_id),
        "stage": offer.allocation.stage,
        "state": offer.state,
        "responded_at": offer.responded_at.isoformat() if offer.responded_at else None,
        "deadline": application.round.acceptance_deadline.isoformat() if first_stage else None,
    }


def second_round_schools(application: AdmissionApplication) -> QuerySet[RoundSchool]:
    """The schools of ``application``'s round, of its grade's stage, with places not held
    (``free``): what a family not placed may choose in the second round, by name."""
    stage = GRADE_STAGE[Grade(application.grade)]
    return (
        round_schools()
        .filter(round_id=application.round_id, school__stage=stage, places__gt=F("held"))
        .annotate(free=F("places") - F("held"))
    )


def second_choices_of(application: AdmissionApplication) -> QuerySet[Choice]:
    """The new choices the family gave for the second round, in its order."""
    return (
        Choice.objects.in_current_scope()
        .filter(application=application, stage=2)
        .select_related("round_school__school")
        .order_by("rank")
    )


# --- The pages: the points line by line, the officers' queue, a round's progress -------------


def explained_lines(round_: AdmissionRound, result: points.Result) -> list[dict[str, Any]]:
    """``result``'s lines as the pages show them: the item's name in the reader's language, the
    documents it needs, and each note in words (``points.notes_explained``)."""
    spec = scheme_spec(round_.scheme)
    items = {item.code: item for item in SchemeItem.objects.filter(scheme_id=round_.scheme_id)}
    rows = []
    for line in result.lines:
        item = items[line.code]
        rows.append(
            {
                "code": line.code,
                "name": localized(item.name_zh, item.name_en),
                "kind": item.kind,
                "documents": list(item.documents),
                "quantity": line.quantity,
                "points_per_unit": line.points_per_unit,
                "points": line.points,
                "notes": points.notes_explained(spec, line),
            }
        )
    return rows


def application_breakdown(application: AdmissionApplication) -> dict[str, Any] | None:
    """The application's points line by line from its verified facts (None until verified)."""
    if application.points is None:
        return None
    facts = {
        fact.item_code: fact.verified
        for fact in Fact.objects.filter(application=application)
        if fact.state != Fact.State.REJECTED and fact.verified is not None
    }
    result = computed(application.round, facts)
    return {
        "total": result.total,
        "catchment_points": result.catchment_points,
        "disqualified": result.disqualified,
        "lines": explained_lines(application.round, result),
    }


def application_facts(application: AdmissionApplication) -> list[dict[str, Any]]:
    """The application's facts with their item's name and the documents given for each."""
    items = {item.code: item for item in SchemeItem.objects.filter(scheme_id=application.round.scheme_id)}
    documents: dict[str, list[ApplicationDocument]] = {}
    for document in ApplicationDocument.objects.filter(application=application, objection__isnull=True):
        documents.setdefault(document.item_code, []).append(document)
    rows = []
    for fact in Fact.objects.filter(application=application).order_by("item_code"):
        item = items.get(fact.item_code)
        rows.append(
            {
                "fact": fact,
                "name": localized(item.name_zh, item.name_en) if item else fact.item_code,
                "needs_documents": bool(item and item.documents),
                "documents_needed": list(item.documents) if item else [],
                "documents": documents.get(fact.item_code, []),
                "sort": item.sort_order if item else 0,
            }
        )
    return sorted(rows, key=lambda row: row["sort"])


def family_claim_items(round_: AdmissionRound) -> QuerySet[SchemeItem]:
    """The items a family claims itself in ``round_``: from documents, of the kinds it claims."""

    return SchemeItem.objects.filter(
        scheme_id=round_.scheme_id, source=SchemeItem.Source.DOCUMENT, kind__in=list(FAMILY_CLAIMS)
    ).order_by("sort_order", "code")


def verification_queue(applications: QuerySet[AdmissionApplication]) -> QuerySet[AdmissionApplication]:
    """The submitted applications among ``applications`` (what ``access`` shows), oldest first."""
    return (
        applications.filter(status=AdmissionApplication.Status.SUBMITTED)
        .select_related("round", "child")
        .order_by("submitted_at", "created_at")
    )


def counts_by_state(applications: QuerySet[AdmissionApplication]) -> dict[Any, dict[str, int]]:
    """How many of ``applications`` are in each state, per round id."""
    counts: dict[Any, dict[str, int]] = {}
    for row in applications.values("round_id", "status").annotate(count=Count("pk")).order_by():
        counts.setdefault(row["round_id"], {})[row["status"]] = row["count"]
    return counts


def open_objections(applications: QuerySet[AdmissionApplication]) -> QuerySet[Objection]:
    """The open objections of ``applications``, oldest first."""
    return (
        Objection.objects.in_current_scope()
        .filter(application__in=applications.values("pk"), state=Objection.State.OPEN)
        .select_related("application__round", "application__child")
        .prefetch_related("documents")
        .order_by("created_at")
    )
