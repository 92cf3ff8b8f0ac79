"""The requirement files install what is imported: each pins every package that the packages
it lists need (extras included), so a runtime-only venv is complete on a fresh machine.

A missing pin shows here in ``make test``; ``make smoke`` then proves it by running the portal
in a venv made from requirements.txt alone.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

BASE_DIR = Path(__file__).resolve().parent.parent


def pinned(path: Path) -> dict[str, Requirement]:
    """The requirements a file lists, following ``-r``, by canonical name."""
    found: dict[str, Requirement] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            found.update(pinned(path.parent / line[3:].strip()))
            continue
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if name in found:  # listed twice (e.g. once with extras): keep the union of the extras
            requirement.extras |= found[name].extras
        found[name] = requirement
    return found


def unpinned_needs(files: dict[str, Requirement]) -> list[str]:
    problems = []
    for name, requirement in files.items():
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", f"{requirement} is not pinned exactly"
        for needed_text in metadata.requires(name) or []:
            needed = Requirement(needed_text)
            environments = [{"extra": extra} for extra in requirement.extras] or [{"extra": ""}]
            if needed.marker is not None and not any(needed.marker.evaluate(env) for env in environments):
                continue
            have = files.get(canonicalize_name(needed.name))
            if have is None:
                problems.append(f"{requirement} needs {needed}, which is not pinned")
            elif not needed.specifier.contains(next(iter(have.specifier)).version, prereleases=True):
                problems.append(f"{requirement} needs {needed}, but {have} is pinned")
    return problems


@pytest.mark.parametrize("file", ["requirements.txt", "requirements-dev.txt"])
def test_every_package_that_a_pinned_package_needs_is_pinned_too(file: str) -> None:
    assert unpinned_needs(pinned(BASE_DIR / file)) == []


@pytest.mark.parametrize("file", ["requirements.txt", "requirements-dev.txt"])
def test_the_venv_holds_the_pinned_versions(file: str) -> None:
    wrong = [
        f"{requirement} but {metadata.version(name)} is installed"
        for name, requirement in pinned(BASE_DIR / file).items()
        if metadata.version(name) != next(iter(requirement.specifier)).version
    ]
    assert wrong == []


def test_the_check_finds_a_missing_transport_dependency(tmp_path: Path) -> None:
    """The class of bug that hid `packaging` from the runtime venv: kombu's Redis extra."""
    lines = [line for line in (BASE_DIR / "requirements.txt").read_text().splitlines() if "packaging" not in line]
    (tmp_path / "requirements.txt").write_text("\n".join(lines))
    assert unpinned_needs(pinned(tmp_path / "requirements.txt")) == [
        'kombu[redis]==5.7.0 needs packaging==26.3; extra == "redis", which is not pinned'
    ]
