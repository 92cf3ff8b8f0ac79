"""The seven towns and streets of Nanhai District, and the grid-community town check."""

from django.db import migrations

TOWNS = [
    # code, name, English name, kind, administrative division code
    ("guicheng", "桂城街道", "Guicheng Street", "street", "440605011"),
    ("jiujiang", "九江镇", "Jiujiang Town", "town", "440605121"),
    ("xiqiao", "西樵镇", "Xiqiao Town", "town", "440605122"),
    ("danzao", "丹灶镇", "Danzao Town", "town", "440605123"),
    ("shishan", "狮山镇", "Shishan Town", "town", "440605124"),
    ("dali", "大沥镇", "Dali Town", "town", "440605125"),
    ("lishui", "里水镇", "Lishui Town", "town", "440605126"),
]


def add_towns(apps, schema_editor):
    Town = apps.get_model("areas", "Town")
    for order, (code, name, name_en, kind, division_code) in enumerate(TOWNS, start=1):
        Town.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "kind": kind, "division_code": division_code, "sort_order": order},
        )


class Migration(migrations.Migration):
    dependencies = [("areas", "0001_initial")]

    operations = [
        migrations.RunPython(add_towns, migrations.RunPython.noop),
        # A grid lies in its community's town: (community_id, town_id) must be a community's.
        migrations.RunSQL(
            "ALTER TABLE areas_grid ADD CONSTRAINT grid_community_same_town "
            "FOREIGN KEY (community_id, town_id) REFERENCES areas_community (id, town_id) "
            "DEFERRABLE INITIALLY DEFERRED",
            "ALTER TABLE areas_grid DROP CONSTRAINT grid_community_same_town",
        ),
    ]
