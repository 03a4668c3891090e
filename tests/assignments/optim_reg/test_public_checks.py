"""The notebook's public checks (`grader.check("<question>")`): honest, self-contained, public cases only.

The generated notebooks' own cells run here in process (experiment cells reduced to their definitions, as the
grader runs them), so these tests read exactly what a student's check cells print.
"""

import re

import nbformat
import pytest
import torch

from assignments.optim_reg.graders import test_adam, test_adamw, test_momentum, test_rmsprop
from assignments.optim_reg.graders.mistakes_optimizers import describe_run
from autograder.assignment import load
from tests.assignments.optim_reg.corpus.variants import BUGS
from tests.edit import code_cells, solution_cells, with_definitions, with_text
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


# The three most common mistakes of each question (the catalogue's order, /work/shared/reference §4), as corpus
# variants: each one must fail its question's public check, with the returned value or statistic that differs named.
TOP_THREE = {
    "init": ("I1-fans-swapped", "I2-no-receptive-field", "I3-fan-is-numel"),
    "momentum": ("S1-sign-error", "S2-old-velocity", "S3-heavy-ball-form"),
    "rmsprop": ("R1-eps-inside-sqrt", "R2-old-cache", "R3-weights-swapped"),
    "adam": ("A1-no-bias-correction", "A2-only-m-corrected", "A4-step-off-by-one"),
    "adamw": ("A14-decay-without-lr", "A15-l2-in-gradient", "A16-decay-after-step"),
    "l2": ("l2-missing-half", "l2-norm-not-squared", "l2-python-float"),
    "dropout": ("D1-keep-drop-confused", "D2-scaled-by-p", "D3-no-scaling"),
    "early_stopping": ("E1-weights-aliased", "E2-buffers-not-saved", "E4-off-by-one"),
}
VARIANTS = {v.name: v for v in BUGS}


def _check_of(question: str, out: str) -> str:
    """What grader.check(question) printed."""
    start = out.index(f"[{question}] ")
    end = out.find("\n[", start + 1)
    return out[start : None if end < 0 else end]


@pytest.mark.parametrize(("question", "name"), [(q, n) for q, names in TOP_THREE.items() for n in names])
def test_a_top_three_mistake_fails_its_public_check_and_only_that_one(capsys, question, name):
    variant = VARIANTS[name]
    assert variant.question == question
    capsys.readouterr()
    run_cells(with_definitions(with_text(solution_cells(), *variant.replacements), *variant.definitions))
    out = capsys.readouterr().out
    passed = [m[0] for m in PASSED.findall(out)]
    assert passed == [q for q in QUESTIONS if q not in (question, "training")], out
    said = _check_of(question, out)
    assert "failed: " in said and "result[" not in said, said


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("S1-sign-error", "the param it returned: 5 of 5 values differ from the reference's"),
        ("A-m-hat-returned-as-m", "the m it returned: 5 of 5 values differ from the reference's. This is what happens "
         "when the bias-corrected m_hat is returned as the new m"),
        ("R-eps-clamp", "This is what happens when the square root is clamped from below at eps"),
        ("I1-fans-swapped", "compute_fans((10, 20)): the fan_in it returned: 10, expected 20"),
        ("I-he-normal-default-fan-out", "Likely cause: "),
        ("D2-scaled-by-p", "they are divided by p instead of by 1 - p"),
        ("D-module-reuses-its-mask", "two calls draw different masks: False, expected True"),
        ("E1-weights-aliased", "restore(model) brings back the weights of epoch: -1.0, expected 2.0"),
        ("I17-float64-tensor", "dtype: 'torch.float64', expected 'torch.float32'"),
    ],
)  # fmt: skip
def test_a_bug_fails_its_check_and_says_which_in_plain_words(capsys, name, says):
    variant = VARIANTS[name]
    capsys.readouterr()
    run_cells(with_definitions(with_text(solution_cells(), *variant.replacements), *variant.definitions))
    assert says in _check_of(variant.question, capsys.readouterr().out)


def test_public_points_are_at_least_35_of_100():
    scorings = [scoring for q in QUESTIONS for _, scoring in OPTIM_REG.grader_tests(q)]
    public = sum(scoring.points for scoring in scorings if scoring.visibility == "visible")
    assert public >= 35 and sum(OPTIM_REG.points().values()) == 100, public


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
    for module in (test_momentum, test_rmsprop, test_adam, test_adamw):
        runs = [describe_run(module.FUNCTION, run) for run in module.ONE_STEP + module.FEW_STEPS]
        assert [c["what"] for c in cases[module.QUESTION]] == runs, "only the @public runs, no hidden one"
    state = torch.get_rng_state()
    exec("for question in grader.cases:\n    grader.check(question)", namespace)  # noqa: S102 - as a cell would
    assert PASSED.search(capsys.readouterr().out)
    assert torch.equal(state, torch.get_rng_state())

