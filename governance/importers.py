"""The ``census_voters`` import: hukou voters (选民) of the town's elections, from the census.

Columns: ``community`` (code), ``name``, ``id_number``. Each row goes on the roll of the
community's election that is registering voters. ID numbers are checked, encrypted and indexed
in Python before they reach the database (the staging table holds ciphertext only); each row's
person is found or made set-wise (``PERSON_INSERT_SQL``), claims the district's one roll of the
election year (``governance_voterrollclaim``: a person already on a roll anywhere in the
district that year is reported, not put on a second), then becomes a voter.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

from django.core.exceptions import ValidationError
from django.db.backends.utils import CursorWrapper
from django.utils.translation import gettext_lazy as _

from governance import conf
from governance.models import Election
from nanhai_portal.jobs.importers import register_importer
from nanhai_portal.jobs.importers.base import Column, Importer, RowProblem
from nanhai_portal.periods import whole_years_between
from nanhai_portal.pii import crypto, id_facts, normalize_id_number, validate_id_number
from nanhai_portal.validators import validate_person_name
from residents.services.people import PERSON_INSERT_SQL

ROW_PROBLEMS = {
    "invalid_id_number": _("Not a valid ID number: check its length, birth date and last character."),
    "no_election": _("This village or community has no election registering voters."),
    "under_voting_age": _("Not of voting age on polling day."),
    "already_on_a_roll": _("Not imported: this person is already on a voter roll in the district this year."),
}

STAGED = ("name", "id_number", "id_number_index", "mobile", "mobile_index", "sex", "birth_date", "origin",
          "election_id", "year")  # fmt: skip


@register_importer("census_voters")
class CensusVoterImporter(Importer):
    label = _("census voters")
    row_messages = ROW_PROBLEMS
    columns = (
        Column(
            "community",
            _("community"),
            max_length=16,
            aliases=("村（社区）", "社区编码", "村居编码"),
            example="{community}",
        ),
        Column("name", _("name"), max_length=64, aliases=("姓名",), check=validate_person_name, example="张三"),
        Column(
            "id_number",
            _("ID number"),
            unique_in_file=True,
            personal="id_number",
            aliases=("身份证号", "公民身份号码"),
            example="440605199003071232",
        ),
    )
    conflict_column = "id_number"
    conflict_code = "already_on_a_roll"
    merge_sql = (
        "WITH made AS ("  # noqa: S608 - fixed names
        + PERSON_INSERT_SQL.format(source="{staging}", where="", order="row_number", registered_town="NULL")
        + """ RETURNING id, id_number_index),
        people AS (
            SELECT s.row_number, s.election_id::uuid AS election_id, s.year::int AS year,
                   COALESCE(m.id, p.id) AS person_id
            FROM {staging} s
            LEFT JOIN made m ON m.id_number_index = s.id_number_index
            LEFT JOIN residents_person p ON p.id_number_index = s.id_number_index
        ),
        claimed AS (
            INSERT INTO governance_voterrollclaim (person_id, year, roll_town_id, voter_id)
            SELECT person_id, year, %(town)s, gen_random_uuid() FROM people ORDER BY row_number
            ON CONFLICT (person_id, year) DO NOTHING
            RETURNING person_id, voter_id
        ),
        voters AS (
            INSERT INTO governance_voter
                (id, town_id, election_id, person_id, source, state, reason, decided_by_id, created_at)
            SELECT c.voter_id, %(town)s, p.election_id, c.person_id, 'census', 'registered', '', NULL, now()
            FROM claimed c JOIN people p ON p.person_id = c.person_id
        )
        SELECT p.row_number FROM people p
        WHERE NOT EXISTS (SELECT 1 FROM claimed c WHERE c.person_id = p.person_id)
        """
    )

    def prepare(self) -> None:
        self.elections: dict[str, Election] = {}
        registering = Election.objects.filter(phase=Election.Phase.REGISTRATION).select_related("community")
        for election in registering.order_by("year"):
            self.elections[election.community.code] = election
        self.min_age = conf.election_rules(self.town).voter_min_age

    def check_row(self, values: dict[str, str]) -> Iterator[RowProblem]:
        election = self.elections.get(values["community"])
        if values["community"] and election is None:
            yield RowProblem("community", "no_election")
        try:
            validate_id_number(values["id_number"])
        except ValidationError:
            if values["id_number"]:
                yield RowProblem("id_number", "invalid_id_number")
            return
        if election is not None:
            born = id_facts(normalize_id_number(values["id_number"])).birth_date
            if whole_years_between(born, election.polling_day) < self.min_age:
                yield RowProblem("id_number", "under_voting_age")

    @classmethod
    def staging_ddl(cls) -> str:
        columns = ", ".join(f"{name} text" for name in STAGED)
        return f"CREATE TEMP TABLE {cls.staging_table()} (row_number integer NOT NULL, {columns}) ON COMMIT DROP"

    def merge(self, cursor: CursorWrapper, rows: Sequence[Sequence[str]]) -> list[int]:
        """Encrypt and index, then COPY and merge: no plaintext ID number is staged."""
        staging = self.staging_table()
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{staging}")
        cursor.execute(self.staging_ddl())
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for row_number, community, name, id_number in rows:
            number = normalize_id_number(id_number)  # checked already (check_row)
            facts = id_facts(number)
            election = self.elections[community]
            writer.writerow(
                [
                    row_number, name, crypto.encrypt(number), crypto.blind_index("id_number", number), "", "",
                    facts.sex, facts.birth_date.isoformat(), facts.origin, str(election.pk), election.year,
                ]
            )  # fmt: skip
        buffer.seek(0)
        cursor.cursor.copy_expert(
            f"COPY {staging} (row_number, {', '.join(STAGED)}) FROM STDIN WITH (FORMAT csv)", buffer
        )
        cursor.execute(self.merge_sql.format(staging=staging), {"town": self.town})
        return [row[0] for row in cursor.fetchall()]
