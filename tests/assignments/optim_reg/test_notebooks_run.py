"""Both generated notebooks run top to bottom in a real Jupyter kernel (nbclient + ipykernel)."""

import re

import pytest

from autograder.assignment import load
from autograder.authoring.verify import NotebookRun, problems, run_notebook

OPTIM_REG = load("optim_reg")
QUESTIONS = list(OPTIM_REG.questions)
PLOTS = 7  # digits preview, init variances, ravine paths, loss curves, ablation, early stopping, part 9


@pytest.fixture(scope="module")
def solution_run() -> NotebookRun:
    return run_notebook(OPTIM_REG.solution_notebook)


@pytest.fixture(scope="module")
def template_run() -> NotebookRun:
    return run_notebook(OPTIM_REG.template_notebook)


def test_solution_runs_without_error_and_shows_every_plot(solution_run):
    assert problems(solution_run, "solution") == []
    assert solution_run.errors == []
    assert solution_run.images == PLOTS


def test_solution_experiments_show_what_the_text_claims(solution_run):
    printed = "".join(
        out.get("text", "") for cell in solution_run.notebook.cells if cell.cell_type == "code" for out in cell.outputs
    )
    assert "test accuracy with the restored weights: 0.9" in printed, "part 9 should reach > 90% test accuracy"
    assert "after restoring the best weights" in printed


def test_template_fails_only_at_its_stubs(template_run):
    assert problems(template_run, "template") == []
    assert template_run.errors, "the template's stubs should raise NotImplementedError"
    assert {e.name for e in template_run.errors} == {"NotImplementedError"}
    assert all("not implemented yet" in e.value for e in template_run.errors)


def check_outputs(run: NotebookRun) -> dict[str, str]:
    """What each `grader.check("<question>")` cell printed, by question."""
    return {
        re.match(r'grader\.check\("(\w+)"\)', cell.source)[1]: "".join(out.get("text", "") for out in cell.outputs)
        for cell in run.notebook.cells
        if cell.cell_type == "code" and cell.source.startswith("grader.check(")
    }


def test_solution_passes_its_public_checks_in_a_kernel(solution_run):
    printed = check_outputs(solution_run)
    assert list(printed) == list(QUESTIONS)
    for question, text in printed.items():
        assert re.fullmatch(
            rf"\[{question}\] public checks passed \((\d+) of \1\)\. Hidden tests run at grading\.\n", text
        )


def test_template_public_checks_say_honestly_what_is_missing_in_a_kernel(template_run):
    printed = check_outputs(template_run)
    assert list(printed) == list(QUESTIONS)
    for question, text in printed.items():
        assert text.startswith(f"[{question}] 0 of ") and "public checks passed. Hidden tests run at grading." in text
        assert "not implemented yet" in text or "part 9 has run (final_history is defined): False" in text
        assert "All test cases passed" not in text
