"""The same pages for another assignment, with no code of its own: the fixture course's toy assignment, graded and
reported with `--root`, gets its own section titles, points, named mistakes and forbidden calls."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.assignment import choose
from tests.reports.html import parse

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "course"


def autograder(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True, timeout=900)


def _relu(toy, old: str, new: str, path: Path) -> str:
    nb = nbformat.read(toy.solution_notebook, as_version=4)
    (cell,) = [c for c in nb.cells if "def relu" in c.source]
    cell.source = cell.source.replace(old, new)
    nbformat.write(nb, path)
    return str(path)


def test_toy_assignment_report(tmp_path):
    toy = choose("toy", FIXTURE)
    where = "torch.where(x > 0, x, torch.zeros_like(x))"
    paths = [str(toy.solution_notebook), _relu(toy, where, "x.abs()", tmp_path / "abs.ipynb"),
             _relu(toy, where, "x.abs() * 1.0", tmp_path / "abs2.ipynb"),
             _relu(toy, where, "torch.relu(x)", tmp_path / "library.ipynb")]  # fmt: skip
    out = tmp_path / "out"
    run = autograder("grade", *paths, "--out", str(out), "--assignment", "toy", "--root", str(FIXTURE))
    assert run.returncode == 0, run.stderr
    run = autograder("report", str(out), "--root", str(FIXTURE))
    assert run.returncode == 0, run.stderr

    report = parse((out / "report.html").read_text(encoding="utf-8"))
    points = toy.points()
    assert "Class report: toy" in report.text
    assert f"Scaling [scale] · {points['scale']:g} points" in report.text
    assert f"ReLU [relu] · {points['relu']:g} points" in report.text
    mistakes = {e.attrs["data-mistake"]: int(e.attrs["data-students"]) for e in report.having("data-mistake")}
    assert mistakes == {"relu.abs": 2}
    assert json.loads((out / "abs" / "results.json").read_text())["extra_data"]["assignment"] == "toy"
    forbidden = report.having("data-forbidden")
    assert [e.attrs["data-forbidden"] for e in forbidden] == ["library"] and "torch.relu" in forbidden[0].content
    feedback = parse((out / "abs" / "feedback.html").read_text(encoding="utf-8"))
    assert "Likely mistake: it returns |x| instead of max(x, 0)" in feedback.text
    assert "Where to look: the notebook's section “ReLU” [relu]" in feedback.text
