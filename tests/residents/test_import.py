"""The ``residents`` import: good rows in (encrypted), bad ones reported, nobody registered twice."""

from __future__ import annotations

import random
from typing import Any

import pytest

from nanhai_portal.accounts.models import User
from nanhai_portal.jobs import services
from nanhai_portal.jobs.models import ImportJob
from nanhai_portal.tenancy import town_context
from residents import synthetic
from residents.models import Resident
from tests.factories import ResidentFactory
from tests.jobs.files import csv_upload

pytestmark = pytest.mark.django_db
HEADER = ["name", "id_number", "mobile", "town", "community", "address", "registered_since"]


def test_residents_are_imported_and_every_bad_row_is_reported(run_job: Any) -> None:
    rng = random.Random(99)
    good = [synthetic.id_number(rng) for _ in range(3)]
    taken = ResidentFactory(town_id="lishui").person.id_number  # registered in another town
    rows = [
        ["张三", good[0], "13911112222", "guicheng", "440605011001", "平洲一路1号", "2025-03-01"],  # 2 good
        ["李四", good[1], "", "桂城街道", "440605011002", "", ""],  # 3 good, no mobile or date
        [
            "王五",
            good[2][:17] + ("0" if good[2][17] != "0" else "1"),
            "",
            "guicheng",
            "440605011001",
            "",
            "",
        ],  # 4 check char
        ["赵六", good[0], "", "guicheng", "440605011001", "", ""],  # 5 same ID as row 2
        ["钱七", taken, "", "guicheng", "440605011001", "", ""],  # 6 registered already
        ["孙八", synthetic.id_number(rng), "12345", "guicheng", "440605011001", "", ""],  # 7 mobile
        ["周九", synthetic.id_number(rng), "", "dali", "440605125001", "", ""],  # 8 other town
        ["吴十", synthetic.id_number(rng), "", "guicheng", "999", "", "2099-01-01"],  # 9 community, date
    ]
    with town_context("guicheng"):
        job = services.job_create(
            kind="residents",
            upload=csv_upload(rows, header=HEADER),
            by=User.objects.get(username="officer.guicheng"),
        )
    job = run_job(job)
    assert job.status == ImportJob.Status.SUCCEEDED
    assert (job.imported, job.failed) == (2, 6)
    with town_context("guicheng"):
        errors = list(
            job.row_errors.order_by("row_number", "column").values_list("row_number", "column", "code", "value")
        )
        imported = Resident.objects.select_related("person").get(person__name="张三")
    assert [(row, column, code) for row, column, code, _value in errors] == [
        (4, "id_number", "invalid_id_number"),
        (5, "id_number", "duplicate_in_file"),
        (6, "id_number", "already_registered"),
        (7, "mobile", "invalid_mobile"),
        (8, "community", "unknown_community"),  # a code of dali's, not guicheng's
        (8, "town", "other_town"),
        (9, "community", "unknown_community"),
        (9, "registered_since", "future_date"),
    ]
    masked = [value for _row, column, _code, value in errors if column == "id_number"]
    assert [value[6:14] for value in masked] == ["********"] * 3, "the birth date is masked"
    assert (imported.person.id_number, imported.person.mobile, str(imported.registered_since)) == (
        good[0],
        "13911112222",
        "2025-03-01",
    )


def test_a_known_person_registered_nowhere_is_registered_and_keeps_who_they_are(run_job: Any) -> None:
    # Given a person the district knows (a landlord, say) but who is registered in no town.
    from django.db import transaction

    from residents.services import person_find_or_create

    number = synthetic.id_number(random.Random("known"))
    with transaction.atomic():
        known = person_find_or_create(id_number=number, name="房东", mobile="13700137000")
    rows = [["新名字", number, "13911113333", "guicheng", "440605011001", "", "2025-03-01"]]
    with town_context("guicheng"):
        job = services.job_create(
            kind="residents", upload=csv_upload(rows, header=HEADER), by=User.objects.get(username="officer.guicheng")
        )
    # When the import runs, then they are registered here, as the same person.
    job = run_job(job)
    assert (job.imported, job.failed) == (1, 0)
    with town_context("guicheng"):
        registered = Resident.objects.select_related("person").get(person=known)
    assert (registered.person.name, registered.person.mobile) == ("房东", "13700137000")
    assert registered.person.registered_town_id == "guicheng"
