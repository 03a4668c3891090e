"""Students name their notebooks as they like: `Optim_Reg.ipynb`, `HW3 optim-reg final.ipynb`, `OPTIM_REG.ipynb`. A
name mentions the assignment whatever its case and whether words are joined by '_', '-', spaces or nothing, so the
notebook a student meant is graded, not their scratch file or an older upload."""

import pytest

from autograder.inputs.choose import pick_notebook
from autograder.inputs.discover import discover
from tests.inputs.lms_fixtures import GradescopeSubmission, canvas_name, gradescope_export, notebook, write_tree

SPELLINGS = ["Optim_Reg.ipynb", "OPTIM_REG.ipynb", "HW3 optim-reg final.ipynb", "optimreg.ipynb", "Optim Reg (1).ipynb"]


@pytest.mark.parametrize("name", SPELLINGS)
def test_a_gradescope_submission_grades_the_notebook_named_for_the_assignment(name):
    pick = pick_notebook(["analysis.ipynb", name, "aaa_scratch.ipynb"], "optim_reg")
    assert pick.index == 1 and f"graded {name}" in pick.note


def test_the_exact_name_in_another_case_counts_as_the_expected_name():
    assert pick_notebook(["optim_reg_old.ipynb", "Optim_Reg.ipynb"], "optim_reg").index == 1


@pytest.mark.parametrize("name", SPELLINGS)
def test_a_canvas_student_is_graded_on_the_latest_notebook_named_for_the_assignment(tmp_path, name):
    files = {
        canvas_name("smithalice", 3401, 9001, "optim_reg.ipynb"): notebook("old = 1"),
        canvas_name("smithalice", 3401, 9005, name): notebook("latest = 1"),
        canvas_name("smithalice", 3401, 9006, "scratch.ipynb"): notebook("scratch = 1"),
    }
    (candidate,) = discover(write_tree(tmp_path / "submissions", files), "optim_reg").candidates
    assert b"latest = 1" in candidate.file.read()


def test_a_gradescope_export_with_a_differently_cased_notebook(tmp_path):
    uploads = {"Analysis.ipynb": b"{}", "OPTIM_REG.ipynb": b"{}"}
    files = gradescope_export([GradescopeSubmission(1, [("Alice Smith", "1", "a@x.edu")], uploads)])
    (candidate,) = discover(write_tree(tmp_path, files), "optim_reg").candidates
    assert candidate.file.name == "OPTIM_REG.ipynb"
