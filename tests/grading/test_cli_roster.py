"""`--roster` as a TA uses it: a roster Canvas would not export is refused before any submission is graded (not after
an hour of grading), and a graded folder gets its canvas_import.csv from `grade --out DIR --roster R` alone, without
grading again."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gradebook.canvas_fixtures import write_roster
from tests.inputs.lms_fixtures import canvas_name, zipped

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "tests" / "fixtures" / "course"
TOY = ["--assignment", "toy", "--root", str(COURSE)]
SOLUTION = (COURSE / "solutions" / "toy.ipynb").read_bytes()


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def canvas(tmp_path_factory):
    base = tmp_path_factory.mktemp("roster")
    (base / "submissions.zip").write_bytes(zipped({canvas_name("smithalice", 3401, 9001, "toy.ipynb"): SOLUTION}))
    return base


def test_a_roster_that_cannot_be_used_is_refused_before_grading(canvas):
    bad = canvas / "not_a_gradebook.csv"
    bad.write_text("Name,Score\nAlice,1\n", encoding="utf-8")
    out = canvas / "refused"
    result = run("grade", str(canvas / "submissions.zip"), "--out", str(out), "--roster", str(bad), *TOY)
    assert result.returncode == 2 and "Export Entire Gradebook" in result.stderr
    assert not list(out.glob("*/results.json")), "nothing was graded with a roster that cannot be used"


def test_a_graded_folder_gets_its_canvas_import_from_the_roster_alone(canvas):
    out = canvas / "graded"
    first = run("grade", str(canvas / "submissions.zip"), "--out", str(out), *TOY)
    assert first.returncode == 0, first.stderr[-3000:]
    grades = (out / "grades.csv").read_bytes()

    later = run("grade", "--out", str(out), "--roster", str(write_roster(canvas / "roster.csv")), *TOY)
    assert later.returncode == 0, later.stderr[-3000:]
    rows = {r["ID"]: r for r in csv.DictReader((out / "canvas_import.csv").open(encoding="utf-8"))}
    assert rows["3401"]["toy"] == "5" and rows["3402"]["toy"] == ""
    assert (out / "grades.csv").read_bytes() == grades, "nothing was graded again"


def test_a_grade_without_the_roster_says_the_canvas_import_is_now_stale(canvas):
    out = canvas / "stale"
    roster = str(write_roster(canvas / "roster.csv"))
    assert run("grade", str(canvas / "submissions.zip"), "--out", str(out), "--roster", roster, *TOY).returncode == 0
    regrade = run("grade", str(canvas / "submissions.zip"), "--out", str(out), "--question", "relu", *TOY)
    assert regrade.returncode == 0, regrade.stderr[-3000:]
    assert "canvas_import.csv still holds the totals from before" in regrade.stdout and "--roster" in regrade.stdout
