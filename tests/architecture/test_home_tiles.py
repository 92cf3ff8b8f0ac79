"""Each role's home page: its working tiles, in the order they had before the apps declared them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from nanhai_portal.accounts.home import home_tiles, sign_in_links
from nanhai_portal.accounts.roles import Role


@pytest.mark.parametrize(
    ("role", "titles"),
    [
        (
            Role.RESIDENT,
            [
                "Apply online",
                "My applications",
                "My residence permit",
                "Rental houses",
                "Messages",
                "School places by points",
                "Village committee and elections",
            ],
        ),
        (Role.GRID_WORKER, ["Today's inspections", "My grids"]),
        (
            Role.TOWN_OFFICER,
            [
                "Application queue",
                "Villages and communities",
                "Bulk imports",
                "Fire-safety hazards",
                "Escalation queue",
                "Points verification queue",
                "Objections to points",
                "Rental houses",
                "Committee elections",
            ],
        ),
        (
            Role.TOWN_ADMIN,
            [
                "Back office",
                "Bulk imports",
                "Application queue",
                "Audit trail",
                "Fire-safety hazards",
                "Escalation queue",
                "Points verification queue",
                "Objections to points",
                "Rental houses",
                "Committee elections",
            ],
        ),
        (
            Role.DISTRICT_OFFICIAL,
            ["Towns and communities", "Overdue hazards: the district's list", "Points verification queue"],
        ),
        (
            Role.DISTRICT_ADMIN,
            ["Back office", "Audit trail", "Overdue hazards: the district's list", "API", "Points verification queue"],
        ),
    ],
)
def test_each_role_keeps_its_tiles_in_order(role: str, titles: list[str]) -> None:
    with translation.override("en"):
        assert [str(tile.title) for tile in home_tiles(role)] == titles
    for tile in home_tiles(role):
        reverse(tile.url_name)  # every tile opens a page of the url map


def test_the_sign_in_page_offers_signing_up() -> None:
    assert [url for _link, url in sign_in_links()] == [reverse("residents:signup")]
