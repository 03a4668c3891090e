"""grades.csv is written and read back exactly: identity and written columns, the Points Possible row, totals
with or without written points, and cells no spreadsheet evaluates."""

import csv
import io

import pytest

from autograder.gradebook.grades import GradesError, GradesTable, Row, read_grades
from autograder.output import OutputFolder


def table() -> GradesTable:
    rows = [
        Row("alice", {"student": "Alice", "email": "a@x.edu"}, {"init": 2.0, "adam": 1.5, "w_q": 3.0}),
        Row("bob", {"student": '=HYPERLINK("http://x")', "email": "-b@x.edu"}, {"init": 0.0, "adam": 3.0, "w_q": None}),
    ]
    return GradesTable({"init": 2.0, "adam": 3.0}, rows, ("student", "email"), {"w_q": 4.0})


def test_layout_and_totals_without_written_points_counted():
    rows = list(csv.reader(io.StringIO(table().text())))
    assert rows == [
        ["submission", "student", "email", "init", "adam", "w_q", "total", "max_total"],
        ["Points Possible", "", "", "2", "3", "4", "5", "5"],
        ["alice", "Alice", "a@x.edu", "2", "1.5", "3", "3.5", "5"],
        ["bob", '\'=HYPERLINK("http://x")', "'-b@x.edu", "0", "3", "", "3", "5"],
    ]


def test_written_points_count_only_when_asked_and_the_choice_survives_a_read(tmp_path):
    out = OutputFolder(tmp_path)
    counted = table()
    counted.count_written = True
    assert [r[-2:] for r in csv.reader(io.StringIO(counted.text()))][1:] == [["9", "9"], ["6.5", "9"], ["3", "9"]]
    for original in (table(), counted):
        original.write(out)
        again = read_grades(out)
        assert again.count_written == original.count_written
        assert again.text() == original.text()


def test_reading_a_folder_without_grades_says_what_to_do(tmp_path):
    with pytest.raises(GradesError, match="grade the submissions into .* first"):
        read_grades(OutputFolder(tmp_path))
    (tmp_path / "grades.csv").write_text("a,b\n1,2\n")
    with pytest.raises(GradesError, match="not a grades.csv this command wrote"):
        read_grades(OutputFolder(tmp_path))
