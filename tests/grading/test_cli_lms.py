"""`autograder grade` on real LMS exports, end to end: results keyed by student with their identities, a Canvas
import that lands every score in the right row, the same files from the same inputs, and a regrade that changes
only its question."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gradebook.canvas_fixtures import gradebook, reimport, write_roster
from tests.inputs.lms_fixtures import GradescopeSubmission, canvas_name, gradescope_export, zipped

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "solutions" / "optim_reg.ipynb").read_bytes()
TEMPLATE = (ROOT / "student_template" / "optim_reg.ipynb").read_bytes()

GRADESCOPE = [
    GradescopeSubmission(11, [("Alice Smith", "S1001", "alice@school.edu")], {"optim_reg.ipynb": SOLUTION}),
    GradescopeSubmission(
        12,
        [("Bob Jones", "S1002", "bob@school.edu"), ("Carol Diaz", "S1003", "cdiaz@school.edu")],
        {"optim_reg.ipynb": TEMPLATE, "notes.pdf": b"%PDF"},
    ),  # fmt: skip
    GradescopeSubmission(13, [("Dan Lee", "S1004", "dlee@school.edu")], {"optim_reg.ipynb": b'{"cells": ['}),
]
CANVAS = {
    canvas_name("smithalice", 3401, 9001, "optim_reg.ipynb"): TEMPLATE,
    canvas_name("smithalice", 3401, 9002, "optim_reg-1.ipynb"): SOLUTION,  # the resubmission is graded
    canvas_name("jonesbob", 3402, 9003, "work.zip", late=True): zipped({"hw/optim_reg.ipynb": TEMPLATE}),
}


def grade(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", *args], capture_output=True, text=True, timeout=900
    )


def rows(path: Path) -> dict[str, dict[str, str]]:
    return {r["submission"]: r for r in csv.DictReader(path.open(encoding="utf-8"))}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    base = tmp_path_factory.mktemp("course")
    (base / "gradescope.zip").write_bytes(zipped(gradescope_export(GRADESCOPE)))
    (base / "canvas.zip").write_bytes(zipped(CANVAS))
    inputs = [str(base / "gradescope.zip"), str(base / "canvas.zip")]
    roster = str(write_roster(base / "roster.csv"))
    runs = [grade(*inputs, "--out", str(base / out), "--roster", roster, "--jobs", "2", "--assignment", "optim_reg")
            for out in ("first", "second")]
    return base, inputs, roster, runs


def test_exports_grade_into_results_keyed_by_student_with_their_identities(course):
    base, _, _, runs = course
    assert runs[0].returncode == 0, runs[0].stderr[-3000:]
    grades = rows(base / "first" / "grades.csv")
    assert set(grades) == {"Points Possible", "Alice_Smith", "Bob_Jones+Carol_Diaz", "Dan_Lee",
                           "smithalice_3401", "jonesbob_3402"}  # fmt: skip
    assert list(grades["Alice_Smith"])[:7] == [
        "submission",
        "student",
        "email",
        "sid",
        "canvas_id",
        "submitted_at",
        "late",
    ]
    assert (grades["Alice_Smith"]["total"], grades["smithalice_3401"]["total"]) == ("100", "100")
    assert grades["Bob_Jones+Carol_Diaz"]["sid"] == "S1002; S1003" and grades["Bob_Jones+Carol_Diaz"]["total"] == "0"
    assert grades["jonesbob_3402"]["late"] == "late" and grades["jonesbob_3402"]["canvas_id"] == "3402"
    results = json.loads((base / "first" / "Dan_Lee" / "results.json").read_text())
    assert results["score"] == 0 and "not valid JSON" in results["output"]
    extra = json.loads((base / "first" / "Alice_Smith" / "results.json").read_text())["extra_data"]
    assert extra["submitters"] == [
        {"name": "Alice Smith", "email": "alice@school.edu", "sid": "S1001", "canvas_id": None}
    ]
    assert extra["submitted_at"] == "2026-11-30T17:02:11.123456-08:00"
    assert extra["source"].endswith("gradescope.zip/assignment_7777_export/submission_11/optim_reg.ipynb")
    assert "Dan_Lee: The file is not valid JSON" in runs[0].stdout
    assert "could not be graded" in runs[0].stdout and "median" in runs[0].stdout


def test_the_canvas_import_puts_every_score_in_the_right_row(course):
    base, _, _, runs = course
    after = reimport(gradebook(), base / "first" / "canvas_import.csv")
    # Alice: twice (Gradescope and Canvas), both 100; Bob and Carol: the group's 0; Dan: the broken notebook's 0
    assert {uid: row.get("optim_reg") for uid, row in after.items()} == {
        "3401": "100", "3402": "0", "3403": "0", "3404": "0", "3499": None
    }  # fmt: skip
    assert "Student, Test (ID 3499): no submission, so the score is left empty." in runs[0].stdout
    assert "several submissions match" in runs[0].stdout
    assert "Canvas will import as a new assignment" in runs[0].stdout  # no column of the export is called optim_reg


def test_the_canvas_import_can_fill_an_assignment_the_gradebook_has(course, tmp_path):
    """`--canvas-column` names the Canvas assignment by its title; the export's own column `Quiz 1 (1001)` is filled."""
    base, _, roster, _ = course
    out = tmp_path / "graded"
    shutil.copytree(base / "first", out)
    run = grade("--out", str(out), "--roster", roster, "--canvas-column", "Quiz 1")
    assert run.returncode == 0, run.stderr[-3000:]
    assert "new assignment" not in run.stdout
    after = reimport(gradebook(), out / "canvas_import.csv")
    assert {uid: row.get("Quiz 1 (1001)") for uid, row in after.items()} == {
        "3401": "100", "3402": "0", "3403": "0", "3404": "0", "3499": None
    }  # fmt: skip


def test_the_same_inputs_give_the_same_files(course):
    base, _, _, runs = course
    assert runs[1].returncode == 0, runs[1].stderr[-3000:]
    for name in ("grades.csv", "canvas_import.csv", "canvas_unmatched.csv"):
        assert (base / "first" / name).read_bytes() == (base / "second" / name).read_bytes(), name
    for path in (base / "first").glob("*/results.json"):
        first, second = (json.loads(p.read_text()) for p in (path, base / "second" / path.parent.name / "results.json"))
        assert {**first, "execution_time": 0} == {**second, "execution_time": 0}, path.parent.name


def test_a_regrade_changes_only_its_question(course):
    base, inputs, roster, _ = course
    out = base / "first"
    grades = list(csv.reader((out / "grades.csv").open(encoding="utf-8")))
    header = grades[0]
    alice = next(r for r in grades if r[0] == "Alice_Smith")
    alice[header.index("adam")] = "0"  # what a broken grader might have written
    alice[header.index("momentum")] = "1"  # not regraded: must stay as it is
    with (out / "grades.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(grades)
    results = json.loads((out / "Alice_Smith" / "results.json").read_text())
    for test in results["tests"]:
        if test["tags"] == ["adam"]:
            test["score"], test["status"] = 0, "failed"
    (out / "Alice_Smith" / "results.json").write_text(json.dumps(results))
    others = [t for t in results["tests"] if t["tags"] != ["adam"]]

    run = grade(*inputs, "--out", str(out), "--question", "adam", "--roster", roster)
    assert run.returncode == 0, run.stderr[-3000:]
    after = rows(out / "grades.csv")
    adam_points = after["Points Possible"]["adam"]
    assert (after["Alice_Smith"]["adam"], after["Alice_Smith"]["momentum"]) == (adam_points, "1")
    assert after["Alice_Smith"]["total"] == str(100 - 8 + 1)
    regraded = json.loads((out / "Alice_Smith" / "results.json").read_text())
    assert [t for t in regraded["tests"] if t["tags"] != ["adam"]] == others
    assert all(t["score"] == t["max_score"] for t in regraded["tests"] if t["tags"] == ["adam"])
    assert rows(out / "grades.csv").keys() == rows(base / "second" / "grades.csv").keys()


def test_regrading_needs_an_earlier_grade_and_a_known_question(course, tmp_path):
    _, inputs, _, _ = course
    run = grade(*inputs, "--out", str(tmp_path / "new"), "--question", "adam", "--assignment", "optim_reg")
    assert run.returncode == 2 and "grade the submissions into" in run.stderr
    run = grade(*inputs, "--out", str(course[0] / "second"), "--question", "nesterov")
    assert run.returncode == 2 and "no question nesterov; the questions are init, momentum" in run.stderr
