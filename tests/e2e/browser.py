"""What every browser test does with a page: go, press, sign in, and check each page it reaches.

Every page a test's browser loads is checked with axe-core (the copy that the
``axe-playwright-python`` package ships, injected into each document) once it has loaded:
``goto`` and ``press`` do it, and the fixtures (``tests/e2e/conftest.py``) fail a test that
loaded a page nobody checked. A serious or critical violation fails the test at once, naming
the rule and the elements; the minor ones are written to the test's artifacts for review.

The same records count what the journey costs a person: ``screens(page)`` is the number of
pages loaded, ``typed(page)`` the number of fields typed into through ``type_into``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

AXE_SCRIPT = resources.files("axe_playwright_python").joinpath("axe.min.js")
FAILING_IMPACTS = {"serious", "critical"}
AXE_OPTIONS = {"resultTypes": ["violations"]}


@dataclass
class Visits:
    """One browser page's loads and the checks of them."""

    loaded: list[str] = field(default_factory=list)  # every main-frame document, in order
    checked: int = 0  # how many of ``loaded`` were checked (always a prefix: one check per load)
    typed: int = 0
    minor: list[dict[str, Any]] = field(default_factory=list)


def track(page: Any) -> Any:
    """Start recording ``page``'s loads (the fixtures call this for every page they make)."""
    visits = Visits()
    page._nanhai_visits = visits

    def navigated(frame: Any) -> None:
        if frame == page.main_frame and frame.url != "about:blank":
            visits.loaded.append(frame.url)

    page.on("framenavigated", navigated)
    return page


def visits(page: Any) -> Visits:
    return page._nanhai_visits  # type: ignore[no-any-return]


def check_accessibility(page: Any) -> None:
    """Run axe-core on the page as it is now; fail on a serious or critical violation."""
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_SCRIPT.read_text(encoding="utf-8"))
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    record = visits(page)
    failing = []
    for violation in results["violations"]:
        entry = {
            "url": page.url,
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]][:5],
        }
        (failing if violation["impact"] in FAILING_IMPACTS else record.minor).append(entry)
    assert not failing, "axe-core finds serious violations:\n" + json.dumps(failing, ensure_ascii=False, indent=2)


def arrived(page: Any) -> None:
    """After a navigation: check every page loaded since the last check (normally one)."""
    record = visits(page)
    page.wait_for_load_state("load")
    if record.checked < len(record.loaded):
        check_accessibility(page)
        record.checked = len(record.loaded)


def goto(page: Any, url: str) -> Any:
    response = page.goto(url)
    arrived(page)
    return response


def press(page: Any, button: Any) -> None:
    """Click something that loads another page (a submit button, a link), and check that page."""
    with page.expect_navigation():
        button.click()
    arrived(page)


def type_into(page: Any, selector: str, value: str) -> None:
    """Fill a field as the person types it: counted in ``typed``."""
    page.fill(selector, value)
    visits(page).typed += 1


def screens(page: Any) -> int:
    return len(visits(page).loaded)


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    """Sign in through the page, as a person does; ends on the home page."""
    goto(page, f"{base}/login/")
    type_into(page, "input[name=username]", username)
    type_into(page, "input[name=password]", password)
    press(page, page.locator("main form button[type=submit]"))
    assert page.url == f"{base}/", page.url


def unchecked(page: Any) -> list[str]:
    """Pages loaded that no check saw (a test navigated without ``goto`` or ``press``)."""
    record = visits(page)
    return record.loaded[record.checked :]


def write_minor(pages: list[Any], folder: Path) -> None:
    minor = [entry for page in pages for entry in visits(page).minor]
    if minor:
        (folder / "axe-minor.json").write_text(json.dumps(minor, ensure_ascii=False, indent=2), encoding="utf-8")
