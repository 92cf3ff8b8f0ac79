"""The database keeps a committee, its terms, members, elections and everything about them in one town."""

from django.db import migrations

SAME_TOWN = [
    # (table, constraint, (columns), referenced table, (columns))
    ("governance_committee", "committee_community_same_town", ("community_id", "town_id"), "areas_community", ("id", "town_id")),
    ("governance_term", "term_committee_same_town", ("committee_id", "town_id"), "governance_committee", ("id", "town_id")),
    ("governance_termseat", "termseat_term_same_town", ("term_id", "town_id"), "governance_term", ("id", "town_id")),
    ("governance_committeemember", "member_term_same_town", ("term_id", "town_id"), "governance_term", ("id", "town_id")),
    ("governance_partyregistration", "partyregistration_community_same_town", ("community_id", "town_id"), "areas_community", ("id", "town_id")),
    ("governance_election", "election_committee_same_town", ("committee_id", "town_id"), "governance_committee", ("id", "town_id")),
    ("governance_election", "election_community_same_town", ("community_id", "town_id"), "areas_community", ("id", "town_id")),
    ("governance_voter", "voter_election_same_town", ("election_id", "town_id"), "governance_election", ("id", "town_id")),
    ("governance_candidate", "candidate_election_same_town", ("election_id", "town_id"), "governance_election", ("id", "town_id")),
    ("governance_candidate", "candidate_voter_same_town", ("voter_id", "town_id"), "governance_voter", ("id", "town_id")),
    ("governance_pollingstation", "station_election_same_town", ("election_id", "town_id"), "governance_election", ("id", "town_id")),
    ("governance_stationcount", "stationcount_station_same_town", ("station_id", "town_id"), "governance_pollingstation", ("id", "town_id")),
]  # fmt: skip

forward = [
    f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({', '.join(cols)}) "
    f"REFERENCES {ref} ({', '.join(ref_cols)}) DEFERRABLE INITIALLY DEFERRED"
    for table, name, cols, ref, ref_cols in SAME_TOWN
]
backward = [f"ALTER TABLE {table} DROP CONSTRAINT {name}" for table, name, *_rest in SAME_TOWN]


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial"), ("areas", "0002_towns")]

    operations = [migrations.RunSQL(forward, backward)]
