"""The wheel the zips install in their grading image: this project's engine plus one assignment (its package, with
the hidden graders, and its reference). Nothing of the other assignments goes in."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from autograder.assignment import Assignment

ENGINE_ROOT = Path(__file__).resolve().parents[2]  # the source checkout this package runs from
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


def build_wheel(assignment: Assignment, into: Path) -> Path:
    """Build the engine and ``assignment`` into a wheel in ``into``; returns the wheel's path.

    Built from a copy of the sources pip needs, so nothing is written into the repository (no build/ folder).
    FileNotFoundError when the engine does not run from a source checkout (it needs its pyproject.toml).
    """
    into.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="autograder-wheel-") as tmp:
        source = Path(tmp) / "src"
        source.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ENGINE_ROOT / name, source / name)
        shutil.copytree(ENGINE_ROOT / "autograder", source / "autograder", ignore=_IGNORE)
        shutil.copytree(assignment.folder, source / "assignments" / assignment.name, ignore=_IGNORE)
        (source / "solutions").mkdir()
        shutil.copy2(ENGINE_ROOT / "solutions" / "__init__.py", source / "solutions" / "__init__.py")
        shutil.copy2(assignment.reference_path, source / "solutions" / assignment.reference_path.name)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", tmp]
        done = subprocess.run([*command, str(source)], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"building the wheel failed; pip said:\n{done.stderr.strip()}")
        (wheel,) = Path(tmp).glob("*.whl")
        target = into / wheel.name
        shutil.copy2(wheel, target)
    return target


def zips_report(assignment: Assignment, build: Callable[[Path], list[Path]]) -> list[str]:
    """`autograder build`'s lines about the zips: build the wheel once, give it to ``build`` (which writes the zips
    and returns their paths); or say why they could not be built and what to do."""
    try:
        with tempfile.TemporaryDirectory(prefix="autograder-zips-") as tmp:
            return [f"wrote {path}" for path in build(build_wheel(assignment, Path(tmp)))]
    except FileNotFoundError as exc:
        return [
            f"the zips were not built ({exc.strerror}: {exc.filename}); they carry this project as a wheel built "
            "from its source. Install the autograder from its repository (pip install -e .) and run it from there."
        ]
