"""What the home and sign-in pages offer: tiles and links that the apps declare.

Each app declares its tiles once, from its ``AppConfig.ready()``; the kernel declares its own
the same way (``AccountsConfig.ready``). A tile names the roles that see it and its place on
each role's page, lowest first, so that apps interleave without knowing of each other::

    register_home_tiles(self, [
        HomeTile(
            title=_("Overdue loans"),
            text=_("Books the town's libraries are waiting for."),
            url_name="libraries:overdue",
            roles={Role.TOWN_OFFICER: 15, Role.TOWN_ADMIN: 25},
            count=overdue_count,  # optional: fn(user) -> int | None, shown on the tile
        ),
    ])

Only installed apps count: an app taken out of ``INSTALLED_APPS`` takes its tiles with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.apps import AppConfig, apps
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from nanhai_portal.accounts.models import User
from nanhai_portal.accounts.roles import Role

Text = str | Promise


@dataclass(frozen=True)
class HomeTile:
    """A tile on the home page of some roles, and what it opens."""

    title: Text
    text: Text
    url_name: str
    roles: Mapping[str, int]  # each role that sees it -> its place on that role's page, lowest first
    count: Callable[[User], int | None] | None = None  # a number on the tile (waiting items, say)
    status: Callable[[User], Text | None] | None = None  # a line under the text (when the next step is due, say)


@dataclass(frozen=True)
class Section:
    """A tile as one user's home page shows it."""

    title: Text
    text: Text
    url: str
    count: int | None = None
    status: Text | None = None


@dataclass(frozen=True)
class SignInLink:
    """A link under the sign-in form: ``lead`` then the linked ``text``."""

    lead: Text
    text: Text
    url_name: str


_TILES: dict[str, list[HomeTile]] = {}  # app name -> its tiles
_SIGN_IN_LINKS: dict[str, list[SignInLink]] = {}  # app name -> its links


def register_home_tiles(app: AppConfig, tiles: Iterable[HomeTile]) -> None:
    """Put ``app``'s tiles on the home pages. Calling it again replaces what the app gave."""
    tiles = list(tiles)
    for tile in tiles:
        unknown = set(tile.roles) - set(Role.values)
        if unknown:
            raise ValueError(f"{app.name}: the tile {tile.title!s} names no role in {sorted(unknown)}.")
    _TILES[app.name] = tiles


def register_sign_in_links(app: AppConfig, links: Iterable[SignInLink]) -> None:
    """Offer ``app``'s links on the sign-in page (signing up, say). Calling it again replaces them."""
    _SIGN_IN_LINKS[app.name] = list(links)


def _installed(registry: Mapping[str, list[HomeTile]] | Mapping[str, list[SignInLink]]) -> list[str]:
    return [config.name for config in apps.get_app_configs() if config.name in registry]


def home_tiles(role: str) -> list[HomeTile]:
    """The tiles of ``role``'s home page, in their places (ties in ``INSTALLED_APPS`` order)."""
    tiles = [tile for name in _installed(_TILES) for tile in _TILES[name] if role in tile.roles]
    return sorted(tiles, key=lambda tile: tile.roles[role])


def home_sections(user: User) -> list[Section]:
    return [
        Section(
            tile.title,
            tile.text,
            reverse(tile.url_name),
            count=tile.count(user) if tile.count else None,
            status=tile.status(user) if tile.status else None,
        )
        for tile in home_tiles(user.role)
    ]


def sign_in_links() -> list[tuple[SignInLink, str]]:
    """Each link of the sign-in page with its URL."""
    return [(link, reverse(link.url_name)) for name in _installed(_SIGN_IN_LINKS) for link in _SIGN_IN_LINKS[name]]


# The kernel's own tiles (registered by AccountsConfig.ready). Places go in tens, so that an
# app's tile can sit between two of them.
KERNEL_TILES = [
    HomeTile(
        _("Messages"),
        _("What the town has told you: every step of your applications."),
        "notifications:inbox",
        {Role.RESIDENT: 40},
    ),
    HomeTile(
        _("My grids"),
        _("The grids you serve and the rental houses in them."),
        "my-grids",
        {Role.GRID_WORKER: 10},
    ),
    HomeTile(
        _("Villages and communities"),
        _("Your town's villages, communities and grids."),
        "community-list",
        {Role.TOWN_OFFICER: 20},
    ),
    HomeTile(
        _("Bulk imports"),
        _("Load villages, grids or residents from a spreadsheet, with a report of every bad row."),
        "jobs:list",
        {Role.TOWN_OFFICER: 30, Role.TOWN_ADMIN: 20},
    ),
    HomeTile(
        _("Back office"),
        _("Manage your town's communities, grids and staff accounts."),
        "admin:index",
        {Role.TOWN_ADMIN: 10},
    ),
    HomeTile(_("Audit trail"), _("Who did what in your town, and when."), "audit-events", {Role.TOWN_ADMIN: 40}),
    HomeTile(
        _("Towns and communities"),
        _("Read every town's villages, communities and grids."),
        "community-list",
        {Role.DISTRICT_OFFICIAL: 20},
    ),
    HomeTile(
        _("Back office"),
        _("Manage towns, communities, grids and every account."),
        "admin:index",
        {Role.DISTRICT_ADMIN: 10},
    ),
    HomeTile(_("Audit trail"), _("Who did what in every town, and when."), "audit-events", {Role.DISTRICT_ADMIN: 30}),
    HomeTile(_("API"), _("The OpenAPI document and its interactive docs."), "api-docs", {Role.DISTRICT_ADMIN: 40}),
]
