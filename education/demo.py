"""Demo school places by points (``seed_demo``).

In every town: the Foshan-style demo scheme, this year's round in its verification phase
(applications opened 30 days ago and closed 3 days ago; points are published in a week), four
primary and two junior middle schools with places (two with a catchment community), and
applications of families in each state the phase holds: a draft, submitted ones in the
officer's verification queue, verified ones with their points, and one found not eligible
(false documents). In 桂城 ``resident.1`` has applied for a child (awaiting verification).

Every application is made through the services (the guardian applies, uploads and submits;
``officer.<town>`` verifies), at times inside the application window, so each is audited and
its points are the engine's. The families other than ``resident.1`` have accounts without a
password (nobody signs in as them). The demo rounds do not require the guardian's residence
permit (a round's ``requires_permit``; a town may decide either way), so that ``resident.1``,
who has not yet applied for one, can show the family's side.

In 桂城 also this year's spring round past its allocation, with its results published and the
offers being answered (``ALLOCATED_FAMILIES``): five primary and one junior middle place for
nine families and ``resident.1``'s second child. Two families have accepted their places, one has
declined, the others (``resident.1`` among them, with the most points) hold live offers until
the acceptance deadline ten days ahead, and three are not placed. It went through every
phase by the services (applied, verified, points published, seed revealed, the allocation run,
the families told), at dates in the past; its scheme is a copy of the demo scheme of its own
name, frozen with the round's points, so that the verification round's stays editable.

Idempotent: a town that has its demo round already is left as it is; so is 桂城's allocated round.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from education import points
from education.district_loader import seed_district_admissions
from education.models import AdmissionRound, Offer, PointsScheme, RoundSchool, School, SchoolCatchment
from education.services import applications as application_services
from education.services.allocation import allocation_run, allocation_start
from education.services.applications import FactDecision
from education.services.offers import offer_accept, offer_decline
from education.services.rounds import round_advance
from education.services.schemes import scheme_create_from
from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.accounts.services import user_create
from nanhai_portal.areas.models import Community, Town
from nanhai_portal.demo import DemoReport, demo_seeder
from nanhai_portal.periods import years_after
from nanhai_portal.tenancy import town_context
from residents import synthetic
from residents.models import Permit, Resident
from residents.services import next_permit_number, resident_register

SCHEME_NAME = "积分入学方案（示范）"
SCHOOLS = (  # name suffix, stage, places, catchment community index (or None)
    ("第一小学", "primary", 45, 0),
    ("实验小学", "primary", 40, 1),
    ("中心小学", "primary", 35, None),
    ("外国语学校小学部", "primary", 30, None),
    ("初级中学", "junior", 40, None),
    ("实验中学", "junior", 30, None),
)
# The demo's documents: a one-page PDF (a certificate, as a scanner makes it).
CERTIFICATE = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@dataclass(frozen=True)
class DemoFamily:
    state: str  # draft, submitted, verified or disqualified
    grade: str
    claims: dict[str, str]
    permit_years: int  # years of continuous residence on the permit (0: none)


FAMILIES = (
    DemoFamily("draft", "P1", {"owned_home": "76"}, 3),
    DemoFamily("submitted", "P1", {"registered_rental": "4", "social_insurance_guangdong": "5"}, 4),
    DemoFamily("submitted", "J1", {"owned_home": "92.5", "social_insurance_foshan": "8", "bachelor_degree": "1"}, 7),
    DemoFamily("verified", "P1", {"owned_home": "108", "social_insurance_foshan": "6", "volunteer_service": "60"}, 6),
    DemoFamily(
        "verified", "P1", {"registered_rental": "6", "social_insurance_guangdong": "9", "college_diploma": "1"}, 5
    ),
    DemoFamily("verified", "J1", {"owned_home": "88", "catchment_community": "1", "social_insurance_foshan": "10"}, 9),
    DemoFamily("disqualified", "P1", {"owned_home": "120"}, 2),
)


# 桂城's round past its allocation: the schools (suffixes of the town's demo schools) and their
# places, and its families: the state each ends in after the allocation is the services' answer
# (by points, every family choosing the primary schools in a random order).
ALLOCATED_TOWN = "guicheng"
ALLOCATED_SCHEME_NAME = "积分入学方案（示范·春季）"
ALLOCATED_SCHOOLS = (
    ("第一小学", "primary", 2),
    ("实验小学", "primary", 2),
    ("中心小学", "primary", 1),
    ("初级中学", "junior", 1),
)
ALLOCATED_FAMILIES = (
    DemoFamily("verified", "P1", {"owned_home": "120", "social_insurance_foshan": "8"}, 3),
    DemoFamily("verified", "P1", {"owned_home": "95", "social_insurance_guangdong": "6"}, 4),
    DemoFamily("verified", "P1", {"registered_rental": "6", "social_insurance_foshan": "7"}, 2),
    DemoFamily("verified", "P1", {"owned_home": "70", "volunteer_service": "40"}, 3),
    DemoFamily("verified", "P1", {"registered_rental": "4", "social_insurance_guangdong": "5"}, 2),
    DemoFamily("verified", "P1", {"registered_rental": "2"}, 1),
    DemoFamily("disqualified", "P1", {"owned_home": "130"}, 2),
    DemoFamily("verified", "J1", {"owned_home": "100", "social_insurance_foshan": "9"}, 5),
    DemoFamily("verified", "J1", {"registered_rental": "3"}, 1),
)
# ``resident.1``'s second child: the most points, so a place at the first choice (a live offer).
RESIDENT_SECOND_CHILD = DemoFamily(
    "verified", "P1", {"owned_home": "144", "social_insurance_foshan": "10", "social_insurance_guangdong": "10"}, 0
)
ACCEPTING, DECLINING = 2, 1  # of the offered families other than resident.1's, by points


@demo_seeder(order=60)
def seed_education(report: DemoReport, scale: str) -> None:
    now = timezone.now()
    made = 0
    for town in Town.objects.order_by("code"):
        with town_context(town.code):
            if AdmissionRound.objects.filter(year=now.year, name=_round_name(town, now.year)).exists():
                continue
            made += _town_round(town, now)
    report.lines.append(f"{made} admission applications in this year's rounds, in verification (7 towns)")
    town = Town.objects.get(code=ALLOCATED_TOWN)
    with town_context(town.code):
        if not AdmissionRound.objects.filter(year=now.year, name=_allocated_round_name(town, now.year)).exists():
            placed = _allocated_round(town, now)
            report.lines.append(f"{placed} places offered in {town.name}'s spring round, results published")
    if scale == "district":
        loaded = seed_district_admissions(year=now.year, now=now, report=print)
        report.lines.append(
            f"{loaded.applications:,} admission applications for {loaded.places:,} places in {loaded.schools} schools "
            "at district scale, ready for the allocation"
        )


def _round_name(town: Town, year: int) -> str:
    return f"{town.name}{year}年积分入学"


@transaction.atomic
def _town_round(town: Town, now: datetime) -> int:
    rng = random.Random(f"education-{town.code}")
    admin = User.objects.get(username=f"townadmin.{town.code}")
    officer = User.objects.get(username=f"officer.{town.code}")
    communities = list(Community.objects.order_by("code")[:4])
    scheme = PointsScheme.objects.filter(name=SCHEME_NAME).order_by("-version").first() or scheme_create_from(
        town=town.code, name=SCHEME_NAME, spec=points.foshan_demo_scheme()
    )
    opened = now - timedelta(days=30)
    round_ = AdmissionRound.objects.create(
        town_id=town.code,
        year=now.year,
        name=_round_name(town, now.year),
        scheme=scheme,
        max_choices=3,
        requires_permit=False,
        applications_open=opened,
        applications_close=now - timedelta(days=3),
        points_published_on=(now + timedelta(days=7)).date(),
        objections_close=now + timedelta(days=14),
        results_published_on=(now + timedelta(days=21)).date(),
        acceptance_deadline=now + timedelta(days=28),
        second_round_close=now + timedelta(days=35),
    )
    offered: dict[str, list[RoundSchool]] = {"primary": [], "junior": []}
    for suffix, stage, places, catchment in SCHOOLS:
        name = f"{town.name}{suffix}"
        school = School.objects.filter(name=name).first() or School.objects.create(
            town_id=town.code, name=name, stage=stage, address=f"{town.name}{rng.randrange(1, 300)}号"
        )
        if catchment is not None and communities:
            SchoolCatchment.objects.get_or_create(
                school=school, community=communities[catchment % len(communities)], defaults={"town_id": town.code}
            )
        offered[stage].append(RoundSchool.objects.create(town_id=town.code, round=round_, school=school, places=places))
    round_ = round_advance(by=admin, round_=round_, now=opened)  # open: the seed is drawn, its digest published
    made = 0
    for index, family in enumerate(FAMILIES):
        guardian = _guardian(town, index, family, rng, now)
        made += _apply(round_, guardian, family, offered, officer, rng, at=opened + timedelta(days=2 + index))
    if town.code == "guicheng":
        resident = Resident.objects.get(person__user__username="resident.1", moved_out_on=None)
        made += _apply(
            round_,
            resident,
            DemoFamily("submitted", "P1", {"registered_rental": "1"}, 0),
            offered,
            officer,
            rng,
            at=opened + timedelta(days=20),
        )
    round_advance(by=admin, round_=round_, now=now)  # applications closed: verification
    return made


def _allocated_round_name(town: Town, year: int) -> str:
    return f"{town.name}{year}年春季积分入学"


@transaction.atomic
def _allocated_round(town: Town, now: datetime) -> int:
    """``town``'s spring round, taken through every phase by the services at past dates, then
    allocated (its task's work done here, in this transaction), and some offers answered."""
    rng = random.Random(f"education-allocated-{town.code}")
    admin = User.objects.get(username=f"townadmin.{town.code}")
    officer = User.objects.get(username=f"officer.{town.code}")
    scheme = PointsScheme.objects.filter(name=ALLOCATED_SCHEME_NAME).order_by("-version").first() or scheme_create_from(
        town=town.code, name=ALLOCATED_SCHEME_NAME, spec=points.foshan_demo_scheme()
    )
    opened = now - timedelta(days=60)
    round_ = AdmissionRound.objects.create(
        town_id=town.code,
        year=now.year,
        name=_allocated_round_name(town, now.year),
        scheme=scheme,
        max_choices=3,
        requires_permit=False,
        applications_open=opened,
        applications_close=now - timedelta(days=45),
        points_published_on=(now - timedelta(days=40)).date(),
        objections_close=now - timedelta(days=30),
        results_published_on=(now - timedelta(days=28)).date(),
        acceptance_deadline=now + timedelta(days=10),
        second_round_close=now + timedelta(days=20),
    )
    offered: dict[str, list[RoundSchool]] = {"primary": [], "junior": []}
    for suffix, stage, places in ALLOCATED_SCHOOLS:
        name = f"{town.name}{suffix}"
        school = School.objects.filter(name=name).first() or School.objects.create(
            town_id=town.code, name=name, stage=stage, address=f"{town.name}{rng.randrange(1, 300)}号"
        )
        offered[stage].append(RoundSchool.objects.create(town_id=town.code, round=round_, school=school, places=places))
    round_ = round_advance(by=admin, round_=round_, now=opened)
    for index, family in enumerate(ALLOCATED_FAMILIES):
        guardian = _guardian(town, 20 + index, family, rng, now)
        _apply(round_, guardian, family, offered, officer, rng, at=opened + timedelta(days=1 + index))
    resident = Resident.objects.get(person__user__username="resident.1", moved_out_on=None)
    _apply(round_, resident, RESIDENT_SECOND_CHILD, offered, officer, rng, at=opened + timedelta(days=12))
    round_ = round_advance(by=admin, round_=round_, now=now - timedelta(days=44))  # verification
    round_ = round_advance(by=admin, round_=round_, now=now - timedelta(days=40))  # points published
    round_ = round_advance(by=admin, round_=round_, now=now - timedelta(days=29))  # allocation: the seed revealed
    allocation = allocation_start(by=admin, round_=round_, now=now - timedelta(days=28))
    allocation = allocation_run(allocation.pk)  # the queued task finds it done and leaves it
    answering = (
        Offer.objects.filter(allocation=allocation)
        .exclude(application__guardian=resident)
        .select_related("application__guardian__person__user")
        .order_by("-application__points", "application__lottery")
    )
    for number, offer in enumerate(answering[: ACCEPTING + DECLINING]):
        answer = offer_accept if number < ACCEPTING else offer_decline
        answer(by=offer.application.guardian.person.user, offer=offer, now=now - timedelta(days=2 - number))
    return allocation.placed


def _guardian(town: Town, index: int, family: DemoFamily, rng: random.Random, now: datetime) -> Resident:
    """A registered family with an account (no password) and, if ``permit_years``, a permit
    in good standing with that many whole years of continuous residence."""
    username = f"family.{town.code}.{index + 1}"
    user = User.objects.filter(username=username).first() or user_create(
        username=username, password=None, role=Role.RESIDENT, town_code=town.code, name=synthetic.name(rng)
    )
    resident = Resident.objects.filter(person__user=user, moved_out_on=None).first()
    today = now.date()
    if resident is None:
        community = Community.objects.order_by("code")[index % 4]
        resident = resident_register(
            name=user.name,
            id_number=synthetic.id_number(random.Random(f"family-{town.code}-{index}"), region="440605"),
            community=community,
            registered_since=years_after(today, -(family.permit_years + 1)),
            address=f"{community.name}{rng.randrange(1, 200)}号",
            user=user,
        )
    if family.permit_years and not Permit.objects.filter(resident=resident).exists():
        # The next anniversary is 100 days ahead and the last one was endorsed in its window.
        since = years_after(today + timedelta(days=100), -family.permit_years)
        Permit.objects.create(
            town_id=town.code,
            resident=resident,
            permit_number=next_permit_number(since),
            valid_from=years_after(today, -1),
            valid_until=years_after(today, 2),
            continuous_since=since,
            last_endorsed_on=years_after(since, family.permit_years - 1) - timedelta(days=10),
        )
    return resident


def _apply(
    round_: AdmissionRound,
    guardian: Resident,
    family: DemoFamily,
    offered: dict[str, list[RoundSchool]],
    officer: User,
    rng: random.Random,
    *,
    at: datetime,
) -> int:
    user = guardian.person.user
    assert user is not None
    stage = "primary" if family.grade == "P1" else "junior"
    schools = rng.sample(offered[stage], k=min(len(offered[stage]), 2 if stage == "junior" else 3))
    born = date(round_.year - (6 if family.grade == "P1" else 12), 1, 1) + timedelta(days=rng.randrange(0, 230))
    application = application_services.application_create(
        by=user,
        round_=round_,
        child_name=synthetic.name(rng),
        child_id_number=synthetic.id_number(rng, region="440605", born=born),
        relationship=rng.choice(["father", "mother"]),
        consent=True,
        grade=family.grade,
        choices=[school.pk for school in schools],
        claims={code: Decimal(value) for code, value in family.claims.items()},
        now=at,
    )
    if family.state == "draft":
        return 1
    for code in family.claims:
        upload = SimpleUploadedFile("certificate.pdf", CERTIFICATE, content_type="application/pdf")
        application_services.application_add_document(by=user, application=application, upload=upload, item_code=code)
    application_services.application_submit(by=user, application=application, now=at)
    if family.state in ("verified", "disqualified"):
        decisions = [FactDecision(item_code=code, decision="accept") for code in family.claims]
        if family.state == "disqualified":
            decisions.append(
                FactDecision(
                    item_code="false_documents", decision="adjust", quantity=Decimal(1), reason="房产证经核查系伪造"
                )
            )
        application_services.application_verify(by=officer, application=application, decisions=decisions, now=at)
    return 1
