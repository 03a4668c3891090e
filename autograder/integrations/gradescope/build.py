"""Write the zip an instructor uploads to Gradescope: setup.sh and run_autograder at its root, and this project's wheel.

The two scripts are templates beside this module; their placeholders are filled here, so the venv path and the
wheel's name are written in one place.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from autograder.integrations.wheel import build_wheel
from autograder.integrations.zip_entries import add_text, fill_template

TORCH_VERSION = "2.13.0"  # the version the Makefile installs and the test suite runs
VENV = "/opt/optim_reg_autograder/venv"  # outside /autograder/source, which setup.sh makes root-only
CACHE = "/opt/optim_reg_autograder/reference-cache"  # root-only: it holds the reference's answers
_TEMPLATES = Path(__file__).resolve().parent


def build_zip(root: Path, out: Path, assignment: str) -> Path:
    """Build ``out/<assignment>/gradescope/autograder.zip`` from the project at ``root``; returns its path."""
    target = out / assignment / "gradescope" / "autograder.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gradescope-zip-") as tmp:
        wheel = build_wheel(root, Path(tmp))
        with zipfile.ZipFile(target, "w") as archive:
            setup = fill_template(
                _TEMPLATES / "setup.sh", VENV=VENV, CACHE=CACHE, TORCH=TORCH_VERSION, WHEEL=wheel.name
            )
            run = fill_template(_TEMPLATES / "run_autograder", VENV=VENV, CACHE=CACHE, ASSIGNMENT=assignment)
            add_text(archive, "setup.sh", setup, executable=True)  # Gradescope runs both directly
            add_text(archive, "run_autograder", run, executable=True)
            archive.write(wheel, wheel.name)
    return target


def build_zip_report(root: Path, out: Path, assignment: str) -> str:
    """`autograder build`'s line about the zip: where it was written, or why it could not be and what to do."""
    if not (root / "pyproject.toml").is_file():
        return (
            f"the Gradescope zip was not built: {root} has no pyproject.toml, and the zip carries this project as a "
            "wheel built from it. Run `autograder build` in the repository's top folder (or pass it as --root)."
        )
    return f"wrote {build_zip(root, out, assignment)}"
