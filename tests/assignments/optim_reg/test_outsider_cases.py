"""An outside reviewer's cases (corpus/outsider.py): fresh correct alternatives, single bugs and hostile calls.

The cases whose outcome needs the real grader (forbidden calls reached through aliases, ``getattr`` and
``importlib``; an optimizer subclass; ``torch.save`` to a buffer; a callable object; a named mistake or a hint) are
graded in one batch by `autograder grade`, as test_corpus.py grades the corpus. Every correct alternative also runs
its notebook's public checks in process, and must pass all of them. Each bug listed here failed on the graders of
its time (a bug not caught, a mistake named that was not the student's, a question charged for another's call).
"""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.assignments.optim_reg.corpus.outsider import BUGS, CORRECT, HOSTILE
from tests.assignments.optim_reg.corpus.variants import notebook
from tests.edit import code_cells, solution_cells, with_definitions
from tests.grades import bug_is_caught_and_told, public_checks, read_grades
from tests.grading.inprocess import run_cells

# Correct alternatives graded by the real grader (the others run their public checks only, below).
GRADED_CORRECT = (
    "O-momentum-optimizer-subclass", "O-rmsprop-callable-instance", "O-early-stopping-bytes-buffer-and-copy-back",
    "O-dropout-helper-named-dropout-and-unused-torch-model", "O-adamw-decay-then-own-adam",
)  # fmt: skip
# Bug -> mistake ids its feedback must not name (a near miss of the reference is not a known mistake; a 2.4 %
# std difference is not "gain applied twice" when 6 standard errors are 0.5 %).
NOT_NAMED = {
    "O-E-best-epoch-counts-improvements": (),
    "O-I-receptive-field-on-fan-in-only": ("init.xavier_gain_twice",),
    "O-R-float32-state": ("rmsprop.eps_inside", "rmsprop.eps_hardcoded"),
    "O-R-default-eps-1e-6": ("rmsprop.eps_inside",),
    "O-AW-default-weight-decay-0": ("adamw.eps_inside",),
    "O-L-biases-skipped": ("l2.first_tensor_only",),
    "O-S-old-velocity-returned": (),
}
VARIANTS = {v.name: v for v in [*CORRECT, *HOSTILE, *BUGS]}
GRADED = [*GRADED_CORRECT, *(v.name for v in HOSTILE), *NOT_NAMED]


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[dict[str, dict[str, float]], Path]:
    folder, out = tmp_path_factory.mktemp("outsider"), tmp_path_factory.mktemp("graded")
    for name in GRADED:
        nbformat.write(notebook(VARIANTS[name]), folder / f"{name}.ipynb")
    run = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(folder), "--out", str(out), "--jobs", "2",
         "--assignment", "optim_reg"],
        capture_output=True, text=True, timeout=1200,  # a guard against a hang, not a time limit
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    return read_grades(out), out


def _tests(out: Path, name: str, question: str) -> list[dict]:
    return [t for t in json.loads((out / name / "results.json").read_text())["tests"] if question in t["tags"]]


@pytest.mark.parametrize("name", GRADED_CORRECT)
def test_correct_alternatives_get_full_marks(graded, name):
    grades, out = graded
    possible, row = grades["Points Possible"], grades[name]
    assert row["total"] == row["max_total"], {
        q: [t["output"] for t in _tests(out, name, q) if t["score"] < t["max_score"]]
        for q in possible if q not in ("total", "max_total") and row[q] < possible[q]
    }  # fmt: skip


@pytest.mark.parametrize("name", [v.name for v in HOSTILE])
def test_a_library_call_by_a_detour_costs_its_question_only_and_is_named(graded, name):
    grades, out = graded
    variant, possible, row = VARIANTS[name], grades["Points Possible"], grades[name]
    assert row[variant.question] == 0
    elsewhere = {q: row[q] for q in possible if q not in (variant.question, "total", "max_total") and row[q] < possible[q]}
    assert not elsewhere, elsewhere  # [training] runs that function too, but the call is already charged
    assert any(variant.says in t["output"] for t in _tests(out, name, variant.question))


@pytest.mark.parametrize("name", list(NOT_NAMED))
def test_a_bug_is_caught_on_its_question_and_named_only_when_it_is_that_mistake(graded, name):
    grades, out = graded
    bug_is_caught_and_told(grades, out, VARIANTS[name], NOT_NAMED[name])


@pytest.mark.parametrize("variant", CORRECT, ids=lambda v: v.name)
def test_correct_alternatives_pass_every_public_check(capsys, variant):
    capsys.readouterr()
    run_cells(code_cells(notebook(variant)))
    out = capsys.readouterr().out
    checked, passed = public_checks(out)
    checked = [q for q in checked if q != "training"]
    assert checked and passed == checked, out


FLOAT32_RMSPROP = """
def rmsprop_update(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    s = alpha * square_avg.float() + (1 - alpha) * grad.float() ** 2
    return (param.float() - lr * grad.float() / (s.sqrt() + eps)).double(), s.double()
"""


def _rmsprop_check(capsys, cells: tuple[str, ...]) -> str:
    capsys.readouterr()
    run_cells(cells)
    out = capsys.readouterr().out
    return out[out.index("[rmsprop] ") :].split("\n[")[0]


def test_the_public_float32_hint_needs_float32_numbers_not_only_four_close_digits(capsys):
    said = _rmsprop_check(capsys, code_cells(notebook(VARIANTS["O-R-default-eps-1e-6"])))
    assert "0 of 4 public checks passed" in said and "float32" not in said, said  # eps's default, not float32
    said = _rmsprop_check(capsys, with_definitions(solution_cells(), FLOAT32_RMSPROP))
    assert "failed: " in said and "is it computed in float32?" in said, said
