"""Found by the jobs app's autodiscovery of ``importers`` modules, like any app's."""

from __future__ import annotations

from nanhai_portal.jobs.importers import Column, Importer, register_importer


@register_importer("samples")
class SampleImporter(Importer):
    label = "samples"
    columns = (Column("code", "code", max_length=16),)
    row_messages = {"already_sampled": "Not imported: this sample was taken already."}
    conflict_column = "code"
    conflict_code = "already_sampled"
    merge_sql = "SELECT row_number FROM {staging} WHERE false"
