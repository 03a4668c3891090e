"""Cell metadata is whatever the student's tools wrote. Tags that are not a list of strings must not cost the
submission its autograded points (it was read as 'could not be read as a notebook', zero points), nor its answers."""

import json
from pathlib import Path

import pytest

from autograder.assignment import choose
from autograder.grading.submissions import read_submission
from autograder.inputs.candidate import Candidate
from autograder.inputs.discover import Named
from autograder.inputs.identity import Origin
from autograder.inputs.tree import File
from autograder.written.questions import answer_finder

COURSE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "course"


@pytest.mark.parametrize("tags", [5, "answer:w_relu_zero", {"a": 1}, [None, 3, ["x"]], True])
def test_odd_tags_cost_nothing(tags):
    nb = json.loads((COURSE / "solutions" / "toy.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["metadata"]["tags"] = tags
    data = json.dumps(nb).encode()
    file = File(("odd.ipynb",), len(data), opener=lambda: data)
    named = Named("odd", Candidate("odd", "", Origin("odd.ipynb"), file))
    submission = read_submission(named, answer_finder(choose("toy", COURSE)))
    assert submission.problem is None and submission.cells
    assert submission.answers["w_relu_zero"].found == "tag" and "kink" in submission.answers["w_relu_zero"].text


def test_a_failure_while_finding_answers_costs_only_the_answers():
    class Broken:
        def find(self, cells):
            raise RecursionError("anything not foreseen")

    data = (COURSE / "solutions" / "toy.ipynb").read_bytes()
    named = Named("x", Candidate("x", "", Origin("x.ipynb"), File(("x.ipynb",), len(data), opener=lambda: data)))
    submission = read_submission(named, Broken())
    assert submission.problem is None and submission.cells and submission.answers == {}
