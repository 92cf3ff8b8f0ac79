"""Walk every URL of the site, as every role, against objects of their own and of others.

The routes come from the URL map (``get_resolver()``), so a new URL is probed without anyone
remembering to: the test fails until ``ROUTES`` says what each role should get there. Each
path parameter is filled with an object of the right type, made with the factories: one of
the caller's town (the resident's own where it is a person's), and one of another town. Each
role asks with GET, and with POST where the URL takes it; a refused POST changes nothing.

What the answers must be (``expected``):
- anonymous: the sign-in page (302) for a page, 401 for the API;
- an object the role may not see (another town's, another person's): 404, whatever the role;
- an object the role sees, but an action that is not theirs: 403;
- a collection (a list, an upload form) the role has no business with: 403;
- otherwise the route's own answer (200, 201, or 302 after a POST; 400/409 when the empty
  POST of the probe is incomplete or comes in the wrong state, which means it got past the
  access rules).
District roles read every town and write none: the API refuses their writes (403) before
it looks at the object (``DistrictReadOnly``).

The same objects are also checked for agreement: the API and the pages hide the same ones
from the same person.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from rest_framework.test import APIClient

from education.models import (
    AdmissionApplication,
    AdmissionRound,
    ApplicationDocument,
    Fact,
    Objection,
    RoundSchool,
    School,
)
from governance.models import Candidate, Election, PollingStation, StationCount, Voter
from governance.services import committees as committee_services
from governance.services import elections as election_services
from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role
from nanhai_portal.accounts.tokens import token_issue
from nanhai_portal.areas.models import Community, Grid
from nanhai_portal.areas.services import grid_assign_worker
from nanhai_portal.audit.models import AuditEvent
from nanhai_portal.jobs.models import ImportJob
from nanhai_portal.notifications import fanouts
from nanhai_portal.notifications.models import FanOut, Notification
from nanhai_portal.notifications.services import notify
from nanhai_portal.tenancy import district_context, town_context
from rentals import services as rentals_services
from rentals.models import Hazard, Inspection, Photo, RentalHouse, Tenancy
from residents.models import Application, ApplicationStep, Document, Permit, Resident
from tests.education.factories import round_in, school_in
from tests.factories import (
    ApplicationFactory,
    DocumentFactory,
    PermitFactory,
    PersonFactory,
    ResidentFactory,
    UserFactory,
)
from tests.jobs.files import csv_upload
from tests.jobs.test_import import MIXED_ROWS
from tests.rentals.factories import AT, RentalHouseFactory
from tests.residents.helpers import png
from tests.unchanged import Rows, nothing_changes, rows

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # minutes: every route, as every role

HOME, OTHER = "guicheng", "dali"

# --- Roles ---------------------------------------------------------------------------

RESIDENT = "resident"  # owns the applications, the permit and the notification probed
OTHER_RESIDENT = "another resident"  # of the same town
GRID = "grid worker"  # serves the grid probed
OFFICER = "officer"  # of the town
OTHER_OFFICER = "officer of another town"
TOWN_ADMIN = "town admin"
OFFICIAL = "district official"
DISTRICT_ADMIN = "district admin"
ANONYMOUS = "anonymous"

ROLES = (RESIDENT, OTHER_RESIDENT, GRID, OFFICER, OTHER_OFFICER, TOWN_ADMIN, OFFICIAL, DISTRICT_ADMIN, ANONYMOUS)
SIGNED_IN = frozenset(ROLES) - {ANONYMOUS}
REVIEWERS = frozenset({OFFICER, TOWN_ADMIN})
DISTRICT = frozenset({OFFICIAL, DISTRICT_ADMIN})
AREA_STAFF = REVIEWERS | DISTRICT  # areas.view_grid; jobs.view_importjob; residents.view_application
AUDITORS = frozenset({TOWN_ADMIN, DISTRICT_ADMIN})
BACK_OFFICE = frozenset({TOWN_ADMIN, DISTRICT_ADMIN})  # is_staff

# --- What each kind of object is, and who sees the one of the caller's town ------------
#
# The other town's object is seen by the district roles, by the other town's officer as the
# officer sees the home town's (the mirror), and by nobody else.

VISIBLE: dict[str, frozenset[str]] = {
    "application": frozenset({RESIDENT}) | AREA_STAFF,  # submitted: the applicant, the town, the district
    "draft": frozenset({RESIDENT}),  # a draft is the resident's own business
    "document": frozenset({RESIDENT}) | REVIEWERS,  # whole ID cards and leases: not the district's
    "draft document": frozenset({RESIDENT}),
    "permit": frozenset({RESIDENT}) | AREA_STAFF,
    "notification": frozenset({RESIDENT}),  # a person's own
    "job": AREA_STAFF,
    "fanout": AREA_STAFF,  # started by the officer; view_fanout for the others
    "audit event": AUDITORS,
    "community": SIGNED_IN - {OTHER_OFFICER},
    "grid": frozenset({GRID}) | AREA_STAFF,  # the worker serves it (guardian)
    "town": SIGNED_IN,  # the seven towns are no secret
    "signup": frozenset(ROLES),  # a sign-up verification: by its unguessable id
    # Rentals: the resident is the landlord, the other resident a tenant, the grid worker serves
    # the house's grid; the town and the district read every house.
    "house": frozenset({RESIDENT, OTHER_RESIDENT, GRID}) | AREA_STAFF,
    "inspection": frozenset({RESIDENT, OTHER_RESIDENT, GRID}) | AREA_STAFF,
    "hazard": frozenset({RESIDENT, OTHER_RESIDENT, GRID}) | AREA_STAFF,
    "inspection photo": frozenset({RESIDENT, OTHER_RESIDENT, GRID}) | AREA_STAFF,
    # Education: the resident is the guardian; schools and open rounds are for anyone of the town.
    "school": SIGNED_IN - {OTHER_OFFICER},
    "admission round": SIGNED_IN - {OTHER_OFFICER},
    "admission application": frozenset({RESIDENT}) | AREA_STAFF,
    "admission objection": frozenset({RESIDENT}) | AREA_STAFF,
    "admission document": frozenset({RESIDENT}) | REVIEWERS,  # a family's papers: not the district's
    # Governance: the resident lives in the community (and is on its roll); stations and counts
    # are the town's officers' and the district's.
    "committee": frozenset({RESIDENT}) | AREA_STAFF,
    "committee member": frozenset({RESIDENT}) | AREA_STAFF,
    "election": frozenset({RESIDENT}) | AREA_STAFF,
    "voter": frozenset({RESIDENT}) | AREA_STAFF,
    "candidate": frozenset({RESIDENT}) | AREA_STAFF,
    "station": AREA_STAFF,
    "station count": AREA_STAFF,
}
MIRROR = {OTHER_OFFICER: OFFICER}


def sees(role: str, target: str, town: str) -> bool:
    if target in ("town", "signup"):
        return role in VISIBLE[target]
    if town == HOME:
        return role in VISIBLE[target]
    if role in DISTRICT:
        return role in VISIBLE[target]
    return role in MIRROR and MIRROR[role] in VISIBLE[target]


# --- The table: what every route answers ---------------------------------------------

OK = frozenset({200})
MOVED = frozenset({302})
ANY_ROLE = object()


@dataclass(frozen=True)
class Rule:
    """One method of a route: the roles for whom it is allowed (among those who see the
    object), the answers that mean "allowed", and the answer to the others."""

    who: frozenset[str] | object = ANY_ROLE
    ok: frozenset[int] = OK
    refused: int = 403

    def allows(self, role: str) -> bool:
        # The other town's officer is an officer too: what the rule allows the officer, in
        # their own town (the object's visibility says which town that is).
        return self.who is ANY_ROLE or MIRROR.get(role, role) in self.who  # type: ignore[operator]


NOT_ALLOWED = Rule(ok=frozenset({405}))  # the method is not taken (the probe still asks)


@dataclass(frozen=True)
class Route:
    api: bool
    get: Rule
    post: Rule | None = None  # None: the route takes no POST, so none is sent
    targets: tuple[str, ...] = ()
    public: bool = False  # anonymous callers are answered like anyone else
    district_read_only: bool = False  # a TenantViewSet: district roles' writes are 403 first
    values: dict[str, str] = field(default_factory=dict)  # fixed path values (an action name)


def page(get: Rule, post: Rule | None = None, *targets: str, **values: str) -> Route:
    return Route(api=False, get=get, post=post, targets=targets, values=values)


def api(get: Rule, post: Rule | None = None, *targets: str, tenant: bool = True) -> Route:
    return Route(api=True, get=get, post=post, targets=targets, district_read_only=tenant)


def public(get: Rule, post: Rule | None = None, *, is_api: bool = False, target: str | None = None) -> Route:
    return Route(api=is_api, get=get, post=post, public=True, targets=(target,) if target else ())


EVERYONE = Rule()
POST_ONLY = NOT_ALLOWED
APPLICANT = frozenset({RESIDENT})
APPLICATION = ("application", "draft")
DOCUMENT = ("document", "draft document")
STATE_OR_FORM = frozenset({200, 201, 302, 400, 409})  # past the access rules, then the state or the form
HOUSE_MANAGERS = frozenset({RESIDENT, GRID, OFFICER, TOWN_ADMIN})  # rentals: the landlord, its grid worker, the town

ROUTES: dict[str, Route] = {
    # --- Kernel: health, sign-in, language, schema ---
    "healthz": public(Rule(ok=frozenset({200, 503}))),
    "livez": public(EVERYONE),
    "api/auth/token/": public(NOT_ALLOWED, Rule(ok=frozenset({400})), is_api=True),
    "api/schema/": public(EVERYONE),
    "api/docs/": public(EVERYONE),
    "i18n/setlang/": public(Rule(ok=frozenset({204, 302})), Rule(ok=frozenset({204, 302}))),
    "": page(EVERYONE),
    "login/": public(Rule(ok=frozenset({200, 302})), Rule(ok=frozenset({200, 302}))),
    "logout/": public(NOT_ALLOWED, Rule(ok=MOVED)),
    "communities/": page(Rule(AREA_STAFF)),
    "my-grids/": page(EVERYONE),
    "audit/": page(Rule(AUDITORS)),
    "audit/export.csv": page(Rule(AUDITORS)),
    "inbox/": page(EVERYONE),
    "inbox/<uuid:notification_id>/read/": page(POST_ONLY, Rule(ok=MOVED), "notification"),
    "inbox/read-all/": page(POST_ONLY, Rule(ok=MOVED)),
    "inbox/fanouts/": page(EVERYONE),
    "inbox/fanouts/<uuid:fanout_id>/": page(EVERYONE, None, "fanout"),
    "jobs/": page(Rule(AREA_STAFF), Rule(REVIEWERS, ok=frozenset({400}))),
    "jobs/<uuid:job_id>/": page(EVERYONE, None, "job"),
    "jobs/<uuid:job_id>/cancel/": page(POST_ONLY, Rule(REVIEWERS, ok=MOVED), "job"),
    "jobs/^templates/(?P<kind>[a-z][a-z0-9_]{0,31})\\.(?P<file_format>csv|xlsx)$": page(
        Rule(REVIEWERS), None, kind="communities"
    ),
    # --- Residents' pages ---
    "residents/signup/": public(Rule(ok=frozenset({200, 302})), Rule(ok=frozenset({302, 400}))),
    "residents/signup/<uuid:signup_id>/verify/": public(
        Rule(ok=frozenset({200, 302})), Rule(ok=frozenset({302, 400})), target="signup"
    ),
    "residents/signup/<uuid:signup_id>/resend/": public(NOT_ALLOWED, Rule(ok=frozenset({302, 400})), target="signup"),
    "privacy/": public(Rule(ok=frozenset({200}))),
    "residents/applications/": page(EVERYONE),
    "residents/apply/": page(EVERYONE, Rule(ok=frozenset({400}))),
    "residents/applications/<uuid:pk>/": page(Rule(APPLICANT), None, *APPLICATION),
    "residents/applications/<uuid:pk>/documents/": page(POST_ONLY, Rule(APPLICANT, ok=STATE_OR_FORM), *APPLICATION),
    "residents/applications/<uuid:pk>/documents/<uuid:document_id>/": page(EVERYONE, None, *DOCUMENT),
    "residents/applications/<uuid:pk>/documents/<uuid:document_id>/view/": page(EVERYONE, None, *DOCUMENT),
    "residents/applications/<uuid:pk>/change/": page(POST_ONLY, Rule(APPLICANT, ok=STATE_OR_FORM), *APPLICATION),
    "residents/applications/<uuid:pk>/submit/": page(POST_ONLY, Rule(APPLICANT, ok=STATE_OR_FORM), *APPLICATION),
    "residents/permit/": page(EVERYONE),
    # Endorsing needs a resident record of one's own: staff have none to endorse (404); a
    # resident gets the form back (it asks how the permit comes back) or the draft.
    "residents/permit/endorse/": page(
        POST_ONLY, Rule(frozenset({RESIDENT, OTHER_RESIDENT}), ok=STATE_OR_FORM, refused=404)
    ),
    "residents/queue/": page(Rule(REVIEWERS)),
    "residents/queue/approve/": page(Rule(REVIEWERS, ok=frozenset({405})), Rule(REVIEWERS, ok=MOVED)),
    "residents/queue/<uuid:pk>/": page(Rule(REVIEWERS), None, *APPLICATION),
    # Post, redirect, get: the reveal answers 303 to the review page, which shows it once.
    "residents/queue/<uuid:pk>/reveal/<slug:field>/": page(
        POST_ONLY, Rule(REVIEWERS, ok=frozenset({303})), *APPLICATION, field="id_number"
    ),
    "residents/queue/<uuid:pk>/<slug:action>/": page(
        POST_ONLY, Rule(REVIEWERS, ok=STATE_OR_FORM), *APPLICATION, action="accept"
    ),
    # --- API: kernel ---
    "api/v1/me/": api(EVERYONE, tenant=False),
    "api/v1/^towns/$": api(EVERYONE, tenant=False),
    "api/v1/^towns\\.(?P<format>[a-z0-9]+)/?$": api(EVERYONE, tenant=False),
    "api/v1/^towns/(?P<code>[^/.]+)/$": api(EVERYONE, None, "town", tenant=False),
    "api/v1/^towns/(?P<code>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$": api(EVERYONE, None, "town", tenant=False),
    "api/v1/^communities/$": api(EVERYONE),
    "api/v1/^communities\\.(?P<format>[a-z0-9]+)/?$": api(EVERYONE),
    "api/v1/^communities/(?P<pk>[^/.]+)/$": api(EVERYONE, None, "community"),
    "api/v1/^communities/(?P<pk>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$": api(EVERYONE, None, "community"),
    "api/v1/^grids/$": api(EVERYONE),
    "api/v1/^grids\\.(?P<format>[a-z0-9]+)/?$": api(EVERYONE),
    "api/v1/^grids/(?P<pk>[^/.]+)/$": api(EVERYONE, None, "grid"),
    "api/v1/^grids/(?P<pk>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$": api(EVERYONE, None, "grid"),
    # Any signed-in caller gets past the form; the role (403) and the object (404) come after it.
    "api/v1/pii/reveal/": api(NOT_ALLOWED, Rule(ok=frozenset({400})), tenant=False),
    "api/v1/^audit-events/$": api(Rule(AUDITORS)),
    "api/v1/^audit-events/(?P<pk>[^/.]+)/$": api(EVERYONE, None, "audit event"),
    "api/v1/^notifications/$": api(EVERYONE, tenant=False),
    "api/v1/^notifications/read-all/$": api(NOT_ALLOWED, EVERYONE, tenant=False),
    "api/v1/^notifications/unread-count/$": api(EVERYONE, tenant=False),
    "api/v1/^notifications/(?P<pk>[0-9a-fA-F-]{36})/$": api(EVERYONE, None, "notification", tenant=False),
    "api/v1/^notifications/(?P<pk>[0-9a-fA-F-]{36})/read/$": api(NOT_ALLOWED, EVERYONE, "notification", tenant=False),
    "api/v1/^fanouts/$": api(EVERYONE, Rule(REVIEWERS, ok=frozenset({400}))),
    "api/v1/^fanouts/(?P<pk>[0-9a-fA-F-]{36})/$": api(EVERYONE, None, "fanout"),
    "api/v1/^jobs/$": api(Rule(AREA_STAFF), Rule(REVIEWERS, ok=frozenset({400}))),
    "api/v1/^jobs/(?P<pk>[^/.]+)/$": api(EVERYONE, None, "job"),
    "api/v1/^jobs/(?P<pk>[^/.]+)/cancel/$": api(NOT_ALLOWED, Rule(REVIEWERS), "job"),
    "api/v1/jobs/<uuid:pk>/errors.csv": api(EVERYONE, None, "job"),
    "api/v1/jobs/<uuid:pk>/errors.xlsx": api(EVERYONE, None, "job"),
    # --- API: residents ---
    "api/v1/signup/": public(NOT_ALLOWED, Rule(ok=frozenset({400})), is_api=True),
    "api/v1/signup/<str:signup_id>/verify/": public(
        NOT_ALLOWED, Rule(ok=frozenset({400})), is_api=True, target="signup"
    ),
    "api/v1/signup/<str:signup_id>/resend/": public(
        NOT_ALLOWED, Rule(ok=frozenset({400})), is_api=True, target="signup"
    ),
    "api/v1/signup/privacy-notice/": public(Rule(ok=frozenset({200})), is_api=True),
    "api/v1/^applications/$": api(EVERYONE, Rule(ok=frozenset({400}))),
    "api/v1/^applications/bulk-approve/$": api(NOT_ALLOWED, Rule(REVIEWERS, ok=frozenset({400}))),
    "api/v1/^applications/(?P<pk>[^/.]+)/$": api(EVERYONE, None, *APPLICATION),
    "api/v1/^applications/(?P<pk>[^/.]+)/precheck/$": api(EVERYONE, None, *APPLICATION),
    "api/v1/^applications/(?P<pk>[^/.]+)/documents/$": api(
        NOT_ALLOWED, Rule(APPLICANT, ok=STATE_OR_FORM), *APPLICATION
    ),
    "api/v1/^applications/(?P<pk>[^/.]+)/documents/(?P<document_id>[0-9a-f-]{36})/$": api(EVERYONE, None, *DOCUMENT),
    "api/v1/^applications/(?P<pk>[^/.]+)/submit/$": api(NOT_ALLOWED, Rule(APPLICANT, ok=STATE_OR_FORM), *APPLICATION),
    **{
        f"api/v1/^applications/(?P<pk>[^/.]+)/{action}/$": api(
            NOT_ALLOWED, Rule(REVIEWERS, ok=STATE_OR_FORM), *APPLICATION
        )
        for action in ("accept", "return", "approve", "reject", "issue", "deliver")
    },
    "api/v1/^permits/$": api(EVERYONE),
    "api/v1/^permits/(?P<pk>[^/.]+)/$": api(EVERYONE, None, "permit"),
    # --- Rentals: the grid worker's day and the offline inspection (rentals/views/grid.py) ---
    "rentals/today/": page(Rule(frozenset({GRID}))),
    # The empty POST of the probe gets past the access rules to the form (400).
    "rentals/houses/<uuid:house_id>/inspect/": page(
        Rule(frozenset({GRID})), Rule(frozenset({GRID}), ok=frozenset({400})), "house"
    ),
    "rentals/inspect/offline/": page(Rule(frozenset({GRID}))),
    # What makes the pages installable: no personal data, so anyone gets them.
    "rentals/manifest.webmanifest": public(EVERYONE),
    "rentals/sw.js": public(EVERYONE),
    # --- API: rentals (helper A, the rentals API) ---
    # Anyone signed in lists what they may see and gets past the form (the house is looked up
    # after it); only the grid worker of the house's grid inspects it or adds photos.
    "api/v1/^inspections/$": api(EVERYONE, Rule(ok=frozenset({400}))),
    "api/v1/^inspections/sync/$": api(NOT_ALLOWED, Rule(ok=frozenset({400}))),
    "api/v1/^inspections/(?P<pk>[^/.]+)/$": api(EVERYONE, None, "inspection"),
    "api/v1/^inspections/(?P<pk>[^/.]+)/photos/$": api(
        NOT_ALLOWED, Rule(frozenset({GRID}), ok=frozenset({400})), "inspection"
    ),
    "api/v1/photos/<uuid:photo_id>/": api(EVERYONE, None, "inspection photo"),
    "api/v1/hazard-categories/": api(EVERYONE, tenant=False),
    "api/v1/^rental-houses/$": api(EVERYONE, Rule(ok=frozenset({400}))),
    "api/v1/^rental-houses/(?P<pk>[^/.]+)/$": api(EVERYONE, None, "house"),
    # The landlord (the resident), the grid worker and the town add tenants; the tenant reads.
    "api/v1/^rental-houses/(?P<pk>[^/.]+)/tenancies/$": api(
        EVERYONE, Rule(frozenset({RESIDENT, GRID, OFFICER, TOWN_ADMIN}), ok=frozenset({400})), "house"
    ),
    "api/v1/^hazards/$": api(EVERYONE),
    "api/v1/^hazards/(?P<pk>[^/.]+)/$": api(EVERYONE, None, "hazard"),
    "api/v1/^hazards/(?P<pk>[^/.]+)/rectify/$": api(NOT_ALLOWED, Rule(APPLICANT, ok=STATE_OR_FORM), "hazard"),
    "api/v1/^hazards/(?P<pk>[^/.]+)/verify/$": api(NOT_ALLOWED, Rule(frozenset({GRID}), ok=STATE_OR_FORM), "hazard"),
    "api/v1/^hazards/(?P<pk>[^/.]+)/reopen/$": api(NOT_ALLOWED, Rule(frozenset({GRID}), ok=STATE_OR_FORM), "hazard"),
    # --- Rentals: the landlord's and tenant's pages, one house, one hazard, photos, the notice
    # (helper C). The resident is the house's landlord, the other resident its tenant: who
    # MANAGEs a house is its landlord, its grid worker and the town (not the tenant, not the
    # district, which read only).
    "rentals/mine/": page(EVERYONE),
    "rentals/houses/new/": page(Rule(SIGNED_IN - DISTRICT), Rule(SIGNED_IN - DISTRICT, ok=frozenset({400}))),
    "rentals/houses/<uuid:house_id>/": page(EVERYONE, None, "house"),
    "rentals/houses/<uuid:house_id>/tenants/": page(
        Rule(HOUSE_MANAGERS), Rule(HOUSE_MANAGERS, ok=frozenset({400})), "house"
    ),
    "rentals/houses/<uuid:house_id>/notice.pdf": page(Rule(HOUSE_MANAGERS), None, "house"),
    "rentals/hazards/<uuid:hazard_id>/": page(EVERYONE, None, "hazard"),
    "rentals/hazards/<uuid:hazard_id>/<slug:action>/": page(
        POST_ONLY, Rule(APPLICANT, ok=STATE_OR_FORM), "hazard", action="rectify"
    ),
    "rentals/photos/<uuid:photo_id>/": page(EVERYONE, None, "inspection photo"),
    "api/v1/rental-houses/<uuid:pk>/notice.pdf": api(Rule(HOUSE_MANAGERS), None, "house"),
    # --- Rentals, part D: the officers' hazards, the escalation queues and the houses list (GET only) ---
    "rentals/hazards/": page(Rule(AREA_STAFF), NOT_ALLOWED),
    "rentals/escalations/": page(Rule(AREA_STAFF), NOT_ALLOWED),
    "rentals/houses/": page(Rule(AREA_STAFF), NOT_ALLOWED),
    # --- API: education (schools, rounds, the calculator, admission applications) ---
    "api/v1/^schools/$": api(EVERYONE, Rule(frozenset({TOWN_ADMIN}), ok=frozenset({400}))),
    "api/v1/^schools/(?P<pk>[^/.]+)/$": api(EVERYONE, None, "school"),
    "api/v1/^admission-rounds/$": api(EVERYONE, Rule(frozenset({TOWN_ADMIN}), ok=frozenset({400}))),
    "api/v1/^admission-rounds/(?P<pk>[^/.]+)/$": api(EVERYONE, None, "admission round"),
    "api/v1/^admission-rounds/(?P<pk>[^/.]+)/advance/$": api(
        NOT_ALLOWED, Rule(frozenset({TOWN_ADMIN}), ok=STATE_OR_FORM), "admission round"
    ),
    "api/v1/^admission-rounds/(?P<pk>[^/.]+)/places/$": api(
        NOT_ALLOWED, Rule(frozenset({TOWN_ADMIN}), ok=frozenset({400})), "admission round"
    ),
    "api/v1/points/calculate/": api(NOT_ALLOWED, Rule(ok=frozenset({400})), tenant=False),
    "api/v1/^admission-applications/$": api(EVERYONE, Rule(ok=frozenset({400}))),
    "api/v1/^admission-applications/(?P<pk>[^/.]+)/$": api(EVERYONE, None, "admission application"),
    "api/v1/^admission-applications/(?P<pk>[^/.]+)/documents/$": api(
        NOT_ALLOWED, Rule(APPLICANT, ok=STATE_OR_FORM), "admission application"
    ),
    "api/v1/^admission-applications/(?P<pk>[^/.]+)/objections/$": api(
        EVERYONE, Rule(APPLICANT, ok=STATE_OR_FORM), "admission application"
    ),
    "api/v1/^admission-applications/(?P<pk>[^/.]+)/submit/$": api(
        NOT_ALLOWED, Rule(APPLICANT, ok=STATE_OR_FORM), "admission application"
    ),
    "api/v1/^admission-applications/(?P<pk>[^/.]+)/verify/$": api(
        NOT_ALLOWED, Rule(REVIEWERS, ok=STATE_OR_FORM), "admission application"
    ),
    "api/v1/admission-objections/<uuid:objection_id>/answer/": api(
        NOT_ALLOWED, Rule(REVIEWERS, ok=frozenset({400})), "admission objection", tenant=False
    ),
    "api/v1/admission-documents/<uuid:document_id>/": api(EVERYONE, None, "admission document", tenant=False),
    # --- API: education, the allocation (helper edu-alloc): the world's round takes applications, so
    # the allocation and the second round are refused by their phase (409), and the results are not out
    # (409) but to the town's staff and the district (an empty list).
    "api/v1/^admission-rounds/(?P<pk>[^/.]+)/allocate/$": api(
        NOT_ALLOWED, Rule(frozenset({TOWN_ADMIN}), ok=STATE_OR_FORM), "admission round"
    ),
    "api/v1/^admission-rounds/(?P<pk>[^/.]+)/allocations/$": api(Rule(AREA_STAFF), None, "admission round"),
    "api/v1/^admission-rounds/(?P<pk>[^/.]+)/second-round/$": api(
        NOT_ALLOWED, Rule(frozenset({TOWN_ADMIN}), ok=STATE_OR_FORM), "admission round"
    ),
    "api/v1/^admission-rounds/(?P<pk>[^/.]+)/close/$": api(
        NOT_ALLOWED, Rule(frozenset({TOWN_ADMIN}), ok=STATE_OR_FORM), "admission round"
    ),
    "api/v1/^admission-rounds/(?P<pk>[^/.]+)/results/$": api(Rule(AREA_STAFF, refused=409), None, "admission round"),
    "api/v1/^admission-rounds/(?P<pk>[^/.]+)/results.csv/$": api(
        Rule(AREA_STAFF, refused=409), None, "admission round"
    ),
    "api/v1/^admission-rounds/(?P<pk>[^/.]+)/results.xlsx/$": api(
        Rule(AREA_STAFF, refused=409), None, "admission round"
    ),
    "api/v1/^admission-applications/(?P<pk>[^/.]+)/accept/$": api(
        NOT_ALLOWED, Rule(APPLICANT, ok=STATE_OR_FORM), "admission application"
    ),
    "api/v1/^admission-applications/(?P<pk>[^/.]+)/decline/$": api(
        NOT_ALLOWED, Rule(APPLICANT, ok=STATE_OR_FORM), "admission application"
    ),
    "api/v1/^admission-applications/(?P<pk>[^/.]+)/second-choices/$": api(
        NOT_ALLOWED, Rule(APPLICANT, ok=STATE_OR_FORM), "admission application"
    ),
    # --- Education pages (helper edu-pages): the resident is the guardian. The family's pages are
    # the guardian's (an officer who sees the application gets a 403); the officers' pages are the
    # town's verifiers' and the district's (read only); moving a round on is the town admin's.
    "education/": page(EVERYONE),
    "education/apply/<uuid:pk>/": page(EVERYONE, Rule(ok=frozenset({400})), "admission round"),
    "education/applications/<uuid:pk>/": page(Rule(APPLICANT), None, "admission application"),
    "education/applications/<uuid:pk>/documents/": page(
        POST_ONLY, Rule(APPLICANT, ok=STATE_OR_FORM), "admission application"
    ),
    "education/applications/<uuid:pk>/submit/": page(
        POST_ONLY, Rule(APPLICANT, ok=STATE_OR_FORM), "admission application"
    ),
    "education/applications/<uuid:pk>/objections/": page(
        POST_ONLY, Rule(APPLICANT, ok=STATE_OR_FORM), "admission application"
    ),
    "education/documents/<uuid:document_id>/": page(EVERYONE, None, "admission document"),
    "education/queue/": page(Rule(AREA_STAFF)),
    "education/queue/<uuid:pk>/": page(Rule(AREA_STAFF), Rule(REVIEWERS, ok=STATE_OR_FORM), "admission application"),
    "education/queue/<uuid:pk>/reveal/": page(POST_ONLY, Rule(REVIEWERS, ok=frozenset({303})), "admission application"),
    "education/objections/": page(Rule(AREA_STAFF)),
    "education/objections/<uuid:objection_id>/answer/": page(
        POST_ONLY, Rule(REVIEWERS, ok=frozenset({400})), "admission objection"
    ),
    "education/rounds/<uuid:pk>/": page(Rule(AREA_STAFF), None, "admission round"),
    "education/rounds/<uuid:pk>/advance/": page(
        POST_ONLY, Rule(frozenset({TOWN_ADMIN}), ok=STATE_OR_FORM), "admission round"
    ),
    # --- Education pages, the result (helper edu-pages): the family answers its offer and chooses
    # again (the world's application has no offer: 409); the town admin allocates, opens the second
    # round and closes (the world's round takes applications: 409); the results are the town's
    # officers' and the district's pages (an empty list before the allocation).
    "education/applications/<uuid:pk>/accept/": page(
        POST_ONLY, Rule(APPLICANT, ok=STATE_OR_FORM), "admission application"
    ),
    "education/applications/<uuid:pk>/decline/": page(
        POST_ONLY, Rule(APPLICANT, ok=STATE_OR_FORM), "admission application"
    ),
    "education/applications/<uuid:pk>/second-choices/": page(
        POST_ONLY, Rule(APPLICANT, ok=STATE_OR_FORM), "admission application"
    ),
    "education/rounds/<uuid:pk>/allocate/": page(
        POST_ONLY, Rule(frozenset({TOWN_ADMIN}), ok=STATE_OR_FORM), "admission round"
    ),
    "education/rounds/<uuid:pk>/second-round/": page(
        POST_ONLY, Rule(frozenset({TOWN_ADMIN}), ok=STATE_OR_FORM), "admission round"
    ),
    "education/rounds/<uuid:pk>/close/": page(
        POST_ONLY, Rule(frozenset({TOWN_ADMIN}), ok=STATE_OR_FORM), "admission round"
    ),
    "education/rounds/<uuid:pk>/results/": page(Rule(AREA_STAFF), None, "admission round"),
    "education/rounds/<uuid:pk>/results.csv": page(Rule(AREA_STAFF), None, "admission round"),
    "education/rounds/<uuid:pk>/results.xlsx": page(Rule(AREA_STAFF), None, "admission round"),
    # --- Governance (issue 13, first part): committees and elections. The world's election is in
    # polling with one station's first count entered, so moving it on, the tally and applying are
    # refused by its state (409) and its results are not out (409) but to the town's staff and the
    # district (empty figures).
    "api/v1/^committees/$": api(EVERYONE),
    "api/v1/^committees/(?P<pk>[^/.]+)/$": api(EVERYONE, None, "committee"),
    "api/v1/^committee-members/$": api(EVERYONE),
    "api/v1/^committee-members/(?P<pk>[^/.]+)/$": api(EVERYONE, None, "committee member"),
    "api/v1/^elections/$": api(EVERYONE, Rule(REVIEWERS, ok=frozenset({400}))),
    "api/v1/^elections/(?P<pk>[^/.]+)/$": api(EVERYONE, None, "election"),
    "api/v1/^elections/(?P<pk>[^/.]+)/advance/$": api(NOT_ALLOWED, Rule(REVIEWERS, ok=STATE_OR_FORM), "election"),
    "api/v1/^elections/(?P<pk>[^/.]+)/tally/$": api(NOT_ALLOWED, Rule(REVIEWERS, ok=STATE_OR_FORM), "election"),
    "api/v1/^elections/(?P<pk>[^/.]+)/results/$": api(Rule(AREA_STAFF, refused=409), None, "election"),
    "api/v1/^elections/(?P<pk>[^/.]+)/apply/$": api(NOT_ALLOWED, Rule(ok=STATE_OR_FORM), "election"),
    "api/v1/^voters/$": api(EVERYONE, Rule(REVIEWERS, ok=frozenset({400}))),
    "api/v1/^voters/(?P<pk>[^/.]+)/$": api(EVERYONE, None, "voter"),
    "api/v1/^voters/(?P<pk>[^/.]+)/decide/$": api(NOT_ALLOWED, Rule(REVIEWERS, ok=STATE_OR_FORM), "voter"),
    "api/v1/^candidates/$": api(EVERYONE, Rule(REVIEWERS, ok=frozenset({400}))),
    "api/v1/^candidates/(?P<pk>[^/.]+)/$": api(EVERYONE, None, "candidate"),
    "api/v1/^stations/$": api(EVERYONE, Rule(REVIEWERS, ok=frozenset({400}))),
    "api/v1/^stations/(?P<pk>[^/.]+)/$": api(EVERYONE, None, "station"),
    "api/v1/^counts/$": api(EVERYONE, Rule(REVIEWERS, ok=frozenset({400}))),
    "api/v1/^counts/(?P<pk>[^/.]+)/$": api(EVERYONE, None, "station count"),
    "governance/": page(EVERYONE),
    "governance/elections/<uuid:pk>/apply/": page(POST_ONLY, Rule(ok=MOVED), "election"),
    "governance/elections/": page(Rule(AREA_STAFF)),
    "governance/elections/<uuid:pk>/": page(Rule(AREA_STAFF), None, "election"),
    "governance/elections/<uuid:pk>/advance/": page(POST_ONLY, Rule(REVIEWERS, ok=STATE_OR_FORM), "election"),
    "governance/elections/<uuid:pk>/tally/": page(POST_ONLY, Rule(REVIEWERS, ok=STATE_OR_FORM), "election"),
    "governance/elections/<uuid:pk>/candidates/": page(POST_ONLY, Rule(REVIEWERS, ok=STATE_OR_FORM), "election"),
    "governance/elections/<uuid:pk>/stations/": page(POST_ONLY, Rule(REVIEWERS, ok=STATE_OR_FORM), "election"),
    "governance/voters/<uuid:pk>/decide/": page(POST_ONLY, Rule(REVIEWERS, ok=STATE_OR_FORM), "voter"),
    "governance/stations/<uuid:pk>/count/": page(Rule(REVIEWERS), Rule(REVIEWERS, ok=STATE_OR_FORM), "station"),
}

# The API and the pages must hide the same objects from the same person: for each pair, a
# 404 on one is a 404 on the other (GET for both, except where the page only takes a POST).
AGREE: list[tuple[str, tuple[str, ...]]] = [
    (
        "api/v1/^applications/(?P<pk>[^/.]+)/$",
        ("residents/applications/<uuid:pk>/", "residents/queue/<uuid:pk>/"),
    ),
    (
        "api/v1/^applications/(?P<pk>[^/.]+)/documents/(?P<document_id>[0-9a-f-]{36})/$",
        ("residents/applications/<uuid:pk>/documents/<uuid:document_id>/",),
    ),
    ("api/v1/^jobs/(?P<pk>[^/.]+)/$", ("jobs/<uuid:job_id>/",)),
    ("api/v1/^fanouts/(?P<pk>[0-9a-fA-F-]{36})/$", ("inbox/fanouts/<uuid:fanout_id>/",)),
    ("api/v1/^notifications/(?P<pk>[0-9a-fA-F-]{36})/$", ("inbox/<uuid:notification_id>/read/",)),
    # Rentals (helper C): the notice by the API and by the page.
    ("api/v1/rental-houses/<uuid:pk>/notice.pdf", ("rentals/houses/<uuid:house_id>/notice.pdf",)),
    # Education (helper edu-pages): an application and a document, by the API and by the pages.
    (
        "api/v1/^admission-applications/(?P<pk>[^/.]+)/$",
        ("education/applications/<uuid:pk>/", "education/queue/<uuid:pk>/"),
    ),
    ("api/v1/admission-documents/<uuid:document_id>/", ("education/documents/<uuid:document_id>/",)),
    # Education, the result (helper edu-pages): a round's results by the API and by the pages.
    (
        "api/v1/^admission-rounds/(?P<pk>[^/.]+)/results/$",
        (
            "education/rounds/<uuid:pk>/results/",
            "education/rounds/<uuid:pk>/results.csv",
            "education/rounds/<uuid:pk>/results.xlsx",
        ),
    ),
]


def expected(route: Route, method: str, role: str, visible: bool) -> frozenset[int]:
    rule = route.get if method == "get" else route.post
    assert rule is not None
    if role == ANONYMOUS and not route.public:
        return frozenset({401}) if route.api else frozenset({302})
    if rule is NOT_ALLOWED:
        return rule.ok  # the method is refused before anything is looked up
    if route.api and route.district_read_only and method == "post" and role in DISTRICT:
        return frozenset({403})
    if not visible:
        return frozenset({404})
    return rule.ok if rule.allows(role) else frozenset({rule.refused})


# --- The back office (/admin/) --------------------------------------------------------
#
# Django's admin has ~120 routes of its own; they follow one rule: anonymous and non-staff
# callers are sent to the back office's sign-in page; staff never get a server error, and a
# town admin never opens another town's object.


def admin_expectation(name: str, role: str, town: str | None, status: int, location: str) -> str | None:
    if name in ("admin:login",):
        return None if status in (200, 302) else f"{status}"
    if role not in BACK_OFFICE:
        if name == "admin:logout":
            return None if status in (302, 405) else f"{status}"
        return None if status == 302 and "/admin/login/" in location else f"{status} {location}"
    if status >= 500:
        return f"{status}"
    if role == TOWN_ADMIN and town == OTHER and status == 200:
        return "200 for another town's object"
    return None


# --- Walking the URL map ---------------------------------------------------------------


def url_patterns(patterns: list[Any] | None = None, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """Every route of the URL map, as (its route text, its namespaced name)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from url_patterns(entry.url_patterns, prefix + str(entry.pattern), inner or "")
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}:{entry.name}" if namespace else str(entry.name)


GROUP = re.compile(r"\(\?P<(\w+)>([^()]*(?:\([^()]*\)[^()]*)*)\)|<(?:(\w+):)?(\w+)>")


def fill(route: str, values: dict[str, str]) -> str:
    """A concrete path for ``route``, each parameter from ``values`` (or, for a choice of
    words like the admin's app labels, the first word)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(4)
        if name in values:
            return values[name]
        choices = (match.group(2) or "").split("|")
        assert choices[0].isidentifier(), f"no value for <{name}> in {route}"
        return choices[0]

    path = GROUP.sub(value, route)
    path = path.replace("^", "").replace("$", "").replace("/?", "/").replace("\\.", ".")
    return "/" + path


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    """Uploads and job files go to a directory of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


@dataclass
class World:
    people: dict[str, User]
    objects: dict[tuple[str, str], dict[str, str]]  # (target, town) -> path values
    watched: list[Rows]


@pytest.fixture
def world(media: Any) -> World:
    people: dict[str, Any] = {
        RESIDENT: ResidentFactory(town_id=HOME, account=True).person.user,
        OTHER_RESIDENT: ResidentFactory(town_id=HOME, account=True).person.user,
        GRID: UserFactory(role=Role.GRID_WORKER, town_id=HOME),
        OFFICER: UserFactory(role=Role.TOWN_OFFICER, town_id=HOME),
        OTHER_OFFICER: UserFactory(role=Role.TOWN_OFFICER, town_id=OTHER),
        TOWN_ADMIN: UserFactory(role=Role.TOWN_ADMIN, town_id=HOME),
        OFFICIAL: UserFactory(role=Role.DISTRICT_OFFICIAL),
        DISTRICT_ADMIN: UserFactory(role=Role.DISTRICT_ADMIN),
    }
    objects: dict[tuple[str, str], dict[str, str]] = {}
    for town, owner, officer in ((HOME, people[RESIDENT], people[OFFICER]), (OTHER, None, people[OTHER_OFFICER])):
        with town_context(town):
            resident = (
                Resident.objects.get(person__user=owner) if owner else ResidentFactory(town_id=town, account=True)
            )
            owner = resident.person.user
        application: Any = ApplicationFactory(town_id=town, resident=resident, status=Application.Status.SUBMITTED)
        draft: Any = ApplicationFactory(
            town_id=town, resident=resident, status=Application.Status.DRAFT, kind=Application.Kind.PERMIT_REISSUE
        )
        document: Any = DocumentFactory(town_id=town, application=application)
        draft_document: Any = DocumentFactory(town_id=town, application=draft)
        permit: Any = PermitFactory(town_id=town, resident=resident)
        with town_context(town):
            grid = Grid.objects.order_by("code").first()
            community = Community.objects.order_by("code").first()
            assert grid is not None and community is not None
            if town == HOME:
                grid_assign_worker(grid=grid, worker=people[GRID])
            from nanhai_portal.jobs import services as job_services

            job = job_services.job_create(kind="communities", upload=csv_upload(MIXED_ROWS), by=officer)
            fanout = fanouts.fanout_start(
                created_by=officer, segment="town_staff", event="broadcast.message", context={"text": "走访"}
            )
            notification = notify(
                user=owner,
                event="application.accepted",
                context={"application_id": str(application.pk), "kind": "居住证", "due": "2025-03-20"},
                target=application,
            )
            event = AuditEvent.objects.filter(object_id=str(job.pk)).first()
            assert event is not None
        objects[("application", town)] = {"pk": str(application.pk)}
        objects[("draft", town)] = {"pk": str(draft.pk)}
        objects[("document", town)] = {"pk": str(application.pk), "document_id": str(document.pk)}
        objects[("draft document", town)] = {"pk": str(draft.pk), "document_id": str(draft_document.pk)}
        objects[("permit", town)] = {"pk": str(permit.pk)}
        objects[("notification", town)] = {"pk": str(notification.pk), "notification_id": str(notification.pk)}
        objects[("job", town)] = {"pk": str(job.pk), "job_id": str(job.pk)}
        objects[("fanout", town)] = {"pk": str(fanout.pk), "fanout_id": str(fanout.pk)}
        objects[("audit event", town)] = {"pk": str(event.pk)}
        objects[("community", town)] = {"pk": str(community.pk)}
        objects[("grid", town)] = {"pk": str(grid.pk)}
        objects[("town", town)] = {"code": town}
        objects.update(rental_objects(town, grid, resident, people, officer))
        objects.update(education_objects(town, resident))
        objects.update(governance_objects(town, resident, officer))
    objects[("signup", HOME)] = {"signup_id": str(uuid.uuid4())}
    ids = [value for values in objects.values() for value in values.values() if len(value) == 36]
    watched = [
        rows(Application, pk__in=[v["pk"] for (kind, _t), v in objects.items() if kind in ("application", "draft")]),
        rows(ApplicationStep, application_id__in=ids),
        rows(Document, application_id__in=ids),
        rows(Permit, resident__person__user__in=list(people.values())),
        rows(ImportJob, pk__in=ids),
        rows(FanOut, pk__in=ids),
        rows(Notification, recipient_id__in=[person.pk for person in people.values()]),
        rows(AuditEvent, actor_username__in=[person.username for person in people.values()]),
        rows(Resident, person__user__in=list(people.values())),
        rows(RentalHouse, pk__in=ids),
        rows(Tenancy, house_id__in=ids),
        rows(Inspection, pk__in=ids),
        rows(Hazard, house_id__in=ids),
        rows(Photo, inspection_id__in=ids),
        rows(AdmissionRound, pk__in=ids),
        rows(RoundSchool, round_id__in=ids),
        rows(School, pk__in=ids),
        rows(AdmissionApplication, pk__in=ids),
        rows(Fact, application_id__in=ids),
        rows(Objection, application_id__in=ids),
        rows(ApplicationDocument, application_id__in=ids),
        rows(Election, pk__in=ids),
        rows(Voter, election_id__in=ids),
        rows(Candidate, election_id__in=ids),
        rows(PollingStation, election_id__in=ids),
        rows(StationCount, station_id__in=ids),
    ]
    return World(people, objects, watched)


def rental_objects(town: str, grid: Grid, landlord: Resident, people: dict[str, Any], officer: User) -> Any:
    """A house in ``grid`` let by ``landlord`` (in the home town: rented by the other resident),
    inspected by its grid worker with one hazard found, and a photo of the inspection."""
    with town_context(town):
        worker = people[GRID] if town == HOME else UserFactory(role=Role.GRID_WORKER, town_id=town)
        if town != HOME:
            grid_assign_worker(grid=grid, worker=worker)
        house = RentalHouseFactory(town_id=town, grid=grid, community=grid.community, landlord=landlord.person)
        if town == HOME:
            tenant = Resident.objects.get(person__user=people[OTHER_RESIDENT])
            rentals_services.tenancy_add(house=house, resident=tenant, from_date=AT.date(), by=officer)
        inspection = rentals_services.inspection_record(
            house=house,
            client_id=uuid.uuid4(),
            items=[{"category": "extinguisher", "result": "hazard"}, {"category": "gas", "result": "ok"}],
            by=worker,
            inspected_at=AT,
        ).inspection
        hazard = Hazard.objects.get(house=house)
        photo = rentals_services.inspection_add_photo(inspection=inspection, upload=png(), by=worker).photo
    return {
        ("house", town): {"pk": str(house.pk), "house_id": str(house.pk)},
        ("inspection", town): {"pk": str(inspection.pk), "inspection_id": str(inspection.pk)},
        ("hazard", town): {"pk": str(hazard.pk), "hazard_id": str(hazard.pk)},
        ("inspection photo", town): {
            "pk": str(inspection.pk),
            "inspection_id": str(inspection.pk),
            "photo_id": str(photo.pk),
        },
    }


def education_objects(town: str, guardian: Resident) -> Any:
    """A round of ``town`` open for applications with a school, and ``guardian``'s submitted
    application in it for a child, with a claimed fact, a document and an open objection."""
    round_ = round_in(town)
    offered = school_in(round_)
    with town_context(town):
        child = PersonFactory()
        application = AdmissionApplication.objects.create(
            town_id=town,
            round=round_,
            guardian=guardian,
            child=child,
            relationship="mother",
            consent_at=AT,
            grade="P1",
            status=AdmissionApplication.Status.SUBMITTED,
            submitted_at=AT,
        )
        Fact.objects.create(town_id=town, application=application, item_code="owned_home", claimed=80)
        document = ApplicationDocument(
            town_id=town, application=application, item_code="owned_home", content_type="image/png", size=1, sha256="0"
        )
        document.file.save("upload", png(), save=True)
        objection = Objection.objects.create(town_id=town, application=application, reason="面积有误")
    return {
        ("school", town): {"pk": str(offered.school_id)},
        ("admission round", town): {"pk": str(round_.pk)},
        ("admission application", town): {"pk": str(application.pk)},
        ("admission objection", town): {"objection_id": str(objection.pk)},
        ("admission document", town): {"document_id": str(document.pk)},
    }


def governance_objects(town: str, resident: Resident, officer: User) -> Any:
    """``resident``'s community with its two committees and a member, and its election in polling:
    census voters and ``resident`` (applied, approved) on the roll, a candidate for every post, a
    station whose first count ``officer`` entered."""
    with town_context(town):
        community = resident.community
        for kind, seats in (("party", {"secretary": 1}), ("villagers", {"director": 1, "deputy": 1, "member": 1})):
            term = committee_services.committee_set_up(
                community=community, kind=kind, starts_on=date(2021, 4, 1), seats=seats
            )
        member = committee_services.member_appoint(
            term=term, person=PersonFactory(), post="director", is_hukou=True, is_party_member=True,
            from_date=date(2021, 4, 1),
        )  # fmt: skip
        election = election_services.election_create(
            by=officer, community=community, year=2026, polling_day=date(2026, 6, 30),
            seats={"director": 1, "deputy": 1, "member": 1},
        )  # fmt: skip
        census = [
            election_services.voter_register(by=officer, election=election, id_number=PersonFactory().id_number, name=n)
            for n in ("甲某", "乙某", "丙某")
        ]
        voter = election_services.voter_apply(by=resident.person.user, election=election)
        election_services.voter_decide(by=officer, voter=voter, approve=True)
        election_services.roll_publish(by=officer, election=election, now=AT)
        election_services.nomination_open(by=officer, election=election, now=AT + timedelta(days=6))
        candidate = election_services.candidate_nominate(
            by=officer, election=election, voter=census[0], post="director"
        )
        election_services.candidate_nominate(by=officer, election=election, voter=census[1], post="deputy")
        election_services.candidate_nominate(by=officer, election=election, voter=census[2], post="member")
        station = election_services.station_add(by=officer, election=election, name="投票站", ballots_issued=4)
        election_services.polling_open(by=officer, election=election)
        count = election_services.count_enter(
            by=officer, station=station, ballots_cast=3, invalid_ballots=0, votes={str(candidate.pk): 2}
        )
    return {
        ("committee", town): {"pk": str(term.committee_id)},
        ("committee member", town): {"pk": str(member.pk)},
        ("election", town): {"pk": str(election.pk)},
        ("voter", town): {"pk": str(voter.pk)},
        ("candidate", town): {"pk": str(candidate.pk)},
        ("station", town): {"pk": str(station.pk)},
        ("station count", town): {"pk": str(count.pk)},
    }


def client_for(world: World, role: str, *, is_api: bool) -> Client:
    if is_api:
        client = APIClient()
        if role != ANONYMOUS:
            token, _expires = token_issue(user=world.people[role])
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client
    browser = Client()
    if role != ANONYMOUS:
        browser.force_login(world.people[role])
    return browser


def ask(client: Client, method: str, path: str, *, is_api: bool) -> Any:
    if method == "get":
        return client.get(path)
    # A page's form is bound only by a non-empty POST; the API's serializers take {}.
    return client.post(path, {}, format="json") if is_api else client.post(path, {"probe": "1"})


def admin_probes(world: World, name: str, route: str) -> Iterator[tuple[str | None, str]]:
    """The paths to ask for an admin route: for an object's page, one object of each town
    (or any one, for a model that belongs to no town)."""
    parameters = {match.group(1) or match.group(4) for match in GROUP.finditer(route)} - {"app_label", "url"}
    if not parameters:
        yield None, fill(route, {"url": "no-such-page/"})
        return
    if "content_type_id" in parameters:  # "view on site": any model's object
        content_type = ContentType.objects.get_for_model(Application)
        for town in (HOME, OTHER):
            values = {"content_type_id": str(content_type.pk), "object_id": world.objects[("application", town)]["pk"]}
            yield town, fill(route, values)
        return
    # admin/<app_label>/<model_name>/...: some of the admin's routes have no name.
    app_label, model_name = route.split("/")[1:3]
    model = apps.get_model(app_label, model_name)
    manager: Any = model._default_manager
    has_town = any(field.name == "town" for field in model._meta.concrete_fields)
    found: dict[str | None, Any] = {}
    with district_context():  # left before the requests, which must run in the caller's own scope
        queryset = manager.for_all_towns() if hasattr(manager, "for_all_towns") else manager.all()
        towns: tuple[str | None, ...] = (HOME, OTHER) if has_town else (None,)
        for each in towns:
            found[each] = (queryset.filter(town_id=each) if each else queryset).order_by("pk").first()
    for each, item in found.items():
        if item is not None:
            yield each, fill(route, {"object_id": str(item.pk), "id": str(item.pk)})


def test_the_table_covers_every_route_of_the_url_map() -> None:
    missing = [route for route, name in url_patterns() if route not in ROUTES and not name.startswith("admin:")]
    assert not missing, f"routes nobody said the answers for (add them to ROUTES): {missing}"
    unknown = set(ROUTES) - {route for route, _name in url_patterns()}
    assert not unknown, f"ROUTES lists routes that are gone: {unknown}"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_table_says(world: World, role: str) -> None:
    failures: list[str] = []
    hidden: dict[tuple[str, str, str], bool] = {}  # (route, target, town) -> 404
    probes = 0
    for route_text, name in url_patterns():
        if name.startswith("admin:"):
            if role == ANONYMOUS or role in (RESIDENT, OFFICER, TOWN_ADMIN, DISTRICT_ADMIN):
                for town, path in admin_probes(world, name, route_text):
                    response = client_for(world, role, is_api=False).get(path)
                    probes += 1
                    problem = admin_expectation(name, role, town, response.status_code, response.get("Location", ""))
                    if problem:
                        failures.append(f"{role}: GET {path} ({name}): {problem}")
            continue
        route = ROUTES[route_text]
        targets = route.targets or (None,)
        for target in targets:
            towns = (HOME, OTHER) if target and target != "signup" else (HOME,)
            for town in towns:
                values = {**route.values, **(world.objects[(target, town)] if target else {}), "format": "json"}
                path = fill(route_text, values)
                assert resolve(path).route == re.sub(r"(^|/)\^", r"\1", route_text), f"{path} is not {route_text}"
                visible = sees(role, target, town) if target else True
                client = client_for(world, role, is_api=route.api)
                for method in ("get", "post"):
                    if method == "post" and route.post is None:
                        continue
                    wanted = expected(route, method, role, visible)
                    refused = not (wanted & {200, 201, 204, 303, 400, 409}) and wanted != MOVED
                    if route_text == "logout/" or (wanted == MOVED and method == "get"):
                        refused = False
                    if method == "post" and refused:
                        try:
                            with nothing_changes(*world.watched):
                                response = ask(client, method, path, is_api=route.api)
                        except AssertionError as change:
                            failures.append(f"{role}: POST {path} was refused but {change}")
                    else:
                        with transaction.atomic():  # an allowed POST is undone, for the next probe
                            response = ask(client, method, path, is_api=route.api)
                            transaction.set_rollback(True)
                    probes += 1
                    status = response.status_code
                    if status not in wanted:
                        failures.append(f"{role}: {method.upper()} {path} → {status}, expected {sorted(wanted)}")
                    elif status == 302 and role == ANONYMOUS and not route.public:
                        if not response["Location"].startswith("/login/"):
                            failures.append(f"{role}: {method.upper()} {path} → 302 to {response['Location']}")
                    if target:
                        hidden[(route_text, target, town)] = status == 404
                    if route_text == "logout/":
                        client = client_for(world, role, is_api=route.api)
    for api_route, page_routes in AGREE:
        for (route_text, target, town), api_hidden in list(hidden.items()):
            if route_text != api_route:
                continue
            for page_route in page_routes:
                if (page_route, target, town) in hidden and hidden[(page_route, target, town)] != api_hidden:
                    failures.append(
                        f"{role}: the API {'hides' if api_hidden else 'shows'} the {target} of {town} "
                        f"but {page_route} {'shows' if api_hidden else 'hides'} it"
                    )
    assert probes > 100
    assert not failures, f"{len(failures)} of {probes} probes answered otherwise:\n" + "\n".join(failures)
