"""This project as a wheel, for zips whose grading image installs it (it carries the graders and the reference)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def build_wheel(root: Path, into: Path) -> Path:
    """Build the project at ``root`` into a wheel in ``into``; returns the wheel's path.

    Built from a copy of the sources pip needs, so nothing is written into the repository (no build/ folder).
    """
    into.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="autograder-wheel-") as tmp:
        source = Path(tmp) / "src"
        source.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(root / name, source / name)
        for package in ("autograder", "solutions"):
            shutil.copytree(root / package, source / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", tmp]
        done = subprocess.run([*command, str(source)], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"building the wheel failed; pip said:\n{done.stderr.strip()}")
        (wheel,) = Path(tmp).glob("*.whl")
        target = into / wheel.name
        shutil.copy2(wheel, target)
    return target
