"""``{% first_steps_for user as steps %}``: what a new resident does first, for the callout
of ``residents/includes/first_steps.html`` on their applications page."""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from nanhai_portal.accounts.models import Caller
from residents import access
from residents.models import Resident

register = template.Library()


@dataclass(frozen=True)
class FirstSteps:
    """Sign-up links the person to their village or community (a ``Resident`` without
    ``registered_since``); the residence registration (居住登记) is an application of its own,
    issued by the town, and a permit needs six months of it."""

    resident: Resident


@register.simple_tag
def first_steps_for(user: Caller) -> FirstSteps | None:
    """The first steps when ``user`` is a resident whose residence is not registered yet and
    who has no application at all; None otherwise (nothing to show)."""
    resident = access.resident_of(user)
    if resident is None or resident.registered_since is not None:
        return None
    if access.own_applications(user).exists():
        return None
    return FirstSteps(resident)
