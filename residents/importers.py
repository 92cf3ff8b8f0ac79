"""The ``residents`` import: new residents of the uploader's town, from a spreadsheet.

Columns: ``name``, ``id_number``, ``mobile``, ``town``, ``community`` (code), ``address``,
``registered_since`` (YYYY-MM-DD). ID and mobile numbers are checked, then encrypted and
indexed in Python before they reach the database: the staging table holds ciphertext only.
Each row's person is found or made set-wise (``PERSON_INSERT_SQL``: one person per ID number
in the district), then registered in the town. A person already registered anywhere in the
district is reported, not imported twice.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db.backends.utils import CursorWrapper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nanhai_portal.areas.models import Community, Town
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
from residents.services.people import CLAIM_SQL, PERSON_INSERT_SQL

ROW_PROBLEMS = {
    "invalid_id_number": _("Not a valid ID number: check its length, birth date and last character."),
    "invalid_mobile": _("Not a mainland mobile number (11 digits, starting with 13 to 19)."),
    "invalid_date": _("Write the date as YYYY-MM-DD."),
    "future_date": _("The date is in the future."),
    "already_registered": _("Not imported: this person is already registered in the district."),
}

STAGED = (
    "name", "id_number", "id_number_index", "mobile", "mobile_index", "community", "address",
    "registered_since", "sex", "birth_date", "origin",
)  # fmt: skip


@register_importer("residents")
class ResidentImporter(Importer):
    label = _("new residents")
    row_messages = ROW_PROBLEMS
    columns = (
        Column("name", _("name"), max_length=64, aliases=("姓名",), check=validate_person_name, example="张三"),
        Column(
            "id_number",
            _("ID number"),
            unique_in_file=True,
            personal="id_number",
            aliases=("身份证号", "公民身份号码"),
            example="440605199003071232",
        ),
        Column(
            "mobile",
            _("mobile number"),
            required=False,
            personal="mobile",
            aliases=("手机号", "手机号码", "联系电话"),
            example="13800138000",
        ),
        Column("town", _("town"), aliases=("镇街",), example="{town}"),
        Column(
            "community",
            _("community"),
            max_length=16,
            aliases=("村（社区）", "社区编码", "村居编码"),
            example="{community}",
        ),
        Column(
            "address",
            _("address"),
            required=False,
            max_length=200,
            aliases=("地址", "居住地址"),
            check=validate_free_text,
            example="示例路 1 号 101 房",
        ),
        Column(
            "registered_since",
            _("registered since"),
            required=False,
            aliases=("登记日期", "居住登记日期"),
            example="2020-03-01",
        ),
    )
    conflict_column = "id_number"
    conflict_code = "already_registered"
    # One statement: the people made (registered here at once) or, when the district has them
    # and they are registered nowhere, claimed for this town; then their registrations. Rows
    # whose person is registered in a town already are the conflicts. Every staged row has a
    # community of the town (``check_row``), so nobody is claimed without a registration.
    merge_sql = (
        "WITH made AS ("  # noqa: S608 - fixed names
        + PERSON_INSERT_SQL.format(source="{staging}", where="", order="row_number", registered_town="%(town)s")
        + " RETURNING id, id_number_index), "
        + CLAIM_SQL.format(source="{staging}")
        + """,
        merged AS (
            INSERT INTO residents_resident (id, town_id, person_id, community_id, address, registered_since, created_at)
            SELECT gen_random_uuid(), %(town)s, r.person_id, c.id, COALESCE(s.address, ''),
                   NULLIF(s.registered_since, '')::date, now()
            FROM registered r
            JOIN {staging} s ON s.id_number_index = r.id_number_index
            JOIN areas_community c ON c.town_id = %(town)s AND c.code = s.community
            ORDER BY s.row_number
        )
        SELECT s.row_number FROM {staging} s
        WHERE NOT EXISTS (SELECT 1 FROM registered r WHERE r.id_number_index = s.id_number_index)
        """
    )

    def prepare(self) -> None:
        self.community_codes = set(Community.objects.values_list("code", flat=True))
        self.towns: dict[str, str] = {}
        for code, name in Town.objects.values_list("code", "name"):
            self.towns[code.casefold()] = code
            self.towns[name] = code
        self.today = timezone.localdate()

    def check_row(self, values: dict[str, str]) -> Iterator[RowProblem]:
        try:
            validate_id_number(values["id_number"])
        except ValidationError:
            if values["id_number"]:
                yield RowProblem("id_number", "invalid_id_number")
        if values["mobile"]:
            try:
                validate_mobile(values["mobile"])
            except ValidationError:
                yield RowProblem("mobile", "invalid_mobile")
        town = self.towns.get(values["town"]) or self.towns.get(values["town"].casefold())
        if values["town"] and town is None:
            yield RowProblem("town", "unknown_town")
        elif town is not None and town != self.town:
            yield RowProblem("town", "other_town", {"town": values["town"]})
        if values["community"] and values["community"] not in self.community_codes:
            yield RowProblem("community", "unknown_community")
        if values["registered_since"]:
            try:
                registered = date.fromisoformat(values["registered_since"])
            except ValueError:
                yield RowProblem("registered_since", "invalid_date")
            else:
                if registered > self.today:
                    yield RowProblem("registered_since", "future_date")

    @classmethod
    def staging_ddl(cls) -> str:
        columns = ", ".join(f"{name} text" for name in STAGED)
        return f"CREATE TEMP TABLE {cls.staging_table()} (row_number integer NOT NULL, {columns}) ON COMMIT DROP"

    def merge(self, cursor: CursorWrapper, rows: Sequence[Sequence[str]]) -> list[int]:
        """Encrypt and index, then COPY and merge: no plaintext ID or mobile number is staged."""
        staging = self.staging_table()
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{staging}")
        cursor.execute(self.staging_ddl())
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for row_number, name, id_number, mobile, _town, community, address, registered in rows:
            number = normalize_id_number(id_number)  # checked already (check_row)
            phone = normalize_mobile(mobile) if mobile else ""
            facts = id_facts(number)
            writer.writerow(
                [
                    row_number, name, crypto.encrypt(number), crypto.blind_index("id_number", number),
                    crypto.encrypt(phone) if phone else "", crypto.blind_index("mobile", phone) if phone else "",
                    community, address, registered, facts.sex, facts.birth_date.isoformat(), facts.origin,
                ]
            )  # fmt: skip
        buffer.seek(0)
        cursor.cursor.copy_expert(
            f"COPY {staging} (row_number, {', '.join(STAGED)}) FROM STDIN WITH (FORMAT csv)", buffer
        )
        cursor.execute(self.merge_sql.format(staging=staging), {"town": self.town})
        return [row[0] for row in cursor.fetchall()]
