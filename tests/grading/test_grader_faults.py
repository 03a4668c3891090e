"""A fault of the grader is still reported as one (exit 1), while anything a submission does stays its own failure.

The fixture course's toy assignment is copied under another name, and one of its graders is given a bug that only a
wrong submission reaches (the reference passes, so the self-check cannot catch it). `autograder grade` must say the
grader failed and exit 1: student faults (tests/security/test_trust.py, odd-return-values) must never look like
this, and a real bug must never look like a student's fault.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "course"


def _faulty_course(root: Path) -> Path:
    course = root / "course"
    shutil.copytree(FIXTURE, course)
    (course / "assignments" / "toy").rename(course / "assignments" / "faulty")
    for folder, suffix in (("solutions", ".py"), ("solutions", ".ipynb"), ("student_template", ".ipynb")):
        (course / folder / f"toy{suffix}").rename(course / folder / f"faulty{suffix}")
    grader = course / "assignments" / "faulty" / "graders" / "test_relu.py"
    source = grader.read_text()
    bug = "    for key in want:\n        if not np.array_equal(got[key], want[key]):\n            {}['a grader bug']\n"
    grader.write_text(source.replace("    for key in want:\n", bug + "    for key in want:\n", 1))
    return course


def test_a_real_grader_bug_exits_1_and_says_so(tmp_path):
    course = _faulty_course(tmp_path)
    solution = nbformat.read(course / "solutions" / "faulty.ipynb", as_version=4)
    (cell,) = [c for c in solution.cells if "def relu" in c.source]
    cell.source = cell.source.replace("torch.where(x > 0, x, torch.zeros_like(x))", "x.abs()")
    nbformat.write(solution, tmp_path / "wrong.ipynb")
    command = [sys.executable, "-m", "autograder.cli", "grade", str(tmp_path / "wrong.ipynb"),
               str(course / "solutions" / "faulty.ipynb"), "--out", str(tmp_path / "out"),
               "--assignment", "faulty", "--root", str(course)]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "failed inside the grader itself" in run.stderr
    results = json.loads((tmp_path / "out" / "wrong" / "results.json").read_text())
    assert any("the grader itself failed" in t["output"] for t in results["tests"])
    solution_results = json.loads((tmp_path / "out" / "faulty" / "results.json").read_text())
    assert solution_results["score"] == 5
