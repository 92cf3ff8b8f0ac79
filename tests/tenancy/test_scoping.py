"""Fences 1 and 2: scoped managers and row-level security, through the app's own connection."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from nanhai_portal.areas.models import Community, Grid
from nanhai_portal.tenancy import district_context, get_current_town, town_context

pytestmark = pytest.mark.django_db

GUICHENG, DALI = "guicheng", "dali"


def raw_count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def test_with_no_town_set_the_manager_returns_nothing() -> None:
    assert get_current_town() is None
    assert Community.objects.count() == 0
    assert list(Grid.objects.all()) == []


def test_with_no_town_set_raw_sql_sees_no_rows() -> None:
    assert raw_count("areas_community") == 0
    assert raw_count("areas_grid") == 0


def test_with_no_town_set_even_the_named_cross_town_call_sees_nothing() -> None:
    # for_all_towns() drops the manager's filter, but the database still holds the line.
    assert Community.objects.for_all_towns().count() == 0


def test_with_a_town_set_only_its_rows_are_seen() -> None:
    with town_context(GUICHENG):
        towns = set(Community.objects.values_list("town_id", flat=True))
        assert towns == {GUICHENG}
        assert raw_count("areas_community") == Community.objects.count() == 43
        assert set(Community.objects.for_all_towns().values_list("town_id", flat=True)) == {GUICHENG}


def test_writing_a_row_of_another_town_is_refused_by_the_database() -> None:
    with town_context(GUICHENG):
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            Community.objects.create(town_id=DALI, code="X1", name="越界村", kind="村")


def test_moving_a_row_to_another_town_is_refused_by_the_database() -> None:
    with town_context(GUICHENG):
        community = Community.objects.first()
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            Community.objects.filter(pk=community.pk).update(town_id=DALI)


def test_updating_or_deleting_another_towns_rows_touches_nothing() -> None:
    with district_context():
        dali_ids = list(Community.objects.for_all_towns().filter(town_id=DALI).values_list("pk", flat=True))
    with town_context(GUICHENG):
        assert Community.objects.for_all_towns().filter(pk__in=dali_ids).update(name="改名") == 0
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM areas_grid WHERE town_id = %s", [DALI])
            assert cursor.rowcount == 0
    with district_context():
        assert Community.objects.for_all_towns().filter(pk__in=dali_ids).exclude(name="改名").count() == len(dali_ids)


def test_district_scope_reads_every_town_and_writes_none() -> None:
    with district_context():
        assert Community.objects.count() == 0  # the default manager never crosses towns
        assert Community.objects.for_all_towns().values("town_id").distinct().count() == 7
        assert raw_count("areas_community") == 301
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            Community.objects.create(town_id=DALI, code="X2", name="区级写入村", kind="村")


def test_a_district_admin_writes_inside_the_rows_own_town() -> None:
    with district_context(), town_context(DALI):
        community = Community.objects.create(town_id=DALI, code="X3", name="新设社区", kind="社区")
        assert Community.objects.for_all_towns().filter(town_id=GUICHENG).exists()  # still reads across
    with town_context(DALI):
        assert Community.objects.filter(pk=community.pk).exists()


def test_leaving_a_town_context_puts_the_outer_scope_back() -> None:
    with town_context(GUICHENG):
        with town_context(DALI):
            assert raw_count("areas_community") == 43
            assert get_current_town() == DALI
        assert get_current_town() == GUICHENG
        assert set(Community.objects.for_all_towns().values_list("town_id", flat=True)) == {GUICHENG}
    assert get_current_town() is None
    assert raw_count("areas_community") == 0


def test_a_grid_cannot_lie_in_another_towns_community() -> None:
    with district_context():
        dali_community = Community.objects.for_all_towns().filter(town_id=DALI).first()
    with town_context(GUICHENG):
        grid = Grid(town_id=GUICHENG, community_id=dali_community.pk, code="G-X", name="跨镇网格")
        with pytest.raises(Exception, match="grid_community_same_town"), transaction.atomic():
            grid.save()
            connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
