"""Per-test data: people of each role in a town, residents with valid synthetic ID numbers,
communities, applications in a given state, permits and documents.

Tenant-owned rows are written inside ``town_context`` of their own town (row-level security
refuses anything else), so a factory needs only ``town_id``; related rows follow it.

Dates are fixed, never today's: an application's timestamps count from ``at`` (a parameter,
2025-03-03 10:00 Shanghai time by default), so a test reads the same on any day.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import factory
from factory.django import DjangoModelFactory

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.accounts.services import user_create
from nanhai_portal.areas.models import Community
from nanhai_portal.periods import years_after
from nanhai_portal.pii import id_facts
from nanhai_portal.tenancy import town_context
from residents import synthetic
from residents.models import Application, ApplicationStep, Document, Permit, Person, Resident
from residents.services import next_permit_number

SHANGHAI = ZoneInfo("Asia/Shanghai")
AT = datetime(2025, 3, 3, 10, 0, tzinfo=SHANGHAI)
Status = Application.Status

# How far along the workflow each state is: which timestamps it has.
SUBMITTED_OR_LATER = {Status.SUBMITTED, Status.ACCEPTED, Status.APPROVED, Status.ISSUED, Status.DELIVERED}
SUBMITTED_OR_LATER |= {Status.RETURNED, Status.REJECTED}
ACCEPTED_OR_LATER = {Status.ACCEPTED, Status.APPROVED, Status.ISSUED, Status.DELIVERED}
DECIDED = {Status.APPROVED, Status.ISSUED, Status.DELIVERED, Status.REJECTED}
ISSUED_OR_LATER = {Status.ISSUED, Status.DELIVERED}


def synthetic_id_number(n: int) -> str:
    """A valid ID number nobody else in the tests holds: born in the 1950s (the demo's people
    and the other tests' are born 1965 or later), serial and birthday from ``n``."""
    return synthetic.id_number(
        random.Random(n), region="440605", born=date(1950, 1, 1) + timedelta(days=n // 1000), serial=n
    )


class TownFactory(DjangoModelFactory):
    """The base of tenant-owned factories: ``town_id`` picks the town, the row is written in it."""

    class Meta:
        abstract = True

    town_id = "guicheng"

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Any:
        with town_context(kwargs["town_id"]):
            return super()._create(model_class, *args, **kwargs)


class CommunityFactory(TownFactory):
    class Meta:
        model = Community

    code = factory.Sequence(lambda n: f"T{n:07d}")
    name = factory.Sequence(lambda n: f"测试社区{n}")
    kind = Community.Kind.COMMUNITY


class UserFactory(DjangoModelFactory):
    """An account of ``role`` in ``town_id`` (none for district roles), made by the service that
    gives it the role's group. Without ``password`` it has none: sign it in with a token."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"test.person.{n}")
    name = factory.Sequence(lambda n: f"测试{n}号")
    role = Role.RESIDENT
    town_id = "guicheng"
    password = None
    mobile = None

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> User:
        role = kwargs["role"]
        return user_create(
            username=kwargs["username"],
            password=kwargs["password"],
            role=role,
            town_code=None if role in (Role.DISTRICT_OFFICIAL, Role.DISTRICT_ADMIN) else kwargs["town_id"],
            name=kwargs["name"],
            mobile=kwargs["mobile"],
        )


class PersonFactory(DjangoModelFactory):
    """A person of the district (no town), with a valid synthetic ID number and its facts."""

    class Meta:
        model = Person

    id_number = factory.Sequence(synthetic_id_number)
    name = factory.Sequence(lambda n: f"新市民测试{n}")
    sex = factory.LazyAttribute(lambda o: id_facts(o.id_number).sex)
    birth_date = factory.LazyAttribute(lambda o: id_facts(o.id_number).birth_date)
    origin = factory.LazyAttribute(lambda o: id_facts(o.id_number).origin)
    user = None
    registered_town_id = None


class ResidentFactory(TownFactory):
    """A person registered in ``town_id``, with a community of that town. ``account=True``
    gives the person an account to sign in with (``resident.person.user``), as sign-up would.
    Pass ``person__name=...`` or ``person__id_number=...`` to choose who."""

    class Meta:
        model = Resident

    class Params:
        account = factory.Trait(
            person__user=factory.SubFactory(
                UserFactory, role=Role.RESIDENT, town_id=factory.SelfAttribute("...town_id")
            )
        )

    person = factory.SubFactory(PersonFactory, registered_town_id=factory.SelfAttribute("..town_id"))
    community = factory.SubFactory(CommunityFactory, town_id=factory.SelfAttribute("..town_id"))
    address = "测试路1号"
    registered_since = date(2024, 1, 15)


class PermitFactory(TownFactory):
    class Meta:
        model = Permit

    resident = factory.SubFactory(ResidentFactory, town_id=factory.SelfAttribute("..town_id"))
    valid_from = date(2024, 6, 1)
    permit_number = factory.LazyAttribute(lambda o: next_permit_number(o.valid_from))
    valid_until = factory.LazyAttribute(lambda o: years_after(o.valid_from, 3))
    continuous_since = factory.SelfAttribute("valid_from")


def _after(o: Any, states: set[str], offset: timedelta) -> datetime | None:
    return o.at + offset if o.status in states else None


class ApplicationFactory(TownFactory):
    """An application in ``status``, with the timestamps that state has (counted from ``at``)
    and its timeline's last step. Issued ones took ``days_to_issue`` days from acceptance."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    class Params:
        at = AT
        days_to_issue = 5

    resident = factory.SubFactory(ResidentFactory, town_id=factory.SelfAttribute("..town_id"))
    kind = Application.Kind.PERMIT_ISSUE
    status = Status.SUBMITTED
    delivery = Application.Delivery.PICKUP
    postal_address = factory.LazyAttribute(lambda o: "测试路1号" if o.delivery == Application.Delivery.POST else "")
    submitted_at = factory.LazyAttribute(lambda o: _after(o, SUBMITTED_OR_LATER, timedelta(0)))
    accepted_at = factory.LazyAttribute(lambda o: _after(o, ACCEPTED_OR_LATER, timedelta(days=1)))
    due_at = factory.LazyAttribute(lambda o: _after(o, ACCEPTED_OR_LATER, timedelta(days=16)))
    decided_at = factory.LazyAttribute(lambda o: _after(o, DECIDED, timedelta(days=1 + o.days_to_issue)))
    issued_at = factory.LazyAttribute(lambda o: _after(o, ISSUED_OR_LATER, timedelta(days=1 + o.days_to_issue)))
    delivered_at = factory.LazyAttribute(lambda o: _after(o, {Status.DELIVERED}, timedelta(days=2 + o.days_to_issue)))

    @factory.post_generation
    def step(obj: Application, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            with town_context(obj.town_id):
                ApplicationStep.objects.create(town_id=obj.town_id, application=obj, status=obj.status)


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class DocumentFactory(TownFactory):
    class Meta:
        model = Document

    application = factory.SubFactory(
        ApplicationFactory, town_id=factory.SelfAttribute("..town_id"), status=Status.DRAFT
    )
    kind = Document.Kind.LEASE
    file = factory.django.FileField(data=PDF, filename="upload")
    content_type = "application/pdf"
    size = len(PDF)
    sha256 = hashlib.sha256(PDF).hexdigest()
