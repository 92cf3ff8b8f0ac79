"""Grids (网格) of the uploader's town's villages and communities."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from nanhai_portal.areas.models import Community
from nanhai_portal.jobs.importers import register_importer
from nanhai_portal.jobs.importers.base import Column, Importer, RowProblem
from nanhai_portal.validators import validate_place_name


@register_importer("grids")
class GridImporter(Importer):
    """Columns ``community`` (the code of a village or community of the town), ``code``, ``name``."""

    label = _("grids")
    columns = (
        Column(
            "community",
            _("community"),
            max_length=16,
            aliases=("村（社区）", "社区编码", "村居编码"),
            example="{community}",
        ),
        Column(
            "code",
            _("code"),
            max_length=24,
            unique_in_file=True,
            aliases=("编码", "网格编码"),
            example="{community}-91",
        ),
        Column(
            "name",
            _("name"),
            max_length=64,
            aliases=("名称", "网格名称"),
            check=validate_place_name,
            example="示例网格",
        ),
    )
    conflict_column = "code"
    merge_sql = """
        WITH merged AS (
            INSERT INTO areas_grid (id, town_id, community_id, code, name)
            SELECT gen_random_uuid(), %(town)s, c.id, s.code, s.name
            FROM {staging} s JOIN areas_community c ON c.town_id = %(town)s AND c.code = s.community
            ORDER BY s.row_number
            ON CONFLICT DO NOTHING
            RETURNING code
        )
        SELECT s.row_number FROM {staging} s WHERE NOT EXISTS (SELECT 1 FROM merged m WHERE m.code = s.code)
    """

    def prepare(self) -> None:
        self.community_codes = set(Community.objects.values_list("code", flat=True))

    def check_row(self, values: dict[str, str]) -> Iterator[RowProblem]:
        if values["community"] and values["community"] not in self.community_codes:
            yield RowProblem("community", "unknown_community")
