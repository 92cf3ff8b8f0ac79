"""Villages and communities (村/社区) of the uploader's town."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from nanhai_portal.areas.models import Community, Town
from nanhai_portal.jobs.importers import register_importer
from nanhai_portal.jobs.importers.base import Column, Importer, RowProblem
from nanhai_portal.validators import validate_place_name


@register_importer("communities")
class CommunityImporter(Importer):
    """Columns ``town`` (code or name of the uploader's own town), ``code``, ``name``, ``kind`` (村 or 社区)."""

    label = _("villages and communities")
    columns = (
        Column("town", _("town"), aliases=("镇街",), example="{town}"),
        Column(
            "code",
            _("code"),
            max_length=16,
            unique_in_file=True,
            aliases=("编码", "代码"),
            example="{division_code}901",
        ),
        Column(
            "name",
            _("name"),
            max_length=64,
            unique_in_file=True,
            aliases=("名称",),
            check=validate_place_name,
            example="示例社区",
        ),
        Column("kind", _("kind"), choices=tuple(Community.Kind.values), aliases=("类型",), example="社区"),
    )
    conflict_column = "code"
    merge_sql = """
        WITH merged AS (
            INSERT INTO areas_community (id, town_id, code, name, kind)
            SELECT gen_random_uuid(), %(town)s, s.code, s.name, s.kind FROM {staging} s ORDER BY s.row_number
            ON CONFLICT DO NOTHING
            RETURNING code
        )
        SELECT s.row_number FROM {staging} s WHERE NOT EXISTS (SELECT 1 FROM merged m WHERE m.code = s.code)
    """

    def prepare(self) -> None:
        self.towns: dict[str, str] = {}
        for code, name in Town.objects.values_list("code", "name"):
            self.towns[code.casefold()] = code
            self.towns[name] = code

    def check_row(self, values: dict[str, str]) -> Iterator[RowProblem]:
        named = values["town"]
        if named:
            town = self.towns.get(named) or self.towns.get(named.casefold())
            if town is None:
                yield RowProblem("town", "unknown_town")
            elif town != self.town:
                yield RowProblem("town", "other_town", {"town": named})
