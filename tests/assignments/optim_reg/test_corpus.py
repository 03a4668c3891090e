"""Acceptance: the real grader (`autograder grade`, isolated workers) on the corpus of corpus/variants.py.

Every correct alternative gets full marks; every single bug loses points on its own question and nowhere else,
except [training] for the few bugs declared to stop the student's network from learning (Variant.also).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.assignments.optim_reg.corpus.variants import BUGS, CORRECT, write_corpus
from tests.grades import read_grades


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[dict[str, dict[str, float]], Path]:
    corpus = tmp_path_factory.mktemp("corpus")
    out = tmp_path_factory.mktemp("graded")
    write_corpus(corpus)
    run = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(corpus), "--out", str(out), "--jobs", "2"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    return read_grades(out), out


def _feedback(out: Path, name: str, question: str) -> str:
    data = json.loads((out / name / "results.json").read_text())
    return " ".join(t["output"] for t in data["tests"] if question in t["tags"])


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
    if variant.diagnosis:
        assert variant.diagnosis in _feedback(out, variant.name, variant.question)
        tests = json.loads((out / variant.name / "results.json").read_text())["tests"]
        named = [t["extra_data"]["mistake"] for t in tests if "mistake" in t["extra_data"]]
        assert named and all(m["id"].startswith(f"{variant.question}.") for m in named), named
        assert any(variant.diagnosis in m["text"] for m in named), "results.json names the mistake by id and text"
