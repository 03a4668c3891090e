"""Acceptance for norm_sched: the real grader (`autograder grade --assignment norm_sched`, isolated workers) on the
corpus of corpus/variants.py, the solution and the template, in one batch; then `otter run` and the simulated
Gradescope container on a few of the same notebooks, which must earn the points `autograder grade` gave them.

Every correct alternative gets full marks; every single bug loses points on its own question, and on the questions
it names in ``also`` (the [training] components it breaks), and nowhere else; at least 80 % of the bugs are named in
the feedback by a mistake id of their question.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder.assignment import load
from tests.assignments.norm_sched.corpus.variants import ASSIGNMENT, BUGS, CORRECT
from tests.assignments.optim_reg.corpus.variants import Variant, write_corpus
from tests.grades import feedback, question_tests, read_grades

NORM_SCHED = load(ASSIGNMENT)
QUESTIONS = list(NORM_SCHED.questions)
VIA_OTTER = ["B14-module-never-updates-buffers", "S6-warmup-off-by-one"]  # + the solution and the template
VIA_GRADESCOPE = "G1-eps-inside-sqrt"


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[dict[str, dict[str, float]], Path, Path]:
    corpus = tmp_path_factory.mktemp("corpus")
    out = tmp_path_factory.mktemp("graded")
    write_corpus(corpus, [*BUGS, *CORRECT], ASSIGNMENT)
    (corpus / "solution.ipynb").write_bytes(NORM_SCHED.solution_notebook.read_bytes())
    (corpus / "template.ipynb").write_bytes(NORM_SCHED.template_notebook.read_bytes())
    run = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(corpus), "--out", str(out), "--assignment", ASSIGNMENT,
         "--jobs", "2"],
        capture_output=True, text=True, timeout=1800,  # a guard against a hang, not a time limit: ~90 notebooks
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    return read_grades(out), out, corpus


def _lost(row: dict[str, float], possible: dict[str, float], question: str) -> bool:
    return row[question] < possible[question]


def test_the_solution_gets_100_and_the_template_0(graded):
    grades, out, _ = graded
    assert grades["solution"]["total"] == grades["solution"]["max_total"] == 100, {
        q: feedback(out, "solution", q) for q in QUESTIONS
    }
    assert grades["template"]["total"] == 0


@pytest.mark.parametrize("variant", CORRECT, ids=lambda v: v.name)
def test_correct_alternatives_get_full_marks(graded, variant: Variant):
    grades, out, _ = graded
    row = grades[variant.name]
    possible = grades["Points Possible"]
    assert row["total"] == row["max_total"], {q: feedback(out, variant.name, q) for q in QUESTIONS if _lost(row, possible, q)}


@pytest.mark.parametrize("variant", BUGS, ids=lambda v: v.name)
def test_each_bug_costs_points_on_its_own_question_only(graded, variant: Variant):
    grades, out, _ = graded
    possible, row = grades["Points Possible"], grades[variant.name]
    assert _lost(row, possible, variant.question), f"{variant.name} was not caught on [{variant.question}]"
    spared = [q for q in variant.also if not _lost(row, possible, q)]
    assert not spared, f"{variant.name} breaks the components {spared} grades, and cost nothing there"
    elsewhere = {q: row[q] for q in QUESTIONS if q not in (variant.question, *variant.also) and _lost(row, possible, q)}
    assert not elsewhere, f"{variant.name} also lost points on {elsewhere}: " + str(
        {q: feedback(out, variant.name, q) for q in elsewhere}
    )
    text = feedback(out, variant.name, variant.question)
    named = _named(out, variant)
    assert all(m["id"].startswith(f"{variant.question}.") for m in named), named
    if variant.mistake:
        assert variant.mistake in {m["id"] for m in named}, (named, text)
    if variant.says:
        assert variant.says in text, text


def _named(out: Path, variant: Variant) -> list[dict[str, str]]:
    tests = question_tests(out, variant.name, variant.question, ASSIGNMENT)
    return [t["extra_data"]["mistake"] for t in tests.values() if "mistake" in t["extra_data"]]


def test_at_least_80_percent_of_the_bugs_are_named_in_their_feedback(graded):
    _, out, _ = graded
    unnamed = [v.name for v in BUGS if not _named(out, v)]
    assert len(unnamed) <= 0.2 * len(BUGS), f"{len(unnamed)} of {len(BUGS)} bugs are not named: {unnamed}"


def test_the_corpus_covers_every_function_question():
    per_question = {q: [v for v in BUGS if v.question == q] for q in QUESTIONS if q != "training"}
    assert all(len(bugs) >= 5 for bugs in per_question.values()), {q: len(b) for q, b in per_question.items()}
    assert len(BUGS) >= 45 and len(CORRECT) >= 12


# --- the other two grading paths on a few of the same notebooks ------------------------------------------------------


def test_otter_run_gives_the_points_autograder_grade_gives(graded, tmp_path):
    pytest.importorskip("otter", reason="the otter extra is not installed: pip install -e '.[otter]'")
    from tests.integrations.gradescope_container import built_zip
    from tests.integrations.test_otter import otter_run

    grades, _, corpus = graded
    otter_zip = built_zip("otter", NORM_SCHED, tmp_path / "dist")
    names = ["solution", "template", *VIA_OTTER]
    with ThreadPoolExecutor(2) as pool:
        runs = pool.map(lambda n: otter_run(otter_zip, corpus / f"{n}.ipynb", tmp_path / n, questions=tuple(QUESTIONS)),
                        names)  # fmt: skip
        otter = dict(zip(names, runs))
    assert sum(otter["solution"].values()) == 100 and sum(otter["template"].values()) == 0
    for name in names:
        assert otter[name] == {q: grades[name][q] for q in QUESTIONS}, name


def test_the_gradescope_container_gives_the_points_and_feedback_autograder_grade_gives(graded, tmp_path):
    from tests.integrations.gradescope_container import built_zip, make_root, run_autograder

    _, out, corpus = graded
    gradescope_zip = built_zip("gradescope", NORM_SCHED, tmp_path / "dist")
    submission = {f"{ASSIGNMENT}.ipynb": (corpus / f"{VIA_GRADESCOPE}.ipynb").read_bytes()}
    results, done = run_autograder(make_root(tmp_path, gradescope_zip, submission))
    expected = json.loads((out / VIA_GRADESCOPE / "results.json").read_text())
    assert 0 < results["score"] == expected["score"] < 100, done.stdout[-2000:] + done.stderr[-2000:]
    assert [(t["name"], t["score"], t["max_score"]) for t in results["tests"]] == [
        (t["name"], t["score"], t["max_score"]) for t in expected["tests"]
    ]
    assert results["extra_data"]["assignment"] == ASSIGNMENT
