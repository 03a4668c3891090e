"""A second assignment added by folders alone: the fixture course's toy assignment (tests/fixtures/course) goes
through `autograder build --verify` (both notebooks in a real kernel, both zips) and `autograder grade --assignment`
by exactly the code optim_reg uses. Its Gradescope and otter runs are in test_gradescope.py and test_otter.py."""

import json
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.assignment import choose
from tests.grades import read_grades

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "course"


def autograder(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True, timeout=900)


def test_build_verify_runs_both_notebooks_in_a_kernel_and_writes_both_zips(tmp_path):
    run = autograder("build", "--verify", "--root", str(FIXTURE), "--out", str(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "toy: generated files are up to date" in run.stdout
    for notebook in ("solutions/toy.ipynb", "student_template/toy.ipynb"):  # the template's checks catch its stubs
        assert f"ran {notebook} in a Jupyter kernel" in run.stdout
    assert run.stdout.count("no other error") == 2
    assert (tmp_path / "toy/gradescope/autograder.zip").is_file() and (tmp_path / "toy/otter/autograder.zip").is_file()
    executed = nbformat.read(tmp_path / "toy/toy.executed.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert "[scale] public checks passed (1 of 1)" in printed and "[relu] public checks passed (1 of 1)" in printed


def test_grade_with_assignment_uses_that_assignment_s_graders_and_names_its_mistakes(tmp_path):
    toy = choose("toy", FIXTURE)
    wrong = nbformat.read(toy.solution_notebook, as_version=4)
    (cell,) = [c for c in wrong.cells if "def relu" in c.source]
    cell.source = cell.source.replace("torch.where(x > 0, x, torch.zeros_like(x))", "torch.relu(x)")
    nbformat.write(wrong, tmp_path / "library.ipynb")
    paths = [str(toy.solution_notebook), str(toy.template_notebook), str(tmp_path / "library.ipynb")]
    run = autograder("grade", *paths, "--out", str(tmp_path / "out"), "--assignment", "toy", "--root", str(FIXTURE))
    assert run.returncode == 0, run.stderr
    grades = read_grades(tmp_path / "out")
    assert list(grades["Points Possible"]) == ["scale", "relu", "total", "max_total"]
    assert grades["Points Possible"]["total"] == 5
    assert grades["solutions-toy"]["total"] == 5 and grades["student_template-toy"]["total"] == 0
    assert grades["library"] == {"scale": 3, "relu": 0, "total": 3, "max_total": 5}, "torch.relu is forbidden here"
    results = json.loads((tmp_path / "out/library/results.json").read_text())
    assert results["extra_data"]["assignment"] == "toy"
    assert all("your code called torch.relu" in t["output"] for t in results["tests"] if t["tags"] == ["relu"])


def test_with_two_assignments_a_missing_or_unknown_name_is_a_usage_error_listing_the_choices(tmp_path):
    toy = choose("toy", FIXTURE)
    missing = autograder("grade", str(toy.solution_notebook), "--out", str(tmp_path), "--root", str(FIXTURE))
    assert missing.returncode == 2 and "the choices are norm_sched, optim_reg, toy" in missing.stderr
    unknown = autograder("grade", str(toy.solution_notebook), "--out", str(tmp_path), "--assignment", "norm")
    assert unknown.returncode == 2 and "There is no assignment 'norm'; the choices are norm_sched, optim_reg." in (
        unknown.stderr
    )
    alone = autograder("grade", str(toy.solution_notebook), "--out", str(tmp_path))
    assert alone.returncode == 2 and "the choices are norm_sched, optim_reg." in alone.stderr, (
        "this repository holds two assignments: grade must be told which"
    )
    assert not list(tmp_path.iterdir()), "nothing is graded or written"
