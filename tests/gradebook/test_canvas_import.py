"""The Canvas import CSV: the roster's columns, one column for the assignment, Canvas's Points Possible row; every
score lands in the right student's row when re-imported, and nothing unmatched is dropped silently."""

import csv

import pytest

from autograder.gradebook.canvas import (
    CANVAS_IMPORT,
    UNMATCHED,
    Graded,
    RosterError,
    join,
    read_roster,
    write_canvas_import,
)
from autograder.inputs.identity import Submitter
from autograder.output import OutputFolder
from tests.gradebook.canvas_fixtures import gradebook, reimport, write_roster

GRADED = [
    Graded("smithalice_3401", (Submitter(name="smithalice", canvas_id="3401"),), 91.5),  # Canvas download
    Graded("Bob_Jones", (Submitter(name="Bob Jones", sid="S1002", email="bob@x.edu"),), 80.0),  # Gradescope SID
    Graded("group", (Submitter(name="Carol", email="cdiaz@school.edu"), Submitter(name="Zed", sid="S9999")), 70.0),
    Graded("loose", (), 50.0),  # a notebook with no identity
    Graded("smithalice_3401-2", (Submitter(canvas_id="3401"),), 60.0),  # a second one for Alice
]


@pytest.fixture
def written(tmp_path):
    out = OutputFolder(tmp_path / "out")
    book = join(read_roster(write_roster(tmp_path / "roster.csv")).students, GRADED)
    sentences = write_canvas_import(out, book, "optim_reg", 100.0)
    return out, sentences


def test_the_csv_has_canvas_columns_and_points_possible_row(written):
    out, _ = written
    rows = list(csv.reader(out.path(CANVAS_IMPORT).open(encoding="utf-8")))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "optim_reg"]
    assert rows[1] == ["    Points Possible", "", "", "", "", "100"]
    assert rows[2] == ["Smith, Alice", "3401", "S1001", "asmith", "DL-01", "91.5"]
    assert len(rows) == 2 + 5


def test_reimported_every_score_is_in_the_right_row(written):
    out, _ = written
    after = reimport(gradebook(), out.path(CANVAS_IMPORT))
    scores = {uid: row.get("optim_reg") for uid, row in after.items()}
    assert scores == {"3401": "91.5", "3402": "80", "3403": "70", "3404": None, "3499": None}


def test_unmatched_and_doubly_matched_are_listed_in_a_file_and_in_sentences(written):
    out, sentences = written
    problems = list(csv.DictReader(out.path(UNMATCHED).open(encoding="utf-8")))
    by_problem = {(p["problem"].split(";")[0], p["submission"] or p["Student"]) for p in problems}
    assert by_problem == {
        ("no roster student matches it", "group"),  # Zed, the group's other member
        ("matched only by the part of the email before '@' (cdiaz)", "group"),  # Carol: listed for checking
        ("no roster student matches it", "loose"),
        ("no submission, so the score is left empty", "Lee, Dan"),
        ("no submission, so the score is left empty", "Student, Test"),
        ("several submissions match", "smithalice_3401; smithalice_3401-2"),
    }
    assert "Submission loose (no student recorded): no roster student matches it." in sentences
    assert "Lee, Dan (ID 3404): no submission, so the score is left empty." in sentences


def test_a_roster_without_canvas_columns_says_what_to_export(tmp_path):
    (tmp_path / "r.csv").write_text("Name,Email\nA,a@x\n")
    with pytest.raises(RosterError, match="Export Entire Gradebook"):
        read_roster(tmp_path / "r.csv")
    with pytest.raises(RosterError, match="could not be read"):
        read_roster(tmp_path / "missing.csv")


def test_the_export_s_own_column_is_filled_when_its_title_is_given(tmp_path):
    """Canvas titles columns `<title> (<id>)` and matches an import by that text: naming the assignment by its title
    updates it; any other name is a new assignment, which the grader says before the instructor imports it."""
    roster = read_roster(write_roster(tmp_path / "roster.csv"))
    assert roster.assignments == ("Quiz 1 (1001)", "Current Score", "Final Score")
    assert roster.column("Quiz 1") == ("Quiz 1 (1001)", None)
    assert roster.column("Quiz 1 (1001)") == ("Quiz 1 (1001)", None)
    column, sentence = roster.column("optim_reg")
    assert column == "optim_reg" and "new assignment" in sentence and "--canvas-column" in sentence
    twice = type(roster)(roster.students, ("HW (1)", "HW (2)"))
    assert twice.column("HW")[0] == "HW" and "several columns" in twice.column("HW")[1]
