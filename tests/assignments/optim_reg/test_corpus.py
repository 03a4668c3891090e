"""Acceptance: the real grader (`autograder grade`, isolated workers) on the corpus of corpus/variants.py.

Every correct alternative gets full marks; every single bug loses points on its own question and nowhere else,
except [training] for the few bugs declared to stop the student's network from learning (Variant.also). Where a
variant says more (the mistake's id, a phrase of its feedback, the only tests it may fail, the tests that must earn
it nothing), that is checked too.
"""

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from tests.assignments.optim_reg.corpus.variants import BUGS, CORRECT, write_corpus
from tests.grades import feedback as _feedback
from tests.grades import question_tests
from tests.grades import read_grades


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[dict[str, dict[str, float]], Path]:
    corpus = tmp_path_factory.mktemp("corpus")
    out = tmp_path_factory.mktemp("graded")
    write_corpus(corpus)
    run = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(corpus), "--out", str(out), "--jobs", "2",
         "--assignment", "optim_reg"],
        capture_output=True, text=True, timeout=2400,  # a guard against a hang, not a time limit: ~150 notebooks
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    return read_grades(out), out


def _lost(test: dict) -> bool:
    return test["score"] < test["max_score"]


@pytest.mark.parametrize("variant", CORRECT, ids=lambda v: v.name)
def test_correct_alternatives_get_full_marks(graded, variant):
    grades, out = graded
    row = grades[variant.name]
    assert row["total"] == row["max_total"], {
        q: _feedback(out, variant.name, q) for q in row if q not in ("total", "max_total")
    }


@pytest.mark.parametrize("variant", BUGS, ids=lambda v: v.name)
def test_each_bug_costs_points_on_its_own_question_only(graded, variant):
    grades, out = graded
    possible, row = grades["Points Possible"], grades[variant.name]
    assert row[variant.question] < possible[variant.question], f"{variant.name} was not caught on [{variant.question}]"
    exempt = (variant.question, *variant.also, "total", "max_total")
    elsewhere = {q: row[q] for q in possible if q not in exempt and row[q] < possible[q]}
    assert not elsewhere, f"{variant.name} also lost points on {elsewhere}: " + str(
        {q: _feedback(out, variant.name, q) for q in elsewhere}
    )
    feedback = _feedback(out, variant.name, variant.question)
    tests = question_tests(out, variant.name, variant.question)
    named = [t["extra_data"]["mistake"] for t in tests.values() if "mistake" in t["extra_data"]]
    if variant.diagnosis:
        assert variant.diagnosis in feedback
        assert named and all(m["id"].startswith(f"{variant.question}.") for m in named), named
        assert any(variant.diagnosis in m["text"] for m in named), "results.json names the mistake by id and text"
    if variant.mistake:
        assert variant.mistake in {m["id"] for m in named}, (named, feedback)
    if variant.says:
        assert variant.says in feedback, feedback
    if variant.only:
        lost = {n for n, t in tests.items() if _lost(t)}
        assert lost == set(variant.only), {n: tests[n]["output"] for n in lost ^ set(variant.only) if n in tests}
    nothing = tests if variant.nothing == ("*",) else variant.nothing
    earned = {n: tests[n]["score"] for n in nothing if tests[n]["score"] > 0}
    assert not earned, f"{variant.name} earned points it cannot have earned: {earned}"


def test_variants_name_grader_tests_that_exist():
    for variant in BUGS:
        names = [n for n in (*variant.only, *variant.nothing) if n != "*"]
        module = importlib.import_module(f"assignments.optim_reg.graders.test_{variant.question}")
        missing = [n for n in names if not callable(getattr(module, n, None))]
        assert not missing, f"{variant.name} names grader tests that do not exist: {missing}"
