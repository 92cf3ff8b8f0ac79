"""The database keeps a round, its schools, applications and everything about them in one town."""

from django.db import migrations

SAME_TOWN = [
    # (table, constraint, (columns), referenced table, (columns))
    ("education_admissionround", "admissionround_scheme_same_town", ("scheme_id", "town_id"), "education_pointsscheme", ("id", "town_id")),
    ("education_roundschool", "roundschool_round_same_town", ("round_id", "town_id"), "education_admissionround", ("id", "town_id")),
    ("education_roundschool", "roundschool_school_same_town", ("school_id", "town_id"), "education_school", ("id", "town_id")),
    ("education_schoolcatchment", "schoolcatchment_school_same_town", ("school_id", "town_id"), "education_school", ("id", "town_id")),
    ("education_schoolcatchment", "schoolcatchment_community_same_town", ("community_id", "town_id"), "areas_community", ("id", "town_id")),
    ("education_schemegroup", "schemegroup_scheme_same_town", ("scheme_id", "town_id"), "education_pointsscheme", ("id", "town_id")),
    ("education_schemeitem", "schemeitem_scheme_same_town", ("scheme_id", "town_id"), "education_pointsscheme", ("id", "town_id")),
    ("education_admissionapplication", "admission_round_same_town", ("round_id", "town_id"), "education_admissionround", ("id", "town_id")),
    ("education_admissionapplication", "admission_guardian_same_town", ("guardian_id", "town_id"), "residents_resident", ("id", "town_id")),
    ("education_choice", "choice_application_same_town", ("application_id", "town_id"), "education_admissionapplication", ("id", "town_id")),
    ("education_choice", "choice_school_same_town", ("round_school_id", "town_id"), "education_roundschool", ("id", "town_id")),
    ("education_fact", "fact_application_same_town", ("application_id", "town_id"), "education_admissionapplication", ("id", "town_id")),
    ("education_applicationdocument", "document_application_same_town", ("application_id", "town_id"), "education_admissionapplication", ("id", "town_id")),
    ("education_objection", "objection_application_same_town", ("application_id", "town_id"), "education_admissionapplication", ("id", "town_id")),
    ("education_offer", "offer_application_same_town", ("application_id", "town_id"), "education_admissionapplication", ("id", "town_id")),
    ("education_offer", "offer_school_same_town", ("round_school_id", "town_id"), "education_roundschool", ("id", "town_id")),
]  # fmt: skip

forward = [
    f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({', '.join(cols)}) "
    f"REFERENCES {ref} ({', '.join(ref_cols)}) DEFERRABLE INITIALLY DEFERRED"
    for table, name, cols, ref, ref_cols in SAME_TOWN
]
backward = [f"ALTER TABLE {table} DROP CONSTRAINT {name}" for table, name, *_rest in SAME_TOWN]


class Migration(migrations.Migration):
    dependencies = [("education", "0001_initial"), ("residents", "0002_same_town_and_numbers"), ("areas", "0002_towns")]

    operations = [migrations.RunSQL(forward, backward)]
