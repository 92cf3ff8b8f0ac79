"""Real-name verification (实名核验): does this name go with this ID number?

The portal asks through ``verify_real_name``; which service answers is a setting
(``RESIDENTS_REAL_NAME_VERIFIER``, a dotted path to a class with ``verify(name, id_number)``).
The bundled ``StructuralVerifier`` checks the ID number's structure (GB 11643) and that a
name is given; a deployment plugs in the public-security service's client.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from nanhai_portal.pii import validate_id_number

_NAME = re.compile(r"^[\u3400-\u9fff·•A-Za-z\s]{2,32}$")


class RealNameVerifier(Protocol):
    def verify(self, name: str, id_number: str) -> None:
        """Return if the pair is a real person; raise ValidationError saying why not."""


class StructuralVerifier:
    def verify(self, name: str, id_number: str) -> None:
        if not _NAME.match(name.strip()):
            raise ValidationError({"name": [_("Give your name as on your ID card.")]})
        try:
            validate_id_number(id_number)
        except ValidationError as error:
            raise ValidationError({"id_number": error.messages}) from None


@cache
def _verifier(path: str) -> RealNameVerifier:
    return import_string(path)()


def verify_real_name(name: str, id_number: str) -> None:
    path = getattr(settings, "RESIDENTS_REAL_NAME_VERIFIER", "residents.realname.StructuralVerifier")
    _verifier(path).verify(name, id_number)
