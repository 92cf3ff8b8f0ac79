"""The statistics selectors agree with plain SQL counts, for one town and for the district, and
the demo holds the document's 130 non-hukou members."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection

from governance import statistics
from governance.models import Committee, CommitteeMember, Term
from governance.services import committees as committee_services
from nanhai_portal.tenancy import district_context, town_context
from tests.factories import PersonFactory
from tests.governance.factories import community_in

pytestmark = pytest.mark.django_db

MEMBERS_SQL = """
    SELECT m.town_id, c.community_id, c.kind, m.post, count(*)
    FROM governance_committeemember m
    JOIN governance_term t ON t.id = m.term_id
    JOIN governance_committee c ON c.id = t.committee_id
    WHERE NOT m.is_hukou AND m.to_date IS NULL
    GROUP BY 1, 2, 3, 4
"""


def sql(query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(query, params or [])
        return list(cursor.fetchall())


def grouped(rows: list[tuple[Any, ...]], *keys: int) -> dict[Any, int]:
    totals: dict[Any, int] = {}
    for row in rows:
        key = tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]
        totals[key] = totals.get(key, 0) + row[-1]
    return totals


def test_non_hukou_members_and_party_registrations_agree_with_sql() -> None:
    # Given a few more members in guicheng: one non-hukou serving, one who left, one hukou.
    community = community_in("guicheng")
    with town_context("guicheng"):
        term = Term.objects.get(committee__community=community, committee__kind=Committee.Kind.VILLAGERS)
        for person, hukou in ((PersonFactory(), False), (PersonFactory(), False), (PersonFactory(), True)):
            committee_services.member_appoint(
                term=term,
                person=person,
                post="member",
                is_hukou=hukou,
                is_party_member=False,
                from_date=date(2021, 5, 1),
            )
        left = CommitteeMember.objects.filter(term=term).order_by("person__created_at")[1]
        left.to_date = date(2023, 1, 1)
        left.save()
        committee_services.party_member_register(
            person=PersonFactory(),
            community=community,
            branch_of_origin="湖南省某村党支部",
            registered_on=date(2022, 1, 1),
        )
        town_rows = sql(MEMBERS_SQL)
        assert statistics.non_hukou_members_by_town() == grouped(town_rows, 0)
        assert statistics.non_hukou_members_by_community() == grouped(town_rows, 1)
        assert statistics.non_hukou_members_by_post() == grouped(town_rows, 2, 3)
        assert statistics.party_registrations_by_town() == dict(
            sql("SELECT town_id, count(*) FROM governance_partyregistration GROUP BY 1")
        )
        # Serving on a day counts the one who left too, before they left.
        assert sum(statistics.non_hukou_members_by_town(on=date(2022, 6, 1)).values()) == (
            sum(statistics.non_hukou_members_by_town().values()) + 1
        )
    with district_context():
        district_rows = sql(MEMBERS_SQL)
        by_town = statistics.non_hukou_members_by_town()
        assert by_town == grouped(district_rows, 0)
        assert statistics.non_hukou_members_by_post() == grouped(district_rows, 2, 3)
        assert set(by_town) == {"guicheng", "jiujiang", "xiqiao", "danzao", "shishan", "dali", "lishui"}
        # The demo's 130 and this test's one serving.
        assert sum(by_town.values()) == 131
        assert statistics.party_registrations_by_town() == dict(
            sql("SELECT town_id, count(*) FROM governance_partyregistration GROUP BY 1")
        )


def test_turnout_counts_tallied_elections_only() -> None:
    with district_context():
        assert statistics.election_turnout() == []  # the demo's elections are still polling
