"""The notebook's public checks (`grader.check("<question>")`): honest, self-contained, public cases only.

The generated notebooks' own cells run here in process (experiment cells reduced to their definitions, as the
grader runs them), so these tests read exactly what a student's check cells print.
"""

import re

import nbformat
import pytest
import torch

from assignments.optim_reg.graders import test_adam, test_momentum
from autograder.assignment import load
from tests.edit import code_cells, solution_cells, with_text
from tests.grading.inprocess import run_cells

OPTIM_REG = load("optim_reg")
QUESTIONS = list(OPTIM_REG.questions)
PASSED = re.compile(r"^\[(\w+)\] public checks passed \((\d+) of \2\)\. Hidden tests run at grading\.$", re.MULTILINE)


def run_with_checks(replacements: tuple[tuple[str, str], ...], capsys) -> tuple[dict, str]:
    """The solution notebook with the replacements, run in process: (its namespace, what it printed)."""
    capsys.readouterr()
    namespace, _ = run_cells(with_text(solution_cells(), *replacements))
    return namespace, capsys.readouterr().out


def test_the_solution_passes_every_public_check_but_trainings_which_needs_part_9(capsys):
    namespace, out = run_with_checks((), capsys)
    assert [m[0] for m in PASSED.findall(out)] == [q for q in QUESTIONS if q != "training"]
    assert "part 9 has run (final_history is defined): False, expected True" in out  # its experiment was skipped
    namespace["final_history"] = {"val_loss": [1.0, 0.5]}
    exec('grader.check("training")', namespace)  # noqa: S102 - as a notebook cell calls it
    assert "[training] public checks passed (1 of 1). Hidden tests run at grading." in capsys.readouterr().out
    assert "All test cases passed" not in out


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            "    param = param - lr * velocity\n",
            "    param = param + lr * velocity\n",
            (
                "[momentum] 0 of 2 public checks passed. Hidden tests run at grading.\n"
                "  failed: sgd_momentum_update one step on float64 tensors of shape (5,): the result[0]: 5 of 5 "
                "values differ from the reference's"
            ),
        ),
        (
            "                self._best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}\n",
            "                self._best_state = model.state_dict()\n",
            "restore(model) brings back the weights of epoch: -1.0, expected 2.0",
        ),
        (
            "    return torch.empty(tuple(shape), dtype=torch.float32).normal_(0.0, s, generator=generator)\n",
            "    return torch.empty(tuple(shape), dtype=torch.float64).normal_(0.0, s, generator=generator)\n",
            "xavier_normal((10, 20)) returns a new float32 tensor: dtype: 'torch.float64', expected 'torch.float32'",
        ),
    ],
    ids=["momentum-sign", "restore-aliased", "init-dtype"],
)
def test_a_bug_fails_its_check_and_says_which_in_plain_words(capsys, old, new, says):
    _, out = run_with_checks(((old, new),), capsys)
    assert says in out


def test_the_template_reports_not_implemented_without_raising(capsys):
    cells = code_cells(nbformat.read(OPTIM_REG.template_notebook, as_version=4))
    capsys.readouterr()
    _, outcomes = run_cells(cells)
    out = capsys.readouterr().out
    assert len([c for c in cells if c.startswith("grader.check(")]) == len(QUESTIONS)
    assert "error" not in {o.status for o in outcomes}
    assert out.count("not implemented yet: this part's code still raises NotImplementedError.") == len(QUESTIONS) - 1
    assert not PASSED.search(out) and "All test cases passed" not in out


def test_the_notebook_holds_only_public_cases_and_leaves_the_global_random_state_alone(capsys):
    namespace, _ = run_with_checks((), capsys)
    cases = namespace["grader"].cases
    assert list(cases) == list(QUESTIONS)
    shapes = {c["what"].split("shape ")[1] for c in cases["momentum"] + cases["adam"]}
    public = {str(tuple(run["shape"])) for runs in (test_momentum.ONE_STEP, test_adam.ONE_STEP) for run in runs}
    assert shapes == public, "only the @public one-step runs, none of the hidden trajectories"
    state = torch.get_rng_state()
    exec("for question in grader.cases:\n    grader.check(question)", namespace)  # noqa: S102 - as a cell would
    assert PASSED.search(capsys.readouterr().out)
    assert torch.equal(state, torch.get_rng_state())

