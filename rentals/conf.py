"""Rentals policy from settings: risk classes (分类管理), their inspection intervals, the rule
that assigns a class, and hazard deadlines by severity. The one module that reads them.

Settings (defaults in ``nanhai_portal/settings.py``)::

    RENTALS_RISK_CLASSES = {"key": {"inspect_every_days": 30}, "ordinary": {"inspect_every_days": 90}}
    RENTALS_RISK_RULES = [{"risk_class": "key", "min_tenants": 10},
                          {"risk_class": "key", "building_types": ["mixed_use"]},
                          {"risk_class": "ordinary"}]
    RENTALS_HAZARD_DEADLINES = {"major": {"hours": 24}, "general": {"days": 7}}
    RENTALS_ESCALATION_SECOND_DEADLINE = {"days": 7}
    RENTALS_SYNC_MAX_BATCH = 100           # inspections in one offline batch
    RENTALS_MAX_PHOTOS_PER_INSPECTION = 48
    RENTALS_MAX_PHOTOS_PER_RECTIFICATION = 8

A rule matches when every condition it names holds (``min_tenants``: at least that many
tenants; ``building_types``: one of them); the first match gives the class.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_RISK_CLASSES: dict[str, dict[str, Any]] = {
    "key": {"inspect_every_days": 30},
    "ordinary": {"inspect_every_days": 90},
}
DEFAULT_RISK_RULES: list[dict[str, Any]] = [
    {"risk_class": "key", "min_tenants": 10},
    {"risk_class": "key", "building_types": ["mixed_use"]},
    {"risk_class": "ordinary"},
]
DEFAULT_HAZARD_DEADLINES: dict[str, dict[str, int]] = {"major": {"hours": 24}, "general": {"days": 7}}
DEFAULT_SECOND_DEADLINE: dict[str, int] = {"days": 7}


def risk_classes() -> dict[str, dict[str, Any]]:
    """The configured risk classes, by code."""
    return dict(getattr(settings, "RENTALS_RISK_CLASSES", DEFAULT_RISK_CLASSES))


def inspection_interval(risk_class: str) -> timedelta:
    """How often a house of ``risk_class`` is inspected."""
    try:
        return timedelta(days=int(risk_classes()[risk_class]["inspect_every_days"]))
    except KeyError:
        raise ImproperlyConfigured(f"RENTALS_RISK_CLASSES has no class {risk_class!r}.") from None


def assign_risk_class(*, tenants: int, building_type: str) -> str:
    """The risk class of a house with ``tenants`` tenants and ``building_type``: the first
    matching rule of ``RENTALS_RISK_RULES``."""
    classes = risk_classes()
    for rule in getattr(settings, "RENTALS_RISK_RULES", DEFAULT_RISK_RULES):
        if "min_tenants" in rule and tenants < int(rule["min_tenants"]):
            continue
        if "building_types" in rule and building_type not in rule["building_types"]:
            continue
        if rule["risk_class"] not in classes:
            raise ImproperlyConfigured(f"RENTALS_RISK_RULES names an unknown class {rule['risk_class']!r}.")
        return str(rule["risk_class"])
    raise ImproperlyConfigured("RENTALS_RISK_RULES matched nothing: end it with a rule without conditions.")


def hazard_deadline(severity: str) -> timedelta:
    """The time a landlord has to fix a hazard of ``severity``."""
    deadlines = getattr(settings, "RENTALS_HAZARD_DEADLINES", DEFAULT_HAZARD_DEADLINES)
    try:
        return timedelta(**deadlines[severity])
    except KeyError:
        raise ImproperlyConfigured(f"RENTALS_HAZARD_DEADLINES has no deadline for {severity!r}.") from None


def hazard_due_at(severity: str, *, opened_at: datetime) -> datetime:
    """The deadline of a hazard of ``severity`` opened at ``opened_at``."""
    return opened_at + hazard_deadline(severity)


def second_deadline() -> timedelta:
    """After the first deadline, how long before an overdue hazard goes to the district."""
    return timedelta(**getattr(settings, "RENTALS_ESCALATION_SECOND_DEADLINE", DEFAULT_SECOND_DEADLINE))


def max_sync_batch() -> int:
    """The most inspections one offline batch may carry (a larger batch is refused whole)."""
    return int(getattr(settings, "RENTALS_SYNC_MAX_BATCH", 100))


def max_photos_per_inspection() -> int:
    return int(getattr(settings, "RENTALS_MAX_PHOTOS_PER_INSPECTION", 48))


def max_photos() -> int:
    """The most photos one rectification may carry."""
    return int(getattr(settings, "RENTALS_MAX_PHOTOS_PER_RECTIFICATION", 8))


# --- The rectification notice (helper C) -------------------------------------------------

DEFAULT_NOTICE_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
# The notice's legal basis line; the district may set the articles it cites.
DEFAULT_NOTICE_LEGAL_BASIS = (
    "依据《中华人民共和国消防法》和《广东省实施〈中华人民共和国消防法〉办法》，"
    "请对下列消防安全隐患在整改期限前完成整改，并接受网格员复查。"
)


def notice_font() -> str:
    """The path of the CJK font (a TrueType file or collection) the notice embeds."""
    return str(getattr(settings, "RENTALS_NOTICE_FONT", DEFAULT_NOTICE_FONT))


def notice_legal_basis() -> str:
    return str(getattr(settings, "RENTALS_NOTICE_LEGAL_BASIS", DEFAULT_NOTICE_LEGAL_BASIS))
