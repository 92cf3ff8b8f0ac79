"""The ``rental_houses`` import: rental houses (出租屋) of the uploader's town, from a spreadsheet.

Columns: ``town``, ``community`` (code), ``grid`` (code, of that community), ``address``,
``landlord_name``, ``landlord_id_number``, ``landlord_mobile`` (optional), ``floors``,
``rooms``, ``risk_class`` (optional: the configured rule assigns one, as when a house is
registered on a page) and ``building_type`` (optional, ``other`` when absent).

The rules are those of ``services.house_register``, set-wise: the grid is one of the town's;
the landlord is the district's person with that ID number, made when there is none (the
set-wise ``person_find_or_create``, ``PERSON_INSERT_SQL``: a person found keeps their name
and gets the mobile number when they had none). ID and mobile numbers are checked, encrypted
and indexed in Python; the staging table holds ciphertext only. One more rule than a single
registration: a grid has one house at an address, in the file and in the database (the
later row is reported, ``duplicate_address``).

The import is audited as a job (``jobs.created``), like the residents import, rather than one
``rentals.house_registered`` event per house.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

from django.core.exceptions import ValidationError
from django.db.backends.utils import CursorWrapper
from django.utils.translation import gettext_lazy as _

from nanhai_portal.areas.models import Community, Grid, Town
from nanhai_portal.jobs.importers import register_importer
from nanhai_portal.jobs.importers.base import Column, Importer, RowProblem
from nanhai_portal.pii import (
    crypto,
    id_facts,
    normalize_id_number,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)
from nanhai_portal.validators import validate_free_text, validate_person_name
from rentals import conf
from rentals.models import MAX_FLOORS, MAX_ROOMS, RentalHouse
from residents.importers import ROW_PROBLEMS as PERSON_PROBLEMS
from residents.services.people import PERSON_INSERT_SQL

ROW_PROBLEMS = {
    "invalid_id_number": PERSON_PROBLEMS["invalid_id_number"],
    "invalid_mobile": PERSON_PROBLEMS["invalid_mobile"],
    "unknown_grid": _("Your town has no grid with this code."),
    "grid_of_other_community": _("This grid belongs to another village or community (%(community)s)."),
    "not_a_whole_number": _("Write a whole number from %(min)d to %(max)d."),
    "unknown_risk_class": _("Not a risk class: write one of %(choices)s, or leave it empty."),
    "duplicate_address": _("Not imported: this grid already has a rental house at this address."),
}

STAGED = (
    "community", "grid", "address", "name", "id_number", "id_number_index", "mobile", "mobile_index",
    "sex", "birth_date", "origin", "floors", "rooms", "risk_class", "building_type",
)  # fmt: skip


@register_importer("rental_houses")
class RentalHouseImporter(Importer):
    label = _("rental houses")
    row_messages = ROW_PROBLEMS
    columns = (
        Column("town", _("town"), aliases=("镇街",), example="{town}"),
        Column("community", _("community"), max_length=16, aliases=("村（社区）", "社区编码"), example="{community}"),
        Column("grid", _("grid"), max_length=24, aliases=("网格", "网格编码"), example="{community}-01"),
        Column(
            "address",
            _("address"),
            max_length=200,
            aliases=("地址", "出租屋地址"),
            check=validate_free_text,
            example="示例路 8 号",
        ),
        Column(
            "landlord_name",
            _("landlord's name"),
            max_length=64,
            aliases=("房东姓名", "业主姓名"),
            check=validate_person_name,
            example="李四",
        ),
        Column(
            "landlord_id_number",
            _("landlord's ID number"),
            personal="id_number",
            aliases=("房东身份证号", "业主身份证号"),
            example="440605199003071232",
        ),
        Column(
            "landlord_mobile",
            _("landlord's mobile number"),
            required=False,
            personal="mobile",
            aliases=("房东手机号", "业主手机号"),
            example="13800138000",
        ),
        Column("floors", _("floors"), aliases=("层数",), example="4"),
        Column("rooms", _("rooms"), aliases=("房间数",), example="12"),
        Column("risk_class", _("risk class"), required=False, aliases=("风险分类", "分类"), example="ordinary"),
        Column(
            "building_type",
            _("building type"),
            required=False,
            choices=tuple(RentalHouse.BuildingType.values),
            aliases=("建筑类型",),
            example=RentalHouse.BuildingType.SELF_BUILT.value,
        ),
    )
    conflict_column = "address"
    conflict_code = "duplicate_address"
    # One statement. ``fresh``: the rows whose grid has no house at their address yet, the first
    # of each (grid, address) in the file; only their landlords are made (``made``) or given a
    # missing mobile number (``phoned``); their houses are inserted; the other rows are returned.
    merge_sql = (
        """
        WITH fresh AS (
            SELECT DISTINCT ON (g.id, s.address) s.*, g.id AS grid_id, g.community_id
            FROM {staging} s
            JOIN areas_grid g ON g.town_id = %(town)s AND g.code = s.grid
            WHERE NOT EXISTS (
                SELECT 1 FROM rentals_rentalhouse h
                WHERE h.town_id = %(town)s AND h.grid_id = g.id AND h.address = s.address
            )
            ORDER BY g.id, s.address, s.row_number
        ),
        made AS ("""  # noqa: S608 - fixed names
        + PERSON_INSERT_SQL.format(source="fresh", where="", order="row_number", registered_town="NULL")
        + """ RETURNING id, id_number_index),
        phoned AS (
            UPDATE residents_person p SET mobile = f.mobile, mobile_index = f.mobile_index
            FROM fresh f
            WHERE p.id_number_index = f.id_number_index AND p.mobile IS NULL AND f.mobile <> ''
        ),
        people AS (
            SELECT id, id_number_index FROM made
            UNION ALL
            SELECT p.id, p.id_number_index FROM residents_person p
            WHERE p.id_number_index IN (SELECT id_number_index FROM fresh)
        ),
        houses AS (
            INSERT INTO rentals_rentalhouse (
                id, town_id, community_id, grid_id, address, building_type, floors, rooms, landlord_id,
                risk_class, status, version, created_at, updated_at
            )
            SELECT gen_random_uuid(), %(town)s, f.community_id, f.grid_id, f.address, f.building_type,
                   f.floors::smallint, f.rooms::smallint, p.id, f.risk_class, 'active', 1, now(), now()
            FROM fresh f JOIN people p ON p.id_number_index = f.id_number_index
            ORDER BY f.row_number
        )
        SELECT s.row_number FROM {staging} s
        WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.row_number = s.row_number)
        """
    )

    def prepare(self) -> None:
        self.towns: dict[str, str] = {}
        for code, name in Town.objects.values_list("code", "name"):
            self.towns[code.casefold()] = code
            self.towns[name] = code
        self.communities = dict(Community.objects.values_list("id", "code"))
        self.community_codes = set(self.communities.values())
        self.grid_communities = {
            code: self.communities[community] for code, community in Grid.objects.values_list("code", "community_id")
        }
        self.risk_classes = list(conf.risk_classes())

    def check_row(self, values: dict[str, str]) -> Iterator[RowProblem]:
        town = self.towns.get(values["town"]) or self.towns.get(values["town"].casefold())
        if values["town"] and town is None:
            yield RowProblem("town", "unknown_town")
        elif town is not None and town != self.town:
            yield RowProblem("town", "other_town", {"town": values["town"]})
        community = values["community"]
        if community and community not in self.community_codes:
            yield RowProblem("community", "unknown_community")
        grid = values["grid"]
        if grid:
            # Another town's grid is unknown here: its town is not this importer's to confirm.
            if grid not in self.grid_communities:
                yield RowProblem("grid", "unknown_grid")
            elif community in self.community_codes and self.grid_communities[grid] != community:
                yield RowProblem("grid", "grid_of_other_community", {"community": self.grid_communities[grid]})
        if values["landlord_id_number"]:
            try:
                validate_id_number(values["landlord_id_number"])
            except ValidationError:
                yield RowProblem("landlord_id_number", "invalid_id_number")
        if values["landlord_mobile"]:
            try:
                validate_mobile(values["landlord_mobile"])
            except ValidationError:
                yield RowProblem("landlord_mobile", "invalid_mobile")
        for name, lowest, highest in (("floors", 1, MAX_FLOORS), ("rooms", 1, MAX_ROOMS)):
            if values[name] and _whole_number(values[name], lowest, highest) is None:
                yield RowProblem(name, "not_a_whole_number", {"min": lowest, "max": highest})
        if values["risk_class"] and values["risk_class"] not in self.risk_classes:
            yield RowProblem("risk_class", "unknown_risk_class", {"choices": ", ".join(self.risk_classes)})

    @classmethod
    def staging_ddl(cls) -> str:
        columns = ", ".join(f"{name} text" for name in STAGED)
        return f"CREATE TEMP TABLE {cls.staging_table()} (row_number integer NOT NULL, {columns}) ON COMMIT DROP"

    def merge(self, cursor: CursorWrapper, rows: Sequence[Sequence[str]]) -> list[int]:
        """Encrypt and index, assign the risk class where none is given, then COPY and merge."""
        staging = self.staging_table()
        # Two imports of one town take turns (until the chunk commits), and the merge below, a
        # statement of its own, reads the houses the other one committed: no address twice.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"rentals.rental_houses:{self.town}"])
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{staging}")
        cursor.execute(self.staging_ddl())
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for row in rows:
            row_number, _town, community, grid, address, name, id_number, mobile, floors, rooms, risk, building = row
            number = normalize_id_number(id_number)  # checked already (check_row)
            phone = normalize_mobile(mobile) if mobile else ""
            facts = id_facts(number)
            building = building or RentalHouse.BuildingType.OTHER
            writer.writerow(
                [
                    row_number, community, grid, address.strip(), name,
                    crypto.encrypt(number), crypto.blind_index("id_number", number),
                    crypto.encrypt(phone) if phone else "", crypto.blind_index("mobile", phone) if phone else "",
                    facts.sex, facts.birth_date.isoformat(), facts.origin,
                    _whole_number(floors, 1, MAX_FLOORS), _whole_number(rooms, 1, MAX_ROOMS),
                    risk or conf.assign_risk_class(tenants=0, building_type=building), building,
                ]
            )  # fmt: skip
        buffer.seek(0)
        cursor.cursor.copy_expert(
            f"COPY {staging} (row_number, {', '.join(STAGED)}) FROM STDIN WITH (FORMAT csv)", buffer
        )
        cursor.execute(self.merge_sql.format(staging=staging), {"town": self.town})
        return [row[0] for row in cursor.fetchall()]


def _whole_number(text: str, lowest: int, highest: int) -> int | None:
    """``text`` as a whole number within bounds (Excel's "4.0" too), or None."""
    try:
        number = float(text.strip())
    except ValueError:
        return None
    if not number.is_integer() or not lowest <= number <= highest:
        return None
    return int(number)
