"""The database keeps related rows in one town, and numbers permits from a sequence."""

from django.db import migrations

SAME_TOWN = [
    # (table, constraint, (columns), referenced table, (columns))
    ("residents_resident", "resident_community_same_town", ("community_id", "town_id"), "areas_community", ("id", "town_id")),
    ("residents_application", "application_resident_same_town", ("resident_id", "town_id"), "residents_resident", ("id", "town_id")),
    ("residents_permit", "permit_resident_same_town", ("resident_id", "town_id"), "residents_resident", ("id", "town_id")),
    ("residents_document", "document_application_same_town", ("application_id", "town_id"), "residents_application", ("id", "town_id")),
]

forward = [
    f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({', '.join(cols)}) "
    f"REFERENCES {ref} ({', '.join(ref_cols)}) DEFERRABLE INITIALLY DEFERRED"
    for table, name, cols, ref, ref_cols in SAME_TOWN
] + ["CREATE SEQUENCE IF NOT EXISTS residents_permit_number_seq"]
backward = [f"ALTER TABLE {table} DROP CONSTRAINT {name}" for table, name, *_rest in SAME_TOWN] + [
    "DROP SEQUENCE IF EXISTS residents_permit_number_seq"
]


class Migration(migrations.Migration):
    dependencies = [("residents", "0001_initial"), ("areas", "0002_towns")]

    operations = [migrations.RunSQL(forward, backward)]
