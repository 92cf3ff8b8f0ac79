"""One group per role. Their permissions are kept by accounts.roles.sync_role_groups."""

from django.db import migrations

ROLES = ["resident", "grid_worker", "town_officer", "town_admin", "district_official", "district_admin"]


def add_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        Group.objects.get_or_create(name=role)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(add_groups, remove_groups)]
