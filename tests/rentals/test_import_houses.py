"""The ``rental_houses`` import: good rows become houses with their landlords, every bad row is
reported with its line and reason, hostile files change nothing."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from nanhai_portal.accounts.models import User
from nanhai_portal.areas.models import Town
from nanhai_portal.jobs import conf as jobs_conf
from nanhai_portal.jobs import runner, services
from nanhai_portal.jobs.files import UploadRejected
from nanhai_portal.jobs.importers import importer_choices
from nanhai_portal.jobs.models import ImportJob
from nanhai_portal.jobs.template_files import template_rows
from nanhai_portal.pii.fields import lookup_index
from nanhai_portal.tenancy import town_context
from rentals.importers import RentalHouseImporter
from rentals.models import RentalHouse
from residents import synthetic
from residents.models import Person
from tests.factories import PersonFactory
from tests.jobs.files import csv_bytes, csv_upload, xlsx_upload
from tests.rentals.factories import RentalHouseFactory
from tests.unchanged import Rows, nothing_changes

pytestmark = pytest.mark.django_db
TOWN = "guicheng"
COMMUNITY, OTHER_COMMUNITY = "440605011001", "440605011002"
GRID, OTHER_COMMUNITYS_GRID = f"{COMMUNITY}-01", f"{OTHER_COMMUNITY}-01"
DALI_GRID = "440605125001-01"
HEADER = [
    "town", "community", "grid", "address", "landlord_name", "landlord_id_number", "landlord_mobile",
    "floors", "rooms", "risk_class",
]  # fmt: skip


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Uploads go to a directory of this test's own (as in the jobs tests)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def run_job() -> Any:
    """``run_job(job)``: import ``job`` in this process, as a worker would; the job reloaded."""

    def run(job: ImportJob) -> ImportJob:
        runner.job_run(job_id=job.pk, town=job.town_id)
        with town_context(job.town_id):
            return ImportJob.objects.get(pk=job.pk)

    return run


def an_id(seed: int) -> str:
    return synthetic.id_number(random.Random(seed))


def import_rows(rows: list[list[Any]], run_job: Any, *, header: list[str] = HEADER, upload: Any = None) -> ImportJob:
    with town_context(TOWN):
        job = services.job_create(
            kind="rental_houses",
            upload=upload or csv_upload(rows, header=header),
            by=User.objects.get(username="officer.guicheng"),
        )
    return run_job(job)


def errors_of(job: ImportJob) -> list[tuple[int, str, str]]:
    with town_context(job.town_id):
        return list(job.row_errors.order_by("row_number", "column").values_list("row_number", "column", "code"))


def houses_at(*addresses: str) -> list[RentalHouse]:
    with town_context(TOWN):
        return list(
            RentalHouse.objects.filter(address__in=addresses).select_related("landlord", "grid").order_by("address")
        )


def test_good_rows_are_imported_and_every_bad_row_is_reported_with_its_line_and_reason(run_job: Any) -> None:
    known = PersonFactory(mobile=None)  # a landlord the district knows, without a mobile number
    with town_context(TOWN):
        RentalHouseFactory(town_id=TOWN, address="已登记路1号", grid=_grid(GRID))
    good = an_id(1)
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    rows = [
        [TOWN, COMMUNITY, GRID, "导入路1号", "张房东", good, "13911112222", "4", "12", "ordinary"],  # 2 good
        ["桂城街道", COMMUNITY, GRID, "导入路2号", "改名字", good, "", "6", "40", "key"],  # 3 good, same landlord
        [TOWN, COMMUNITY, GRID, "导入路3号", "李已知", known.id_number, "13922223333", "3.0", "8", ""],  # 4 good
        [TOWN, COMMUNITY, "999-99", "导入路4号", "王五", an_id(4), "", "4", "12", "ordinary"],  # 5 unknown grid
        [TOWN, COMMUNITY, OTHER_COMMUNITYS_GRID, "导入路5号", "王五", an_id(5), "", "4", "12", ""],  # 6
        [TOWN, COMMUNITY, DALI_GRID, "导入路6号", "王五", an_id(6), "", "4", "12", ""],  # 7 another town's grid
        ["dali", COMMUNITY, GRID, "导入路7号", "王五", an_id(7), "", "4", "12", ""],  # 8 another town
        [TOWN, COMMUNITY, GRID, "导入路8号", "王五", bad_check, "", "4", "12", ""],  # 9 ID check digit
        [TOWN, COMMUNITY, GRID, "导入路9号", "王五", an_id(9), "12345", "4", "12", ""],  # 10 mobile
        [TOWN, COMMUNITY, GRID, "导入路10号", "王五", an_id(10), "", "四", "0", ""],  # 11 floors, rooms
        [TOWN, COMMUNITY, GRID, "导入路11号", "王五", an_id(11), "", "4", "12", "villa"],  # 12 risk class
        [TOWN, COMMUNITY, GRID, "导入路1号", "王五", an_id(12), "", "4", "12", ""],  # 13 same address as row 2
        [TOWN, COMMUNITY, GRID, "已登记路1号", "王五", an_id(13), "", "4", "12", ""],  # 14 registered already
        [TOWN, COMMUNITY, GRID, "=cmd|' /C calc'!A0", "王五", an_id(14), "", "4", "12", ""],  # 15 formula
        ["", "", "", "", "", "", "", "", "", ""],  # 16 blank: skipped, but it is a line of the file
        [TOWN, "", "", "导入路16号", "王五1", an_id(16), "", "4.5", "12", ""],  # 17 missing, name, floors
    ]
    job = import_rows(rows, run_job)

    assert job.status == ImportJob.Status.SUCCEEDED
    assert (job.imported, job.failed) == (3, 12)
    assert errors_of(job) == [
        (5, "grid", "unknown_grid"),
        (6, "grid", "grid_of_other_community"),
        (7, "grid", "unknown_grid"),  # another town's grid: not confirmed to exist
        (8, "town", "other_town"),
        (9, "landlord_id_number", "invalid_id_number"),
        (10, "landlord_mobile", "invalid_mobile"),
        (11, "floors", "not_a_whole_number"),
        (11, "rooms", "not_a_whole_number"),
        (12, "risk_class", "unknown_risk_class"),
        (13, "address", "duplicate_address"),
        (14, "address", "duplicate_address"),
        (15, "address", "formula_start"),
        (17, "community", "required"),
        (17, "floors", "not_a_whole_number"),
        (17, "grid", "required"),
        (17, "landlord_name", "invalid_person_name"),
    ]
    one, two, three = houses_at("导入路1号", "导入路2号", "导入路3号")
    # One person per ID number: the second row's other name does not rename them
    assert one.landlord_id == two.landlord_id and one.landlord.name == "张房东"
    assert one.landlord.id_number == good and one.landlord.mobile == "13911112222"
    assert (one.floors, one.rooms, one.risk_class, one.grid.code, one.town_id) == (4, 12, "ordinary", GRID, TOWN)
    assert (two.risk_class, two.building_type, two.status) == ("key", "other", "active")
    # A known person keeps their name and gets the mobile number they lacked; the class comes from the rule
    assert three.landlord_id == known.pk and three.landlord.name == known.name
    assert three.landlord.mobile == "13922223333" and (three.floors, three.risk_class) == (3, "ordinary")
    # Nobody was made for the refused rows
    assert not Person.objects.filter(id_number_index=lookup_index("id_number", an_id(12))).exists()
    assert not Person.objects.filter(id_number_index=lookup_index("id_number", an_id(4))).exists()


def test_the_error_report_says_each_reason_in_the_readers_language(run_job: Any, client: Client) -> None:
    rows = [[TOWN, COMMUNITY, OTHER_COMMUNITYS_GRID, "报告路1号", "王五", an_id(20), "", "4", "x", "villa"]]
    job = import_rows(rows, run_job)
    client.force_login(User.objects.get(username="officer.guicheng"))
    response: Any = client.get(f"/api/v1/jobs/{job.pk}/errors.csv", HTTP_ACCEPT_LANGUAGE="zh-hans")
    report = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "该网格属于另一个村（社区）（440605011002）。" in report
    assert "请填写 1 至 2000 之间的整数。" in report
    assert "不是有效的风险等级" in report and "ordinary" in report


def test_the_same_file_twice_imports_each_house_once(run_job: Any) -> None:
    rows = [[TOWN, COMMUNITY, GRID, "重复路1号", "张三", an_id(30), "", "4", "12", ""]]
    first, second = import_rows(rows, run_job), import_rows(rows, run_job)
    assert (first.imported, second.imported, second.failed) == (1, 0, 1)
    assert errors_of(second) == [(2, "address", "duplicate_address")]
    assert len(houses_at("重复路1号")) == 1


def test_a_workbook_with_chinese_headers_and_numbers_as_numbers_is_imported(run_job: Any) -> None:
    header = [
        "镇街",
        "社区编码",
        "网格编码",
        "地址",
        "房东姓名",
        "房东身份证号",
        "房东手机号",
        "层数",
        "房间数",
        "风险分类",
        "建筑类型",
    ]
    rows = [["桂城街道", COMMUNITY, GRID, "表格路1号", "陈房东", an_id(40), 13933334444, 5, 20, "key", "dormitory"]]
    job = import_rows(rows, run_job, upload=xlsx_upload(rows, header=header))
    assert (job.status, job.imported, job.failed) == (ImportJob.Status.SUCCEEDED, 1, 0)
    (house,) = houses_at("表格路1号")
    assert (house.floors, house.rooms, house.building_type, house.landlord.mobile) == (
        5,
        20,
        "dormitory",
        "13933334444",
    )


def test_a_gb18030_file_from_excel_is_read(run_job: Any) -> None:
    rows = [[TOWN, COMMUNITY, GRID, "国标路1号", "黄房东", an_id(50), "", "2", "6", ""]]
    upload = SimpleUploadedFile("houses.csv", csv_bytes(rows, header=HEADER, encoding="gb18030"))
    job = import_rows(rows, run_job, upload=upload)
    assert job.imported == 1 and houses_at("国标路1号")[0].landlord.name == "黄房东"


# --- Hostile files: refused or failed whole, nothing written ------------------------------


def _no_house_or_job_is_made() -> Any:
    return nothing_changes(Rows(RentalHouse), Rows(ImportJob), Rows(Person))


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("town,community\n".encode("utf-16"), "file_type"),  # UTF-16: not a CSV text file here
        (",".join(HEADER).encode() + b"\nguicheng,\x80\xff,x\n", "file_encoding"),  # neither UTF-8 nor GB18030
        (b"address,floors\n1,2\n", "bad_header"),  # the required columns missing
        (",".join([*HEADER, "tenants"]).encode() + b"\n" + b"a," * 10 + b"\n", "bad_header"),  # an unknown column
    ],
)
def test_a_file_that_is_not_a_houses_file_is_refused_at_upload(content: bytes, code: str) -> None:
    with _no_house_or_job_is_made(), town_context(TOWN), pytest.raises(UploadRejected) as refused:
        services.job_create(
            kind="rental_houses",
            upload=SimpleUploadedFile("houses.csv", content),
            by=User.objects.get(username="officer.guicheng"),
        )
    assert refused.value.code == code


def test_a_ten_megabyte_file_over_the_limit_is_refused_with_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs_conf, "MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
    row = ",".join([TOWN, COMMUNITY, GRID, "大文件路1号", "张三", an_id(60), "", "4", "12", ""])
    content = (",".join(HEADER) + "\n" + (row + "\n") * (10 * 1024 * 1024 // (len(row.encode()) + 1))).encode()
    assert len(content) > 10 * 1024 * 1024 - 200
    with _no_house_or_job_is_made(), town_context(TOWN), pytest.raises(UploadRejected) as refused:
        services.job_create(
            kind="rental_houses",
            upload=SimpleUploadedFile("houses.csv", content),
            by=User.objects.get(username="officer.guicheng"),
        )
    assert refused.value.code == "file_too_large" and "5.0\xa0MB" in refused.value.message


def test_a_ten_megabyte_cell_fails_the_file_and_imports_nothing(run_job: Any) -> None:
    address = "长" * (10 * 1024 * 1024 // 3)
    rows = [
        [TOWN, COMMUNITY, GRID, "好路1号", "张三", an_id(70), "", "4", "12", ""],
        [TOWN, COMMUNITY, GRID, address, "张三", an_id(71), "", "4", "12", ""],
    ]
    with nothing_changes(Rows(RentalHouse), Rows(Person)):
        job = import_rows(rows, run_job)
    # Python's CSV reader stops at its field limit before the cell limit is reached: failed whole
    assert (job.status, job.error_code, job.imported) == (ImportJob.Status.FAILED, "file_unreadable", 0)
    assert "field larger than field limit" in job.error_params["detail"]


# --- Offered to the town's officers, with a template ---------------------------------------


def test_the_jobs_page_offers_it_to_a_town_officer_with_its_template(client: Client) -> None:
    assert ("rental_houses", RentalHouseImporter.label) in importer_choices()
    client.force_login(User.objects.get(username="officer.guicheng"))
    page = client.get("/jobs/").content.decode()
    assert 'value="rental_houses"' in page
    template = client.get("/jobs/templates/rental_houses.csv")
    assert template.status_code == 200
    header, _example = template.content.decode("utf-8-sig").splitlines()
    assert header.split(",") == [*HEADER, "building_type"]


def test_the_templates_example_row_imports(run_job: Any) -> None:
    with town_context(TOWN):
        header, example = template_rows(RentalHouseImporter, town=Town.objects.get(pk=TOWN))
    job = import_rows([example], run_job, header=header)
    assert (job.imported, job.failed) == (1, 0)


def _grid(code: str) -> Any:
    from nanhai_portal.areas.models import Grid

    with town_context(TOWN):
        return Grid.objects.get(code=code)
