"""Election policy from settings: each town's conditions for non-hukou voters and candidates.
The one module that reads them; a town changes its rules in configuration, not in code.

Settings (defaults here; a town's entry overrides the default's keys)::

    GOVERNANCE_ELECTION_RULES = {
        "default": {
            "voter_min_age": 18,
            "voter_min_residence_days": 365,
            "non_hukou_may_stand": True,
            "candidate_min_residence_days": 730,
            "roll_objection_days": 5,
        },
        "xiqiao": {"candidate_min_residence_days": 1095},
    }

A voter is 18 on polling day (the Organic Law). A non-hukou resident may register to vote after
``voter_min_residence_days`` of current residence registration in the town (居住登记) on polling
day; may stand when ``non_hukou_may_stand`` and registered for ``candidate_min_residence_days``. Objections to a published roll are taken for
``roll_objection_days`` days.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

DEFAULT_RULES: dict[str, Any] = {
    "voter_min_age": 18,
    "voter_min_residence_days": 365,
    "non_hukou_may_stand": True,
    "candidate_min_residence_days": 730,
    "roll_objection_days": 5,
}


@dataclass(frozen=True)
class ElectionRules:
    voter_min_age: int
    voter_min_residence_days: int
    non_hukou_may_stand: bool
    candidate_min_residence_days: int
    roll_objection_days: int


def election_rules(town: str) -> ElectionRules:
    """The rules of ``town``: the defaults, the settings' default, then the town's own."""
    configured = getattr(settings, "GOVERNANCE_ELECTION_RULES", {})
    rules = {**DEFAULT_RULES, **configured.get("default", {}), **configured.get(town, {})}
    return ElectionRules(
        voter_min_age=int(rules["voter_min_age"]),
        voter_min_residence_days=int(rules["voter_min_residence_days"]),
        non_hukou_may_stand=bool(rules["non_hukou_may_stand"]),
        candidate_min_residence_days=int(rules["candidate_min_residence_days"]),
        roll_objection_days=int(rules["roll_objection_days"]),
    )
