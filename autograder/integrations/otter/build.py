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
from autograder.integrations.otter.otter_tests import otter_test_files
from autograder.integrations.zip_entries import add_text, fill_template

OTTER_VERSION = "7.0.0"
PYTHON_VERSION = "3.11"  # what this project's test suite runs on
MINIFORGE_VERSION = "25.3.1-0"  # otter 7's own choice
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
_TEMPLATES = Path(__file__).resolve().parent
EXECUTABLES = {"run_autograder", "setup.sh"}  # otter's Dockerfile and Gradescope run them directly


def requirements(wheel: Path) -> str:
    """requirements.txt: torch from PyTorch's CPU index, then the wheel's own dependencies (torch excluded)."""
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        lines = archive.read(metadata).decode().splitlines()
    needs = [line.split(":", 1)[1].strip() for line in lines if line.startswith("Requires-Dist:")]
    needs = [n for n in needs if "extra ==" not in n and not n.startswith("torch")]
    # torch==X sorts below torch==X+cpu, so pip takes the CPU build from the extra index instead of PyPI's CUDA one.
    return "\n".join([f"--extra-index-url {CPU_INDEX}", f"torch=={TORCH_VERSION}", *needs]) + "\n"


def environment() -> str:
    """environment.yml as otter generate writes it, its pip part reading requirements.txt."""
    return (
        "name: otter-env\nchannels:\n  - conda-forge\ndependencies:\n"
        f"  - python={PYTHON_VERSION}\n  - pip\n  - jupyter_server\n  - pip:\n"
        f"      - otter-grader[grading]=={OTTER_VERSION}\n      - -r /autograder/source/requirements.txt\n"
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
            name: fill_template(_TEMPLATES / name, WHEEL=wheel.name, MINIFORGE=MINIFORGE_VERSION)
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
