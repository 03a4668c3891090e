"""`autograder grade` as instructors run it: full marks, zero, and a batch of broken notebooks that still finishes."""

import json
import subprocess
import sys
from pathlib import Path

import nbformat

from tests.grades import read_grades

ROOT = Path(__file__).resolve().parents[2]


def grade(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", *args], capture_output=True, text=True, timeout=600
    )


def test_solution_gets_full_marks_and_template_zero(tmp_path):
    run = grade(str(ROOT / "solutions/optim_reg.ipynb"), str(ROOT / "student_template/optim_reg.ipynb"),
                "--out", str(tmp_path), "--assignment", "optim_reg")  # fmt: skip
    assert run.returncode == 0, run.stderr
    rows = read_grades(tmp_path)
    assert set(rows) == {"Points Possible", "solutions-optim_reg", "student_template-optim_reg"}
    assert rows["solutions-optim_reg"]["total"] == rows["Points Possible"]["total"] == 100
    assert rows["student_template-optim_reg"]["total"] == 0
    template = json.loads((tmp_path / "student_template-optim_reg" / "results.json").read_text())
    assert all("not implemented yet" in t["output"] or "NotImplementedError" in t["output"] for t in template["tests"])


def test_a_broken_batch_finishes_and_each_result_says_what_happened(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "broken.ipynb").write_text('{"cells": [')
    nb = nbformat.read(ROOT / "solutions/optim_reg.ipynb", as_version=4)
    looping, crashing = nbformat.from_dict(nb), nbformat.from_dict(nb)
    looping.cells.insert(3, nbformat.v4.new_code_cell("while True:\n    pass"))
    crashing.cells.insert(3, nbformat.v4.new_code_cell("import os\nos._exit(1)"))
    snooping = nbformat.from_dict(nb)
    snooping.cells.append(
        nbformat.v4.new_code_cell(
            "import sys\nif [m for m in sys.modules if m.startswith(('solutions', 'assignments.optim_reg.graders'))]:\n"
            "    def l2_penalty(params, lam):\n        return torch.zeros(())"
        )
    )
    nbformat.write(looping, batch / "looping.ipynb")
    nbformat.write(crashing, batch / "crashing.ipynb")
    nbformat.write(snooping, batch / "snooping.ipynb")
    run = grade(str(batch), "--out", str(tmp_path / "out"), "--cell-timeout", "2", "--assignment", "optim_reg")
    assert run.returncode == 0, run.stderr
    results = {p.parent.name: json.loads(p.read_text()) for p in (tmp_path / "out").glob("*/results.json")}
    assert results["broken"]["score"] == 0 and "not valid JSON" in results["broken"]["output"]
    assert results["looping"]["score"] == 100 and "ran longer than 2 s" in results["looping"]["output"]
    assert results["crashing"]["score"] == 100 and "ended its process" in results["crashing"]["output"]
    assert results["snooping"]["score"] == 100, "the worker had the reference or hidden graders loaded"


def test_missing_paths_are_a_usage_error(tmp_path):
    run = grade(str(tmp_path / "nope.ipynb"), "--out", str(tmp_path / "out"), "--assignment", "optim_reg")
    assert run.returncode == 2 and "does not exist" in run.stderr
