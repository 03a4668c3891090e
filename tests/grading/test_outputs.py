"""What a batch leaves in --out: results.json with where each submission came from and its written answers,
grades.csv with identity columns, written scores kept across a new grade, and a regrade that replaces only its
question's tests, where they were."""

import csv
import json

from autograder.assignment import load
from autograder.gradebook.grades import read_grades
from autograder.grading.batch import BatchOutcome
from autograder.grading.outputs import graded_before, write_batch, write_regrade
from autograder.grading.results import SubmissionResult, TestResult
from autograder.grading.submissions import Submission
from autograder.inputs.identity import Origin, Submitter
from autograder.output import OutputFolder
from autograder.written.answers import Answer

MAX = {"init": 2.0, "adam": 3.0}
ALICE = Origin("export.zip/submission_1/optim_reg.ipynb", (Submitter("Alice", "a@x.edu", "S1"),), "2026-11-30T17:02:11")


def two_tests(init: float, adam: float) -> list[TestResult]:
    return [
        TestResult("adam", "one step", adam, 3.0, "visible"),
        TestResult("init", "fans", init, 2.0, "hidden", "wrong fans"),
    ]


def outcome(init: float = 2.0, adam: float = 3.0) -> BatchOutcome:
    submissions = [
        Submission("alice", ALICE, cells=("x = 1",), answers={"w_q": Answer("It averages.", "text")}),
        Submission("bob", Origin("bob.ipynb"), problem="The file is empty."),
    ]
    results = [SubmissionResult("alice", two_tests(init, adam)), SubmissionResult("bob", problem="The file is empty.")]
    return BatchOutcome(load("optim_reg"), submissions, results, MAX, [])


def test_results_carry_origin_and_answers_and_grades_carry_identities(tmp_path):
    out = OutputFolder(tmp_path)
    write_batch(out, outcome(), previous=None)
    extra = json.loads(out.path("alice", "results.json").read_text())["extra_data"]
    assert extra["source"] == ALICE.source and extra["submitted_at"] == "2026-11-30T17:02:11"
    assert extra["submitters"] == [{"name": "Alice", "email": "a@x.edu", "sid": "S1", "canvas_id": None}]
    assert extra["written"] == {"w_q": {"answer": "It averages.", "found": "text"}}
    rows = list(csv.reader(out.path("grades.csv").open(encoding="utf-8")))
    assert rows[0] == ["submission", "student", "email", "sid", "canvas_id", "submitted_at", "late", "init", "adam",
                       "total", "max_total"]  # fmt: skip
    assert rows[2] == ["alice", "Alice", "a@x.edu", "S1", "", "2026-11-30T17:02:11", "", "2", "3", "5", "5"]
    assert rows[3][:2] == ["bob", ""] and rows[3][-3:] == ["0", "0", "5"]


def test_a_new_grade_keeps_merged_written_scores_and_their_counting(tmp_path):
    out = OutputFolder(tmp_path)
    table = write_batch(out, outcome(), previous=None)
    table.written, table.count_written = {"w_q": 4.0}, True
    table.row("alice").points["w_q"] = 3.5
    table.write(out)
    write_batch(out, outcome(init=0.0), previous=read_grades(out))
    again = read_grades(out)
    assert again.count_written and again.row("alice").points == {"init": 0.0, "adam": 3.0, "w_q": 3.5}
    assert again.total(again.row("alice")) == 6.5 and again.max_total() == 9.0


def test_a_regrade_replaces_only_the_asked_question_in_place(tmp_path):
    out = OutputFolder(tmp_path)
    write_batch(out, outcome(init=1.0, adam=0.0), previous=None)
    before = json.loads(out.path("alice", "results.json").read_text())
    partial = graded_before(out, read_grades(out))
    assert partial == {"alice"}, "bob was never graded, so a regrade grades him in full"
    fixed = outcome(adam=3.0)
    fixed.results[0].tests = [t for t in fixed.results[0].tests if t.question == "adam"]  # only [adam] was graded
    write_regrade(out, fixed, ["adam"], partial, read_grades(out))
    after = json.loads(out.path("alice", "results.json").read_text())
    assert [t["name"] for t in after["tests"]] == [t["name"] for t in before["tests"]]
    assert after["tests"][1] == before["tests"][1], "the [init] test is untouched"
    assert after["tests"][0]["score"] == 3.0 and after["score"] == 4.0
    assert read_grades(out).row("alice").points == {"init": 1.0, "adam": 3.0}
