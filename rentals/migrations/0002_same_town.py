"""The database keeps a house, its tenancies, inspections and hazards in one town."""

from django.db import migrations

SAME_TOWN = [
    # (table, constraint, (columns), referenced table, (columns))
    ("rentals_rentalhouse", "rentalhouse_community_same_town", ("community_id", "town_id"), "areas_community", ("id", "town_id")),
    ("rentals_tenancy", "tenancy_house_same_town", ("house_id", "town_id"), "rentals_rentalhouse", ("id", "town_id")),
    ("rentals_tenancy", "tenancy_resident_same_town", ("resident_id", "town_id"), "residents_resident", ("id", "town_id")),
    ("rentals_inspection", "inspection_house_same_town", ("house_id", "town_id"), "rentals_rentalhouse", ("id", "town_id")),
    ("rentals_inspectionitem", "inspectionitem_inspection_same_town", ("inspection_id", "town_id"), "rentals_inspection", ("id", "town_id")),
    ("rentals_hazard", "hazard_house_same_town", ("house_id", "town_id"), "rentals_rentalhouse", ("id", "town_id")),
    ("rentals_hazard", "hazard_item_same_town", ("item_id", "town_id"), "rentals_inspectionitem", ("id", "town_id")),
]

forward = [
    f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({', '.join(cols)}) "
    f"REFERENCES {ref} ({', '.join(ref_cols)}) DEFERRABLE INITIALLY DEFERRED"
    for table, name, cols, ref, ref_cols in SAME_TOWN
]
backward = [f"ALTER TABLE {table} DROP CONSTRAINT {name}" for table, name, *_rest in SAME_TOWN]


class Migration(migrations.Migration):
    dependencies = [("rentals", "0001_initial"), ("residents", "0002_same_town_and_numbers"), ("areas", "0002_towns")]

    operations = [migrations.RunSQL(forward, backward)]
