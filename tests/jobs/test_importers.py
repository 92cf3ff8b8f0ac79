"""The two importers' row checks, one rule at a time."""

from __future__ import annotations

import csv
import uuid
from pathlib import Path

import pytest

from nanhai_portal.jobs import runner
from nanhai_portal.jobs.importers import HeaderProblem, RowProblem, importer_choices, importer_class
from nanhai_portal.jobs.importers.communities import CommunityImporter
from nanhai_portal.jobs.importers.grids import GridImporter
from nanhai_portal.tenancy import town_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def communities() -> CommunityImporter:
    importer = CommunityImporter(town="guicheng")
    with town_context("guicheng"):
        importer.prepare()
    return importer


@pytest.fixture
def grids() -> GridImporter:
    importer = GridImporter(town="guicheng")
    with town_context("guicheng"):
        importer.prepare()
    return importer


def codes(problems: list[RowProblem]) -> list[tuple[str, str]]:
    return [(problem.column, problem.code) for problem in problems]


def test_both_importers_are_registered_by_kind() -> None:
    assert {kind for kind, _label in importer_choices()} >= {"communities", "grids"}
    assert importer_class("communities") is CommunityImporter
    assert importer_class("grids") is GridImporter
    assert importer_class("nonsense") is None


def test_a_good_community_row_has_no_problem(communities: CommunityImporter) -> None:
    assert communities.validate(["guicheng", "T001", "新村", "村"]) == []
    assert communities.validate(["guicheng", "T002", "新社区", "社区"]) == []


def test_the_town_may_be_given_by_its_name(communities: CommunityImporter) -> None:
    assert communities.validate(["桂城街道", "T001", "新村", "村"]) == []
    assert communities.validate(["GUICHENG", "T001", "新村", "村"]) == []


def test_a_community_kind_is_village_or_community_only(communities: CommunityImporter) -> None:
    problems = communities.validate(["guicheng", "T001", "新村", "镇"])
    assert codes(problems) == [("kind", "not_a_choice")]
    assert problems[0].params == {"choices": "村, 社区"}


def test_an_empty_name_is_refused(communities: CommunityImporter) -> None:
    assert codes(communities.validate(["guicheng", "T001", "", "村"])) == [("name", "required")]


def test_a_name_longer_than_the_column_is_refused(communities: CommunityImporter) -> None:
    assert codes(communities.validate(["guicheng", "T001", "长" * 65, "村"])) == [("name", "too_long")]


def test_a_row_for_another_town_is_not_your_town(communities: CommunityImporter) -> None:
    problems = communities.validate(["dali", "T001", "新村", "村"])
    assert codes(problems) == [("town", "other_town")]
    assert codes(communities.validate(["大沥镇", "T001", "新村", "村"])) == [("town", "other_town")]


def test_an_unknown_town_is_named_as_such(communities: CommunityImporter) -> None:
    assert codes(communities.validate(["atlantis", "T001", "新村", "村"])) == [("town", "unknown_town")]


def test_every_problem_of_a_row_is_found_once_per_column(communities: CommunityImporter) -> None:
    problems = communities.validate(["", "", "", "乡"])
    assert codes(problems) == [
        ("town", "required"),
        ("code", "required"),
        ("name", "required"),
        ("kind", "not_a_choice"),
    ]


def test_a_grid_needs_a_community_of_the_town(grids: GridImporter) -> None:
    assert grids.validate(["440605011001", "G-1", "一号网格"]) == []
    assert codes(grids.validate(["NOPE", "G-1", "一号网格"])) == [("community", "unknown_community")]


def test_a_grid_of_another_towns_community_is_unknown_here(grids: GridImporter) -> None:
    dali_community = "440605125001"  # demo data: dali's division code is 440605125
    assert codes(grids.validate([dali_community, "G-1", "一号网格"])) == [("community", "unknown_community")]


def test_a_grid_row_needs_code_and_name(grids: GridImporter) -> None:
    assert codes(grids.validate(["440605011001", "", ""])) == [("code", "required"), ("name", "required")]


def test_the_header_may_list_the_columns_in_any_order_and_case() -> None:
    assert CommunityImporter.header_positions(["Kind", "NAME", "code", "town"]) == [3, 2, 1, 0]
    assert CommunityImporter.header_positions(["镇街", "编码", "名称", "类型"]) == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("header", "code", "columns"),
    [
        (["town", "code", "name"], "missing_columns", "kind"),
        (["code", "name"], "missing_columns", "town, kind"),
        (["town", "code", "name", "kind", "remark"], "unknown_columns", "remark"),
        (["town", "code", "name", "kind", "code"], "repeated_columns", "code"),
    ],
)
def test_a_header_that_does_not_fit_is_refused(header: list[str], code: str, columns: str) -> None:
    with pytest.raises(HeaderProblem) as problem:
        CommunityImporter.header_positions(header)
    assert problem.value.code == code
    assert problem.value.params["columns"] == columns


def test_a_header_with_a_nameless_column_in_the_middle_is_refused() -> None:
    with pytest.raises(HeaderProblem) as problem:
        CommunityImporter.header_positions(["town", "", "code", "name", "kind"])
    assert problem.value.code == "unnamed_column"
    assert CommunityImporter.header_positions(["town", "code", "name", "kind", "", ""]) == [0, 1, 2, 3]


def test_a_value_repeated_within_the_file_is_marked_with_its_first_row(tmp_path: Path) -> None:
    records = enumerate(
        [
            ["town", "code", "name", "kind"],
            ["guicheng", "T001", "一村", "村"],
            ["", "", "", ""],
            ["guicheng", "T002", "一村", "村"],  # the name of row 2 again
            ["guicheng", "T001", "三村", "村"],  # the code of row 2 again
            ["guicheng", "T003", "四村", "村", "extra"],
        ],
        1,
    )
    target = tmp_path / "rows.csv"
    run = runner._Run(job_id=uuid.uuid4(), town="guicheng", token=uuid.uuid4())

    assert runner._write_rows(records, CommunityImporter, target, run) == 4

    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert [row[:4] for row in rows] == [
        ["2", "", "", ""],
        ["4", "name", "2", ""],
        ["5", "code", "2", ""],
        ["6", "", "", "1"],
    ]
    assert rows[0][4:] == ["guicheng", "T001", "一村", "村"]
