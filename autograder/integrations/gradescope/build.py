"""Write the zip an instructor uploads to Gradescope: setup.sh and run_autograder at its root, and this project's wheel.

The two scripts are templates beside this module; their placeholders are filled here, so the venv path and the
wheel's name are written in one place.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from autograder.assignment import Assignment
from autograder.integrations.zip_entries import add_text, cpu_torch, fill_template

TORCH_VERSION = "2.13.0"  # the version the Makefile installs and the test suite runs
VENV = "/opt/autograder/venv"  # outside /autograder/source, which setup.sh makes root-only
CACHE = "/opt/autograder/reference-cache"  # root-only: it holds the reference's answers
_TEMPLATES = Path(__file__).resolve().parent


def build_zip(assignment: Assignment, out: Path, wheel: Path) -> Path:
    """Write ``out/<assignment>/gradescope/autograder.zip`` around the assignment's wheel; returns its path."""
    target = out / assignment.name / "gradescope" / "autograder.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w") as archive:
        values = {"VENV": VENV, "CACHE": CACHE, "ASSIGNMENT": assignment.name}
        setup = fill_template(_TEMPLATES / "setup.sh", **values, CPU_TORCH=cpu_torch(TORCH_VERSION), WHEEL=wheel.name)
        run = fill_template(_TEMPLATES / "run_autograder", **values)
        add_text(archive, "setup.sh", setup, executable=True)  # Gradescope runs both directly
        add_text(archive, "run_autograder", run, executable=True)
        archive.write(wheel, wheel.name)
    return target
