"""An outside reviewer's cases for norm_sched (corpus/outsider.py): fresh correct alternatives, single bugs and library
detours.

A representative subset is graded in one batch by `autograder grade` (isolated workers, as test_corpus.py grades the
corpus): correct alternatives that lean on the grader's mechanisms (running statistics changed in place along a chain
of calls, a closure as the cache, buffers replaced by assignment with an extra counter, helpers named like the library
functions, torch.optim used outside the graded functions), two detours, and the bugs whose feedback was wrong or
unhelpful on the graders of their time (a 1-D-skipping L1 penalty named "only the first tensor", the Keras velocity
form told "its steps differ", eps after the division named "sqrt clamped at eps", clamp(min=1) named "not clamped",
noise clipped to [0, 1] reported as "mean -4.5", float32 arithmetic reported only as a relative error, the old buffer
returned, unnamed). Every correct alternative also runs its notebook's public checks in process, and must pass all.
"""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.assignments.norm_sched.corpus.outsider import BUGS, CORRECT, HOSTILE
from tests.assignments.norm_sched.corpus.variants import ASSIGNMENT
from tests.assignments.optim_reg.corpus.variants import notebook
from tests.edit import code_cells
from tests.grades import bug_is_caught_and_told, public_checks, read_grades
from tests.grading.inprocess import run_cells

GRADED_CORRECT = (
    "O-bn-var-mean-in-place-running-and-staged-backward", "O-bn-module-inline-buffers-reassigned-and-counter",
    "O-bn-closure-as-cache", "O-clip-own-clip_grad_norm_-helper-on-copies", "O-l1-own-helper-named-softshrink",
    "O-sched-scheduler-only-in-an-ungraded-comparison",
)  # fmt: skip
GRADED_HOSTILE = ("O-H-prox-softshrink-bound-at-top-level", "O-H-layernorm-group-norm-alias")
# Bug -> mistake ids its feedback must not name (what the graders of their time named wrongly).
NOT_NAMED = {
    "O-P-matrices-only": ("l1.first_tensor_only",),
    "O-N-keras-velocity": (),
    "O-G-eps-after-the-division": ("adagrad.eps_clamped",),
    "O-C-clamp-min-instead-of-max": (),
    "O-A-noise-clipped-to-pixel-range": (),
    "O-G-float32-inside": ("adagrad.eps_inside", "adagrad.eps_hardcoded", "adagrad.eps_clamped"),
    "O-N-old-buffer-returned": (),
}
VARIANTS = {v.name: v for v in [*CORRECT, *HOSTILE, *BUGS]}
GRADED = [*GRADED_CORRECT, *GRADED_HOSTILE, *NOT_NAMED]
QUESTIONS = ("batchnorm", "layernorm", "schedules", "clipping", "adagrad", "nesterov", "l1", "augment", "training")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[dict[str, dict[str, float]], Path]:
    folder, out = tmp_path_factory.mktemp("outsider"), tmp_path_factory.mktemp("graded")
    for name in GRADED:
        nbformat.write(notebook(VARIANTS[name], ASSIGNMENT), folder / f"{name}.ipynb")
    run = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(folder), "--out", str(out), "--jobs", "2",
         "--assignment", ASSIGNMENT],
        capture_output=True, text=True, timeout=1200,  # a guard against a hang, not a time limit
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    return read_grades(out), out


def _tests(out: Path, name: str, question: str) -> list[dict]:
    return [t for t in json.loads((out / name / "results.json").read_text())["tests"] if question in t["tags"]]


def _lost(grades: dict[str, dict[str, float]], name: str) -> dict[str, float]:
    possible, row = grades["Points Possible"], grades[name]
    return {q: row[q] for q in QUESTIONS if row[q] < possible[q]}


def test_the_outsider_corpus_has_its_size():
    assert len(CORRECT) >= 15 and len(BUGS) >= 20 and len(HOSTILE) >= 3
    assert {v.question for v in BUGS} >= set(QUESTIONS) - {"training"}
    assert len(GRADED) <= 15


@pytest.mark.parametrize("name", GRADED_CORRECT)
def test_correct_alternatives_get_full_marks(graded, name):
    grades, out = graded
    lost = _lost(grades, name)
    assert not lost, {q: [t["output"] for t in _tests(out, name, q) if t["score"] < t["max_score"]] for q in lost}


@pytest.mark.parametrize("name", GRADED_HOSTILE)
def test_a_library_call_by_a_detour_costs_its_question_only_and_is_named(graded, name):
    grades, out = graded
    variant = VARIANTS[name]
    assert grades[name][variant.question] == 0
    assert set(_lost(grades, name)) == {variant.question}
    assert all(variant.says in t["output"] for t in _tests(out, name, variant.question))


@pytest.mark.parametrize("name", list(NOT_NAMED))
def test_a_bug_is_caught_on_its_question_and_its_feedback_says_what_is_wrong(graded, name):
    grades, out = graded
    bug_is_caught_and_told(grades, out, VARIANTS[name], NOT_NAMED[name])


@pytest.mark.parametrize("variant", CORRECT, ids=lambda v: v.name)
def test_correct_alternatives_pass_every_public_check(capsys, variant):
    capsys.readouterr()
    run_cells(code_cells(notebook(variant, ASSIGNMENT)))
    out = capsys.readouterr().out
    checked, passed = public_checks(out)
    assert set(checked) == set(QUESTIONS) and passed == checked, out
