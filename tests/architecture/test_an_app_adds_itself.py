"""An app is added by INSTALLED_APPS and the url map alone: the kernel learns nothing of it.

``tests/apps/sampleapp`` declares a home tile, a role permission and an importer the way a
domain app does; installed here, each shows where the kernel collects them. Taken out again,
each is gone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client, override_settings
from django.utils import translation

from nanhai_portal.accounts.home import home_tiles
from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role, role_permissions, sync_role_groups
from nanhai_portal.jobs.importers import importer_choices, importer_class
from nanhai_portal.jobs.problems import describe_row_problem
from tests.factories import UserFactory

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SAMPLE = "tests.apps.sampleapp"


@pytest.fixture
def sample_app() -> Iterator[None]:
    with override_settings(
        INSTALLED_APPS=[*settings.INSTALLED_APPS, SAMPLE], ROOT_URLCONF="tests.apps.sampleapp.site_urls"
    ):
        yield


@pytest.mark.django_db
def test_the_officers_home_page_shows_the_apps_tile_in_its_place(sample_app: None) -> None:
    officer = UserFactory(role=Role.TOWN_OFFICER)
    browser = Client()
    browser.force_login(officer)
    page = browser.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<a class="tile-link" href="/samples/">' in page
    assert '<span class="tile-count">3</span>' in page
    assert "Next sample due on Friday" in page
    assert page.index("Application queue") < page.index("Samples") < page.index("Villages and communities")


@pytest.mark.django_db
def test_the_role_has_the_apps_permission(sample_app: None) -> None:
    # What migrate's post_migrate would make for a model of the app: its permission row.
    content_type, _ = ContentType.objects.get_or_create(app_label="sampleapp", model="sample")
    Permission.objects.create(content_type=content_type, codename="look_at_samples", name="Can look at samples")
    assert "sampleapp.look_at_samples" in role_permissions()[Role.TOWN_OFFICER]
    sync_role_groups()
    officer = User.objects.get(pk=UserFactory(role=Role.TOWN_OFFICER).pk)
    assert officer.has_perm("sampleapp.look_at_samples")
    assert not User.objects.get(pk=UserFactory(role=Role.TOWN_ADMIN).pk).has_perm("sampleapp.look_at_samples")


@pytest.mark.django_db
def test_the_apps_importer_is_listed_with_its_own_row_messages(sample_app: None) -> None:
    assert ("samples", "samples") in importer_choices()
    importer = importer_class("samples")
    assert importer is not None
    assert importer.describe_row_problem("already_sampled", {}) == "Not imported: this sample was taken already."
    with translation.override("en"):
        assert importer.describe_row_problem("required", {}) == "A value is required."  # the kernel's, still
    officer = UserFactory(role=Role.TOWN_OFFICER)
    browser = Client()
    browser.force_login(officer)
    assert 'value="samples"' in browser.get("/jobs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_an_app_taken_out_takes_what_it_added_with_it() -> None:
    assert all(tile.url_name != "sampleapp:index" for tile in home_tiles(Role.TOWN_OFFICER))
    assert "sampleapp.look_at_samples" not in role_permissions()[Role.TOWN_OFFICER]
    assert importer_class("samples") is None
    assert "samples" not in dict(importer_choices())
    assert describe_row_problem("already_sampled", {}) == "already_sampled"  # no global message was edited


def test_no_kernel_file_names_the_app() -> None:
    kernel = [*(BASE_DIR / "nanhai_portal").rglob("*"), *(BASE_DIR / "templates").rglob("*")]
    files = [path for path in kernel if path.is_file() and path.suffix in {".py", ".html", ".txt", ".css", ".js"}]
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "sampleapp" not in text and "look_at_samples" not in text, path


def test_no_kernel_file_names_a_domain_app() -> None:
    """No import, URL name, permission codename or static path of ``residents`` or the apps above it.

    The project glue (settings, url map, Celery app) composes the apps and may name them.
    """
    glue = {"settings.py", "urls.py", "celery.py", "wsgi.py", "devservices.py", "gunicorn_conf.py"}
    names = ("residents", "rentals", "education", "governance")
    patterns = [
        *(f"{name}." for name in names),  # imports, permission codenames, dotted paths
        *(f"{name}:" for name in names),  # URL names
        *(f"{name}/" for name in names),  # static and template paths
        *(f'"{name}"' for name in names),
    ]
    package = BASE_DIR / "nanhai_portal"
    kernel = [
        path
        for path in [*package.rglob("*"), *(BASE_DIR / "templates").rglob("*")]
        if path.is_file()
        and path.suffix in {".py", ".html", ".txt", ".css", ".js"}
        and not (path.parent == package and path.name in glue)
    ]
    found = [
        f"{path.relative_to(BASE_DIR)}: {pattern}"
        for path in kernel
        for pattern in patterns
        if pattern in path.read_text(encoding="utf-8")
    ]
    assert found == []


def test_the_running_celery_app_has_the_apps_beat_entries() -> None:
    """What ``celery beat`` (and ``worker -B``) does before it reads its schedule: set Django up
    and import the task modules. In a process of its own, as beat runs."""
    script = (
        "from nanhai_portal.celery import app; app.loader.init_worker(); "
        "import json; print(json.dumps({k: v['task'] for k, v in app.conf.beat_schedule.items()}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=os.environ, capture_output=True, text=True, check=True
    )
    schedule = json.loads(result.stdout.strip().splitlines()[-1])
    assert schedule["residents-permits-daily"] == "residents.permits_daily"
    assert schedule["residents.signups_purge"] == "residents.signups_purge"
    assert schedule["jobs.reclaim_stalled"] == "jobs.reclaim_stalled"  # the kernel's, from settings
