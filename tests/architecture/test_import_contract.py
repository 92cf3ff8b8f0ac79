"""The layers are a contract (``.importlinter``, run by ``make test``): these tests keep it whole.

lint-imports checks only the modules a layer names, so a module added directly under
``nanhai_portal/`` would escape it; here every one must be named, as glue or as kernel.
"""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def contract_layers() -> list[set[str]]:
    config = configparser.ConfigParser()
    config.read(BASE_DIR / ".importlinter")
    lines = config["importlinter:contract:layers"]["layers"].split("\n")
    return [{name.strip() for name in line.replace("|", ":").split(":")} for line in lines if line.strip()]


def test_every_module_of_the_project_package_sits_in_a_layer() -> None:
    named = set().union(*contract_layers())
    package = BASE_DIR / "nanhai_portal"
    modules = {
        f"nanhai_portal.{path.stem}"
        for path in package.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    }
    assert modules - named == set()


def test_the_glue_is_on_top_and_the_kernel_at_the_bottom() -> None:
    glue, domains, residents, kernel = contract_layers()
    assert {"nanhai_portal.settings", "nanhai_portal.urls", "nanhai_portal.celery"} <= glue
    assert domains == {"rentals", "education", "governance"}
    assert residents == {"residents"}
    assert {"nanhai_portal.accounts", "nanhai_portal.jobs", "nanhai_portal.notifications"} <= kernel


def test_the_contract_is_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([lint_imports, "--no-cache"], cwd=BASE_DIR, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
