"""The result on the pages: a family reads its offer and accepts or declines it (once, before the
deadline), a family not placed chooses again in the second round; the town admin starts the
allocation from the round's page (once), opens the second round and closes the round; the
officers and the district read the results a page at a time, by school, and download them.

Every refusal is shown and changes nothing: another guardian or town is a 404, another role a
403, an offer answered twice or after the deadline a 409. Times are fixed (``time_machine``).
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from education.models import AdmissionApplication, AdmissionRound, Allocation, Choice, Offer, RoundSchool
from education.services import allocation as allocation_services
from nanhai_portal.accounts.roles import Role
from nanhai_portal.tenancy import town_context
from tests.education.allocation_world import fresh, verified
from tests.education.factories import AT, guardian_in, officer_of, round_in, school_in
from tests.factories import UserFactory
from tests.unchanged import nothing_changes, rows

pytestmark = pytest.mark.django_db
TOWN, OTHER = "guicheng", "dali"
Phase = AdmissionRound.Phase
Status = AdmissionApplication.Status
ANSWERING = AT + timedelta(days=41)  # results published, before round_in's acceptance deadline
DEADLINE = AT + timedelta(days=50)
SECOND_CLOSE = AT + timedelta(days=60)


def browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def allocated(places: tuple[int, ...], points: list[str], *, names: list[str] | None = None) -> dict[str, Any]:
    """A round of TOWN allocated at AT: schools with ``places``, one family per points value,
    each choosing every school in order; its admin."""
    round_ = round_in(TOWN, phase=Phase.ALLOCATION)
    schools = [school_in(round_, places=count) for count in places]
    admin = officer_of(TOWN, Role.TOWN_ADMIN)
    families = []
    for index, value in enumerate(points):
        guardian = guardian_in(TOWN)
        name = names[index] if names else None
        families.append((verified(round_, schools, value, guardian=guardian, child_name=name), guardian.person.user))
    with town_context(TOWN):
        allocation_services.allocation_run(allocation_services.allocation_start(by=admin, round_=round_, now=AT).pk)
    return {"round": round_, "schools": schools, "families": families, "admin": admin}


def watched(application: AdmissionApplication, *schools: RoundSchool) -> list[Any]:
    return [
        rows(Offer, application_id=application.pk),
        rows(AdmissionApplication, pk=application.pk),
        rows(Choice, application_id=application.pk),
        *[rows(RoundSchool, pk=school.pk) for school in schools],
    ]


def counters(school: RoundSchool) -> tuple[int, int]:
    row = fresh(RoundSchool, school.pk, TOWN)
    return row.held, row.accepted


# --- The family: accept, decline ------------------------------------------------------------


@time_machine.travel(ANSWERING, tick=False)
def test_a_family_reads_its_offer_and_accepts_it_once() -> None:
    world = allocated((1,), ["200"])
    (school,), [(application, guardian)] = world["schools"], world["families"]
    url = f"/education/applications/{application.pk}/"
    family = browser(guardian)

    page = family.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="result"' in text and 'data-offer="offered"' in text
    assert school.school.name in text and 'id="accept-form"' in text and 'id="decline-form"' in text
    assert "2026-07-20 10:00" in text  # the acceptance deadline, in the town's time

    answer = family.post(url + "accept/")
    assert answer.status_code == 302 and answer["Location"] == url
    assert fresh(AdmissionApplication, application.pk, TOWN).status == Status.ACCEPTED
    assert counters(school) == (1, 1)
    after = family.get(url).content.decode()
    assert 'data-offer="accepted"' in after and 'id="accept-form"' not in after

    # Answered twice: a clear refusal on the page, nothing changes.
    with nothing_changes(*watched(application, school)):
        again = family.post(url + "accept/")
        assert again.status_code == 409
        assert 'id="page-error"' in again.content.decode()
        assert family.post(url + "decline/", {"confirm": "on"}).status_code == 409


@time_machine.travel(ANSWERING, tick=False)
def test_declining_needs_the_confirmation_then_frees_the_place() -> None:
    world = allocated((1,), ["200"])
    (school,), [(application, guardian)] = world["schools"], world["families"]
    url = f"/education/applications/{application.pk}/"
    family = browser(guardian)

    with nothing_changes(*watched(application, school)):
        unconfirmed = family.post(url + "decline/", {"probe": "1"})
    assert unconfirmed.status_code == 400
    assert "decline-confirm_error" in unconfirmed.content.decode()

    declined = family.post(url + "decline/", {"confirm": "on"})
    assert declined.status_code == 302
    assert counters(school) == (0, 0)
    assert fresh(AdmissionApplication, application.pk, TOWN).status == Status.DECLINED
    assert 'data-offer="declined"' in family.get(url).content.decode()
    with nothing_changes(*watched(application, school)):
        assert family.post(url + "accept/").status_code == 409


def test_after_the_deadline_the_offer_is_not_answered() -> None:
    world = allocated((1,), ["200"])
    (school,), [(application, guardian)] = world["schools"], world["families"]
    url = f"/education/applications/{application.pk}/"
    family = browser(guardian)
    with time_machine.travel(DEADLINE + timedelta(minutes=1), tick=False):
        page = family.get(url).content.decode()
        assert 'id="accept-form"' not in page and 'data-offer="offered"' in page
        with nothing_changes(*watched(application, school)):
            late = family.post(url + "accept/")
            assert late.status_code == 409 and 'id="page-error"' in late.content.decode()
            assert family.post(url + "decline/", {"confirm": "on"}).status_code == 409


@time_machine.travel(ANSWERING, tick=False)
def test_only_the_guardian_answers_the_offer() -> None:
    world = allocated((1,), ["200"])
    (school,), [(application, _guardian)] = world["schools"], world["families"]
    url = f"/education/applications/{application.pk}/"
    with nothing_changes(*watched(application, school)):
        for path, data in ((url + "accept/", {}), (url + "decline/", {"confirm": "on"})):
            # Another family of the town, a family of another town: it does not exist for them.
            assert browser(guardian_in(TOWN).person.user).post(path, data).status_code == 404
            assert browser(guardian_in(OTHER).person.user).post(path, data).status_code == 404
            # The town's officer, its admin and the district see it but do not answer for the family.
            assert browser(officer_of(TOWN)).post(path, data).status_code == 403
            assert browser(world["admin"]).post(path, data).status_code == 403
            assert browser(UserFactory(role=Role.DISTRICT_OFFICIAL)).post(path, data).status_code == 403
            # Another town's officer: a 404.
            assert browser(officer_of(OTHER)).post(path, data).status_code == 404
            # GET is not an answer.
            assert browser(_guardian).get(path).status_code == 405


# --- Not placed: the second round -----------------------------------------------------------


def test_a_family_not_placed_chooses_again_and_accepts_the_second_offer() -> None:
    # Two schools of one place, three families: A at big, B at small, C not placed. B declines.
    world = allocated((1, 1), ["200", "190", "180"])
    big, small = world["schools"]
    (a, _a_user), (b, b_user), (c, c_user) = world["families"]
    admin = browser(world["admin"])
    round_ = world["round"]
    family = browser(c_user)
    url = f"/education/applications/{c.pk}/"
    with time_machine.travel(ANSWERING, tick=False):
        page = family.get(url).content.decode()
        assert 'data-status="not_placed"' in page and 'id="second-form"' not in page
        assert browser(_a_user).post(f"/education/applications/{a.pk}/accept/").status_code == 302
        assert browser(b_user).post(f"/education/applications/{b.pk}/decline/", {"confirm": "on"}).status_code == 302
        # Too early for the second round: refused on the round's page, nothing changes.
        with nothing_changes(rows(AdmissionRound, pk=round_.pk), rows(Offer, application_id=a.pk)):
            early = admin.post(f"/education/rounds/{round_.pk}/second-round/")
            assert early.status_code == 409 and 'id="page-error"' in early.content.decode()

    with time_machine.travel(DEADLINE + timedelta(hours=1), tick=False):
        opened = admin.post(f"/education/rounds/{round_.pk}/second-round/")
        assert opened.status_code == 302
        assert fresh(AdmissionRound, round_.pk, TOWN).phase == Phase.SECOND_ROUND
        page = family.get(url).content.decode()
        assert 'id="second-form"' in page and str(small.pk) in page and str(big.pk) not in page

        other_round = round_in(OTHER, phase=Phase.ALLOCATION)
        elsewhere = school_in(other_round)
        refusals = [
            {"choice_1": str(elsewhere.pk)},  # a school of another town
            {"choice_1": str(big.pk)},  # a school without places left
            {"choice_1": str(small.pk), "choice_2": str(small.pk)},  # the same school twice
            {"choice_1": str(small.pk), "choice_4": str(small.pk)},  # more than the round's three
            {"choice_1": ""},  # none
            {"choice_1": "x" * 5000},  # hostile
        ]
        with nothing_changes(*watched(c, big, small)):
            for data in refusals:
                refused = family.post(url + "second-choices/", data)
                assert refused.status_code == 400, data
                assert 'class="alert"' in refused.content.decode()
            # Another family (placed) does not see it; the officer does not choose for the family.
            assert browser(_a_user).post(url + "second-choices/", {"choice_1": str(small.pk)}).status_code == 404
            assert (
                browser(officer_of(TOWN)).post(url + "second-choices/", {"choice_1": str(small.pk)}).status_code == 403
            )

        chosen = family.post(url + "second-choices/", {"choice_1": str(small.pk)})
        assert chosen.status_code == 302
        with town_context(TOWN):
            assert list(Choice.objects.filter(application=c, stage=2).values_list("round_school_id", flat=True)) == [
                small.pk
            ]
        assert 'id="second-choices"' in family.get(url).content.decode()

    with time_machine.travel(SECOND_CLOSE, tick=False):
        with nothing_changes(*watched(c, small)):
            assert family.post(url + "second-choices/", {"choice_1": str(small.pk)}).status_code in (400, 409)
        started = admin.post(f"/education/rounds/{round_.pk}/allocate/")
        assert started.status_code == 302
        with town_context(TOWN):
            second = Allocation.objects.get(round=round_, stage=2)
            allocation_services.allocation_run(second.pk)
        page = family.get(url).content.decode()
        assert 'data-offer="offered"' in page and 'id="accept-form"' in page
        assert family.post(url + "accept/").status_code == 302
        assert fresh(AdmissionApplication, c.pk, TOWN).status == Status.ACCEPTED
        assert counters(small) == (1, 1)
        closed = admin.post(f"/education/rounds/{round_.pk}/close/")
        assert closed.status_code == 302
        assert fresh(AdmissionRound, round_.pk, TOWN).phase == Phase.CLOSED


# --- The town admin: the allocation from the round's page -----------------------------------


@time_machine.travel(AT, tick=False)
def test_the_town_admin_starts_the_allocation_once_and_sees_its_run() -> None:
    round_ = round_in(TOWN, phase=Phase.ALLOCATION)
    school = school_in(round_, places=1)
    verified(round_, [school], "150", guardian=guardian_in(TOWN))
    admin_user = officer_of(TOWN, Role.TOWN_ADMIN)
    admin = browser(admin_user)
    url = f"/education/rounds/{round_.pk}/"

    page = admin.get(url).content.decode()
    assert 'id="allocate-form"' in page and round_.seed_digest in page and round_.seed in page

    watched_round = [rows(Allocation, round_id=round_.pk), rows(AdmissionRound, pk=round_.pk)]
    with nothing_changes(*watched_round):
        assert browser(officer_of(TOWN)).post(url + "allocate/").status_code == 403
        assert browser(UserFactory(role=Role.DISTRICT_ADMIN)).post(url + "allocate/").status_code == 403
        assert browser(officer_of(OTHER, Role.TOWN_ADMIN)).post(url + "allocate/").status_code == 404
        assert browser(guardian_in(TOWN).person.user).post(url + "allocate/").status_code == 403

    started = admin.post(url + "allocate/")
    assert started.status_code == 302 and started["Location"] == url
    with town_context(TOWN):
        allocation = Allocation.objects.get(round=round_)
    assert allocation.state == Allocation.State.QUEUED
    queued = admin.get(url).content.decode()
    assert 'data-allocation-running="1"' in queued and "<progress" in queued and 'id="allocate-form"' not in queued

    # Allocating twice: refused with the one that runs, nothing changes.
    with nothing_changes(*watched_round):
        again = admin.post(url + "allocate/")
    assert again.status_code == 409 and str(allocation.pk) in again.content.decode()

    with town_context(TOWN):
        allocation_services.allocation_run(allocation.pk)
    done = admin.get(url).content.decode()
    with town_context(TOWN):
        allocation = Allocation.objects.get(round=round_)
    assert allocation.inputs_sha256 in done and allocation.algorithm_version in done
    assert allocation.scheme_label in done and 'data-state="done"' in done and 'id="results-link"' in done
    assert fresh(AdmissionRound, round_.pk, TOWN).phase == Phase.RESULTS_PUBLISHED


@time_machine.travel(AT, tick=False)
def test_the_allocation_is_refused_in_another_phase() -> None:
    round_ = round_in(TOWN, phase=Phase.POINTS_PUBLISHED)
    school_in(round_)
    admin = browser(officer_of(TOWN, Role.TOWN_ADMIN))
    page = admin.get(f"/education/rounds/{round_.pk}/").content.decode()
    assert 'id="allocate-form"' not in page and round_.seed not in page  # the seed is not out yet
    with nothing_changes(rows(Allocation, round_id=round_.pk)):
        refused = admin.post(f"/education/rounds/{round_.pk}/allocate/")
    assert refused.status_code == 409 and 'id="page-error"' in refused.content.decode()


# --- The results ----------------------------------------------------------------------------


@time_machine.travel(ANSWERING, tick=False)
def test_officers_and_the_district_read_the_results_by_school_and_download_them(settings: Any) -> None:
    world = allocated((1, 1), ["200", "190", "180"], names=["张小明", "李大华", "王一"])
    big, small = world["schools"]
    round_ = world["round"]
    url = f"/education/rounds/{round_.pk}/results/"
    officer = browser(officer_of(TOWN))

    page = officer.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "张*明" in text and "李*华" in text and "张小明" not in text
    assert text.index("张*明") < text.index("李*华") < text.index("王*")  # by points
    assert big.school.name in text and small.school.name in text
    assert "download-csv" in text and "download-xlsx" in text

    by_school = officer.get(url, {"school": str(small.pk)}).content.decode()
    assert "李*华" in by_school and "张*明" not in by_school
    nobody = officer.get(url, {"school": "none"}).content.decode()
    assert "王*" in nobody and "李*华" not in nobody
    assert officer.get(url, {"school": "not-a-school"}).status_code == 400
    assert officer.get(url, {"school": str(school_in(round_in(OTHER)).pk)}).status_code == 400

    csv = officer.get(f"/education/rounds/{round_.pk}/results.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    body = csv.content.decode("utf-8-sig")
    assert body.splitlines()[0].startswith("application,child_name,points") and "张*明" in body
    small_csv = officer.get(f"/education/rounds/{round_.pk}/results.csv", {"school": str(small.pk)})
    assert "李*华" in small_csv.content.decode("utf-8-sig") and "张*明" not in small_csv.content.decode("utf-8-sig")
    xlsx = officer.get(f"/education/rounds/{round_.pk}/results.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == 4

    district = browser(UserFactory(role=Role.DISTRICT_OFFICIAL))
    assert district.get(url).status_code == 200
    assert district.get(f"/education/rounds/{round_.pk}/results.csv").status_code == 200

    # Another town's officer: the round does not exist; a family or a grid worker: not theirs.
    for path in (url, f"/education/rounds/{round_.pk}/results.csv", f"/education/rounds/{round_.pk}/results.xlsx"):
        assert browser(officer_of(OTHER)).get(path).status_code == 404
        assert browser(guardian_in(TOWN).person.user).get(path).status_code == 403
        assert browser(UserFactory(role=Role.GRID_WORKER, town_id=TOWN)).get(path).status_code == 403


@time_machine.travel(ANSWERING, tick=False)
def test_the_results_come_a_page_at_a_time() -> None:
    world = allocated((30,), [str(200 - n) for n in range(55)])
    url = f"/education/rounds/{world['round'].pk}/results/"
    officer = browser(officer_of(TOWN))
    first = officer.get(url).content.decode()
    assert first.count("<tr data-application=") == 50 and "page=2" in first
    second = officer.get(url, {"page": "2"}).content.decode()
    assert second.count("<tr data-application=") == 5
    assert officer.get(url, {"page": "999"}).status_code == 200  # the last page
