"""Write the otter-grader configuration zip: otter 7's layout, tests generated from the graders, this project's wheel.

Layout (what ``otter generate`` writes, and what otter's Dockerfile and Gradescope read): ``run_autograder``,
``run_otter.py``, ``setup.sh``, ``environment.yml``, ``requirements.txt``, ``otter_config.json``, ``tests/*.py``
and ``files/<wheel>``. No PDF is ever made, so the image needs neither LaTeX nor chromium.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from autograder.assignment import Assignment
from autograder.integrations.gradescope.build import TORCH_VERSION
from autograder.integrations.otter.otter_tests import KERNEL, otter_test_files
from autograder.integrations.zip_entries import add_text, cpu_torch, fill_template

OTTER_VERSION = "7.0.0"
VENV = "/opt/otter-env"  # setup.sh's venv, where run_autograder grades
_TEMPLATES = Path(__file__).resolve().parent
EXECUTABLES = {"run_autograder", "setup.sh"}  # otter's Dockerfile and Gradescope run them directly


def requirements(wheel: Path) -> str:
    """requirements.txt: otter-grader with its kernel, and the wheel's own dependencies but torch.

    setup.sh installs torch first, from PyTorch's CPU index only; nothing here may ask pip for another torch.
    """
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        lines = archive.read(metadata).decode().splitlines()
    needs = [line.split(":", 1)[1].strip() for line in lines if line.startswith("Requires-Dist:")]
    needs = [n for n in needs if "extra ==" not in n and not n.startswith("torch")]
    return "\n".join([f"otter-grader[grading]=={OTTER_VERSION}", *needs]) + "\n"


def environment() -> str:
    """environment.yml: otter grade's Dockerfile copies it into the image, so the zip must have one; nothing uses it."""
    return (
        "# otter grade's Dockerfile copies this file, so the zip has it. setup.sh uses no conda: it makes a venv from\n"
        "# the base image's python3 and installs requirements.txt there (torch's CPU build first).\n"
        "name: otter-env\ndependencies: []\n"
    )


def otter_config() -> str:
    """otter_config.json: no PDF, hidden tests' results hidden until grades are published.

    No ``assignment_name``: otter would then reject notebooks without its metadata, and SPEC Part B grades any
    notebook, whatever its metadata.
    """
    config = {"lang": "python", "pdf": False, "show_hidden": False}
    return json.dumps(config, indent=2) + "\n"


def _entries(assignment: Assignment, wheel: Path) -> dict[str, str]:
    """Every file of the zip but the wheel, by name."""
    return {
        **{
            name: fill_template(
                _TEMPLATES / name, VENV=VENV, CPU_TORCH=cpu_torch(TORCH_VERSION), WHEEL=wheel.name, KERNEL=KERNEL
            )
            for name in ("run_autograder", "setup.sh", "run_otter.py")
        },
        "environment.yml": environment(),
        "requirements.txt": requirements(wheel),
        "otter_config.json": otter_config(),
        **otter_test_files(assignment),
    }


def build_zip(assignment: Assignment, out: Path, wheel: Path) -> Path:
    """Write ``out/<assignment>/otter/autograder.zip`` around the assignment's wheel; returns its path."""
    target = out / assignment.name / "otter" / "autograder.zip"
    files = _entries(assignment, wheel)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w") as archive:
        for name, text in files.items():
            add_text(archive, name, text, executable=name in EXECUTABLES)
        archive.write(wheel, f"files/{wheel.name}")
    return target
